"""Independent offline jobs of the 7-day model's fitting (replaying a seed, fitting a fold) on several cores.

The work runs in forked children, which inherit the parent's memory: what a job reads (loaded models,
journeys, the fitting matrix) is handed over as `state` before the fork and read back with `state()`,
so nothing large is pickled; only each job's argument and result are. Results come back in input order,
so a parallel run gives exactly what a serial one gives. Where fork is not available (or `jobs` is 1)
the jobs run here, one after the other.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STATE: Any = None


def default_jobs() -> int:
    """The cores this process may use (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def state() -> Any:
    """What the running `fork_map` handed its jobs."""
    return _STATE


def fork_map(fn: Callable[[T], R], items: Sequence[T], jobs: int, shared: Any = None) -> list[R]:
    """`fn` over `items`, in order, on up to `jobs` forked processes; `fn` must be a module-level function
    and reads `shared` through `state()`. An exception in a job is raised here."""
    global _STATE
    _STATE = shared
    try:
        if jobs <= 1 or len(items) <= 1 or "fork" not in get_all_start_methods():
            return [fn(item) for item in items]
        workers = min(jobs, len(items))
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            return list(pool.map(fn, items))
    finally:
        _STATE = None
