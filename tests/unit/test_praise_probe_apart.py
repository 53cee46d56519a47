"""The heavy-user praise probe (bench/praise_probe.py) measures readings the training corpus must not teach
by heart: none of its messages may be in the cause corpus, and it keeps both kinds in every script."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from complaint_radar.models.cause_corpus import dedupe_key, load_cause_corpus

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "bench" / "data" / "heavy_user_praise_probe.jsonl"
TRAIN = ROOT / "corpus" / "causes" / "train"


def _probe() -> list[dict[str, object]]:
    return [json.loads(line) for line in PROBE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_no_probe_message_is_in_the_training_corpus() -> None:
    trained = {dedupe_key(r.text) for r in load_cause_corpus(TRAIN)}
    leaked = [row["text"] for row in _probe() if dedupe_key(str(row["text"])) in trained]
    assert leaked == []


def test_probe_holds_praise_and_complaints_in_every_script() -> None:
    kinds = Counter((str(row["script"]), str(row["kind"])) for row in _probe())
    for script in ("zh-Hans", "zh-Hant", "en"):
        assert kinds[(script, "praise")] >= 10 and kinds[(script, "complaint")] >= 10, kinds
