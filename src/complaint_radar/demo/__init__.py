"""Bundled demo data: about 200 original multilingual customer messages as JSON Lines."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

__all__ = ["demo_messages_path", "load_demo_messages"]

_FILENAME = "messages.jsonl"


def demo_messages_path() -> Path:
    """Return the filesystem path of the bundled `messages.jsonl`."""
    traversable = resources.files(__name__).joinpath(_FILENAME)
    if isinstance(traversable, Path):
        return traversable
    return Path(__file__).parent / _FILENAME


def load_demo_messages() -> list[dict[str, str]]:
    """Load the demo messages in file order (sorted by time), one dict per JSON line."""
    rows: list[dict[str, str]] = []
    with demo_messages_path().open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            rows.append({str(key): str(value) for key, value in record.items()})
    return rows
