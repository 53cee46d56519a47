"""The fitter's process pool (customers/parallel.py): results in order, the shared state, errors."""

from __future__ import annotations

import os

import pytest

from complaint_radar.customers.parallel import default_jobs, fork_map, state


def _scaled(item: int) -> tuple[int, int]:
    factor, _ = state()
    return item * factor, os.getpid()


def _fails(item: int) -> int:
    if item == 3:
        raise ValueError(f"job {item} failed")
    return item


def test_jobs_run_in_other_processes_and_come_back_in_input_order() -> None:
    shared = (10, list(range(100_000)))  # read by the children without being pickled per job
    out = fork_map(_scaled, list(range(12)), 2, shared)
    assert [value for value, _ in out] == [i * 10 for i in range(12)]
    assert os.getpid() not in {pid for _, pid in out}
    assert state() is None  # handed back after the run


def test_one_job_runs_here_in_order() -> None:
    out = fork_map(_scaled, [3, 1, 2], 1, (2, None))
    assert out == [(6, os.getpid()), (2, os.getpid()), (4, os.getpid())]


def test_a_failing_job_raises_its_error_here() -> None:
    with pytest.raises(ValueError, match="job 3 failed"):
        fork_map(_fails, list(range(6)), 2)
    assert state() is None


def test_default_jobs_is_the_cores_this_process_may_use() -> None:
    assert 1 <= default_jobs() <= (os.cpu_count() or 1)
