"""Aggregate analysis over the store on SQLite and PostgreSQL: services, CLI and API (SPEC.md §7)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from analysis_history import AS_OF, FIRST, seed_history
from api_client import Api, serve_api

from complaint_radar import Analyzer
from complaint_radar.errors import InputError
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.analysis.filters import make_scope
from complaint_radar.services.analysis.report import REPORT_KEYS
from complaint_radar.settings import Settings
from complaint_radar.store import make_engine, make_session_factory

CLI = [sys.executable, "-m", "complaint_radar.cli.main"]


@pytest.fixture()
def seeded(db_url: str, analyzer: Analyzer) -> Iterator[AnalysisDesk]:
    engine = make_engine(db_url)
    seed_history(engine, analyzer)
    yield AnalysisDesk(make_session_factory(engine), settings=Settings())
    engine.dispose()


def test_the_report_counts_ranks_detects_and_evaluates(seeded: AnalysisDesk) -> None:
    scope = make_scope(AS_OF - timedelta(days=27), AS_OF)
    action = seeded.create_action(
        {
            "title": "更换电池供应商",
            "type": "quality_control",
            "owner": "qa",
            "start_date": (AS_OF - timedelta(days=10)).isoformat(),
            "target_metric": "cause_rate:product_quality",
            "ramp_up_days": 0,
            "baseline_start": (AS_OF - timedelta(days=20)).isoformat(),
            "baseline_end": (AS_OF - timedelta(days=11)).isoformat(),
        },
        actor="ann",
        role="manager",
    )
    assert action["verdict"] in ("pending", "worse", "no_change", "improved")
    report = seeded.report(scope, as_of=AS_OF)
    assert set(REPORT_KEYS) <= set(report)
    totals = report["volumes"]["totals"]
    assert totals["messages"] == 28 * 6 + 7 * 4
    assert report["volumes"]["denominator"] == {"metric": "orders", "source": "metrics"}
    assert report["period"]["granularity"] == "day" and len(report["volumes"]["series"]) == 28
    last = report["volumes"]["series"][-1]
    assert last["denominator"] == 1000.0
    rows = {r["key"]: r for r in report["pareto"]["rows"]}
    assert rows["waiting_time"]["count"] == 56 and rows["waiting_time"]["vital_few"]
    assert rows["waiting_time"]["label_zh"] == "等待/响应时间"
    spike = {"cause": "product_quality", "product": "P3"}
    found = [i for i in report["emerging_issues"] if spike == i["key"] or spike in i["merged_keys"]]
    assert len(found) == 1, report["emerging_issues"]  # the same messages under two keys: one issue
    issue = found[0]
    assert issue["observed"] == 28 and issue["status"] == "new" and issue["examples"][0]["text"]
    assert not any(i["key"].get("cause") != "product_quality" for i in report["emerging_issues"])
    assert report["actions"][0]["verdict"] == "worse" and report["actions"][0]["test"] == "poisson_rate_ratio"
    assert report["satisfaction"]["csat"]["responses"] == 20 and report["satisfaction"]["csat"]["mean"] == 3.0
    dims = {d["dimension"]: d for d in report["servqual"]["dimensions"]}
    assert dims["responsiveness"]["gap"] == -2.0 and dims["tangibles"]["gap"] == 0.5
    assert report["operations"]["high_risk_contacts_per_agent_per_day"] is not None
    again = seeded.report(scope, as_of=AS_OF)
    assert [i["id"] for i in again["emerging_issues"]] == [i["id"] for i in report["emerging_issues"]]


def test_an_issue_status_change_is_audited_and_root_causes_attach(seeded: AnalysisDesk) -> None:
    seeded.detect_issues(AS_OF)
    issue = seeded.list_issues(limit=10)[0]
    changed = seeded.set_issue_status(
        issue["id"], "investigating", actor="lee", role="quality_analyst", reason="看看"
    )
    assert changed["status"] == "investigating" and changed["history"][0]["old"] == {"status": "new"}
    seeded.add_root_cause(
        issue["id"],
        "five_whys",
        {"problem": "p", "whys": ["a", "b", "c"], "root_cause": "r", "verifier": "v"},
        author="lee",
        role=None,
    )
    assert seeded.issue(issue["id"])["root_causes"][0]["kind"] == "five_whys"
    with pytest.raises(InputError):
        seeded.set_issue_status(issue["id"], "solved", actor="lee", role=None)


def test_filters_narrow_the_counts_and_bad_filters_are_refused(seeded: AnalysisDesk) -> None:
    scope = make_scope(FIRST, AS_OF, {"product": ["P2"]})
    assert (
        seeded.pareto(
            scope,
            "cause",
            __import__("complaint_radar.analysis.pareto", fromlist=["Weighting"]).Weighting.COUNT,
        )["rows"][0]["key"]
        == "service_attitude"
    )
    with pytest.raises(InputError, match="unknown filter"):
        make_scope(FIRST, AS_OF, {"colour": ["red"]})
    with pytest.raises(InputError, match="before"):
        make_scope(AS_OF, FIRST)


@pytest.mark.slow
def test_report_cli_writes_json_html_and_xlsx_and_the_parquet_path_agrees(
    db_url: str, analyzer: Analyzer, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    seed_history(engine, analyzer)
    engine.dispose()
    base = ["--database-url", db_url]
    period = ["--from", (AS_OF - timedelta(days=27)).isoformat(), "--to", AS_OF.isoformat()]
    out = tmp_path / "r.json"
    done = subprocess.run(
        [*CLI, "report", *period, "--format", "json", "--output", str(out), *base],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert list(report)[1:9] == ["generated_at", *REPORT_KEYS[:7]] or set(REPORT_KEYS) <= set(report)
    for fmt in ("html", "xlsx"):
        path = tmp_path / f"r.{fmt}"
        done = subprocess.run(
            [*CLI, "report", *period, "--format", fmt, "--output", str(path), *base],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        assert path.stat().st_size > 1000
    export = subprocess.run(
        [*CLI, "export", "--parquet", str(tmp_path / "pq"), *base],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert export.returncode == 0, export.stderr
    pq_out = tmp_path / "p.json"
    done = subprocess.run(
        [*CLI, "report", *period, "--source", f"parquet:{tmp_path / 'pq'}", "--output", str(pq_out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    from_parquet = json.loads(pq_out.read_text(encoding="utf-8"))
    assert from_parquet["volumes"]["totals"] == report["volumes"]["totals"]
    assert from_parquet["pareto"]["rows"] == report["pareto"]["rows"]
    assert [i["key"] for i in from_parquet["emerging_issues"]] == [
        i["key"] for i in report["emerging_issues"]
    ]
    bad = subprocess.run(
        [*CLI, "report", "--from", "2026-13-01", "--to", "2026-09-30", "--output", str(out), *base],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "is not a date" in bad.stderr and "Traceback" not in bad.stderr
    unknown = subprocess.run(
        [*CLI, "report", *period, "--by", "colour", "--output", str(out), *base],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode == 2 and "cannot group by" in unknown.stderr


@pytest.fixture()
def api(db_url: str, analyzer: Analyzer) -> Iterator[Api]:
    engine = make_engine(db_url)
    seed_history(engine, analyzer)
    engine.dispose()
    with serve_api(db_url, analyzer) as running:
        yield running


def test_the_api_serves_analysis_to_analysts_masked_and_refuses_agents(api: Api) -> None:
    analyst, agent, manager = api.key("lee", "analyst"), api.key("ann", "agent"), api.key("max", "manager")
    params = {"from": (AS_OF - timedelta(days=27)).isoformat(), "to": AS_OF.isoformat()}
    assert api.call("GET", "/v1/analysis/trends", agent, params=params).status_code == 403
    trends = api.ok("GET", "/v1/analysis/trends", analyst, params=params)
    assert trends["totals"]["messages"] == 28 * 6 + 7 * 4
    pareto = api.ok(
        "GET", "/v1/analysis/pareto", analyst, params={**params, "by": "product", "weighting": "severity"}
    )
    assert pareto["by"] == "product" and pareto["weighting"] == "severity"
    assert (
        api.call("GET", "/v1/analysis/pareto", analyst, params={**params, "by": "colour"}).status_code == 422
    )
    created = api.ok(
        "POST",
        "/v1/actions",
        manager,
        json={
            "title": "培训",
            "type": "training",
            "owner": "max",
            "start_date": "2026-09-01",
            "target_metric": "complaint_rate",
        },
    )
    assert created["baseline"]["start"] == "2026-08-04"
    assert (
        api.call(
            "POST",
            "/v1/actions",
            analyst,
            json={
                "title": "x",
                "type": "nope",
                "owner": "o",
                "start_date": "2026-09-01",
                "target_metric": "csat",
            },
        ).status_code
        == 422
    )
    metrics = api.ok(
        "POST",
        "/v1/metrics",
        manager,
        json={
            "items": [
                {"date": "2026-09-30", "metric": "orders", "value": 1500},
                {"date": "bad", "metric": "orders", "value": 1},
            ]
        },
    )
    assert metrics["stored"] == 1 and metrics["problems"][0]["index"] == 1
    assert (
        api.ok("GET", "/v1/metrics", analyst, params={**params, "metric": "orders"})["items"][-1]["value"]
        == 1500
    )
    row = {
        "message_id": "x1",
        "customer_id": "c1",
        "occurred_at": "2026-09-30T10:00:00+08:00",
        "text": "排队太久了",
        "product": "P9",
        "branch": "B9",
        "tenure_days": 30,
    }
    assert api.ok("POST", "/v1/messages", manager, json={"items": [row]})["new"] == 1
    stored = api.ok("GET", "/v1/messages", analyst, params={"source": "api"})["items"][0]
    assert stored["dimensions"] == {"product": "P9", "branch": "B9", "tenure_days": 30}
    for path in (
        "/v1/analysis/operations",
        "/v1/satisfaction",
        "/v1/servqual",
        "/v1/outreach",
        "/v1/issues",
        "/v1/actions",
    ):
        assert (
            api.call(
                "GET",
                path,
                analyst,
                params=params if "outreach" not in path and "actions" not in path else None,
            ).status_code
            == 200
        ), path
        assert api.call("GET", path, agent).status_code == 403, path


def test_detection_fires_the_emerging_issue_rules_once_per_new_issue(seeded: AnalysisDesk) -> None:
    from sqlalchemy import select

    from complaint_radar.store import Alert, AlertRule, session_scope

    with session_scope(seeded.sessions, write=True) as session:
        session.add(AlertRule(name="new-issue", kind="emerging_issue", params={"emerging_issue": True}))
    opened = seeded.detect_issues(AS_OF).opened
    assert opened
    seeded.detect_issues(AS_OF)  # the same issues again: updated, not news
    with session_scope(seeded.sessions) as session:
        alerts = list(session.scalars(select(Alert)))
    assert len(alerts) == len(opened)
    assert {a.payload["issue"]["id"] for a in alerts} == {str(i) for i in opened}
    assert all("product_quality" in a.payload["issue"]["key"] for a in alerts)
