"""Score one partition inside any engine's worker: staged slice in, part file and done-marker out."""

from __future__ import annotations

import json
import os
import signal
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow.parquet as pq

from complaint_radar.batch.core import assess_messages, worker_analyzer, worker_identity, worker_taxonomy
from complaint_radar.batch.cube import facts, message_rows
from complaint_radar.batch.plan import JobSpec, Partition, write_atomically, write_parquet_atomically
from complaint_radar.io import TableWriter

FAULT_ENV = "COMPLAINT_RADAR_BATCH_FAULT"
"""A failure drill, read where the job is started: `raise@3` makes partition 3 raise, `kill@3` kills the
process scoring it (SIGKILL); each fires once per output (a `_batch/fault-*` file records it), so the
retry must recover. It travels to the workers with each task."""


@dataclass
class PartitionResult:
    """What one attempt at a partition gave: counts and who scored it, or why it failed."""

    index: int
    rows: int = 0
    invalid: int = 0
    pid: int = 0
    model_loads: int = 0
    seconds: float = 0.0
    error: str | None = None
    problems: list[list[Any]] = field(default_factory=list)

    def to_row(self) -> dict[str, Any]:
        """A flat row for the engines' result tables (problems travel as JSON)."""
        row = asdict(self)
        row["problems"] = json.dumps(self.problems, ensure_ascii=False)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PartitionResult:
        values = dict(row)
        values["problems"] = json.loads(values.get("problems") or "[]")
        values["error"] = values.get("error") or None
        return cls(**{k: values[k] for k in cls.__dataclass_fields__})


def score_partition(spec: JobSpec, partition: Partition, drill: str = "") -> PartitionResult:
    """Score `partition` and publish its part file, then its done-marker (both atomically). A partition
    that raises comes back with `error` set; the job retries it."""
    started = time.perf_counter()
    layout = spec.layout
    try:
        _fault_drill(drill, spec, partition.index)
        messages = pq.read_table(layout.staged(partition.index))
        output = assess_messages(
            worker_analyzer(spec.embeddings),
            messages,
            id_column=spec.id_column,
            explain=spec.explain,
            taxonomy=worker_taxonomy(spec.taxonomy),
        )
        with TableWriter(layout.part(partition.index)) as writer:
            writer.write(output)
        if spec.cube:
            write_parquet_atomically(facts(messages, output), layout.facts(partition.index))
            write_parquet_atomically(
                message_rows(messages, output, partition.index), layout.message_rows(partition.index)
            )
        ids = messages.column("id").to_pylist()
        lines = messages.column("line").to_pylist()
        errors = output["error"].tolist()
        bad = [pos for pos, ok in enumerate(output["valid"].tolist()) if not ok]
        result = PartitionResult(
            partition.index,
            rows=len(output),
            invalid=len(bad),
            problems=[[pos, lines[pos], ids[pos], str(errors[pos])] for pos in bad],
        )
    except Exception as exc:
        message = "".join(traceback.format_exception_only(exc)).strip()
        result = PartitionResult(partition.index, error=message)
    result.pid, result.model_loads = worker_identity()
    result.seconds = time.perf_counter() - started
    if result.error is None:
        write_atomically(
            layout.marker(partition.index), json.dumps(asdict(result), ensure_ascii=False).encode()
        )
    return result


def score_rows(rows: Iterable[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    """Score the partitions described by engine rows (`spec`: JobSpec JSON, `partition`: Partition JSON)."""
    results = []
    for row in rows:
        spec = JobSpec.from_json(row["spec"])
        partition = Partition(**json.loads(row["partition"]))
        results.append(score_partition(spec, partition, row.get("drill", "")).to_row())
    return results


def task_rows(spec: JobSpec, partitions: list[Partition]) -> list[dict[str, Any]]:
    """One engine row per partition: what `score_rows` reads."""
    text = spec.to_json()
    drill = os.environ.get(FAULT_ENV, "")
    return [{"spec": text, "partition": json.dumps(asdict(p)), "drill": drill} for p in partitions]


def _fault_drill(drill: str, spec: JobSpec, index: int) -> None:
    if "@" not in drill:
        return
    kind, _, target = drill.partition("@")
    if target != str(index):
        return
    fired = spec.layout.state / f"fault-{kind}-{index}"
    if fired.exists():
        return
    fired.touch()
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise RuntimeError(f"failure drill ({FAULT_ENV}={drill})")
