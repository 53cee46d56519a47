"""Pre-identification metrics from replay rows and truth: early recall, lead time, precision of *high*."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from complaint_radar.customers.timeline import parse_time

FLAG_LEVELS = frozenset({"high", "critical"})


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """Counts for one archetype (or any truth grouping)."""

    customers: int
    complained: int
    flagged: int
    flagged_early: int


@dataclass(frozen=True, slots=True)
class PreIdentificationReport:
    """How well profiles flagged complaints before they were filed.

    - recall_at_lead: complainers flagged high (high or critical) at least `lead_hours` before filing,
      over all complainers.
    - precision: customers flagged high who complained, over all customers flagged high, where a
      complainer counts as flagged only by a flag before filing and a non-complainer by any flag.
    - median_lead_hours: filing time minus the first flag, over complainers flagged before filing.
    """

    lead_hours: float
    customers: int
    complainers: int
    flagged_early: int
    flagged_before_filing: int
    false_alarms: int
    recall_at_lead: float | None
    precision: float | None
    median_lead_hours: float | None
    by_group: dict[str, GroupCounts]


def evaluate(
    rows: Iterable[Mapping[str, Any]],
    truth: Iterable[Mapping[str, Any]],
    *,
    lead_hours: float = 24.0,
    flag_levels: frozenset[str] = FLAG_LEVELS,
    group_by: str = "archetype",
) -> PreIdentificationReport:
    """Score replay rows (`customer_id, at, risk_level`, …) against truth rows
    (`customer_id, complained, complaint_filed_at`, optional `archetype`)."""
    first_flag: dict[str, datetime] = {}
    flag_times: dict[str, list[datetime]] = {}
    for row in rows:
        if str(row["risk_level"]) in flag_levels:
            customer = str(row["customer_id"])
            flag_times.setdefault(customer, []).append(parse_time(row["at"], what="replay row at"))
    for customer, times in flag_times.items():
        first_flag[customer] = min(times)
    lead = timedelta(hours=lead_hours)
    complainers = flagged_early = flagged_before = false_alarms = 0
    leads: list[float] = []
    groups: dict[str, list[int]] = {}
    truth_rows = list(truth)
    for t in truth_rows:
        customer = str(t["customer_id"])
        complained = _truthy(t.get("complained"))
        flag = first_flag.get(customer)
        early = flagged = False
        if complained:
            complainers += 1
            filed = parse_time(t["complaint_filed_at"], what=f"complaint_filed_at of {customer}")
            flagged = flag is not None and flag < filed
            early = flag is not None and flag <= filed - lead
            if flagged and flag is not None:
                flagged_before += 1
                leads.append((filed - flag).total_seconds() / 3600.0)
            flagged_early += early
        else:
            flagged = flag is not None
            false_alarms += flagged
        counts = groups.setdefault(str(t.get(group_by) or "all"), [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += complained
        counts[2] += flagged
        counts[3] += early
    flagged_total = flagged_before + false_alarms
    return PreIdentificationReport(
        lead_hours=lead_hours,
        customers=len(truth_rows),
        complainers=complainers,
        flagged_early=flagged_early,
        flagged_before_filing=flagged_before,
        false_alarms=false_alarms,
        recall_at_lead=flagged_early / complainers if complainers else None,
        precision=flagged_before / flagged_total if flagged_total else None,
        median_lead_hours=statistics.median(leads) if leads else None,
        by_group={name: GroupCounts(*c) for name, c in sorted(groups.items())},
    )


def render_markdown(report: PreIdentificationReport, title: str | None = None) -> str:
    """The report as a Markdown summary table followed by a per-group table."""
    lead = f"{report.lead_hours:g}"
    lines = [f"### {title}", ""] if title else []
    lines += [
        "| metric | value |",
        "|---|---|",
        f"| customers | {report.customers} |",
        f"| complainers | {report.complainers} |",
        f"| recall@{lead}h (flagged high ≥ {lead} h before filing) | {_fmt(report.recall_at_lead)} "
        f"({report.flagged_early}/{report.complainers}) |",
        f"| precision of high | {_fmt(report.precision)} ({report.flagged_before_filing}/"
        f"{report.flagged_before_filing + report.false_alarms}) |",
        f"| median lead time (h) | {_fmt(report.median_lead_hours, 1)} |",
        f"| non-complainers flagged high | {report.false_alarms} |",
        "",
        f"| group | customers | complained | flagged high | flagged ≥ {lead} h early |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {c.customers} | {c.complained} | {c.flagged} | {c.flagged_early} |"
        for name, c in report.by_group.items()
    ]
    return "\n".join(lines) + "\n"


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "y"}
    return bool(value)
