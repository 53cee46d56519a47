"""Explanations (SPEC.md R8): up to five reasons, strongest first, each tied to a span or signal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from complaint_radar.scoring.stage import CUE_FLOOR
from complaint_radar.text.taxonomy import Taxonomy
from complaint_radar.types import INTENSITY_ONLY_CUES, CueHit, ExplanationItem, LabelScore, Span

MAX_ITEMS = 5


def build_explanation(
    taxonomy: Taxonomy,
    cues: Sequence[CueHit],
    causes: Sequence[LabelScore],
    demands: Sequence[LabelScore],
    emotions: Mapping[str, float],
    emotion_spans: Mapping[str, Sequence[Span]],
    model_spans: Sequence[Span],
    stage_code: str,
    negative_sentiment: float,
    lexical_evidence: Sequence[tuple[str, Span]] = (),
) -> tuple[ExplanationItem, ...]:
    items: list[ExplanationItem] = []
    seen: set[str] = set()
    counting = sorted(
        (c for c in cues if c.counts and c.code not in INTENSITY_ONLY_CUES),
        key=lambda c: (-CUE_FLOOR.get(c.code, 0), c.start),
    )
    for hit in counting:
        if hit.code in seen:
            continue
        seen.add(hit.code)
        zh, en = taxonomy.label("cue", hit.code)
        qualifier_zh, qualifier_en = ("(有条件)", " (conditional)") if hit.conditional else ("", "")
        items.append(
            ExplanationItem(
                kind="cue",
                code=hit.code,
                reason_zh=f"{zh}{qualifier_zh}:“{hit.text}”",
                reason_en=f'{en}{qualifier_en}: "{hit.text}"',
                spans=(Span(hit.start, hit.end, hit.text),),
            )
        )
    for cause in causes[:2]:
        zh, en = taxonomy.label("cause", cause.code)
        quote = cause.spans[0].text if cause.spans else ""
        items.append(
            ExplanationItem(
                "cause", cause.code, f"原因:{zh}(“{quote}”)", f'cause: {en} ("{quote}")', cause.spans[:3]
            )
        )
    code, value = "", 0.0
    for candidate in _NEGATIVE_EMOTIONS:  # the first strongest negative emotion
        if emotions.get(candidate, 0.0) > value:
            code, value = candidate, emotions[candidate]
    if value >= 0.5:
        zh, en = taxonomy.label("emotion", code)
        spans = tuple(emotion_spans.get(code, ())) or tuple(model_spans)
        items.append(
            ExplanationItem(
                "emotion",
                code,
                f"情绪:{zh}(强度{value:.2f})",
                f"emotion: {en} (intensity {value:.2f})",
                spans[:3],
            )
        )
    for demand in demands[:1]:
        zh, en = taxonomy.label("demand", demand.code)
        items.append(ExplanationItem("demand", demand.code, f"诉求:{zh}", f"demand: {en}", demand.spans[:3]))
    if stage_code != "none" and model_spans and negative_sentiment >= 0.5:
        words = "、".join(s.text for s in model_spans[:3])
        words_en = ", ".join(s.text for s in model_spans[:3])
        items.append(
            ExplanationItem(
                "sentiment",
                "negative",
                f"整体语气负面(概率{negative_sentiment:.2f}),关键词:{words}",
                f"negative tone (p={negative_sentiment:.2f}); key words: {words_en}",
                tuple(model_spans[:3]),
            )
        )
    if stage_code != "none" and not any(i.kind == "cue" for i in items):
        for kind, span in lexical_evidence[:2]:
            zh, en = _EVIDENCE_LABELS[kind]
            items.insert(
                0, ExplanationItem("evidence", kind, f"{zh}:“{span.text}”", f'{en}: "{span.text}"', (span,))
            )
    if not items and (stage_code != "none" or negative_sentiment >= 0.5):
        # Nothing in the text to point at: reference the learned model's reading as the signal (R8).
        items.append(
            ExplanationItem(
                "sentiment",
                "negative",
                f"模型判断语气偏负面(概率{negative_sentiment:.2f})",
                f"the sentiment model reads the tone as negative (p={negative_sentiment:.2f})",
            )
        )
    return tuple(items[:MAX_ITEMS])


_NEGATIVE_EMOTIONS = ("anger", "disappointment_sadness", "anxiety_fear", "disgust")
_EVIDENCE_LABELS = {
    "negative_evaluation": ("负面评价", "negative evaluation"),
    "problem_fact": ("问题陈述", "problem reported"),
}
