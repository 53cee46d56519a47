"""The lexicon's literal prefilter never hides a match: scanning equals trying every regex."""

from __future__ import annotations

import json
from collections import defaultdict
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_radar.text.lexicon import load_lexicon
from complaint_radar.text.matcher import PatternIndex, required_literals
from complaint_radar.text.normalize import normalize


def _brute_force(index: PatternIndex, norm: str) -> dict[str, list[tuple[int, int, float]]]:
    hits: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for entry in index._entries:
        for m in entry.regex.finditer(norm):
            if m.end() > m.start():
                hits[entry.key].append((m.start(), m.end(), entry.weight))
    for found in hits.values():
        found.sort(key=lambda h: (h[0], -h[1]))
    return dict(hits)


def _demo_texts() -> list[str]:
    raw = resources.files("complaint_radar.demo").joinpath("messages.jsonl").read_text("utf-8")
    return [json.loads(line)["text"] for line in raw.splitlines() if line.strip()]


def test_prefiltered_scan_equals_every_regex_on_the_demo_messages() -> None:
    index = load_lexicon().index
    for text in _demo_texts():
        norm = normalize(text)
        assert dict(index.scan(norm)) == _brute_force(index, norm), text


_ALPHABET = "我要投诉你们12315消协退款差评太慢了!?。,请问不没 refund complaint manager"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_prefiltered_scan_equals_every_regex_on_random_text(text: str) -> None:
    index = load_lexicon().index
    norm = normalize(text)
    assert dict(index.scan(norm)) == _brute_force(index, norm)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("我要投诉", {"我要投诉"}),
        ("(?:经理|领导)(?:来|出来)", {"经理", "领导"}),
        ("[!?]{2,}", {"!", "?"}),
        ("^嗯+[。.!]?$", {"嗯"}),
        ("(?<!\\d)(?:12315|12345)(?!\\d)", {"123"}),  # sre factors out the common prefix
        ("\\d+天", {"天"}),
        ("啊?", None),
        ("(?:a|)b?", None),
    ],
)
def test_required_literals_are_what_every_match_must_contain(pattern: str, expected: set[str] | None) -> None:
    assert required_literals(pattern) == expected
