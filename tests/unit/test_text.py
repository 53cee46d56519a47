"""Normalisation keeps offsets; language detection; cue negation, hypotheticals, reported speech."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaint_radar.text.cues import detect_cues
from complaint_radar.text.language import detect_language
from complaint_radar.text.lexicon import load_lexicon
from complaint_radar.text.normalize import normalize
from complaint_radar.types import CueCode


@given(st.text(max_size=200))
def test_normalisation_preserves_length(text: str) -> None:
    assert len(normalize(text)) == len(text)


def test_normalisation_folds_width_script_and_case() -> None:
    assert normalize("我們的服務！ＡＢＣ") == "我们的服务!abc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们的服务员态度太差了", "zh-Hans"),
        ("我們的服務員態度太差了", "zh-Hant"),
        ("This is the worst service I have ever had", "en"),
        ("我的order一直没有到, the delivery guy is so slow and rude", "mixed"),
        ("12345 !!!", "und"),
        ("ありがとうございます", "und"),
        ("APP转账一直失败", "zh-Hans"),
    ],
)
def test_language_detection(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def _cues(text: str) -> dict[CueCode, list[bool]]:
    found: dict[CueCode, list[bool]] = {}
    norm = normalize(text)
    lexicon = load_lexicon()
    for hit in detect_cues(text, norm, lexicon, lexicon.index.scan(norm)):
        found.setdefault(hit.code, []).append(hit.counts)
    return found


@pytest.mark.parametrize(
    "text",
    [
        "我不是要投诉,就问一下进度",
        "我并不想投诉你们",
        "我没打算投诉",
        "I'm not going to file a complaint, just asking",
        "I don't want to file a complaint",
    ],
)
def test_negated_complaint_intent_does_not_count(text: str) -> None:
    assert _cues(text)[CueCode.COMPLAINT_INTENT] == [False]


@pytest.mark.parametrize("text", ["我朋友说要投诉你们", "听说有人要投诉你们"])
def test_reported_speech_does_not_count(text: str) -> None:
    assert _cues(text)[CueCode.COMPLAINT_INTENT] == [False]


def test_hypothetical_does_not_count_but_conditional_threat_does() -> None:
    assert _cues("如果是我遇到这种事也会投诉")[CueCode.COMPLAINT_INTENT] == [False]
    assert _cues("如果你们今天再不处理,我就投诉")[CueCode.COMPLAINT_INTENT] == [True]


def test_rhetorical_question_is_not_a_negation() -> None:
    assert _cues("你们这不就是骗人吗?")[CueCode.ACCUSATION] == [True]


def test_family_words_are_not_profanity() -> None:
    assert CueCode.PROFANITY not in _cues("卡里有我妈的养老钱")
    assert CueCode.PROFANITY in _cues("妈的,又坏了")


def test_spans_index_the_original_text() -> None:
    text = "我們的客服態度太差了!!我要投訴你們"
    norm = normalize(text)
    lexicon = load_lexicon()
    for hit in detect_cues(text, norm, lexicon, lexicon.index.scan(norm)):
        assert text[hit.start : hit.end] == hit.text
