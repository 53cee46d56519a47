"""Message text with its evidence marked: cue spans (muted when negated, hypothetical or reported) and
cause spans from a stored Assessment, every piece of text escaped."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from complaint_radar.services.access import redact_text

_QUALIFIERS = ("negated", "hypothetical", "reported")
"""Qualifiers that stop a cue from counting (SPEC.md R6; `CueHit.counts`)."""
# Where spans overlap, the stronger mark wins: a cue that counts, then a qualified cue, then a cause.
_STRENGTH = {"ev-cue": 3, "ev-cue-muted": 2, "ev-cause": 1}


def evidence_marks(assessment: dict[str, Any] | None) -> list[tuple[int, int, str, str, str]]:
    """(start, end, css class, kind, code) for every cue and cause span of a stored Assessment."""
    if not assessment:
        return []
    marks: list[tuple[int, int, str, str, str]] = []
    for cue in assessment.get("cues") or []:
        muted = any(cue.get(flag) for flag in _QUALIFIERS)
        marks.append(
            (int(cue["start"]), int(cue["end"]), "ev-cue-muted" if muted else "ev-cue", "cue", cue["code"])
        )
    for cause in assessment.get("causes") or []:
        for span in cause.get("spans") or []:
            marks.append((int(span["start"]), int(span["end"]), "ev-cause", "cause", cause["code"]))
    return marks


def highlight(
    text: str,
    assessment: dict[str, Any] | None,
    *,
    mask: bool,
    label: Callable[[str, str], str] | None = None,
) -> Markup:
    """`text` as HTML with `<mark>` around the evidence; with `mask`, PII is masked first.

    Masking keeps a phone, ID or card number's length, so spans still line up; a masked e-mail address
    can be shorter, and then no span is drawn rather than a misplaced one.
    """
    shown = redact_text(text) if mask else text
    if len(shown) != len(text):
        return escape(shown)
    marks = [m for m in evidence_marks(assessment) if 0 <= m[0] < m[1] <= len(shown)]
    if not marks:
        return escape(shown)
    cuts = sorted({0, len(shown), *(m[0] for m in marks), *(m[1] for m in marks)})
    out: list[str] = []
    for start, end in itertools.pairwise(cuts):
        covering = [m for m in marks if m[0] <= start and end <= m[1]]
        piece = escape(shown[start:end])
        if not covering:
            out.append(piece)
            continue
        _, _, css, kind, code = max(covering, key=lambda m: _STRENGTH[m[2]])
        title = label(kind, code) if label else code
        out.append(Markup('<mark class="{}" title="{}">{}</mark>').format(css, title, piece))
    return Markup("").join(out)
