"""The frozen cause test split: recorded hash, SPEC codes, unique ids and texts, counts as reported."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from complaint_radar.text.normalize import normalize
from complaint_radar.types import Cause, Channel, Demand, Stage

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus" / "causes"
TEST_SPLIT = CORPUS / "test.jsonl"
README = CORPUS / "README.md"
GUIDELINES = ROOT / "docs" / "cause_annotation.md"

SCRIPT_IDS = {"zh-Hans": "hans", "zh-Hant": "hant", "en": "en"}


def _load_stats() -> Any:
    # corpus/causes/stats.py is a script, not a package module: load it from its path
    spec = importlib.util.spec_from_file_location("cause_corpus_stats", CORPUS / "stats.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STATS = _load_stats()
REQUIRED = {"id", "text", "script", "industry", "channel", "causes", "demands", "stage"}


def _records() -> list[dict[str, Any]]:
    lines = TEST_SPLIT.read_text(encoding="utf-8").splitlines()
    records = []
    for number, line in enumerate(lines, 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"test.jsonl line {number} is not JSON: {exc}")
    return records


def _distinct_codes(codes: list[str], allowed: set[str]) -> bool:
    return set(codes) <= allowed and len(set(codes)) == len(codes)


def _key(text: str) -> str:
    # the deduplication key of the corpus: whitespace removed, lower case, traditional -> simplified
    return re.sub(r"\s+", "", normalize(text))


def test_hash_matches_readme() -> None:
    recorded = re.search(r"SHA-256 of `test\.jsonl`: `([0-9a-f]{64})`", README.read_text(encoding="utf-8"))
    assert recorded, "corpus/causes/README.md must record the SHA-256 of test.jsonl"
    actual = hashlib.sha256(TEST_SPLIT.read_bytes()).hexdigest()
    assert actual == recorded.group(1), "test.jsonl changed: the test split is frozen (see its README)"


def test_every_record_uses_spec_codes() -> None:
    causes = {c.value for c in Cause}
    demands = {d.value for d in Demand}
    stages = {s.value for s in Stage}
    channels = {c.value for c in Channel}
    for record in _records():
        where = record.get("id", "?")
        assert REQUIRED <= record.keys() <= REQUIRED | {"note"}, where
        assert isinstance(record["text"], str) and record["text"].strip(), where
        assert record["script"] in SCRIPT_IDS, where
        assert record["industry"] in STATS.INDUSTRIES, where
        assert record["channel"] in channels, where
        assert record["stage"] in stages, where
        assert _distinct_codes(record["causes"], causes), where
        assert _distinct_codes(record["demands"], demands), where
        assert re.fullmatch(rf"t-{SCRIPT_IDS[record['script']]}-\d{{4}}", record["id"]), where


def test_labels_follow_the_guidelines_invariants() -> None:
    for record in _records():
        where = record["id"]
        if Cause.OTHER.value in record["causes"]:
            assert record["causes"] == [Cause.OTHER.value], f"{where}: `other` is exclusive"
        no_cause = not record["causes"]
        assert no_cause == (record["stage"] == Stage.NONE.value), f"{where}: no cause <=> stage none"
        if no_cause:
            assert not record["demands"], f"{where}: a message without dissatisfaction makes no demand"


def test_ids_and_texts_are_unique() -> None:
    records = _records()
    ids = Counter(r["id"] for r in records)
    assert [i for i, n in ids.items() if n > 1] == []
    keys = Counter(_key(r["text"]) for r in records)
    assert [k for k, n in keys.items() if n > 1] == []


def test_no_text_is_copied_from_the_guidelines() -> None:
    guidelines = _key(GUIDELINES.read_text(encoding="utf-8"))
    copied = [r["id"] for r in _records() if len(_key(r["text"])) >= 8 and _key(r["text"]) in guidelines]
    assert copied == []


def test_readme_counts_are_the_stats_output() -> None:
    readme = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- stats:begin -->\n(.*)\n<!-- stats:end -->", readme, re.S)
    assert block, "corpus/causes/README.md must hold the stats.py output between the stats markers"
    assert block.group(1) == STATS.main(TEST_SPLIT)


def test_every_cause_is_covered_in_every_script() -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for record in _records():
        counts.update((record["script"], cause) for cause in record["causes"])
    for script in SCRIPT_IDS:
        for cause in Cause:
            floor = 20 if cause is Cause.OTHER else 38
            assert counts[script, cause.value] >= floor, (script, cause.value)
