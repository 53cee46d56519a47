"""Pre-identification metrics from replay rows and truth: early recall of the catchable complainers, lead
time, precision of *high*, per-archetype hits and false alarms; Brier score, ECE and the reliability curve
of the 7-day complaint probability."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from complaint_radar.customers.timeline import parse_time

FLAG_LEVELS = frozenset({"high", "critical"})
HORIZON = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """Counts for one archetype (or any truth grouping): `flagged` are hits before filing for
    complainers and false alarms for the others."""

    customers: int
    complained: int
    catchable: int
    flagged: int
    flagged_early: int


@dataclass(frozen=True, slots=True)
class PreIdentificationReport:
    """How well profiles flagged complaints before they were filed.

    - recall_at_lead: catchable complainers (truth `catchable`: a warning ≥ `lead_hours` before filing;
      every complainer when truth has no such column) flagged high (or critical) ≥ `lead_hours` before
      filing, over all catchable complainers.
    - precision: customers flagged high who complained, over all customers flagged high, where a
      complainer counts as flagged only by a flag before filing and a non-complainer by any flag.
    - median_lead_hours: filing time minus the first flag, over complainers flagged before filing.
    """

    lead_hours: float
    customers: int
    complainers: int
    catchable: int
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
    (`customer_id, complained, complaint_filed_at`, optional `catchable` and `archetype`)."""
    flag_times: dict[str, datetime] = {}
    for row in rows:
        if str(row["risk_level"]) in flag_levels:
            customer = str(row["customer_id"])
            at = parse_time(row["at"], what="replay row at")
            if customer not in flag_times or at < flag_times[customer]:
                flag_times[customer] = at
    lead = timedelta(hours=lead_hours)
    complainers = catchable = flagged_early = flagged_before = false_alarms = 0
    leads: list[float] = []
    groups: dict[str, list[int]] = {}
    truth_rows = list(truth)
    for t in truth_rows:
        customer = str(t["customer_id"])
        complained = truthy(t.get("complained"))
        flag = flag_times.get(customer)
        early = flagged = reachable = False
        if complained:
            complainers += 1
            reachable = truthy(t["catchable"]) if "catchable" in t else True
            catchable += reachable
            filed = parse_time(t["complaint_filed_at"], what=f"complaint_filed_at of {customer}")
            flagged = flag is not None and flag < filed
            early = reachable and flag is not None and flag <= filed - lead
            if flagged and flag is not None:
                flagged_before += 1
                leads.append((filed - flag).total_seconds() / 3600.0)
            flagged_early += early
        else:
            flagged = flag is not None
            false_alarms += flagged
        counts = groups.setdefault(str(t.get(group_by) or "all"), [0, 0, 0, 0, 0])
        for i, value in enumerate((1, complained, reachable, flagged, early)):
            counts[i] += int(value)
    flagged_total = flagged_before + false_alarms
    return PreIdentificationReport(
        lead_hours=lead_hours,
        customers=len(truth_rows),
        complainers=complainers,
        catchable=catchable,
        flagged_early=flagged_early,
        flagged_before_filing=flagged_before,
        false_alarms=false_alarms,
        recall_at_lead=flagged_early / catchable if catchable else None,
        precision=flagged_before / flagged_total if flagged_total else None,
        median_lead_hours=statistics.median(leads) if leads else None,
        by_group={name: GroupCounts(*c) for name, c in sorted(groups.items())},
    )


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    low: float
    high: float
    rows: int
    mean_probability: float
    observed_rate: float


@dataclass(frozen=True, slots=True)
class ProbabilityReport:
    """The 7-day probability against what happened, over replay rows before each customer's filing
    (after it the question is moot): label 1 when the customer filed within 7 days after the row."""

    rows: int
    positives: int
    brier: float | None
    ece: float | None
    bins: tuple[ReliabilityBin, ...]


