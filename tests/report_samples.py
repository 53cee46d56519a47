"""Report dicts for the renderer tests: the realistic sample fixture and a report whose sections are empty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).parent / "fixtures" / "report_sample.json"


def sample_report() -> dict[str, Any]:
    report: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    return report


def empty_report() -> dict[str, Any]:
    """Every top-level key present, nothing to show: no messages, no rows, nothing computable."""
    return {
        "report_version": 1,
        "generated_at": "2026-12-02T05:00:00Z",
        "period": {
            "from": "2026-07-01",
            "to": "2026-07-07",
            "as_of": "2026-07-07",
            "granularity": "day",
            "filters": {},
            "peaks": [],
        },
        "volumes": {
            "granularity": "day",
            "denominator": None,
            "series": [],
            "totals": {"messages": 0, "dissatisfied": 0, "complaints": 0, "by_stage": {}, "by_channel": {}},
        },
        "pareto": {"by": "cause", "weighting": "count", "rows": []},
        "emerging_issues": [],
        "actions": [],
        "satisfaction": {
            "csat": {
                "mean": None,
                "responses": 0,
                "surveys_sent": None,
                "response_rate": None,
                "share_satisfied": None,
                "series": [],
            },
            "nps": {
                "score": None,
                "promoters": None,
                "passives": None,
                "detractors": None,
                "responses": 0,
                "response_rate": None,
                "series": [],
            },
            "post_resolution_csat": {"by_team": [], "by_cause": []},
        },
        "servqual": {"dimensions": [], "items": [], "negative_gaps_ranked": []},
        "operations": {
            "complaint_rate_per_1000": None,
            "potential_to_formal_conversion": None,
            "sla_compliance": None,
            "first_contact_resolution": None,
            "reopen_rate": None,
            "median_hours_to_resolve": None,
            "repurchase_after_complaint": None,
            "churn_after_complaint": None,
            "high_risk_contacts_per_agent_per_day": None,
        },
    }
