"""The engines a batch job runs on: a local process pool, Ray or Spark (the latter two optional extras)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from types import TracebackType
from typing import Self

from complaint_radar.batch.cube import duckdb_aggregate
from complaint_radar.batch.plan import JobSpec, Partition
from complaint_radar.batch.worker import FAULT_ENV, PartitionResult, score_partition
from complaint_radar.errors import InputError, MissingExtraError

ENGINES = ("local", "ray", "spark")


class Engine:
    """Starts on the outermost `with` (so a caller may hold it started across several jobs), scores
    partitions with `run` (one result per partition it could try), stops when that `with` ends. `run` may
    raise when the engine itself fails; the job then retries in its next round."""

    name = "engine"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or available_cores()
        self._depth = 0

    def __enter__(self) -> Self:
        if self._depth == 0:
            self._start()
        self._depth += 1
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._stop()

    def _start(self) -> None:
        """Bring the engine up (nothing by default)."""

    def _stop(self) -> None:
        """Release what `_start` or `run` acquired (nothing by default)."""

    def run(self, spec: JobSpec, partitions: list[Partition]) -> list[PartitionResult]:
        raise NotImplementedError

    def aggregate(self, fact_files: list[str], keys: tuple[str, ...], target: str) -> None:
        """Group the cube facts by `keys` (exploding `causes` when `cause` is a key) into Parquet files
        under the existing directory `target`, in `cube.cube_schema(keys)`. Here: DuckDB on this machine."""
        duckdb_aggregate(fact_files, keys, target)


def available_cores() -> int:
    """CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class LocalEngine(Engine):
    """A pool of `workers` processes on this machine; each loads the models once, on its first partition.
    A worker that dies breaks the pool: its partitions come back failed and the next round gets a new pool."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        super().__init__(workers)
        self._pool: ProcessPoolExecutor | None = None

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, spec: JobSpec, partitions: list[Partition]) -> list[PartitionResult]:
        if self._pool is None:
            # spawn: a fresh interpreter per worker, never a fork of a parent holding threads or models.
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"))
        drill = os.environ.get(FAULT_ENV, "")
        futures: dict[Future[PartitionResult], Partition] = {
            self._pool.submit(score_partition, spec, p, drill): p for p in partitions
        }
        results: list[PartitionResult] = []
        broken = False
        for future in as_completed(futures):
            try:
                results.append(future.result())
            except BrokenProcessPool:
                broken = True
                results.append(PartitionResult(futures[future].index, error="a worker process died"))
        if broken:
            # wait: the pool terminates its other workers; once they are gone none still writes a file.
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        return results


def make_engine(name: str, workers: int | None = None, address: str | None = None) -> Engine:
    """The engine called `name`; a missing optional extra is an InputError with the install line."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if name == "local":
        if address:
            raise InputError("--address is for --engine ray or spark; the local engine runs on this machine")
        return LocalEngine(workers)
    if name == "ray":
        _require("ray", "ray", "Ray")
        from complaint_radar.batch.ray_engine import RayEngine

        return RayEngine(workers, address)
    if name == "spark":
        _require("pyspark", "spark", "PySpark")
        if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
            raise MissingExtraError(
                "--engine spark needs Java 17: run `make java` (or apt-get install openjdk-17-jre-headless), "
                "or set JAVA_HOME"
            )
        from complaint_radar.batch.spark_engine import SparkEngine

        return SparkEngine(workers, address)
    raise InputError(f"unknown engine {name!r}; use one of {', '.join(ENGINES)}")


def _require(module: str, extra: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(
            f"--engine {extra} needs {what}, which is not installed: pip install 'complaint-radar[{extra}]'"
        )
