"""The probes of bench/praise_probe.py (heavy users' praise vs complaints; satisfied frequent customers' calm
messages) measure readings the training corpus must not teach by heart: none of their messages may be in
the cause corpus, and each keeps its kinds in every script."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from complaint_radar.models.cause_corpus import SCRIPTS, dedupe_key, load_cause_corpus

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "bench" / "data" / "heavy_user_praise_probe.jsonl"
FREQUENT = ROOT / "bench" / "data" / "frequent_customer_probe.jsonl"
TRAIN = ROOT / "corpus" / "causes" / "train"


def _probe(path: Path = PROBE) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_no_probe_message_is_in_the_training_corpus() -> None:
    trained = {dedupe_key(r.text) for r in load_cause_corpus(TRAIN)}
    for path in (PROBE, FREQUENT):
        leaked = [row["text"] for row in _probe(path) if dedupe_key(str(row["text"])) in trained]
        assert leaked == [], path.name


def test_probe_holds_praise_and_complaints_in_every_script() -> None:
    kinds = Counter((str(row["script"]), str(row["kind"])) for row in _probe())
    for script in SCRIPTS:
        assert kinds[(script, "praise")] >= 10 and kinds[(script, "complaint")] >= 10, kinds


def test_frequent_customer_probe_is_calm_in_every_script() -> None:
    rows = _probe(FREQUENT)
    assert {str(row["expected_stage"]) for row in rows} == {"none"}
    kinds = Counter((str(row["script"]), str(row["kind"])) for row in rows)
    for script in SCRIPTS:
        for kind in ("calm_query", "praise", "thanks_after_friction"):
            assert kinds[(script, kind)] >= 20, kinds
