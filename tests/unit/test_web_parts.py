"""The dashboard's pure parts: language choice, message catalogue, sessions, CSRF tokens, evidence
highlighting, form values, redirects and which case forms a role is offered."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import pytest
from markupsafe import Markup

from complaint_radar.cases import Case, CaseOrigin, CaseState, Severity, Tier
from complaint_radar.errors import InputError, PermissionDeniedError
from complaint_radar.services.access import Principal
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.settings import Settings
from complaint_radar.types import Role
from complaint_radar.web.csrf import check_csrf, csrf_token
from complaint_radar.web.errors import TITLED_STATUSES
from complaint_radar.web.evidence import highlight
from complaint_radar.web.forms import Form
from complaint_radar.web.i18n import Translator, catalogue, negotiate
from complaint_radar.web.permissions import PAGES, case_actions, home_path, navigation
from complaint_radar.web.scope import drill, optional_scope
from complaint_radar.web.section_cache import SectionCache
from complaint_radar.web.session import WebSession, load_secret
from complaint_radar.web.templating import chart_json, duration
from complaint_radar.web.views.admin import DONE
from complaint_radar.web.views.cases import ACTIONS
from complaint_radar.web.views.login import local_target

TEMPLATES = Path(str(resources.files("complaint_radar.web").joinpath("templates")))
VIEWS = Path(str(resources.files("complaint_radar.web").joinpath("views")))


def principal(role: Role, name: str = "ann") -> Principal:
    return Principal(key_id=1, key_prefix="cr_x", username=name, role=role, team=None)


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "zh-Hans"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr;q=1, zh-TW;q=0.8, en;q=0.5", "zh-Hant"),
        (None, "en;q=0.3, zh-CN;q=0.9", "zh-Hans"),
        ("en", "zh-CN", "en"),
        ("klingon", "en", "en"),
        (None, "de, fr", "zh-Hans"),
        (None, "en;q=oops", "zh-Hans"),
    ],
)
def test_language_is_the_cookie_else_the_best_accepted_else_simplified_chinese(
    cookie: str | None, header: str | None, expected: str
) -> None:
    assert negotiate(cookie, header) == expected


def test_every_text_a_template_or_view_asks_for_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for path in [*TEMPLATES.glob("*.html"), *VIEWS.glob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']\s*[,)]""", path.read_text("utf-8")))
    assert len(used) > 100
    # Keys built at run time: a done message per admin change, a name per case action, error titles.
    used |= {f"admin.done_{done}" for done in DONE} | {f"action.{name}" for name in ACTIONS}
    used |= {f"error.title_{status}" for status in TITLED_STATUSES}
    assert sorted(used - set(catalogue())) == []


def test_traditional_chinese_is_converted_and_placeholders_filled() -> None:
    assert Translator("zh-Hant")("radar.title") == "實時雷達"
    assert Translator("en")("pager.page", n=3) == "Page 3"
    assert Translator("zh-Hans").label("stage", "formal_complaint") == "投诉"
    assert Translator("en").label("case_state", "awaiting_customer") == "awaiting customer"
    assert Translator("en").label("channel", "carrier_pigeon") == "carrier_pigeon"


def test_a_session_cookie_survives_only_untouched_and_unexpired() -> None:
    secret = b"s" * 32
    session = WebSession.new(42, hours=1)
    cookie = session.encode(secret)
    assert WebSession.decode(secret, cookie) == WebSession(session.sid, 42, float(int(session.expires_at)))
    payload, signature = cookie.split(".")
    assert WebSession.decode(b"other", cookie) is None
    assert WebSession.decode(secret, payload + "." + signature[::-1]) is None
    assert WebSession.decode(secret, "garbage") is None and WebSession.decode(secret, None) is None
    expired = WebSession("sid", 42, time.time() - 1).encode(secret)
    assert WebSession.decode(secret, expired) is None


def test_the_secret_is_kept_in_the_data_dir_unless_configured(tmp_path: Path) -> None:
    first = load_secret(Settings(data_dir=tmp_path))
    assert first == load_secret(Settings(data_dir=tmp_path)) and len(first) == 64
    assert (tmp_path / "web_secret").stat().st_mode & 0o777 == 0o600
    assert load_secret(Settings(data_dir=tmp_path, web_session_secret="x")) == b"x"


def test_a_csrf_token_only_matches_its_own_session() -> None:
    token = csrf_token(b"k", "session-1")
    check_csrf(b"k", "session-1", token)
    for binding, submitted in [("session-2", token), ("session-1", None), (None, token), ("session-1", "")]:
        with pytest.raises(PermissionDeniedError):
            check_csrf(b"k", binding, submitted)


def test_evidence_is_marked_and_every_piece_of_text_escaped() -> None:
    text = "<b>退款</b>再不处理我就投诉"
    start = text.index("投诉")
    assessment = {
        "cues": [
            {"code": "complaint_intent", "start": start, "end": start + 2},
            {"code": "deadline_ultimatum", "start": 9, "end": 15, "negated": True},
        ],
        "causes": [{"code": "price_billing", "spans": [{"start": 3, "end": 5}]}],
    }
    html = highlight(text, assessment, mask=False)
    assert isinstance(html, Markup) and "<b>" not in html and "&lt;b&gt;" in html
    assert '<mark class="ev-cue" title="complaint_intent">投诉</mark>' in html
    assert '<mark class="ev-cause" title="price_billing">退款</mark>' in html
    assert '<mark class="ev-cue-muted" title="deadline_ultimatum">再不处理我就</mark>' in html
    assert highlight(text, {"cues": [{"code": "x", "start": 5, "end": 99}]}, mask=False) == Markup.escape(
        text
    )


