"""What a batch job is: its options, its output layout, and its partitions (staged slices of the input)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from complaint_radar.batch.core import message_batch
from complaint_radar.batch.cube import staged_dimensions, zone
from complaint_radar.errors import InputError, UnsupportedFormatError
from complaint_radar.io import INPUT_SUFFIXES, OUTPUT_FORMATS, detect_format, read_chunks
from complaint_radar.services.assessment.assess_file import column_options

#: Written into job.json; a different layout version cannot be resumed.
LAYOUT_VERSION = 1


@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs to score a partition; plain values, so it travels to any engine."""

    input: str
    output: str
    text_column: str = "text"
    id_column: str | None = None
    channel_column: str | None = None
    partition_rows: int = 10_000
    part_format: str = "parquet"
    explain: bool = False
    embeddings: bool = False
    taxonomy: str | None = None
    cube: str | None = None
    time_column: str = "occurred_at"
    timezone: str = "Asia/Shanghai"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JobSpec:
        return cls(**json.loads(text))

    @property
    def layout(self) -> Layout:
        return Layout(Path(self.output), self.part_format)


@dataclass(frozen=True)
class Partition:
    """One slice of one input file: its rows are staged at `Layout.staged(index)`."""

    index: int
    source: str
    first_line: int
    last_line: int
    rows: int


class Layout:
    """Where a job's files go. A directory OUT holds `part-00000.<format>` files and `_batch/` (job.json,
    staged input slices, one done-marker per finished part); `_`-prefixed names are skipped by Spark,
    pandas and pyarrow readers of the directory. A file OUT is assembled from parquet parts kept in the
    hidden `.OUT.batch/` beside it, which is removed once OUT is written."""

    def __init__(self, output: Path, part_format: str = "parquet") -> None:
        self.output = output
        self.single_file = bool(output.suffix) and not output.is_dir()
        if self.single_file:
            detect_format(output, output=True)
            self.parts_dir = output.with_name(f".{output.name}.batch")
            self.part_format = "parquet"
        else:
            if part_format not in OUTPUT_FORMATS:
                raise UnsupportedFormatError(
                    f"--format {part_format} is not supported; use one of {', '.join(sorted(OUTPUT_FORMATS))}"
                )
            self.parts_dir = output
            self.part_format = part_format
        self.state = self.parts_dir / "_batch"
        self.job_file = self.state / "job.json"

    def part(self, index: int) -> Path:
        return self.parts_dir / f"part-{index:05d}.{self.part_format}"

    def marker(self, index: int) -> Path:
        return self.state / "done" / f"part-{index:05d}.json"

    def staged(self, index: int) -> Path:
        return self.state / "staged" / f"part-{index:05d}.parquet"

    def facts(self, index: int) -> Path:
        return self.state / "facts" / f"part-{index:05d}.parquet"

    def message_rows(self, index: int) -> Path:
        return self.state / "rows" / f"part-{index:05d}.parquet"

    def default_errors(self) -> Path:
        if self.single_file:
            name = self.output.name.split(".")[0] or "output"
            return self.output.with_name(f"{name}.errors.csv")
        return self.output / "_errors.csv"


