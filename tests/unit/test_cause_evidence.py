"""The cause model's evidence spans: the served computation (vectorised, the text's n-grams worked out
once for all its labels) against a plain per-n-gram reference."""

from __future__ import annotations

import numpy as np
import pytest

from complaint_radar.models.cause_model import CauseModel, LanguageModel
from complaint_radar.models.features import count_matrix, spans_and_columns
from complaint_radar.models.registry import load_cause_model
from complaint_radar.models.serving import _edge_ok, _tfidf, cuts_word

TEXTS = [
    "三天了还没人回复,再不处理我就去消协投诉!",
    "订单A123的退款到现在还没到账,客服一直推脱,太差了",
    "The alert app crashed again and support never answered my refund request.",
    "Refund 123abc now, or I will report you to the regulator!!",
    "I closed my account, refund me now. They said it would be fixed and nobody called back.",
    "I'd rather not wait; the staff was unhelpful, rude and the manager didn't care.",
    "请问周末几点开门?",
    "a",
    " ",
]


def _is_word_char(text: str, i: int) -> bool:
    c = text[i]
    if c in "'’":
        return 0 < i < len(text) - 1 and _is_word_char(text, i - 1) and _is_word_char(text, i + 1)
    return c.isalnum() and c < "\u2e80"


def _in_word(text: str, at: int) -> bool:
    """Whether offset `at` (0 < at < len) falls between two characters of one English-like word."""
    return _is_word_char(text, at - 1) and _is_word_char(text, at)


@pytest.fixture(scope="module")
def causes() -> CauseModel:
    return load_cause_model()


def _reference(model: LanguageModel, text: str, label: int, top_k: int = 3) -> list[tuple[int, int, float]]:
    """The evidence worked out n-gram by n-gram: counts from `count_matrix`, one Python test per
    occurrence and per candidate span."""
    starts, ends, cols = spans_and_columns(text, model.hashing)
    if cols.size == 0:
        return []
    counts = count_matrix([text], model.hashing)
    x = _tfidf(counts, model.idf)
    value = dict(zip(x.indices.tolist(), (x.data / counts.data).tolist(), strict=True))
    rows = model._row_of[cols]
    weight = np.where(rows >= 0, model.values[np.maximum(rows, 0), label], 0.0)
    contrib = np.array([value.get(c, 0.0) for c in cols.tolist()], dtype=np.float32) * weight

    def cuts(a: int, b: int) -> bool:
        return (0 < a < len(text) and _in_word(text, a)) or (0 < b < len(text) and _in_word(text, b))

    contrib = contrib * np.array([not cuts(a, b) for a, b in zip(starts, ends, strict=True)], np.float32)
    cand = np.unique(np.stack([starts, ends], axis=1), axis=0)
    cand = cand[[_edge_ok(text[s]) and _edge_ok(text[e - 1]) and not cuts(s, e) for s, e in cand.tolist()]]
    if cand.size == 0:
        return []
    inside = (starts[None, :] >= cand[:, :1]) & (ends[None, :] <= cand[:, 1:])
    span_weight = inside.astype(np.float32) @ contrib.astype(np.float32)
    chosen: list[tuple[int, int, float]] = []
    seen: set[str] = set()
    for i in np.lexsort((cand[:, 0], -span_weight)).tolist():
        if len(chosen) >= top_k:
            break
        s, e = int(cand[i, 0]), int(cand[i, 1])
        if text[s:e] not in seen and all(e <= cs or s >= ce for cs, ce, _ in chosen):
            chosen.append((s, e, round(float(span_weight[i]), 4)))
            seen.add(text[s:e])
    return [c for c in chosen if c[2] > 0]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_evidence_equals_the_per_ngram_reference_for_every_label(causes: CauseModel, language: str) -> None:
    model = causes.models[language]
    found = 0
    for text in TEXTS:
        for label in range(len(causes.labels)):
            spans = model.evidence(text, label)
            assert spans == _reference(model, text, label), (text, causes.labels[label])
            found += len(spans)
    assert found  # the texts do carry evidence, so the comparison is not of empty lists only


ENGLISH = [
    "I closed my account, refund me now. They said it would be fixed and nobody called back.",
    "The agent didn't know anything, transferred me three times and couldn't answer a simple question",
    "I'd rather not wait; the staff was unhelpful, rude and the manager didn't care.",
    "Café staff said the décor was new, but the espresso machine was broken AGAIN!!",
    "waited 2hrs on hold,no answer,line dropped twice",
]


def test_english_evidence_spans_start_and_end_on_word_boundaries(causes: CauseModel) -> None:
    """A span never starts or ends inside a word ("d, r" of "closed, refund", "d it" of "I'd it"):
    the character n-grams crossing words still score, but what a person reads is whole words."""
    model = causes.models["en"]
    seen = 0
    for text in ENGLISH:
        for label in range(len(causes.labels)):
            for s, e, _ in model.evidence(text, label):
                seen += 1
                assert not (s > 0 and _in_word(text, s)), (causes.labels[label], text[s:e])
                assert not (e < len(text) and _in_word(text, e)), (causes.labels[label], text[s:e])
    assert seen > 20  # the texts do carry evidence for many labels


def test_cuts_word_marks_boundaries_inside_english_words_only() -> None:
    text = "I'd say closed, refund 退款太慢 now"
    spans = [(0, 3), (2, 5), (10, 17), (14, 19), (23, 25), (24, 26), (28, 31), (29, 31)]
    got = cuts_word(text, np.array([s for s, _ in spans]), np.array([e for _, e in spans])).tolist()
    # "I'd" | "d s" (starts inside I'd) | "osed, r" | ", ref" (ends inside refund) | "退款" and "款太"
    # (Chinese has no such boundaries) | "now" | "ow".
    assert got == [False, True, True, True, False, False, False, True]
