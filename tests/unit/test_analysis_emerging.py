"""The emerging-issue detector, SPEC's plain rule and issue tracking on small hand-made series."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import pytest

from complaint_radar.analysis.emerging import DetectorConfig, bh_cutoff, detect_emerging, detect_emerging_over
from complaint_radar.analysis.issues import EmergingIssue, KnownIssue, match_known, track
from complaint_radar.analysis.spec_rule import SpecRule, spec_rule
from complaint_radar.errors import InputError

AS_OF = date(2026, 11, 29)  # a Sunday
START = AS_OF - timedelta(days=7 * 20 - 1)
PRODUCTS = ("手机", "耳机", "电脑", "家电")
CAUSES = ("waiting_time", "product_quality", "delivery_logistics", "service_attitude")
BRANCH_OF = {"手机": "上海店", "耳机": "上海店", "电脑": "广州店", "家电": "北京店"}
REGION_OF = {"上海店": "华东", "广州店": "华南", "北京店": "华北"}

DailyCount = Callable[[str, str, date], int]


def build_items(count: DailyCount, extra_causes: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per message × cause: `count(cause, product, day)` messages of each key on each day."""
    rows: list[dict[str, object]] = []
    next_id = 1
    for offset in range((AS_OF - START).days + 1):
        day = START + timedelta(days=offset)
        for cause in CAUSES:
            for product in PRODUCTS:
                for _ in range(count(cause, product, day)):
                    branch = BRANCH_OF[product]
                    row = {"item_id": next_id, "day": day, "product": product, "branch": branch}
                    rows.append({**row, "cause": cause, "region": REGION_OF[branch]})
                    if extra_causes and cause in extra_causes and next_id % 2 == 0:
                        rows.append({**row, "cause": extra_causes[cause], "region": REGION_OF[branch]})
                    next_id += 1
    return pd.DataFrame(rows)


def flat(cause: str, product: str, day: date) -> int:
    return 3 + (len(cause) + PRODUCTS.index(product)) % 3


def weekly(cause: str, product: str, day: date) -> int:
    return flat(cause, product, day) * (3 if day.weekday() >= 5 else 1)


def with_spike(base: DailyCount, cause: str, product: str, per_day: int, days: int = 5) -> DailyCount:
    def count(c: str, p: str, day: date) -> int:
        spiking = c == cause and p == product and day > AS_OF - timedelta(days=days)
        return base(c, p, day) + (per_day if spiking else 0)

    return count


def test_an_injected_spike_is_flagged_with_its_window_and_messages() -> None:
    items = build_items(with_spike(flat, "product_quality", "耳机", per_day=6))
    issues = detect_emerging(items, AS_OF)
    assert len(issues) == 1
    issue = issues[0]
    keys = [dict(k) for k in issue.all_keys()]
    assert {"cause": "product_quality", "product": "耳机"} in keys
    assert issue.window_end == AS_OF and issue.window_start >= AS_OF - timedelta(days=6)
    assert issue.observed > 2 * issue.expected
    assert issue.p_value is not None and issue.p_value < 1e-4
    spike_ids = set(items[(items["cause"] == "product_quality") & (items["product"] == "耳机")]["item_id"])
    assert set(issue.item_ids) <= spike_ids | set(items[items["branch"] == "上海店"]["item_id"])
    assert issue.to_dict()["key"] == dict(issue.key)


@pytest.mark.parametrize("series", [flat, weekly], ids=["flat", "weekly seasonality"])
def test_nothing_is_flagged_on_a_steady_series(series: DailyCount) -> None:
    items = build_items(series)
    days = [AS_OF - timedelta(days=i) for i in range(14)]
    assert all(not issues for issues in detect_emerging_over(items, days).values())


def test_a_peak_week_that_lifts_every_key_flags_nothing() -> None:
    def peak(cause: str, product: str, day: date) -> int:
        return flat(cause, product, day) * (3 if day > AS_OF - timedelta(days=7) else 1)

    items = build_items(peak)
    assert detect_emerging(items, AS_OF) == []
    # SPEC's plain rule flags every key of the peak week: the floor the detector is built to beat.
    assert len(spec_rule(items, AS_OF)) == len(CAUSES) * (len(PRODUCTS) + len(BRANCH_OF.values()) - 1 + 3)


def test_keys_flagged_by_the_same_messages_merge_into_one_issue() -> None:
    # Half the spike's messages also carry a second cause; the phone spike lifts product, branch and region.
    items = build_items(
        with_spike(flat, "product_quality", "手机", 8), {"product_quality": "expectation_gap"}
    )
    issues = detect_emerging(items, AS_OF)
    assert len(issues) == 1
    keys = {tuple(sorted(k.items())) for k in issues[0].all_keys()}
    assert (("cause", "product_quality"), ("product", "手机")) in keys
    assert any(dict(k).get("cause") == "expectation_gap" for k in keys)
    assert len(keys) >= 3
    # Without merging, SPEC's rule reports the same messages several times.
    assert len(spec_rule(items, AS_OF)) > len(spec_rule(items, AS_OF, SpecRule(merge=True)))


