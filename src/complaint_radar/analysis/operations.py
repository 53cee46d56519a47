"""Operational metrics (SPEC.md §7.10) from small per-case and per-complainant tables.

Counts that need the whole message history (complaint rate, conversion, contacts per agent) are counted
by the store and passed in; these functions turn them into the report's ratios (null when the
denominator is 0, never 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


def ratio(part: float, whole: float | None, digits: int = 4) -> float | None:
    return None if not whole else round(float(part) / float(whole), digits)


def case_metrics(cases: pd.DataFrame) -> dict[str, float | None]:
    """`cases`: one row per case resolved in the period with `hours_to_resolve`, `resolve_met` (bool),
    `contact_count`, `reopen_count`. SLA compliance = resolve milestone met; first-contact resolution =
    one contact and never reopened; reopen rate = reopened at least once."""
    n = len(cases)
    if n == 0:
        return {
            "sla_compliance": None,
            "first_contact_resolution": None,
            "reopen_rate": None,
            "median_hours_to_resolve": None,
        }
    fcr = ((cases["contact_count"] <= 1) & (cases["reopen_count"] == 0)).sum()
    return {
        "sla_compliance": ratio(cases["resolve_met"].sum(), n),
        "first_contact_resolution": ratio(fcr, n),
        "reopen_rate": ratio((cases["reopen_count"] > 0).sum(), n),
        "median_hours_to_resolve": round(float(cases["hours_to_resolve"].median()), 2),
    }


def after_complaint(complainants: pd.DataFrame) -> dict[str, float | None]:
    """`complainants`: one row per customer whose follow-up window has ended, with `bought_before` and
    `bought_after` (booleans). Repurchase = bought after; churn = bought before, not after (of those
    who bought before)."""
    if complainants.empty:
        return {"repurchase_after_complaint": None, "churn_after_complaint": None}
    before = complainants[complainants["bought_before"]]
    return {
        "repurchase_after_complaint": ratio(complainants["bought_after"].sum(), len(complainants)),
        "churn_after_complaint": ratio((~before["bought_after"]).sum(), len(before)),
    }


@dataclass(frozen=True)
class AgentDays:
    """Agent-days worked in the period (an agent with any contact that day) and the high-risk contacts
    (risk high or critical) on them."""

    days: int
    high_risk: int


def per_agent_day(agent_days: AgentDays) -> float | None:
    """High-risk contacts per agent per day worked."""
    if not agent_days.days:
        return None
    return round(agent_days.high_risk / agent_days.days, 3)


def operations_block(
    *,
    complaints: int,
    exposure: float | None,
    potential_customers: int,
    converted_customers: int,
    cases: pd.DataFrame,
    complainants: pd.DataFrame,
    agent_days: AgentDays,
) -> dict[str, Any]:
    """The report's `operations` object."""
    return {
        "complaint_rate_per_1000": None if not exposure else round(complaints / exposure * 1000, 4),
        "potential_to_formal_conversion": ratio(converted_customers, potential_customers),
        **case_metrics(cases),
        **after_complaint(complainants),
        "high_risk_contacts_per_agent_per_day": per_agent_day(agent_days),
        "counts": {
            "complaints": complaints,
            "exposure": exposure,
            "potential_customers": potential_customers,
            "converted_customers": converted_customers,
            "cases_resolved": len(cases),
            "complainants_followed": len(complainants),
            "agent_days": agent_days.days,
        },
    }
