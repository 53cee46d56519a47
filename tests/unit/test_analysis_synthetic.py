"""Synthetic histories for scoring detectors: reproducible, with ground truth that matches the rows."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from complaint_radar.analysis.issues import KnownIssue
from complaint_radar.analysis.synthetic import HistoryParams, generate_history, issue_is_real


def test_the_same_seed_gives_the_same_history() -> None:
    first, again = generate_history(3), generate_history(3)
    pd.testing.assert_frame_equal(first.items, again.items)
    pd.testing.assert_frame_equal(first.volume, again.volume)
    assert first.spikes == again.spikes
    assert not generate_history(4).items.equals(first.items)


def test_injected_spikes_are_in_the_rows_where_the_ground_truth_says() -> None:
    history = generate_history(5, HistoryParams(spikes=4, multi_cause_share=0.0))
    items = history.items
    assert len(history.spikes) == 4
    for index, spike in enumerate(history.spikes):
        rows = items[items["spike"] == index]
        assert len(rows) == spike.extra
        dim, value = next((k, v) for k, v in spike.key.items() if k != "cause")
        assert (rows["cause"] == spike.key["cause"]).all() and (rows[dim] == value).all()
        days = pd.to_datetime(rows["day"]).dt.date
        assert days.min() >= spike.start and days.max() <= spike.end
        assert spike.start >= history.start + timedelta(weeks=history.params.warmup_weeks)


def test_a_flagged_issue_is_real_only_on_a_spike_key_and_overlapping_window() -> None:
    spike = generate_history(5).spikes[0]
    key = dict(spike.key)
    hit = KnownIssue(1, key, spike.start, spike.start + timedelta(days=6))
    assert issue_is_real(hit, spike)
    later = KnownIssue(2, key, spike.end + timedelta(days=1), spike.end + timedelta(days=7))
    assert not issue_is_real(later, spike)
    other = KnownIssue(3, {**key, "cause": "other"}, spike.start, spike.end)
    assert not issue_is_real(other, spike)
    merged = KnownIssue(4, {"cause": "x", "branch": "y"}, spike.start, spike.end, merged_keys=(key,))
    assert issue_is_real(merged, spike)


def test_volume_counts_every_message_and_peaks_lift_every_key() -> None:
    history = generate_history(2, HistoryParams(spikes=0, weekly_strength=0.0, key_noise=0.0, trend=0.0))
    per_day = history.items.drop_duplicates("item_id").groupby("day").size()
    volume = history.volume.set_index("day")["volume"]
    assert (volume >= per_day.reindex(volume.index, fill_value=0)).all()
    days = pd.to_datetime(history.items["day"])
    peak = history.items[(days >= "2026-11-01") & (days <= "2026-11-12")]
    before = history.items[(days >= "2026-10-13") & (days <= "2026-10-24")]
    lift = peak.groupby("cause").size() / before.groupby("cause").size()
    assert (lift > 1.8).all()
