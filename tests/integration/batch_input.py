"""The 2,000-message input every batch engine test scores, and the reference `assess-file` gives for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.csv as pacsv

from complaint_radar import Analyzer
from complaint_radar.batch.cube import SEVERITY_WEIGHTS, TABLES
from complaint_radar.batch.plan import JobSpec
from complaint_radar.batch.synthetic import synthetic_batches
from complaint_radar.services.assessment.assess_file import assess_file

ROWS = 2_000
PARTITION_ROWS = 250  # 8 partitions


def write_messages(folder: Path) -> Path:
    """`messages.csv`: 2,000 varied demo and journey messages (about 1% empty) with ids and channels."""
    path = folder / "messages.csv"
    table = next(synthetic_batches(ROWS, seed=11, bad_share=0.02))
    pacsv.write_csv(table, path)
    return path


def spec_for(source: Path, out: Path, **options: Any) -> JobSpec:
    """A job over `source` with the test input's id and channel columns, 8 partitions."""
    return JobSpec(
        input=str(source),
        output=str(out),
        id_column="id",
        channel_column="channel",
        partition_rows=PARTITION_ROWS,
        **options,
    )


def messages_and_reference(folder: Path, analyzer: Analyzer) -> tuple[Path, Path]:
    """The input and what `assess-file` writes for it as Parquet (the typed columns batch parts hold)."""
    source = write_messages(folder)
    return source, reference_output(analyzer, source, folder / "assess_file.parquet")


def reference_output(analyzer: Analyzer, source: Path, out: Path) -> Path:
    """What `assess-file --id-column id --channel-column channel` writes for `source`."""
    assess_file(analyzer, source, out, text_column="text", id_column="id", channel_column="channel")
    return out


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("id").reset_index(drop=True)


def expected_cube(reference: Path, source: Path) -> dict[str, pd.DataFrame]:
    """The daily cube computed here with pandas from assess-file's output and the input's columns."""
    scored = pd.read_parquet(reference)
    given = pd.read_csv(source, dtype=str, keep_default_na=False)
    given["day"] = pd.to_datetime(given["occurred_at"], utc=True).dt.tz_convert("Asia/Shanghai").dt.date
    rows = scored[scored["valid"]].merge(given.drop(columns=["text"]), on=["id"], suffixes=("", "_in"))
    rows["weight"] = rows["risk_level"].map(SEVERITY_WEIGHTS).astype("int64")
    rows["sku"] = None  # not in the input
    tables = {}
    for name, keys in TABLES.items():
        frame = rows
        if "cause" in keys:
            frame = rows.assign(cause=rows["causes"].fillna("").str.split(";")).explode("cause")
            frame = frame[frame["cause"] != ""]
        grouped = frame.groupby(list(keys), dropna=False)["weight"].agg(["size", "sum"])
        tables[name] = comparable(
            grouped.reset_index().rename(columns={"size": "messages", "sum": "weighted"})
        )
    return tables


def read_cube(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: comparable(pd.read_parquet(folder / name)) for name in TABLES}


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Cube rows as text (null -> '') in a fixed row order, so cubes from any engine compare equal."""
    keys = [c for c in frame.columns if c not in ("messages", "weighted")]
    out = frame.astype(object).where(frame.notna(), "").astype(str)
    return out.sort_values([*keys, "messages", "weighted"]).reset_index(drop=True)
