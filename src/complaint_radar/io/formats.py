"""Which table formats Complaint Radar reads and writes, decided by the file name's extension."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final, Literal

from complaint_radar.errors import UnsupportedFormatError

Format = Literal["csv", "csv.gz", "jsonl", "jsonl.gz", "parquet", "xlsx"]

#: Extension (lower case) -> format; longest match wins, so ``.csv.gz`` beats ``.gz``.
_SUFFIXES: Final[dict[str, Format]] = {
    ".csv": "csv",
    ".csv.gz": "csv.gz",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl.gz",
    ".ndjson": "jsonl",
    ".ndjson.gz": "jsonl.gz",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}

INPUT_FORMATS: Final[frozenset[Format]] = frozenset(_SUFFIXES.values())
OUTPUT_FORMATS: Final[frozenset[Format]] = INPUT_FORMATS - {"xlsx"}

INPUT_SUFFIXES: Final[tuple[str, ...]] = tuple(_SUFFIXES)
OUTPUT_SUFFIXES: Final[tuple[str, ...]] = tuple(s for s, f in _SUFFIXES.items() if f in OUTPUT_FORMATS)

_HINTS: Final[dict[str, str]] = {
    ".xls": "re-save it in Excel as .xlsx or as 'CSV UTF-8'",
    ".xlsm": "re-save it in Excel as .xlsx or as 'CSV UTF-8'",
    ".json": "convert it to JSON Lines (.jsonl: one JSON object per line)",
    ".tsv": "convert it to comma-separated .csv",
    ".txt": "save it as .csv (with a header row) or .jsonl",
    ".gz": "name it .csv.gz or .jsonl.gz so the content format is known",
}


def _shown_suffix(name: str) -> str:
    suffixes = Path(name).suffixes
    if not suffixes:
        return ""
    if suffixes[-1].lower() == ".gz" and len(suffixes) > 1:
        return "".join(suffixes[-2:]).lower()
    return suffixes[-1].lower()


def detect_format(path: str | os.PathLike[str], *, output: bool = False) -> Format:
    """The format of ``path`` from its extension (case-insensitive).

    Input: ``.csv``, ``.csv.gz``, ``.jsonl``/``.ndjson`` (+ ``.gz``), ``.parquet``, ``.xlsx``.
    Output (``output=True``): the same except ``.xlsx``.
    Raises UnsupportedFormatError, naming the supported extensions, for anything else.
    """
    name = Path(path).name
    lowered = name.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            fmt = _SUFFIXES[suffix]
            if output and fmt not in OUTPUT_FORMATS:
                raise UnsupportedFormatError(
                    f"cannot write {name}: {suffix} output is not supported; "
                    f"use one of {', '.join(OUTPUT_SUFFIXES)}"
                )
            return fmt
    shown = _shown_suffix(name)
    what = f"extension '{shown}'" if shown else "no file extension"
    allowed = ", ".join(OUTPUT_SUFFIXES if output else INPUT_SUFFIXES)
    verb = "write" if output else "read"
    hint = _HINTS.get(shown) if not output else None
    fix = hint or ("name the output file with one of them" if output else "rename or convert the file")
    raise UnsupportedFormatError(f"cannot {verb} {name}: {what} is not supported (use {allowed}) — {fix}")
