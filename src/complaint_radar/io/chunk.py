"""The Chunk every reader yields, plus the header and required-column checks all readers share."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from complaint_radar.errors import MissingColumnError

_MAX_LISTED_COLUMNS = 30


@dataclass(frozen=True, slots=True)
class Chunk:
    """A block of consecutive input rows, all columns as raw Python values (object dtype).

    ``frame``: one row per data row of the input, ``RangeIndex`` 0..n-1, never empty. What a cell holds:

    * text (CSV always; JSONL/Parquet/Excel string cells) -> ``str`` exactly as in the file, ``""`` included
      (CSV empty cell -> ``""``; ids such as ``"000123"`` are never converted to numbers);
    * missing -> ``None``: JSON ``null`` or absent key, Parquet null, empty Excel cell, a CSV row with fewer
      fields than the header (the absent trailing cells), and every cell of a row listed in ``row_errors``;
    * numbers -> ``int`` / ``float`` (JSONL, Parquet, Excel; full precision; JSON ``NaN`` -> float nan;
      an Excel *number* shown as ``000123`` by its cell format reads as ``123`` — ids belong in text cells);
    * booleans -> ``bool``; JSON arrays / objects and Parquet list / struct -> ``list`` / ``dict``;
      Parquet/Excel dates -> ``datetime``/``date``/``time``; Parquet decimals -> ``Decimal``.

    So a caller wanting text treats ``None`` (or a float nan) as missing, a non-``str`` as non-text input, and
    a blank ``str`` as empty text.

    ``lines[pos]``: 1-based physical line in the file where row ``pos`` starts (header = line 1).  CSV: exact,
    counting quoted multi-line fields and skipped blank lines; JSONL: exact physical line (blank lines are
    skipped, so lines can jump); Parquet: row number + 1; Excel: the sheet's row number.  Use ``lines[pos]``
    (or ``line(pos)``), not ``first_line + pos``, because lines are not always consecutive.

    ``row_errors``: position in the chunk -> why that row could not be parsed (e.g. invalid JSON, a CSV row
    with more fields than the header); such rows are still present, with every cell ``None``.
    """

    frame: pd.DataFrame
    first_line: int
    lines: tuple[int, ...]
    row_errors: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.lines) != len(self.frame) or (self.lines and self.lines[0] != self.first_line):
            raise ValueError("Chunk.lines must give one line per frame row, starting at first_line")

    def __len__(self) -> int:
        return len(self.frame)

    def line(self, pos: int) -> int:
        """The 1-based file line on which row ``pos`` of this chunk starts."""
        return self.lines[pos]


def make_chunk(
    rows: Sequence[Sequence[object]] | Mapping[str, Sequence[object]],
    columns: Sequence[str],
    lines: Sequence[int],
    row_errors: Mapping[int, str] | None = None,
) -> Chunk:
    """Build a Chunk from row lists (or column lists) without any type inference."""
    if isinstance(rows, Mapping):
        data = {name: list(rows[name]) for name in columns}
        frame = pd.DataFrame(data, index=pd.RangeIndex(len(lines)), dtype=object)
    else:
        frame = pd.DataFrame(list(rows), columns=pd.Index(list(columns), dtype=object), dtype=object)
    return Chunk(frame=frame, first_line=lines[0], lines=tuple(lines), row_errors=dict(row_errors or {}))


def unique_names(raw: Iterable[object]) -> list[str]:
    """Header cells as column names: blank -> ``Unnamed: i``, duplicates get ``.1``, ``.2`` (as pandas)."""
    names: list[str] = []
    seen: set[str] = set()
    for i, value in enumerate(raw):
        base = f"Unnamed: {i}" if value is None or str(value) == "" else str(value)
        name, k = base, 1
        while name in seen:
            name, k = f"{base}.{k}", k + 1
        seen.add(name)
        names.append(name)
    return names


def _suggestion(name: str, available: Sequence[str]) -> str | None:
    folded = name.strip().casefold()
    for candidate in available:
        if candidate.strip().casefold() == folded:
            return candidate
    close = difflib.get_close_matches(name, list(available), n=1, cutoff=0.6)
    return close[0] if close else None


def check_columns(
    required: Iterable[str],
    available: Sequence[str],
    source: str,
    options: Mapping[str, str] | None = None,
) -> None:
    """Raise MissingColumnError (one actionable line) when any required column is not available."""
    present = set(available)
    missing = [name for name in dict.fromkeys(required) if name not in present]
    if not missing:
        return
    quoted = ", ".join(f"'{name}'" for name in missing)
    what = f"column {quoted}" if len(missing) == 1 else f"columns {quoted}"
    listed = ", ".join(available[:_MAX_LISTED_COLUMNS]) or "(none)"
    if len(available) > _MAX_LISTED_COLUMNS:
        listed += f", … ({len(available) - _MAX_LISTED_COLUMNS} more)"
    hints = [f"'{s}' for '{m}'" for m in missing if (s := _suggestion(m, available)) is not None]
    maybe = f" (did you mean {', '.join(hints)}?)" if hints else ""
    flags = list(dict.fromkeys(options[m] for m in missing if options and m in options))
    fix = f"pass the right name with {' / '.join(flags)}" if flags else "check the column name (case matters)"
    raise MissingColumnError(f"{what} not found in {source}; available columns: {listed}{maybe} — {fix}")
