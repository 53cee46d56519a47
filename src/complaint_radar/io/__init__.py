"""Table input/output: stream CSV / JSONL / Parquet / Excel files in chunks, write results atomically."""

from __future__ import annotations

from complaint_radar.io.chunk import Chunk
from complaint_radar.io.formats import (
    INPUT_FORMATS,
    INPUT_SUFFIXES,
    OUTPUT_FORMATS,
    OUTPUT_SUFFIXES,
    Format,
    detect_format,
)
from complaint_radar.io.tables import read_chunks
from complaint_radar.io.writer import TableWriter

__all__ = [
    "INPUT_FORMATS",
    "INPUT_SUFFIXES",
    "OUTPUT_FORMATS",
    "OUTPUT_SUFFIXES",
    "Chunk",
    "Format",
    "TableWriter",
    "detect_format",
    "read_chunks",
]
