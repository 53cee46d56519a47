"""glibc malloc settings for long-running servers: fewer arenas, free memory handed back.

glibc gives each thread that allocates while another holds an arena a new arena (up to 8 per core), and
keeps memory freed inside an arena for reuse instead of returning it. A `serve` worker runs requests on
a pool of up to 40 threads, so it collects many arenas whose free memory it keeps: measured in
docs/reliability.md (bench/load.py soak), its RSS rose by ~48 MiB in the first minute under load and kept
rising after. `MALLOC_ARENA_MAX=2` and a periodic `malloc_trim` bound that. Elsewhere (musl, macOS,
Windows) both functions do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from functools import cache

SERVER_ARENAS = 2
"""Arenas per server process (glibc's default: 8 per core). Two: the event loop's and one the request
threads share; their lock is held only inside malloc and free, short beside a request's work."""

M_ARENA_MAX = -8
"""mallopt's parameter number for the arena limit (malloc.h)."""


@cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):  # not glibc
        return None
    return libc


def limit_arenas_for_server() -> int | None:
    """Cap glibc's arenas, for this process and the processes it starts after (uvicorn's workers read
    `MALLOC_ARENA_MAX` when they start). A value the operator set is kept. Returns the cap in force
    (None without glibc or with a value that is not a positive number)."""
    if _libc() is None:
        return None
    wanted = os.environ.setdefault("MALLOC_ARENA_MAX", str(SERVER_ARENAS))
    try:
        arenas = int(wanted)
    except ValueError:
        return None
    if arenas < 1:
        return None
    libc = _libc()
    assert libc is not None
    return arenas if libc.mallopt(M_ARENA_MAX, arenas) == 1 else None


def release_free_memory() -> bool:
    """Hand the memory malloc holds free back to the system (`malloc_trim(0)`: the top of each heap and
    whole free pages inside them). True when some was released."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
