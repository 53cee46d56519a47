"""A stream entry's fields as a message row: flat UTF-8 strings, named like a messages-file row.

Contract: `message_id, customer_id, occurred_at, channel, text` and optional dimension fields
(`product`, `branch`, `team`, `thread_id`, `speaker`, `language`, `source` …), each a string. An entry
whose names or values are not UTF-8 text, or that is oversized, is poison here; the row checks of
ingestion (a missing id, a bad time, an unknown channel …) find the rest. Both go to the dead letters
with their reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MAX_FIELDS = 64
MAX_VALUE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class PoisonEntry:
    """Why an entry cannot become a message row."""

    reason: str


def entry_row(fields: Mapping[bytes, bytes]) -> dict[str, str] | PoisonEntry:
    """The message row of an entry's fields, or why there is none."""
    if len(fields) > MAX_FIELDS:
        return PoisonEntry(f"entry has {len(fields)} fields; at most {MAX_FIELDS} are accepted")
    row: dict[str, str] = {}
    for raw_name, raw_value in fields.items():
        try:
            name = raw_name.decode("utf-8")
        except UnicodeDecodeError:
            return PoisonEntry(f"field name {raw_name[:40]!r} is not UTF-8")
        if len(raw_value) > MAX_VALUE_BYTES:
            return PoisonEntry(f"field {name!r} holds {len(raw_value)} bytes; at most {MAX_VALUE_BYTES}")
        try:
            row[name] = raw_value.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw_value[exc.start : exc.start + 4]
            return PoisonEntry(f"field {name!r} is not UTF-8 text (byte {exc.start}: {bad!r})")
    return row
