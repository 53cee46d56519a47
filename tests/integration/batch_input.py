"""The 2,000-message input every batch engine test scores, and the reference `assess-file` gives for it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv

from complaint_radar import Analyzer
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


def reference_output(analyzer: Analyzer, source: Path, out: Path) -> Path:
    """What `assess-file --id-column id --channel-column channel` writes for `source`."""
    assess_file(analyzer, source, out, text_column="text", id_column="id", channel_column="channel")
    return out


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("id").reset_index(drop=True)
