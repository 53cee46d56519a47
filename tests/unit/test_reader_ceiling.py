"""The reading study (bench/preidentify_reader_ceiling.py): the journey generator names the phrase-bank
template of every message it writes without changing what it writes, and the study's counts and monotone
directions are what its document says."""

from __future__ import annotations

from collections import Counter
from types import ModuleType

import pytest
from tests.unit.bench_modules import load_bench

from complaint_radar.customers.journeys import JOURNEY_START, generate_journeys


@pytest.fixture(scope="module")
def study() -> ModuleType:
    return load_bench("preidentify_reader_ceiling")


def test_every_message_has_the_template_it_was_written_from() -> None:
    j = generate_journeys(60, 7, JOURNEY_START, split="dev")
    assert set(j.templates) == {m["message_id"] for m in j.messages}
    assert "unknown" not in j.templates.values()
    archetype = {t["customer_id"]: t["archetype"] for t in j.truth}
    by_archetype: dict[str, Counter[str]] = {}
    for m in j.messages:
        by_archetype.setdefault(archetype[m["customer_id"]], Counter())[j.templates[m["message_id"]]] += 1
    # Every complainer's filing is written from the `formal` template; nobody else writes one.
    filed = {t["customer_id"] for t in j.truth if t["complained"]}
    formal = {m["customer_id"] for m in j.messages if j.templates[m["message_id"]] == "formal"}
    assert formal == filed
    # Chronic grumblers write passing remarks; ordinary life is calm messages.
    if "chronic_grumbler" in by_archetype:
        assert by_archetype["chronic_grumbler"]["remark"] > 0
    assert sum(c["calm"] for c in by_archetype.values()) > len(j.truth)


def test_naming_templates_leaves_the_journeys_as_they_were() -> None:
    """Two generations agree row for row (the hook draws nothing from the customer's generator)."""
    a = generate_journeys(30, 3, JOURNEY_START, split="train")
    b = generate_journeys(30, 3, JOURNEY_START, split="train")
    assert a.messages == b.messages and a.events == b.events and a.templates == b.templates
    columns = {"message_id", "customer_id", "occurred_at", "channel", "text", "thread_id"}
    assert all(set(m) <= columns for m in a.messages)  # the template is not a column of the rows


def test_counts_cover_each_window_and_the_days_since(study: ModuleType) -> None:
    day = study.DAY
    items = {"a": [(0.0, "stage:2"), (5 * day, "stage:2"), (9 * day, "event:purchase")]}
    truth = {"a": {"customer_id": "a", "complained": False}}
    rows = study.count_rows(study.Timelines(items, truth, {"a": 1}), ["stage:2", "event:purchase"])
    names = study.column_names(["stage:2", "event:purchase"])
    last = dict(zip(names, rows.x[-1], strict=True))  # as of day 9
    assert rows.x.shape == (3, len(names)) and rows.y.tolist() == [0, 0, 0]
    assert last["stage:2@7d"] == 1 and last["stage:2@14d"] == 2 and last["stage:2@1d"] == 0
    assert last["stage:2@since"] == pytest.approx(4.0)
    assert last["event:purchase@1d"] == 1 and last["event:purchase@since"] == 0.0
    first = dict(zip(names, rows.x[0], strict=True))
    assert first["event:purchase@since"] == study.SINCE_CAP_DAYS  # never seen yet


def test_a_complainers_rows_stop_at_filing_and_are_labelled_a_week_ahead(study: ModuleType) -> None:
    day = study.DAY
    filed = "1970-01-11T00:00:00+00:00"  # day 10
    items = {"a": [(0.0, "stage:1"), (2 * day, "stage:2"), (9 * day, "stage:3"), (10 * day, "stage:4")]}
    truth = {"a": {"customer_id": "a", "complained": True, "complaint_filed_at": filed}}
    rows = study.count_rows(study.Timelines(items, truth, {"a": 1}), ["stage:1"])
    assert rows.at.tolist() == [0.0, 2 * day, 9 * day]
    assert rows.y.tolist() == [0, 0, 1]


def test_monotone_directions_follow_r1(study: ModuleType) -> None:
    """Counts of negative items may only raise risk (days since one: only lower it); calm items reversed."""
    vocabulary = ["stage:2", "event:purchase"]
    signs = dict(zip(study.column_names(vocabulary), study.monotone(vocabulary), strict=True))
    assert signs["stage:2@7d"] == 1 and signs["stage:2@since"] == -1
    assert signs["event:purchase@7d"] == -1 and signs["event:purchase@since"] == 1


def test_hybrid_readers_change_the_latent_line_only(study: ModuleType) -> None:
    """SPEC's stage replaces the assessor's on a passing remark (its cues and type kept, `public` following
    the new stage); SPEC's whole reading drops them; other templates keep the assessor's reading."""
    post = {"channel": "social_post"}
    reading = (2, ("long_wait",), "rational", -0.6)
    assert study._latent_line_stage(post, "remark", reading) == [
        "stage:1",
        "cue:long_wait",
        "type:rational",
        "public",
    ]
    assert study._latent_line_spec(post, "remark", reading) == ["stage:1", "public"]
    calm_read = (0, (), "rational", 0.5)
    assert study._latent_line_stage(post, "latent", calm_read)[-1] == "public"  # lifted to stage 1
    for reader in (study._latent_line_stage, study._latent_line_spec):
        assert reader(post, "explicit", reading) == study._assessor(post, "explicit", reading)