def write_atomically(path: Path, data: bytes) -> None:
    """Write `path` through a temp file and a rename, so readers see all of it or none."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_parquet_atomically(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` through a temp file and a rename."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def input_files(spec: JobSpec) -> list[Path]:
    """The files of INPUT: the file itself, or the supported files directly inside the directory."""
    root = Path(spec.input)
    if not root.exists():
        raise InputError(f"input {root} does not exist; check the path")
    if root.is_file():
        return [root]
    files = sorted(
        p
        for p in root.iterdir()
        if p.is_file() and not p.name.startswith((".", "_")) and p.name.lower().endswith(INPUT_SUFFIXES)
    )
    if not files:
        raise InputError(
            f"input directory {root} holds no table files ({', '.join(INPUT_SUFFIXES)}); check the path"
        )
    return files


def _fingerprint(spec: JobSpec, files: list[Path]) -> dict[str, Any]:
    options = {k: v for k, v in asdict(spec).items() if k not in ("input", "output")}
    sources = [
        {"path": str(p.resolve()), "bytes": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns} for p in files
    ]
    return {"version": LAYOUT_VERSION, "options": options, "inputs": sources}


@dataclass
class Plan:
    """The job's partitions in output order; `resumed` when they came from an earlier run's job.json."""

    partitions: list[Partition] = field(default_factory=list)
    resumed: bool = False


def prepare(spec: JobSpec) -> Plan:
    """Stage the input into partitions (or reuse the staging of an earlier run with the same input and
    options), and clear the temp files a killed run left behind."""
    layout = spec.layout
    files = input_files(spec)
    fingerprint = _fingerprint(spec, files)
    _check_output_dir(layout)
    if layout.job_file.exists():
        saved = json.loads(layout.job_file.read_text(encoding="utf-8"))
        if saved.get("fingerprint") != fingerprint:
            raise InputError(
                f"{spec.output} holds a batch run of other input or options; give a new --output, or delete "
                f"{layout.parts_dir} to start over"
            )
        clear_temp_files(layout)
        return Plan([Partition(**p) for p in saved["partitions"]], resumed=True)
    for folder in (layout.state / name for name in ("staged", "done", "facts", "rows")):
        folder.mkdir(parents=True, exist_ok=True)
    clear_temp_files(layout)
    partitions = list(_stage(spec, layout, files))
    if not partitions:
        raise InputError(f"{spec.input} has no data rows; nothing to assess")
    job = {"fingerprint": fingerprint, "partitions": [asdict(p) for p in partitions]}
    write_atomically(layout.job_file, json.dumps(job, ensure_ascii=False, indent=1).encode("utf-8"))
    return Plan(partitions)


def _check_output_dir(layout: Layout) -> None:
    if layout.single_file:
        if not layout.output.parent.is_dir():
            where = layout.output.parent
            raise InputError(
                f"cannot write {layout.output}: directory {where} does not exist; create it first"
            )
        return
    if layout.output.is_file():
        raise InputError(
            f"--output {layout.output} is a file; name a directory (or a file with an extension)"
        )
    if layout.output.is_dir() and not layout.state.is_dir() and any(layout.output.iterdir()):
        raise InputError(
            f"--output {layout.output} is a non-empty directory that is not a batch output; give a new or "
            "empty directory"
        )


def clear_temp_files(layout: Layout) -> None:
    """Delete the temp files of writes that never finished (a worker killed or terminated mid-write).
    Only call it while no worker of this job is running."""
    for folder in (
        layout.parts_dir,
        *(layout.state / name for name in ("", "staged", "done", "facts", "rows")),
    ):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()


def _stage(spec: JobSpec, layout: Layout, files: list[Path]) -> Iterator[Partition]:
    """Read every input file with the same readers as `assess-file`, one partition per chunk."""
    required, options = column_options(spec.text_column, spec.id_column, spec.channel_column)
    if spec.cube:
        required.append(spec.time_column)
        options[spec.time_column] = "--time-column"
        zone(spec.timezone)  # a bad --timezone fails before any work
    index = 0
    for path in files:
        for chunk in read_chunks(path, required, chunk_rows=spec.partition_rows, column_options=options):
            messages = message_batch(
                chunk,
                text_column=spec.text_column,
                id_column=spec.id_column,
                channel_column=spec.channel_column,
            )
            if spec.cube:
                for name, values in staged_dimensions(chunk, spec.time_column, spec.timezone).items():
                    messages = messages.append_column(name, values)
            write_parquet_atomically(messages, layout.staged(index))
            yield Partition(index, str(path), chunk.lines[0], chunk.lines[-1], len(chunk))
            index += 1
