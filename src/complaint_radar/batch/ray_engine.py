"""The Ray engine: Ray Data `map_batches` over partitions with an actor pool (models load once per actor)."""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from complaint_radar.batch.cube import MEASURES, cube_schema
from complaint_radar.batch.engines import Engine
from complaint_radar.batch.plan import JobSpec, Partition
from complaint_radar.batch.worker import PartitionResult, score_rows, task_rows

OBJECT_STORE_BYTES = 256 * 1024**2
"""Partitions travel as file names, not data, so a small object store is enough (Ray's minimum is 75 MiB)."""

ACTOR_RESTARTS = 3
"""A killed actor is restarted and its partition retried this many times before the round fails."""


@contextlib.contextmanager
def _quiet_ray() -> Iterator[None]:
    # Ray announces its own internal API renames as DeprecationWarnings; they are not the user's concern.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


_NULL = "\x00null"  # Ray's sort-based groupby cannot order None beside text; keys travel as this


def _read_facts(batch: pd.DataFrame) -> pa.Table:
    # Each worker reads its own fact files (ray.data.read_parquet would need fsspec's HTTP extras).
    return pa.concat_tables([pq.read_table(path) for path in batch["path"]])


def _explode_causes(batch: pd.DataFrame) -> pd.DataFrame:
    causes = batch["causes"].fillna("").str.split(";")
    exploded = batch.assign(cause=causes).explode("cause")
    exploded["cause"] = exploded["cause"].str.strip()
    return exploded[exploded["cause"] != ""].drop(columns=["causes"])


def _fill_keys(batch: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    out = batch[[*keys, "weight"]].copy()
    for key in keys:
        out[key] = out[key].astype(object).where(out[key].notna(), _NULL).astype(str)
    return out


def _restore_keys(batch: pd.DataFrame, keys: tuple[str, ...]) -> pa.Table:
    for key in keys:
        batch[key] = batch[key].astype(object).where(batch[key] != _NULL, None)
    batch["day"] = [None if d is None else date.fromisoformat(d) for d in batch["day"]]
    return pa.Table.from_pandas(batch[[*keys, *MEASURES]], preserve_index=False).cast(cube_schema(keys))


class _PartitionScorer:
    """A Ray Data actor: one per worker process, so the models it loads serve every partition it gets."""

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(score_rows(batch.to_dict("records")))


class RayEngine(Engine):
    """A local Ray on 127.0.0.1 (usage stats and dashboard off), or the cluster at `address`."""

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        super().__init__(workers)
        self.address = address
        self._from_cluster = address is not None and workers is None

    def _start(self) -> None:
        with _quiet_ray():
            self._start_ray()

    def _start_ray(self) -> None:
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        if not self.address:
            # Ray resolves 127.0.0.1 to the machine's outward address unless it is told this is no cluster:
            # with this flag every Ray process of the local instance listens on loopback only.
            os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        import ray

        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "configure_logging": False,
        }
        if self.address:
            ray.init(address=self.address, **options)
        else:
            ray.init(num_cpus=self.workers, object_store_memory=OBJECT_STORE_BYTES, **options)
        if self._from_cluster:
            self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call]
        ray.data.DataContext.get_current().enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)

    def _stop(self) -> None:
        import ray

        ray.shutdown()

    def run(self, spec: JobSpec, partitions: list[Partition]) -> list[PartitionResult]:
        import ray.data

        rows = task_rows(spec, partitions)
        with _quiet_ray():
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

    def aggregate(self, fact_files: list[str], keys: tuple[str, ...], target: str) -> None:
        import ray.data
        from ray.data.aggregate import Count, Sum

        with _quiet_ray():
            paths = [{"path": path} for path in fact_files]
            dataset: Any = ray.data.from_items(paths, override_num_blocks=len(paths))  # Any: Ray's UDF types
            dataset = dataset.map_batches(_read_facts, batch_size=1, batch_format="pandas")
            if "cause" in keys:
                dataset = dataset.map_batches(_explode_causes, batch_format="pandas")
            totals = (
                dataset.map_batches(_fill_keys, fn_kwargs={"keys": keys}, batch_format="pandas")
                .groupby(list(keys))
                .aggregate(Count(alias_name="messages"), Sum("weight", alias_name="weighted"))
                .map_batches(_restore_keys, fn_kwargs={"keys": keys}, batch_format="pandas")
            )
            totals.write_parquet(target)
