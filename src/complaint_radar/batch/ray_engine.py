"""The Ray engine: Ray Data `map_batches` over partitions with an actor pool (models load once per actor)."""

from __future__ import annotations

import os
import warnings
from types import TracebackType
from typing import Any, Self

import pandas as pd

from complaint_radar.batch.plan import JobSpec, Partition
from complaint_radar.batch.worker import FAULT_ENV, PartitionResult, score_rows, task_rows

OBJECT_STORE_BYTES = 256 * 1024**2
"""Partitions travel as file names, not data, so a small object store is enough (Ray's minimum is 75 MiB)."""

ACTOR_RESTARTS = 3
"""A killed actor is restarted and its partition retried this many times before the round fails."""


class _PartitionScorer:
    """A Ray Data actor: one per worker process, so the models it loads serve every partition it gets."""

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(score_rows(batch.to_dict("records")))


class RayEngine:
    """A local Ray on 127.0.0.1 (usage stats and dashboard off), or the cluster at `address`."""

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        from complaint_radar.batch.engines import available_cores

        self.address = address
        self.workers = workers or (0 if address else available_cores())
        self._started = False

    def __enter__(self) -> Self:
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        if not self.address:
            # Ray resolves 127.0.0.1 to the machine's outward address unless it is told this is no cluster:
            # with this flag every Ray process of the local instance listens on loopback only.
            os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        import ray

        env = {FAULT_ENV: os.environ[FAULT_ENV]} if FAULT_ENV in os.environ else {}
        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "configure_logging": False,
            "runtime_env": {"env_vars": env},
        }
        if self.address:
            ray.init(address=self.address, **options)
        else:
            ray.init(num_cpus=self.workers, object_store_memory=OBJECT_STORE_BYTES, **options)
        self._started = True
        if not self.workers:
            self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        ray.data.DataContext.get_current().enable_progress_bars = False
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def run(self, spec: JobSpec, partitions: list[Partition]) -> list[PartitionResult]:
        import ray.data

        rows = task_rows(spec, partitions)
        with warnings.catch_warnings():
            # Ray announces its own API renames as warnings; they are not the user's concern.
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
                _PartitionScorer,
                batch_size=1,
                batch_format="pandas",
                compute=ray.data.ActorPoolStrategy(size=min(self.workers, len(rows))),
                num_cpus=1,
                max_restarts=ACTOR_RESTARTS,
                max_task_retries=ACTOR_RESTARTS,
            )
            return [PartitionResult.from_row(row) for row in dataset.take_all()]