def labelled_probabilities(
    rows: Iterable[Mapping[str, Any]], truth: Iterable[Mapping[str, Any]], horizon: timedelta = HORIZON
) -> list[tuple[float, int]]:
    """(probability, label) per replay row with a `complaint_probability_7d`, rows at or after filing
    left out."""
    filed = {
        str(t["customer_id"]): parse_time(t["complaint_filed_at"], what="complaint_filed_at")
        for t in truth
        if truthy(t.get("complained")) and t.get("complaint_filed_at")
    }
    out = []
    for row in rows:
        value = row.get("complaint_probability_7d")
        if value in (None, ""):
            continue
        at = parse_time(row["at"], what="replay row at")
        when = filed.get(str(row["customer_id"]))
        if when is not None and at >= when:
            continue
        out.append((float(value), int(when is not None and when - at <= horizon)))
    return out


def probability_report(pairs: list[tuple[float, int]], bins: int = 10) -> ProbabilityReport:
    """Brier score, expected calibration error (equal-width bins, weighted by rows) and the curve."""
    if not pairs:
        return ProbabilityReport(0, 0, None, None, ())
    brier = sum((p - y) ** 2 for p, y in pairs) / len(pairs)
    buckets: list[list[tuple[float, int]]] = [[] for _ in range(bins)]
    for p, y in pairs:
        buckets[min(bins - 1, int(p * bins))].append((p, y))
    curve = []
    ece = 0.0
    for i, bucket in enumerate(buckets):
        if not bucket:
            continue
        mean_p = sum(p for p, _ in bucket) / len(bucket)
        rate = sum(y for _, y in bucket) / len(bucket)
        ece += len(bucket) / len(pairs) * abs(mean_p - rate)
        curve.append(ReliabilityBin(i / bins, (i + 1) / bins, len(bucket), mean_p, rate))
    return ProbabilityReport(len(pairs), sum(y for _, y in pairs), brier, ece, tuple(curve))


def render_markdown(report: PreIdentificationReport, title: str | None = None) -> str:
    """The report as a Markdown summary table followed by a per-group table."""
    lead = f"{report.lead_hours:g}"
    lines = [f"### {title}", ""] if title else []
    lines += [
        "| metric | value |",
        "|---|---|",
        f"| customers | {report.customers} |",
        f"| complainers (catchable: warned ≥ {lead} h ahead) | {report.complainers} ({report.catchable}) |",
        f"| recall@{lead}h of the catchable (flagged high ≥ {lead} h before filing) | "
        f"{fmt(report.recall_at_lead)} ({report.flagged_early}/{report.catchable}) |",
        f"| precision of high | {fmt(report.precision)} ({report.flagged_before_filing}/"
        f"{report.flagged_before_filing + report.false_alarms}) |",
        f"| median lead time (h) | {fmt(report.median_lead_hours, 1)} |",
        f"| non-complainers flagged high (false alarms) | {report.false_alarms} |",
        "",
        f"| group | customers | complained | catchable | flagged high (hits / false alarms) | "
        f"flagged ≥ {lead} h early |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {c.customers} | {c.complained} | {c.catchable} | {c.flagged} | {c.flagged_early} |"
        for name, c in report.by_group.items()
    ]
    return "\n".join(lines) + "\n"


def render_reliability(report: ProbabilityReport) -> str:
    """The reliability curve as a Markdown table."""
    lines = [
        f"Rows {report.rows:,} ({report.positives:,} followed by a complaint within 7 days); "
        f"Brier {fmt(report.brier, 4)}, ECE {fmt(report.ece, 4)}.",
        "",
        "| probability bin | rows | mean predicted | observed rate |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {b.low:.1f}–{b.high:.1f} | {b.rows:,} | {b.mean_probability:.3f} | {b.observed_rate:.3f} |"
        for b in report.bins
    ]
    return "\n".join(lines) + "\n"


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "y"}
    return bool(value)
