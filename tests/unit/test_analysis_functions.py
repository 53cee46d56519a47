"""The pure analysis functions on small hand-computed fixtures (SPEC.md §7)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import pytest

from complaint_radar.analysis.actions import (
    ActionWindows,
    Verdict,
    WindowCounts,
    action_windows,
    evaluate,
    overlaps,
    target_metric,
)
from complaint_radar.analysis.calendar import Granularity, load_calendar, periods
from complaint_radar.analysis.operations import after_complaint, case_metrics
from complaint_radar.analysis.pareto import Weighting, pareto_rows
from complaint_radar.analysis.rootcause import check_record
from complaint_radar.analysis.satisfaction import csat_summary, nps_block, post_resolution
from complaint_radar.analysis.servqual import servqual_gaps
from complaint_radar.analysis.stats import poisson_rate_test, two_proportion_z_test
from complaint_radar.analysis.volumes import moving_average, volume_series, volume_totals
from complaint_radar.errors import InputError

D0 = date(2026, 7, 1)


def test_pareto_marks_the_vital_few_up_to_and_including_the_row_that_crosses_80_percent() -> None:
    counts = pd.DataFrame(
        {
            "key": ["a", "b", "c", "d", "e"],
            "count": [50, 20, 15, 10, 5],
            "weighted": [50.0, 80.0, 15.0, 10.0, 5.0],
        }
    )
    rows = pareto_rows(counts)
    assert [r["key"] for r in rows] == ["a", "b", "c", "d", "e"]
    assert [r["cumulative_share"] for r in rows] == [0.5, 0.7, 0.85, 0.95, 1.0]
    assert [r["vital_few"] for r in rows] == [True, True, True, False, False]
    weighted = pareto_rows(counts, Weighting.SEVERITY)
    assert weighted[0]["key"] == "b" and weighted[0]["share"] == round(80 / 160, 4)
    assert [r["vital_few"] for r in weighted] == [True, True, False, False, False]  # 0.5, 0.8125


def test_pareto_of_nothing_is_empty() -> None:
    assert pareto_rows(pd.DataFrame({"key": [], "count": [], "weighted": []})) == []


def test_moving_average_is_a_trailing_mean_over_up_to_seven_values() -> None:
    values = [7, 0, 0, 0, 0, 0, 0, 14]
    assert moving_average(values) == [7.0, 3.5, 7 / 3, 1.75, 1.4, 7 / 6, 1.0, 2.0]


def _daily(rows: list[tuple[date, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["day", "channel", "stage", "messages"])


def test_weekly_series_counts_complaints_rates_changes_and_peaks() -> None:
    monday = date(2026, 11, 2)  # ISO week 45, inside 双十一 (11-01..11-12)
    rows = [(monday + timedelta(days=i), "chat", "formal_complaint", 1) for i in range(14)]
    rows += [(monday, "chat", "none", 10), (monday + timedelta(days=7), "email", "explicit_grumble", 4)]
    denominators = pd.DataFrame(
        {"day": [monday + timedelta(days=i) for i in range(7)], "value": [1000.0] * 7}
    )
    series = volume_series(
        _daily(rows),
        monday,
        monday + timedelta(days=13),
        Granularity.WEEK,
        denominators=denominators,
        calendar=load_calendar(),
    )
    assert [s["period"] for s in series] == ["2026-W45", "2026-W46"]
    first, second = series
    assert first["messages"] == 17 and first["complaints"] == 7 and first["dissatisfied"] == 7
    assert first["rate_per_1000"] == 1.0 and first["denominator"] == 7000.0
    assert second["rate_per_1000"] is None and second["denominator"] is None
    assert first["change_pct"] is None and second["change_pct"] == 0.0
    assert first["peak"] == "双十一" and second["peak"] == "双十一"
    assert first["moving_avg_7d"] == 1.0
    totals = volume_totals(_daily(rows), monday, monday + timedelta(days=13))
    assert totals["by_channel"] == {"chat": 24, "email": 4} and totals["complaints"] == 14


def test_periods_are_clipped_to_the_report_and_marked_partial() -> None:
    found = periods(date(2026, 7, 1), date(2026, 8, 10), Granularity.MONTH)
    assert [(p.label, p.start, p.end, p.partial) for p in found] == [
        ("2026-07", date(2026, 7, 1), date(2026, 7, 31), False),
        ("2026-08", date(2026, 8, 1), date(2026, 8, 10), True),
    ]


def test_the_calendar_lists_spring_festival_by_its_lunar_date() -> None:
    names = {(p.name, p.start) for p in load_calendar().peaks_between(date(2026, 2, 1), date(2026, 2, 28))}
    assert ("春节", date(2026, 2, 10)) in names


def test_two_proportion_z_test_matches_the_hand_computed_example() -> None:
    # 30/100 before, 45/100 after: pooled p = 0.375, SE0 = sqrt(.375 * .625 * .02) = 0.068465,
    # z = 0.15 / 0.068465 = 2.1909, two-sided p = 0.02846; unpooled SE = sqrt(.3*.7/100 + .45*.55/100)
    result = two_proportion_z_test(30, 100, 45, 100)
    assert result.change_abs == pytest.approx(0.15)
    assert result.p_value == pytest.approx(0.02846, abs=5e-5)
    se = math.sqrt(0.3 * 0.7 / 100 + 0.45 * 0.55 / 100)
    assert result.ci_low == pytest.approx(0.15 - 1.959964 * se, abs=1e-5)
    assert result.test == "two_proportion_z"


def test_poisson_rate_test_is_the_exact_conditional_binomial_test() -> None:
    # 10 events per 1000 before, 25 per 1000 after: given 35 events, X_after ~ Bin(35, 0.5) under H0;
    # two-sided p = 2 * P(X >= 25).
    tail = sum(math.comb(35, k) for k in range(25, 36)) / 2**35
    result = poisson_rate_test(10, 1000, 25, 1000)
    assert result.p_value == pytest.approx(2 * tail, rel=1e-9)
    assert result.rate_before == pytest.approx(10.0) and result.rate_after == pytest.approx(25.0)
    se = math.sqrt(10 / 1000**2 + 25 / 1000**2) * 1000
    assert result.ci_high == pytest.approx(15 + 1.959964 * se, abs=1e-4)
    assert result.change_rel == pytest.approx(1.5)


def test_action_windows_have_equal_length_after_the_ramp_up() -> None:
    windows = action_windows(date(2026, 8, 1), date(2026, 7, 4), date(2026, 7, 31), ramp_up_days=14)
    assert windows.evaluation_start == date(2026, 8, 15) and windows.evaluation_end == date(2026, 9, 11)
    assert windows.days == 28
    with pytest.raises(InputError, match="before the action starts"):
        action_windows(date(2026, 8, 1), date(2026, 7, 4), date(2026, 8, 1), ramp_up_days=0)


def test_an_action_is_pending_until_its_evaluation_window_ends_then_judged_by_direction() -> None:
    windows = ActionWindows(date(2026, 7, 1), date(2026, 7, 28), date(2026, 8, 10), date(2026, 9, 6))
    metric = target_metric("complaint_rate", ["waiting_time"])
    before, after = WindowCounts(120, 30000, "metric"), WindowCounts(60, 30000, "metric")
    assert evaluate(metric, windows, before, after, date(2026, 9, 5))["verdict"] == Verdict.PENDING
    done = evaluate(metric, windows, before, after, date(2026, 9, 6))
    assert done["verdict"] == "improved" and done["test"] == "poisson_rate_ratio"
    assert done["baseline"]["rate"] == 4.0 and done["evaluation"]["rate"] == 2.0
    assert done["ci_high"] < 0 < 0.05 - done["p_value"]
    worse = evaluate(metric, windows, after, before, date(2026, 9, 6))
    assert worse["verdict"] == "worse"
    flat = evaluate(metric, windows, before, WindowCounts(118, 30000, "metric"), date(2026, 9, 6))
    assert flat["verdict"] == "no_change"
    csat = evaluate(
        target_metric("csat", []),
        windows,
        WindowCounts(50, 100, "units"),
        WindowCounts(75, 100, "units"),
        date(2026, 9, 30),
    )
    assert csat["verdict"] == "improved" and csat["test"] == "two_proportion_z"


def test_target_metrics_are_checked() -> None:
    assert target_metric("cause_rate:waiting_time", ["waiting_time"]).cause == "waiting_time"
    for bad in ("cause_rate", "cause_rate:nope", "revenue"):
        with pytest.raises(InputError):
            target_metric(bad, ["waiting_time"])


def test_concurrent_actions_overlap_in_their_before_after_span() -> None:
    a = ActionWindows(date(2026, 7, 1), date(2026, 7, 28), date(2026, 8, 10), date(2026, 9, 6))
    b = ActionWindows(date(2026, 9, 1), date(2026, 9, 28), date(2026, 10, 10), date(2026, 11, 6))
    c = ActionWindows(date(2026, 9, 7), date(2026, 9, 28), date(2026, 10, 10), date(2026, 10, 31))
    assert overlaps(a, b) and not overlaps(a, c)


def test_servqual_gaps_per_item_and_dimension_with_importance_and_complaint_share() -> None:
    answers = pd.DataFrame(
        {
            "item": ["Q1", "Q1", "Q2", "Q5"],
            "dimension": ["responsiveness", "responsiveness", "responsiveness", "tangibles"],
            "expectation": [7.0, 6.0, 6.0, 5.0],
            "perception": [4.0, 5.0, 6.0, 6.0],
            "importance": [30.0, 30.0, None, 10.0],
        }
    )
    result = servqual_gaps(answers, {"waiting_time": 6, "facility_system_failure": 2, "other": 2})
    items = {i["item"]: i["gap"] for i in result["items"]}
    assert items == {"Q1": -2.0, "Q2": 0.0, "Q5": 1.0}
    dims = {d["dimension"]: d for d in result["dimensions"]}
    assert dims["responsiveness"]["gap"] == -1.0 and dims["tangibles"]["gap"] == 1.0
    assert dims["responsiveness"]["weighted_gap"] == -0.75 and dims["tangibles"]["weighted_gap"] == 0.25
    assert dims["responsiveness"]["complaint_share"] == 0.6 and dims["empathy"]["complaint_share"] == 0.0
    assert dims["empathy"]["gap"] is None
    assert result["negative_gaps_ranked"] == [{"item": "Q1", "dimension": "responsiveness", "gap": -2.0}]


def test_satisfaction_csat_nps_and_post_resolution() -> None:
    answers = pd.DataFrame(
        {"day": [D0, D0, D0 + timedelta(days=1), D0 + timedelta(days=1)], "value": [5, 4, 2, 1]}
    )
    csat = csat_summary(answers, Granularity.DAY, surveys_sent=8)
    assert csat["mean"] == 3.0 and csat["share_satisfied"] == 0.5 and csat["response_rate"] == 0.5
    assert csat["series"] == [
        {"period": "2026-07-01", "mean": 4.5, "responses": 2},
        {"period": "2026-07-02", "mean": 1.5, "responses": 2},
    ]
    assert csat_summary(answers, Granularity.DAY)["response_rate"] is None
    nps = nps_block(pd.Series([10, 9, 8, 3, 0]))
    assert nps["score"] == 0.0 and nps["promoters"] == 0.4 and nps["detractors"] == 0.4
    post = post_resolution(
        pd.DataFrame({"team": ["A", "A", "B"], "causes": [["x"], ["x", "y"], ["y"]], "csat": [5, 3, 1]})
    )
    assert post["by_team"] == [
        {"team": "A", "mean": 4.0, "responses": 2},
        {"team": "B", "mean": 1.0, "responses": 1},
    ]
    assert post["by_cause"][0] == {"cause": "y", "mean": 2.0, "responses": 2}


def test_operations_from_cases_and_complainants() -> None:
    cases = pd.DataFrame(
        {
            "hours_to_resolve": [10.0, 20.0, 30.0, 40.0],
            "resolve_met": [True, True, False, True],
            "contact_count": [1, 1, 2, 1],
            "reopen_count": [0, 1, 0, 0],
        }
    )
    assert case_metrics(cases) == {
        "sla_compliance": 0.75,
        "first_contact_resolution": 0.5,
        "reopen_rate": 0.25,
        "median_hours_to_resolve": 25.0,
    }
    assert case_metrics(cases.iloc[0:0])["sla_compliance"] is None
    people = pd.DataFrame(
        {"bought_before": [True, True, False, True], "bought_after": [True, False, True, False]}
    )
    assert after_complaint(people) == {
        "repurchase_after_complaint": 0.5,
        "churn_after_complaint": round(2 / 3, 4),
    }


def test_root_cause_records_are_validated() -> None:
    fishbone = check_record(
        "fishbone",
        {
            "problem": "X手机自动关机",
            "causes": [
                {"category": "material", "cause": "电池批次", "evidence": [{"kind": "message", "id": "m1"}]}
            ],
        },
    )
    assert fishbone["by_category"]["material"][0]["evidence"] == [{"kind": "message", "id": "m1"}]
    whys = {"problem": "p", "whys": ["a", "b", "c"], "root_cause": "r", "verifier": "qa-lee"}
    assert check_record("five_whys", whys)["whys"] == ["a", "b", "c"]
    with pytest.raises(InputError, match="3 to 7"):
        check_record("five_whys", {**whys, "whys": ["a", "b"]})
    with pytest.raises(InputError, match="category"):
        check_record("fishbone", {"problem": "p", "causes": [{"category": "money", "cause": "c"}]})
    with pytest.raises(InputError, match="verifier"):
        check_record("five_whys", {k: v for k, v in whys.items() if k != "verifier"})
