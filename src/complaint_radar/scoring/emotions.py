"""Emotion intensities (SPEC.md §2.7): learned probabilities fused with lexicon and cue evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from complaint_radar.text.cues import Scan
from complaint_radar.text.lexicon import Lexicon
from complaint_radar.types import Emotion, Span

# Plain strings in the hot path: attribute access on an Enum class is slow.
_ALL = tuple(e.value for e in Emotion)
ANGER, HAPPINESS, NEUTRAL = Emotion.ANGER.value, Emotion.HAPPINESS.value, Emotion.NEUTRAL.value
_NEGATIVE = tuple(
    e.value for e in (Emotion.ANGER, Emotion.DISAPPOINTMENT_SADNESS, Emotion.ANXIETY_FEAR, Emotion.DISGUST)
)
_ESCALATION_FLOOR = 0.5  # anyone threatening or declaring a complaint is at least moderately angry


def lexicon_emotions(
    text: str, norm: str, lexicon: Lexicon, scan: Scan
) -> dict[str, tuple[float, list[Span]]]:
    """Per emotion: the strongest lexicon hit (scaled by a degree adverb just before it) and its spans."""
    out: dict[str, tuple[float, list[Span]]] = {}
    for key, found in scan.items():
        if not key.startswith("emotion:") or not found:
            continue
        code = key[8:]
        best = max(weight * _degree(norm, start, lexicon) for start, _, weight in found)
        out[code] = (min(1.0, best), [Span(a, b, text[a:b]) for a, b, _ in found])
    return out


def _degree(norm: str, start: int, lexicon: Lexicon) -> float:
    before = norm[max(0, start - 4) : start]
    factor = 1.0
    for word, scale in lexicon.degree.items():
        if before.endswith(word) or before.endswith(word + " "):
            factor = max(factor, scale) if scale >= 1 else min(factor, scale)
    return factor


def fuse_emotions(
    model: Mapping[str, float] | None,
    lexical: Mapping[str, float],
    *,
    negative_context: bool,
    exclamations: int,
    profanity: bool,
    accusation: bool,
    escalation: bool,
    sarcasm: bool,
    positive: float,
) -> dict[str, float]:
    """All seven intensities in [0, 1]; cues only raise negative emotions when the message is negative."""
    model = model or {}
    scores = {code: max(model.get(code, 0.0), lexical.get(code, 0.0)) for code in _ALL}
    if not model and positive > 0.6 and not negative_context:
        scores[HAPPINESS] = max(scores[HAPPINESS], 0.5 * positive)
    if negative_context:
        anger = scores[ANGER]
        if exclamations and (anger >= 0.2 or escalation or profanity or accusation):
            anger = min(1.0, anger + 0.15 + 0.05 * min(exclamations - 1, 2))
        if profanity:
            anger = max(anger, 0.7)
        if accusation:
            anger = max(anger, 0.6)
        if escalation:
            anger = max(anger, _ESCALATION_FLOOR)
        scores[ANGER] = anger
        if sarcasm:
            scores[HAPPINESS] = min(scores[HAPPINESS], 0.1)
        strongest = max(scores[e] for e in _NEGATIVE)
        scores[NEUTRAL] = min(scores[NEUTRAL], max(0.0, 1.0 - strongest))
    elif not model:
        others = max(v for k, v in scores.items() if k != NEUTRAL)
        scores[NEUTRAL] = max(scores[NEUTRAL], 1.0 - others)
    return {k: round(min(1.0, max(0.0, v)), 4) for k, v in scores.items()}


def dominant_emotion(scores: Mapping[str, float]) -> str:
    """argmax; `neutral` when every non-neutral emotion is below 0.2 (SPEC.md §3)."""
    strongest = max((v for k, v in scores.items() if k != NEUTRAL), default=0.0)
    if strongest < 0.2:
        return NEUTRAL
    best, best_key = NEUTRAL, (-1.0, False)
    for code, value in scores.items():  # first maximum wins, anger wins ties
        key = (value, code == ANGER)
        if key > best_key:
            best, best_key = code, key
    return best


def negative_emotion_codes() -> Sequence[str]:
    return list(_NEGATIVE)
