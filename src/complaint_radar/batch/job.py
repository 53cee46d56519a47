"""Run a batch job on an engine: stage, score pending partitions in retry rounds, then publish the output."""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from complaint_radar.batch.core import typed_output
from complaint_radar.batch.cube import TABLES
from complaint_radar.batch.engines import Engine
from complaint_radar.batch.plan import JobSpec, Layout, Partition, clear_temp_files, prepare
from complaint_radar.batch.worker import PartitionResult
from complaint_radar.errors import BatchIncompleteError
from complaint_radar.io import TableWriter
from complaint_radar.services.rows import RowProblem

log = logging.getLogger(__name__)

ERROR_COLUMNS = ["file", "line", "partition", "row", "id", "reason"]


@dataclass
class BatchReport:
    """What a batch run did: rows and partitions, what resume skipped, retries, who scored, how long."""

    output: Path
    errors: Path
    rows: int = 0
    invalid: int = 0
    partitions: int = 0
    skipped: int = 0
    scored: int = 0
    failed_attempts: int = 0
    start_seconds: float = 0.0
    seconds: float = 0.0
    model_loads: dict[int, int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)


def run_batch(
    spec: JobSpec,
    engine: Engine,
    *,
    retries: int = 2,
    errors_path: Path | None = None,
    on_round: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Score every partition of `spec` not already done (resume), retrying failed ones up to `retries`
    more rounds. Raises BatchIncompleteError when some still fail; rerunning the same job resumes."""
    started = time.perf_counter()
    layout = spec.layout
    if errors_path is not None:
        TableWriter(errors_path)  # fail on a bad errors path before any work
    errors = errors_path or layout.default_errors()
    plan = prepare(spec)
    report = BatchReport(output=layout.output, errors=errors, partitions=len(plan.partitions))
    pending = _pending(layout, plan.partitions)
    report.skipped = len(plan.partitions) - len(pending)
    last_errors: dict[int, str] = {}
    if pending:
        engine_started = time.perf_counter()
        with engine:
            report.start_seconds = time.perf_counter() - engine_started
            for attempt in range(retries + 1):
                if not pending:
                    break
                if on_round:
                    on_round(attempt, len(pending))
                for result in _attempt(engine, spec, pending):
                    if result.error is None:
                        report.scored += 1
                        report.model_loads[result.pid] = max(
                            report.model_loads.get(result.pid, 0), result.model_loads
                        )
                    else:
                        report.failed_attempts += 1
                        last_errors[result.index] = result.error
                        log.warning("partition %d failed: %s", result.index, result.error)
                pending = _pending(layout, pending)
        # The engine is stopped: a worker that died (or was terminated with a broken pool) mid-write left
        # its temp file behind, and nothing will finish it now.
        clear_temp_files(layout)
    if pending:
        first = pending[0]
        where = f"partition {first.index}, {first.source} lines {first.first_line}-{first.last_line}"
        raise BatchIncompleteError(
            f"{len(pending)} of {len(plan.partitions)} partitions still failed after {retries} retries "
            f"({where}: {last_errors.get(first.index, 'no result')}); the others are kept — rerun the same "
            "command to resume"
        )
    if spec.cube:
        with engine:
            _write_cube(spec, engine, plan.partitions)
    _publish(spec, layout, plan.partitions, report)
    report.seconds = time.perf_counter() - started
    return report


def _pending(layout: Layout, partitions: list[Partition]) -> list[Partition]:
    return [p for p in partitions if not layout.marker(p.index).exists()]


def _attempt(engine: Engine, spec: JobSpec, pending: list[Partition]) -> list[PartitionResult]:
    try:
        return engine.run(spec, pending)
    except Exception as exc:  # the engine's own failure (a lost worker past its restarts): next round
        reason = f"{engine.name} engine failed: {' '.join(str(exc).split())[:500]}"
        return [PartitionResult(p.index, error=reason) for p in pending]


def _write_cube(spec: JobSpec, engine: Engine, partitions: list[Partition]) -> None:
    """Aggregate the facts on the engine into each cube table, replacing an older one only when done."""
    assert spec.cube is not None
    facts = [str(spec.layout.facts(p.index).resolve()) for p in partitions]
    root = Path(spec.cube)
    root.mkdir(parents=True, exist_ok=True)
    for name, keys in TABLES.items():
        _replace_folder(root, name, partial(_aggregate, engine, facts, keys))

    def copy_rows(tmp: Path) -> None:
        for p in partitions:
            shutil.copyfile(spec.layout.message_rows(p.index), tmp / f"part-{p.index:05d}.parquet")

    _replace_folder(root, "messages", copy_rows)


def _aggregate(engine: Engine, facts: list[str], keys: tuple[str, ...], target: Path) -> None:
    engine.aggregate(facts, keys, str(target.resolve()))


def _replace_folder(root: Path, name: str, fill: Callable[[Path], None]) -> None:
    """`root/name` replaced by a folder that `fill` writes, only once it is complete."""
    tmp = root / f".{name}.{secrets.token_hex(6)}.tmp"
    tmp.mkdir()
    try:
        fill(tmp)
        old = root / f".{name}.old"
        if (root / name).exists():
            (root / name).rename(old)
        tmp.rename(root / name)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _publish(spec: JobSpec, layout: Layout, partitions: list[Partition], report: BatchReport) -> None:
    """Write the errors file, assemble a single-file output, and drop the staged input."""
    error_rows: list[dict[str, object]] = []
    for partition in partitions:
        done = json.loads(layout.marker(partition.index).read_text(encoding="utf-8"))
        report.rows += done["rows"]
        report.invalid += done["invalid"]
        for row, line, ident, reason in done["problems"]:
            where = {"file": partition.source, "line": line, "partition": partition.index, "row": row}
            error_rows.append({**where, "id": ident, "reason": reason})
            report.problems.append(RowProblem(line, reason))
    errors = pd.DataFrame(error_rows, columns=ERROR_COLUMNS)
    for col in ERROR_COLUMNS:
        errors[col] = errors[col].astype("Int64" if col in ("line", "partition", "row") else "string")
    with TableWriter(report.errors) as writer:
        writer.write(errors)
    if layout.single_file:
        with TableWriter(layout.output) as writer:
            for partition in partitions:
                writer.write(typed_output(pq.read_table(layout.part(partition.index)).to_pandas()))
        shutil.rmtree(layout.parts_dir)
    else:
        shutil.rmtree(layout.state / "staged", ignore_errors=True)
