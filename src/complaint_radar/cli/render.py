"""Rich rendering of an Assessment: a panel with the evidence highlighted in the text."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from complaint_radar.types import Assessment, RiskLevel

_LEVEL_STYLE = {
    RiskLevel.LOW: "green",
    RiskLevel.MEDIUM: "yellow",
    RiskLevel.HIGH: "bold red",
    RiskLevel.CRITICAL: "bold white on red",
}


def highlighted_text(a: Assessment) -> Text:
    text = Text(a.text)
    for cue in a.cues:
        style = "strike dim" if not cue.counts else "bold underline magenta"
        text.stylize(style, cue.start, cue.end)
    for cause in a.causes:
        for span in cause.spans:
            text.stylize("cyan", span.start, span.end)
    return text


def assessment_panel(a: Assessment) -> Panel:
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    level_style = _LEVEL_STYLE[a.risk_level]
    facts.add_row("risk", Text(f"{a.risk_score} ({a.risk_level.value})", style=level_style))
    facts.add_row("stage", a.stage.value)
    facts.add_row("language", a.language)
    facts.add_row("sentiment", f"{a.sentiment.polarity.value} ({a.sentiment.score:+.2f})")
    facts.add_row("dissatisfaction", f"{a.dissatisfaction_probability:.2f}")
    facts.add_row("complaint", f"{a.complaint_probability:.2f} ({'yes' if a.is_complaint else 'no'})")
    facts.add_row("emotion", f"{a.dominant_emotion} (anger {a.anger:.2f})")
    facts.add_row("customer type", f"{a.customer_type.code.value} ({a.customer_type.confidence:.2f})")
    facts.add_row("causes", ", ".join(c.code for c in a.causes) or "-")
    facts.add_row("demands", ", ".join(d.code for d in a.demands) or "-")
    cues = ", ".join(f"{c.code.value}{' (negated)' if c.negated else ''}" for c in a.cues)
    facts.add_row("cues", cues or "-")
    why = Text()
    for item in a.explanation:
        why.append(f"• {item.reason_zh}  /  {item.reason_en}\n")
    h = a.recommended_handling
    todo = Text()
    case = f"yes ({h.case_severity})" if h.create_case else "no"
    todo.append(f"{h.priority} → {h.route_to}; case: {case}\n")
    for opener in h.openers[:2]:
        todo.append(f"“{opener.zh}” / {opener.en}\n", style="green")
    for line in h.guidance_zh[:3]:
        todo.append(f"- {line}\n")
    body = Group(
        highlighted_text(a),
        Text(""),
        facts,
        Text("\nWhy", style="bold"),
        why,
        Text("What to do", style="bold"),
        todo,
    )
    return Panel(body, title="Complaint Radar", border_style=level_style)
