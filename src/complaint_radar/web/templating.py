"""Jinja2 templates (templates/, every page extends base.html): autoescaped, strict about undefined
names, with the filters pages share (local times, durations, evidence highlighting, masked text)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from complaint_radar.services.access import Principal, redact_text
from complaint_radar.web.evidence import highlight
from complaint_radar.web.i18n import LANGUAGE_NAMES, LANGUAGES
from complaint_radar.web.section_cache import SectionCache

STATIC_ASSETS = {
    "echarts": "echarts-5.6.0.min.js",
    "htmx": "htmx-2.0.11.min.js",
    "app_js": "app.js",
    "app_css": "app.css",
}
"""Vendored files carry their version in the name (and their licence beside them)."""


@dataclass
class WebConfig:
    """What the dashboard keeps for the app's lifetime: the signing secret, templates, analysis views."""

    secret: bytes
    env: Environment
    cache: SectionCache

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def make_environment(timezone: str) -> Environment:
    zone = ZoneInfo(timezone)
    env = Environment(
        loader=PackageLoader("complaint_radar.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def local(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if value is None:
            return "–"
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(zone).strftime(fmt)

    env.filters["local"] = local
    env.filters["duration"] = duration
    env.filters["chart"] = chart_json
    env.filters["visible"] = visible
    env.globals["highlight"] = highlighted
    env.globals["static"] = lambda name: f"/static/{STATIC_ASSETS[name]}"
    env.globals["languages"] = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    env.globals["query"] = query_string
    return env


def duration(seconds: float | None) -> str:
    """A short signed duration: `45m`, `3h 05m`, `2d 4h`, `-20m` (overdue)."""
    if seconds is None:
        return "–"
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    return f"{sign}{hours}h {minutes:02d}m" if hours else f"{sign}{minutes}m"


def chart_json(option: dict[str, Any]) -> Markup:
    """An ECharts option for a `data-chart='…'` attribute (single-quoted: quotes and tags escaped)."""
    text = json.dumps(option, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027")):
        text = text.replace(raw, escaped)
    return Markup(text)


@pass_context
def visible(context: Context, text: str | None) -> str:
    """Text as this viewer may see it: PII masked for roles without raw-text rights (analysts)."""
    viewer: Principal | None = context.get("viewer")
    if text is None:
        return ""
    return text if viewer is not None and viewer.sees_raw_text else redact_text(text)


@pass_context
def highlighted(context: Context, text: str | None, assessment: dict[str, Any] | None) -> Markup:
    viewer: Principal | None = context.get("viewer")
    t = context.get("t")
    return highlight(
        text or "",
        assessment,
        mask=viewer is None or not viewer.sees_raw_text,
        label=None if t is None else t.label,
    )


def query_string(current: Mapping[str, str | list[str]], **changes: str | int | None) -> str:
    """`?a=1&b=2&b=3` from the current filters with some changed (None drops a filter)."""
    merged: dict[str, str | list[str] | None] = {
        **current,
        **{k: None if v is None else str(v) for k, v in changes.items()},
    }
    pairs = {k: v for k, v in merged.items() if v not in (None, "", [])}
    return f"?{urlencode(pairs, doseq=True)}" if pairs else "?"
