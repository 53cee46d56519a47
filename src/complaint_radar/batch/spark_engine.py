"""The Spark engine: PySpark `mapInPandas` over partitions; reused Python workers load models once each."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd

from complaint_radar.batch.engines import Engine
from complaint_radar.batch.plan import JobSpec, Partition
from complaint_radar.batch.worker import PartitionResult, score_rows, task_rows

RESULT_COLUMNS = {
    "index": "long",
    "rows": "long",
    "invalid": "long",
    "pid": "long",
    "model_loads": "long",
    "seconds": "double",
    "error": "string",
    "problems": "string",
}
RESULT_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in RESULT_COLUMNS.items())
TASK_ATTEMPTS = 4
"""Spark retries a task whose Python worker died up to this many attempts (local mode defaults to one)."""

LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.memory": "1g",
    "spark.python.worker.reuse": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


@contextlib.contextmanager
def _quiet_pyspark() -> Iterator[None]:
    # PySpark warns that it does not fully support pandas 3; mapInPandas here exchanges plain
    # string / number columns only, which the tests check end to end.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        yield


def _score_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        yield pd.DataFrame(score_rows(batch.to_dict("records")), columns=list(RESULT_COLUMNS))


class SparkEngine(Engine):
    """Spark in local mode (`local[workers]` on 127.0.0.1, UI off), a cluster at `address` (a master URL),
    or, under `spark-submit`, whatever session spark-submit configured."""

    name = "spark"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        super().__init__(workers)
        self.address = address
        self._session: Any = None

    def _start(self) -> None:
        with _quiet_pyspark():
            from pyspark.sql import SparkSession

            builder = SparkSession.builder.appName("complaint-radar-batch")
            submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started this driver
            if self.address:
                builder = builder.master(self.address)
            elif not submitted:
                os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
                os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
                builder = builder.master(f"local[{self.workers},{TASK_ATTEMPTS}]")
                for key, value in LOCAL_CONF.items():
                    builder = builder.config(key, value)
            self._session = builder.getOrCreate()
            self._session.sparkContext.setLogLevel("ERROR")

    def _stop(self) -> None:
        if self._session is not None:
            self._session.stop()
            self._session = None

    def run(self, spec: JobSpec, partitions: list[Partition]) -> list[PartitionResult]:
        rows = [(r["spec"], r["partition"], r["drill"]) for r in task_rows(spec, partitions)]
        with _quiet_pyspark():
            # One Spark partition per job partition, so each task scores exactly one of them.
            tasks = self._session.sparkContext.parallelize(rows, numSlices=len(rows))
            frame = self._session.createDataFrame(tasks, "spec string, partition string, drill string")
            collected = frame.mapInPandas(_score_batches, schema=RESULT_SCHEMA).collect()
        return [PartitionResult.from_row(row.asDict()) for row in collected]

    def aggregate(self, fact_files: list[str], keys: tuple[str, ...], target: str) -> None:
        from pyspark.sql import functions as F

        with _quiet_pyspark():
            frame = self._session.read.parquet(*fact_files)
            if "cause" in keys:
                causes = F.explode(F.split(F.coalesce(F.col("causes"), F.lit("")), ";"))
                frame = frame.withColumn("cause", causes).withColumn("cause", F.trim("cause"))
                frame = frame.where(F.col("cause") != "")
            totals = frame.groupBy(*keys).agg(
                F.count(F.lit(1)).cast("long").alias("messages"),
                F.sum("weight").cast("long").alias("weighted"),
            )
            typed = [F.col(k).cast("date" if k == "day" else "string").alias(k) for k in keys]
            totals.select(*typed, "messages", "weighted").write.mode("overwrite").parquet(target)