def test_masking_keeps_marks_where_lengths_allow_and_drops_them_where_not() -> None:
    text = "电话13987654321,退款!"
    marks = {"cues": [{"code": "refund_demand", "start": 15, "end": 17}]}
    masked = highlight(text, marks, mask=True)
    assert "13987654321" not in masked and "139****4321" in masked and "<mark" in masked
    mail = "mail alice.smith@example.com refund"
    assert "alice.smith" not in highlight(mail, {"cues": [{"code": "x", "start": 29, "end": 35}]}, mask=True)


def test_form_values_are_checked_with_clear_errors() -> None:
    form = Form.parse(b"csat=7&nps=x&state=closed&state=open&note=%20%20&flag=on")
    assert form.text("note") is None and form.flag("flag") and form.all("state") == ["closed", "open"]
    with pytest.raises(InputError, match="CSAT must be from 1 to 5, not 7"):
        form.integer("csat", "CSAT", 1, 5)
    with pytest.raises(InputError, match="NPS must be a whole number"):
        form.integer("nps", "NPS", 0, 10)
    with pytest.raises(InputError, match="state 'open' is not one of"):
        form.choices("state", CaseState, "state")
    with pytest.raises(InputError, match="NUL"):
        Form.parse(b"text=a%00b")
    today = date(2026, 11, 16)
    assert optional_scope(Form.parse(b"customer_id=c1"), today) is None
    scope = optional_scope(Form.parse(b"cause=waiting_time&product=p1&product=p2&to=2026-11-01"), today)
    assert scope == Scope(
        date(1970, 1, 1), date(2026, 11, 1), {"cause": ("waiting_time",), "product": ("p1", "p2")}
    )
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        optional_scope(Form.parse(b"from=16/11/2026"), today)
    with pytest.raises(InputError, match="not a known code"):
        optional_scope(Form.parse(b"stage=furious"), today)
    assert drill(scope, stage=["formal_complaint"]) == (
        "/messages?from=1970-01-01&to=2026-11-01&cause=waiting_time&product=p1&product=p2&stage=formal_complaint"
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/cases?x=1", "/cases?x=1"),
        ("//evil.example", "/"),
        ("/\\evil", "/"),
        ("https://x", "/"),
        (None, "/"),
    ],
)
def test_after_sign_in_only_local_paths_are_followed(target: str | None, expected: str) -> None:
    assert local_target(target, "/") == expected


def test_small_filters_format_durations_and_chart_options_safely() -> None:
    assert [duration(s) for s in (59, 2700, 11_100, 190_000, -1200, None)] == [
        "0m",
        "45m",
        "3h 05m",
        "2d 4h",
        "-20m",
        "–",
    ]
    assert (
        chart_json({"name": "</script><b>'x'"})
        == '{"name":"\\u003c/script\\u003e\\u003cb\\u003e\\u0027x\\u0027"}'
    )


def test_navigation_and_home_follow_the_role() -> None:
    agent, analyst, admin = (principal(r) for r in (Role.FRONTLINE_AGENT, Role.QUALITY_ANALYST, Role.ADMIN))
    assert {p.name for p in navigation(agent)} == {"radar", "cases", "messages", "assess"}
    assert {"overview", "issues", "satisfaction"} <= {p.name for p in navigation(analyst)}
    assert "admin" not in {p.name for p in navigation(analyst)}
    assert [p.name for p in navigation(admin)] == [p.name for p in PAGES]
    assert home_path(agent) == "/cases" and home_path(analyst) == "/"


def _case(owner: str | None, state: CaseState = CaseState.NEW) -> Case:
    at = datetime(2026, 11, 16, tzinfo=UTC)
    return Case(
        "c1", "CR-1", "cust", state, Severity.HIGH, Tier.L1_AGENT, at, CaseOrigin.AUTOMATIC, owner=owner
    )


def test_case_forms_offered_follow_role_ownership_and_state() -> None:
    agent, supervisor, analyst = (
        principal(Role.FRONTLINE_AGENT),
        principal(Role.SUPERVISOR, "sue"),
        principal(Role.QUALITY_ANALYST),
    )
    new = (CaseState.ACKNOWLEDGED, CaseState.CANCELLED)
    assert case_actions(agent, _case(None), new) == {"take"}
    assert case_actions(agent, _case("bob"), new) == set()
    assert case_actions(agent, _case("ann"), new) == {"acknowledge", "escalate", "severity"}
    assert "cancel" in case_actions(supervisor, _case("ann"), new) and "assign" in case_actions(
        supervisor, _case("ann"), new
    )
    assert case_actions(analyst, _case(None), new) == set()
    resolved = (CaseState.CLOSED, CaseState.CLOSED_UNCONFIRMED, CaseState.REOPENED)
    offered = case_actions(agent, _case("ann", CaseState.RESOLVED), resolved)
    assert offered == {"follow_up", "follow_up_attempt", "transition", "reopen"}


def test_an_analysis_view_is_computed_once_until_it_is_stale() -> None:
    now = [0.0]
    cache = SectionCache(60, monotonic=lambda: now[0])
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    assert cache.get("overview", compute) == {"n": 1}
    now[0] = 59.0
    assert cache.get("overview", compute) == {"n": 1}
    now[0] = 60.0
    assert cache.get("overview", compute) == {"n": 2}
    cache.clear()
    assert cache.get("overview", compute) == {"n": 3}
    assert SectionCache(0).get("x", compute) == {"n": 4} and SectionCache(0).get("x", compute) == {"n": 5}