def test_a_new_key_reaching_the_minimum_is_flagged_and_one_below_it_is_not() -> None:
    def new_product(n: int) -> DailyCount:
        def count(cause: str, product: str, day: date) -> int:
            if product == "家电":
                return n if cause == "product_quality" and day == AS_OF else 0
            return flat(cause, product, day)

        return count

    flagged = detect_emerging(build_items(new_product(5)), AS_OF)
    assert [dict(i.key) for i in flagged if i.new_key] == [{"cause": "product_quality", "product": "家电"}]
    assert flagged[0].observed == 5
    assert detect_emerging(build_items(new_product(4)), AS_OF) == []


def test_spec_rule_matches_a_hand_computation() -> None:
    # Previous 8 weeks: 2,3,4,3,2,3,4,3 items → mean 3, σ = 0.707 (population), threshold 5.12.
    weekly_counts = [2, 3, 4, 3, 2, 3, 4, 3]

    def items_with(window_count: int) -> pd.DataFrame:
        rows = []
        for week, n in enumerate(reversed(weekly_counts), start=1):
            for i in range(n):
                rows.append({"day": AS_OF - timedelta(days=7 * week + i % 7), "cause": "waiting_time"})
        rows += [{"day": AS_OF - timedelta(days=i % 7), "cause": "waiting_time"} for i in range(window_count)]
        frame = pd.DataFrame(rows)
        return frame.assign(item_id=range(len(frame)), product="手机")

    rule = SpecRule(keys=(("cause", "product"),))
    assert spec_rule(items_with(5), AS_OF, rule) == []
    (issue,) = spec_rule(items_with(6), AS_OF, rule)
    assert (issue.observed, issue.expected, issue.p_value) == (6, 3.0, None)
    assert issue.ratio == pytest.approx(2.0)
    assert issue.window_start == AS_OF - timedelta(days=6)


def test_spec_rule_flags_a_new_key_at_five() -> None:
    frame = pd.DataFrame({"day": [AS_OF] * 5, "cause": "policy_terms", "product": "月付"}).assign(
        item_id=range(5)
    )
    (issue,) = spec_rule(frame, AS_OF, SpecRule(keys=(("cause", "product"),)))
    assert issue.new_key and issue.observed == 5


def test_an_issue_that_keeps_growing_is_updated_not_duplicated() -> None:
    items = build_items(with_spike(flat, "delivery_logistics", "电脑", per_day=7, days=10))
    days = [AS_OF - timedelta(days=i) for i in range(8)]
    tracked = track(detect_emerging_over(items, days))
    assert len(tracked) == 1
    assert tracked[0].window_end == AS_OF and tracked[0].window_start <= AS_OF - timedelta(days=9)


def test_match_known_pairs_on_shared_keys_and_near_windows() -> None:
    key = {"cause": "product_quality", "product": "手机"}
    detection = EmergingIssue(
        key, AS_OF - timedelta(days=6), AS_OF, 20, 4.0, 1e-6, 5.0, 12.8, item_ids=(1, 2)
    )
    stored = KnownIssue(
        7,
        {"cause": "product_quality", "branch": "上海店"},
        AS_OF - timedelta(days=10),
        AS_OF - timedelta(days=4),
        merged_keys=(key,),
    )
    old = KnownIssue(3, key, AS_OF - timedelta(days=60), AS_OF - timedelta(days=54))
    (match,) = match_known([detection], [old, stored])
    assert match.known is stored and match.key == stored.key
    assert match.window_start == stored.window_start and match.window_end == AS_OF
    assert match_known([detection], [old])[0].known is None
    by_messages = KnownIssue(
        9, {"cluster": "发烫 / 关机"}, AS_OF - timedelta(days=3), AS_OF, item_ids=frozenset({1, 2, 3})
    )
    assert match_known([detection], [by_messages])[0].known is by_messages


def test_benjamini_hochberg_cutoff_by_hand() -> None:
    # m = 5 at 5 %: thresholds 0.01 0.02 0.03 0.04 0.05; the third smallest (0.025) is the last below.
    assert bh_cutoff(pd.Series([0.001, 0.3, 0.025, 0.02, 0.9]).to_numpy(), 0.05) == 0.025
    assert bh_cutoff(pd.Series([0.5, 0.9]).to_numpy(), 0.05) == -1.0


def test_bad_input_gets_a_clear_error() -> None:
    with pytest.raises(InputError, match="lacks column"):
        detect_emerging(
            pd.DataFrame({"item_id": [1], "day": [AS_OF]}), AS_OF, DetectorConfig(keys=(("cause",),))
        )
    with pytest.raises(InputError, match="fdr"):
        DetectorConfig(fdr=1.5)
    with pytest.raises(InputError, match="dates"):
        detect_emerging(
            pd.DataFrame({"item_id": [1], "day": ["yesterday"], "cause": ["x"]}),
            AS_OF,
            DetectorConfig(keys=(("cause",),)),
        )


def test_the_default_keys_adapt_to_the_columns_given() -> None:
    items = build_items(with_spike(flat, "product_quality", "耳机", per_day=6)).drop(
        columns=["branch", "region"]
    )
    (issue,) = detect_emerging(items, AS_OF)
    assert dict(issue.key) == {"cause": "product_quality", "product": "耳机"}
