"""The 7-day model's activity counts (`customers.activity`) and its compiled trees
(`likelihood.compiled_trees`)."""

from __future__ import annotations

import random

from profile_helpers import NOW, ev, msg

from complaint_radar.customers import compute_profile
from complaint_radar.customers.activity import (
    COUNT_FEATURES,
    KINDS,
    REASON,
    activity_features,
    count_name,
    recency_name,
)
from complaint_radar.customers.explain import _texts
from complaint_radar.customers.features import FEATURES, SOOTHING, reason_of
from complaint_radar.customers.history import History
from complaint_radar.customers.likelihood import ComplaintModel, Tree, compiled_trees
from complaint_radar.customers.weights import ProfileWeights
from complaint_radar.types import Stage


def _features(messages: list, events: list) -> dict[str, float]:
    h = History(messages, events, [], NOW, ProfileWeights.default())
    return {name: f.value for name, f in activity_features(h).items()}


def _busy_timeline() -> tuple[list, list]:
    stages = (Stage.NONE, Stage.LATENT_GRUMBLE, Stage.EXPLICIT_GRUMBLE)
    messages = [
        msg(f"m{i}", i * 1.7, stages[i % 3], 40, cues=("long_wait",) if i % 2 else ()) for i in range(30)
    ]
    kinds = (("queue_wait", 40.0), ("purchase", 1.0), ("survey_csat", 2.0), ("login", 1.0), ("call", 1.0))
    events = [ev(f"e{i}", i * 0.8, *kinds[i % len(kinds)]) for i in range(80)]
    return messages, events


def test_counts_per_window_and_recency() -> None:
    events = [
        ev("w1", 0.5, "queue_wait", 45.0),
        ev("w2", 5.0, "queue_wait", 10.0),
        ev("w3", 40.0, "queue_wait", 12.0),
    ]
    f = _features([], events)
    assert f[count_name("wait", 1)] == 1 and f[count_name("wait", 7)] == 2 and f[count_name("wait", 60)] == 3
    assert f[count_name("long_wait", 7)] == 1 and count_name("long_wait", 60) in f
    assert f[recency_name("wait")] > f.get(recency_name("purchase"), 0.0)
    assert 0.99 < f[recency_name("wait")] <= 1.0


def test_a_stage_counts_at_or_above_each_rank_and_a_satisfied_closure_stops_it() -> None:
    said = [msg("m1", 2.0, Stage.POTENTIAL_COMPLAINT, 70, topic="A1", cues=("deadline_ultimatum",))]
    f = _features(said, [])
    assert all(f[count_name(k, 7)] == 1 for k in ("said_latent", "said_explicit", "said_potential"))
    assert f[count_name("cue_deadline_ultimatum", 3)] == 1
    closed = [ev("c1", 1.0, "case_closed", satisfied=True, topic="A1")]
    assert not any(name.startswith("count_said") for name in _features(said, closed))


def test_good_answers_and_buying_are_soothing_and_never_a_reason() -> None:
    soothing = {k.code for k in KINDS if k.soothing}
    assert {"purchase", "login", "csat_high", "nps_high", "closed_satisfied", "kind_words"} == soothing
    for code in soothing:
        assert count_name(code, 7) in SOOTHING and recency_name(code) in SOOTHING
    f = _features([], [ev("s1", 1.0, "survey_csat", 5.0), ev("s2", 1.0, "survey_csat", 2.0)])
    assert f[count_name("csat_high", 7)] == 1 and f[count_name("csat_low", 7)] == 1


def test_every_count_is_a_feature_with_a_reason_text() -> None:
    texts = _texts()["signals"]
    for k in KINDS:
        for name in (count_name(k.code, 7), recency_name(k.code)):
            assert name in FEATURES
            assert reason_of(name) == k.reason and k.reason in texts
    assert reason_of(count_name("exit_page", 7)) == "exit_behaviour"
    assert reason_of(count_name("rough_call", 7)) == REASON


def test_compiled_trees_add_up_exactly_as_walking_them() -> None:
    model = ComplaintModel.bundled()
    rng = random.Random(5)
    n = len(model.tree_features)
    compiled = compiled_trees(model.trees)
    assert compiled_trees(model.trees) is compiled  # compiled once per model
    assert compiled.reads == tuple(sorted({f for t in model.trees for f in t.feature if f >= 0}))
    assert len(compiled.reads) < n  # the trees split on a fraction of the inputs
    for _ in range(50):
        x = [rng.choice((0.0, 0.0, rng.random(), float(rng.randrange(8)))) for _ in range(n)]
        read = [x[i] for i in compiled.reads]
        walked = [0.0] * n
        total, shares = compiled.share(read)
        assert total == sum(t.share(x, walked) for t in model.trees)
        assert list(shares) == [walked[i] for i in compiled.reads]
        assert not any(walked[i] for i in set(range(n)) - set(compiled.reads))
        assert compiled.total(read) == sum(t.output(x) for t in model.trees)


def test_trees_with_a_number_repr_cannot_write_are_walked() -> None:
    tree = Tree((2, -1, -1), (float("inf"), 0.0, 0.0), (1, -1, -1), (2, -1, -1), (0.0, -1.0, 2.0))
    compiled = compiled_trees((tree,))
    assert compiled.reads == (2,)
    assert compiled.total([5.0]) == -1.0 and compiled.share([5.0]) == (-1.0, [-1.0])


def test_a_model_reads_only_the_inputs_it_splits_on_and_profiles_skip_the_other_counts() -> None:
    model = ComplaintModel.bundled()
    reads = model.reads()
    split = {model.tree_features[f] for t in model.trees for f in t.feature if f >= 0}
    assert reads == split | {name for name, w in model.weights.items() if w > 0}
    h = History(*_busy_timeline(), [], NOW, ProfileWeights.default())
    every = activity_features(h)
    kept = activity_features(h, keep=reads)
    assert kept == {name: f for name, f in every.items() if name in reads}
    assert len(kept) < len(every)
    # Every input left out is one the model cannot be moved by: its probability is the same either way.
    values = {name: f.value for name, f in every.items()}
    assert model.probability(values) == model.probability({n: v for n, v in values.items() if n in reads})


def test_fitting_sees_every_count_and_the_profile_the_same_probability() -> None:
    """`all_inputs` (what the fitter replays with) works out every count; the profile's probability, score
    and reasons are the same as with only the counts the model reads."""
    messages, events = _busy_timeline()
    lean = compute_profile("c1", messages, events, [], NOW, ProfileWeights.default())
    full = compute_profile(
        "c1", messages, events, [], NOW, ProfileWeights.load(overrides={"all_inputs": True})
    )
    assert set(lean.features) < set(full.features)
    assert set(full.features) - set(lean.features) <= set(COUNT_FEATURES)
    assert (lean.complaint_probability_7d, lean.risk_score, lean.trend_delta, lean.reasons) == (
        full.complaint_probability_7d,
        full.risk_score,
        full.trend_delta,
        full.reasons,
    )
