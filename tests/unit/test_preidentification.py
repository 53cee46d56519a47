"""Pre-identification around the profile: the journey generator, the metrics, the 7-day model and its fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaint_radar import Analyzer
from complaint_radar.customers import MessageSignal, compute_profile, parse_events
from complaint_radar.customers.boosting import (
    Boosting,
    classifier,
    constraints,
    cross_validate_trees,
    export,
    fit_trees,
    isotonic_knots,
    tree_logit,
)
from complaint_radar.customers.evaluation import (
    evaluate,
    labelled_probabilities,
    probability_report,
    render_markdown,
    render_reliability,
)
from complaint_radar.customers.explain import reasons
from complaint_radar.customers.journey_wording import phrase_bank
from complaint_radar.customers.journey_writer import TEMPO
from complaint_radar.customers.journeys import ARCHETYPE_SHARES, COMPLAINING, JOURNEY_START, generate_journeys
from complaint_radar.customers.likelihood import ComplaintModel, check_monotone
from complaint_radar.customers.model_fit import (
    Dataset,
    FlagCurve,
    ProfileRow,
    build_dataset,
    choose_high_cutoff,
    fit_logistic,
    fold_metrics,
    platt,
)
from complaint_radar.customers.replay import replay
from complaint_radar.customers.trajectory import Feature
from complaint_radar.errors import ConfigurationError
from complaint_radar.types import RiskLevel, Stage

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


# --- the journey generator ----------------------------------------------------------------------------


def test_journeys_are_deterministic_by_seed_and_split_and_independent_of_population_size() -> None:
    a = generate_journeys(30, 7, JOURNEY_START)
    assert a == generate_journeys(30, 7, JOURNEY_START)
    assert a.truth[:10] == generate_journeys(10, 7, JOURNEY_START).truth
    assert a.messages != generate_journeys(30, 8, JOURNEY_START).messages
    assert a.messages != generate_journeys(30, 7, JOURNEY_START, split="eval").messages
    with pytest.raises(ValueError, match="unknown journey split 'test'"):
        generate_journeys(3, 7, JOURNEY_START, split="test")


def test_journeys_have_the_replay_columns_and_truth_matches_the_archetype() -> None:
    j = generate_journeys(120, 3, JOURNEY_START)
    assert {"message_id", "customer_id", "occurred_at", "channel", "text"} <= set(j.messages[0])
    assert set(j.events[0]) == {"event_id", "customer_id", "occurred_at", "kind", "value", "attributes"}
    assert parse_events(j.events).skipped == ()
    assert {t["archetype"] for t in j.truth} <= set(ARCHETYPE_SHARES)
    assert {t["language"] for t in j.truth} == {"zh-Hans", "zh-Hant", "en"}
    for t in j.truth:
        assert t["complained"] == (t["archetype"] in COMPLAINING)
        if not t["complained"]:
            assert not t["catchable"]
            continue
        filed = [
            m
            for m in j.messages
            if m["customer_id"] == t["customer_id"] and m["occurred_at"] == t["complaint_filed_at"]
        ]
        assert len(filed) == 1
        warned = t["warned_at"]
        assert t["catchable"] == (
            warned is not None
            and datetime.fromisoformat(warned)
            <= datetime.fromisoformat(t["complaint_filed_at"]) - timedelta(hours=24)
        )
    assert any(t["catchable"] for t in j.truth)
    assert not any(t["catchable"] for t in j.truth if t["archetype"] == "sudden_complaint")


def _sentences(bank: object) -> set[str]:
    """Every phrase of a bank longer than six characters (short words such as product names may recur)."""
    if isinstance(bank, str):
        return {bank} if len(bank) > 6 else set()
    if isinstance(bank, dict):
        return set().union(*(_sentences(v) for k, v in bank.items() if k not in ("version", "cause")))
    if isinstance(bank, list):
        return set().union(*(_sentences(v) for v in bank))
    return set()


def test_the_evaluation_phrase_bank_shares_no_sentence_with_the_training_bank() -> None:
    train, evaluation = _sentences(phrase_bank("train")), _sentences(phrase_bank("eval"))
    assert train and evaluation and not train & evaluation


def test_the_development_phrase_bank_shares_no_sentence_with_the_other_banks() -> None:
    """The dev bank is checked against the eval bank in code only (nothing of it is printed: on failure
    only the count of shared sentences shows)."""

    dev = _sentences(phrase_bank("dev"))
    shared_train = len(dev & _sentences(phrase_bank("train")))
    shared_eval = len(dev & _sentences(phrase_bank("eval")))
    assert dev and shared_train == 0 and shared_eval == 0


def test_the_development_split_has_the_evaluation_tempo_and_its_own_wording() -> None:
    assert TEMPO["dev"] == TEMPO["eval"] != TEMPO["train"]
    dev = generate_journeys(30, 301, JOURNEY_START, split="dev")
    assert {t["split"] for t in dev.truth} == {"dev"}
    assert dev.messages != generate_journeys(30, 301, JOURNEY_START, split="train").messages
    same_people = generate_journeys(30, 301, JOURNEY_START, split="train", tempo="eval")
    assert [t["archetype"] for t in same_people.truth] == [
        t["archetype"] for t in generate_journeys(30, 301, JOURNEY_START, split="train").truth
    ]


# --- metrics --------------------------------------------------------------------------------------------

FILED = "2025-01-10T12:00:00+00:00"


def test_evaluation_metrics_match_a_hand_count() -> None:
    truth = [
        {
            "customer_id": "a",
            "archetype": "x",
            "complained": True,
            "complaint_filed_at": FILED,
            "catchable": True,
        },
        {
            "customer_id": "b",
            "archetype": "x",
            "complained": True,
            "complaint_filed_at": FILED,
            "catchable": True,
        },
        {
            "customer_id": "c",
            "archetype": "x",
            "complained": True,
            "complaint_filed_at": FILED,
            "catchable": True,
        },
        {
            "customer_id": "f",
            "archetype": "x",
            "complained": True,
            "complaint_filed_at": FILED,
            "catchable": False,
        },
        {
            "customer_id": "d",
            "archetype": "y",
            "complained": False,
            "complaint_filed_at": None,
            "catchable": False,
        },
        {
            "customer_id": "e",
            "archetype": "y",
            "complained": "false",
            "complaint_filed_at": "",
            "catchable": False,
        },
    ]
    rows = [
        # a: high 48 h before filing → early; b: high 12 h before → flagged but late; c: only after filing;
        # f: flagged early but not catchable (no warning ≥ 24 h ahead): a hit, not in the recall
        {"customer_id": "a", "at": "2025-01-08T12:00:00+00:00", "risk_level": "high"},
        {"customer_id": "a", "at": "2025-01-09T12:00:00+00:00", "risk_level": "critical"},
        {"customer_id": "b", "at": "2025-01-10T00:00:00+00:00", "risk_level": "high"},
        {"customer_id": "c", "at": "2025-01-09T00:00:00+00:00", "risk_level": "medium"},
        {"customer_id": "c", "at": "2025-01-10T12:00:00+00:00", "risk_level": "critical"},
        {"customer_id": "f", "at": "2025-01-08T00:00:00+00:00", "risk_level": "high"},
        {"customer_id": "d", "at": "2025-01-05T00:00:00+00:00", "risk_level": "high"},
        {"customer_id": "e", "at": "2025-01-05T00:00:00+00:00", "risk_level": "medium"},
    ]
    r = evaluate(rows, truth)
    assert (
        r.customers,
        r.complainers,
        r.catchable,
        r.flagged_early,
        r.flagged_before_filing,
        r.false_alarms,
    ) == (
        6,
        4,
        3,
        1,
        3,
        1,
    )
    assert r.recall_at_lead == pytest.approx(1 / 3)
    assert r.precision == pytest.approx(3 / 4)
    assert r.median_lead_hours == pytest.approx(48)
    assert (
        r.by_group["x"].flagged_early == 1 and r.by_group["x"].catchable == 3 and r.by_group["y"].flagged == 1
    )
    table = render_markdown(r, "tiny")
    assert "| recall@24h" in table and "0.333" in table


def test_probability_metrics_match_a_hand_count() -> None:
    truth = [
        {"customer_id": "a", "complained": True, "complaint_filed_at": FILED},
        {"customer_id": "d", "complained": False, "complaint_filed_at": None},
    ]
    rows = [
        {
            "customer_id": "a",
            "at": "2025-01-01T00:00:00+00:00",
            "complaint_probability_7d": 0.05,
        },  # 9.5 d ahead
        {
            "customer_id": "a",
            "at": "2025-01-09T00:00:00+00:00",
            "complaint_probability_7d": 0.75,
        },  # 1.5 d ahead
        {
            "customer_id": "a",
            "at": "2025-01-11T00:00:00+00:00",
            "complaint_probability_7d": 1.0,
        },  # after: left out
        {"customer_id": "d", "at": "2025-01-09T00:00:00+00:00", "complaint_probability_7d": 0.05},
    ]
    pairs = labelled_probabilities(rows, truth)
    assert sorted(pairs) == [(0.05, 0), (0.05, 0), (0.75, 1)]
    report = probability_report(pairs)
    assert report.brier == pytest.approx((0.05**2 * 2 + 0.25**2) / 3)
    assert report.ece == pytest.approx((2 * 0.05 + 0.25) / 3)
    assert [b.rows for b in report.bins] == [2, 1]
    assert "ECE 0.1167" in render_reliability(report)


# --- the 7-day model ------------------------------------------------------------------------------------


def test_the_bundled_model_is_valid_and_bad_models_say_what_is_wrong() -> None:
    model = ComplaintModel.bundled()
    assert all(w >= 0 for w in model.weights.values())
    assert ComplaintModel.from_dict(model.to_dict()) == model
    bad = model.to_dict() | {"weights": {"latent_now": -1.0}}
    with pytest.raises(ConfigurationError, match=r"weight latent_now = -1\.0 < 0"):
        ComplaintModel.from_dict(bad)
    with pytest.raises(ConfigurationError, match="cut-offs must satisfy"):
        ComplaintModel.from_dict(model.to_dict() | {"cutoffs": {"medium": 0.5, "high": 0.4, "critical": 0.9}})
    with pytest.raises(ConfigurationError, match="malformed"):
        ComplaintModel.from_dict({"version": "x"})


@given(st.floats(0.0, 1.0))
def test_the_level_read_from_the_score_is_the_level_of_the_probability_cut_offs(p: float) -> None:
    model = ComplaintModel.bundled()
    cut = model.cutoffs
    expected = (
        RiskLevel.CRITICAL
        if p >= cut["critical"]
        else RiskLevel.HIGH
        if p >= cut["high"]
        else RiskLevel.MEDIUM
        if p >= cut["medium"]
        else RiskLevel.LOW
    )
    assert RiskLevel.from_score(model.risk_score(p)) is expected
    assert model.risk_score(p) <= model.risk_score(min(1.0, p + 0.01))


def test_a_formal_complaint_on_record_sets_the_probability_to_one() -> None:
    filed = MessageSignal("f", NOW - timedelta(days=1), "chat", 80, Stage.FORMAL_COMPLAINT, 0.95, True)
    p = compute_profile("c", [filed], [], [], NOW)
    assert p.complaint_probability_7d == 1.0 and p.risk_level is RiskLevel.CRITICAL
    later = compute_profile("c", [filed], [], [], NOW + timedelta(days=10))
    assert later.complaint_probability_7d < 1.0


# --- fitting -------------------------------------------------------------------------------------------


def test_the_fit_keeps_weights_non_negative_and_finds_the_informative_feature() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((2000, 3))
    logit = -3.0 + 4.0 * x[:, 0] - 2.0 * x[:, 1]
    y = (rng.random(2000) < 1 / (1 + np.exp(-logit))).astype(float)
    intercept, weights = fit_logistic(x, y, c=10.0)
    assert weights[0] > 2.0 and weights[1] == 0.0 and abs(weights[2]) < 0.5
    slope, _ = platt(intercept + x @ weights, y)
    assert 0.7 < slope < 1.3


def test_the_high_cut_off_is_the_best_recall_at_the_precision_target() -> None:
    curve = FlagCurve(
        early=np.array([0.9, 0.8, 0.7, 0.3]),
        before=np.array([0.9, 0.8, 0.7, 0.3]),
        anywhere=np.array([0.75, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]),
    )
    assert choose_high_cutoff(curve, 0.75) == pytest.approx(0.3)
    assert choose_high_cutoff(curve, 0.9) == pytest.approx(0.8)


# --- replay -------------------------------------------------------------------------------------------


def test_replay_emits_one_row_per_item_in_time_order_with_the_probability(analyzer: Analyzer) -> None:
    j = generate_journeys(4, 11, JOURNEY_START)
    result = replay(j.messages, j.events, lambda rows: list(analyzer.assess_many(rows)))
    assert len(result.rows) == len(j.messages) + len(j.events)
    times = [r.at for r in result.rows]
    assert times == sorted(times)
    assert {r.risk_level for r in result.rows} <= {level.value for level in RiskLevel}
    assert all(0.0 <= r.complaint_probability_7d <= 1.0 for r in result.rows)
    assert all("complaint_probability_7d" in r.as_dict() for r in result.rows)


def test_fold_figures_match_a_hand_count_on_each_fold() -> None:
    # Ten customers, one row each a week before the end; complainers file two days later. The probability
    # flags every complainer and exactly one non-complainer, so each fold's recall is 1 and the
    # precision over folds averages to what each fold holds.
    end = JOURNEY_START + timedelta(days=30)
    truth: list[dict[str, object]] = []
    rows: list[ProfileRow] = []
    for i in range(10):
        complained = i < 5
        truth.append(
            {
                "customer_id": f"c{i}",
                "complained": complained,
                "catchable": complained,
                "complaint_filed_at": (end + timedelta(days=2)).isoformat() if complained else None,
            }
        )
        rows.append(ProfileRow(f"c{i}", end.timestamp(), {"x": 1.0 if complained or i == 9 else 0.0}))
    data = build_dataset(rows, truth)
    probability = np.where(data.x[:, 0] > 0, 0.9, 0.1)
    figures = fold_metrics(data, probability, 0.5, folds=5)
    assert figures["recall_at_24h"] == (1.0, 0.0)
    assert 0.0 < figures["precision_high"][0] < 1.0
    expected_brier = float(np.mean((probability - data.y) ** 2))
    assert figures["brier"][0] == pytest.approx(expected_brier)


# --- the boosted-tree model -----------------------------------------------------------------------------


def _tree_model() -> tuple[ComplaintModel, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.random((3000, 3))
    names = ("latent_now", "keeps_buying", "branch_wait")
    logit = -2.0 + 3.0 * x[:, 0] - 2.0 * x[:, 1] + 1.5 * x[:, 0] * x[:, 2]
    y = (rng.random(3000) < 1 / (1 + np.exp(-logit))).astype(float)
    baseline, trees = fit_trees(x, y, names, Boosting(40, 7, 0.1, 20))
    knots = isotonic_knots(tree_logit(baseline, trees, x), y)
    cutoffs = {"medium": 0.2, "high": 0.5, "critical": 0.8}
    model = ComplaintModel("t", baseline, {}, 1.0, 0.0, cutoffs, 7.0, names, tuple(trees), knots)
    return model, x


def test_exported_trees_compute_what_scikit_learn_fitted_and_survive_the_artifact() -> None:
    rng = np.random.default_rng(2)
    x = rng.random((500, 2))
    y = (x[:, 0] + 0.3 * rng.random(500) > 0.7).astype(float)
    names = ("latent_now", "branch_wait")
    fitted = classifier(x, y, names, Boosting(20, 5, 0.2, 10))
    baseline = float(np.ravel(fitted._baseline_prediction)[0])
    trees = [export(p[0].nodes) for p in fitted._predictors]
    assert np.allclose(tree_logit(baseline, trees, x), fitted.decision_function(x), atol=1e-6)
    model, _ = _tree_model()
    assert ComplaintModel.from_dict(model.to_dict()) == model


def test_cross_validation_takes_the_cheapest_setting_within_one_standard_error_of_the_best() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    x = rng.random((n, 2))
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2.0 + 4.0 * x[:, 0])))).astype(float)
    customers = np.array([f"c{i % 200}" for i in range(n)])
    data = Dataset(["latent_now", "branch_wait"], x, y, customers, np.zeros(n), np.zeros(n, dtype=bool))
    # A near-constant model (clearly worse), then 20 and 40 trees: the 40 fit a little better out of fold,
    # by less than one standard error, so the cheaper 20 are taken.
    grid = (Boosting(1, 2, 0.01, 20), Boosting(20, 3, 0.1, 40), Boosting(40, 3, 0.1, 40))
    cv = cross_validate_trees(data, grid, folds=5)
    (worst, _), (cheap, _), (lowest, sd) = (cv.scores[s] for s in grid)
    assert lowest < cheap <= lowest + sd / np.sqrt(5) < worst
    assert cv.setting == grid[1]
    # The setting × fold fits on two processes: the same scores, setting and out-of-fold log-odds.
    parallel = cross_validate_trees(data, grid, folds=5, jobs=2)
    assert parallel.setting == cv.setting and parallel.scores == cv.scores
    assert np.array_equal(parallel.oof_logit, cv.oof_logit)


def test_inputs_are_constrained_unless_a_study_frees_them() -> None:
    names = ["latent_now", "keeps_buying", "issue_span"]
    assert constraints(names) == [1, -1, 1]
    assert constraints(names, ("issue_span",)) == [1, -1, 0]
    assert constraints(names, None) == [0, 0, 0]


def test_the_tree_model_is_monotone_and_a_tree_against_r1_is_refused() -> None:
    model, x = _tree_model()
    assert check_monotone(model) == []
    for row in x[:200]:
        f = dict(zip(model.tree_features, row.tolist(), strict=True))
        p = model.probability(f)
        assert model.probability(f | {"latent_now": min(1.0, f["latent_now"] + 0.3)}) >= p
        assert model.probability(f | {"keeps_buying": min(1.0, f["keeps_buying"] + 0.3)}) <= p
    flipped = model.to_dict()
    tree = flipped["trees"][0]
    tree["value"] = [-v for v in tree["value"]]
    with pytest.raises(ConfigurationError, match="not monotone"):
        ComplaintModel.from_dict(flipped)
    with pytest.raises(ConfigurationError, match="soothing"):
        ComplaintModel.from_dict(ComplaintModel.bundled().to_dict() | {"weights": {"keeps_buying": 1.0}})


def test_the_tree_shares_add_up_to_the_log_odds_and_soothing_inputs_are_never_reasons() -> None:
    model, _ = _tree_model()
    f = {"latent_now": 0.9, "keeps_buying": 0.05, "branch_wait": 0.8}
    prediction = model.predict(f)
    root = sum(t.value[0] for t in model.trees)
    assert sum(prediction.contributions.values()) == pytest.approx(model.logit(f) - model.intercept - root)
    assert prediction.contributions["latent_now"] > 0
    assert prediction.probability == pytest.approx(model.probability(f))
    features = {name: Feature(value, (f"e-{name}",)) for name, value in f.items()}
    codes = {r.code for r in reasons(60, prediction.contributions, features, {})}
    assert "keeps_buying" not in codes and "recent_stage" in codes


def test_training_customers_each_get_a_tempo_within_the_training_range() -> None:
    import random

    from complaint_radar.customers.journey_writer import TRAIN_TEMPO_RANGE, varied_tempo

    paces = [varied_tempo(random.Random(f"tempo:1:{i}")) for i in range(50)]
    for name, (low, high) in TRAIN_TEMPO_RANGE.items():
        values = [getattr(p, name) for p in paces]
        assert all(low <= v <= high for v in values) and len(set(values)) == 50
    assert TRAIN_TEMPO_RANGE["gap"][0] < TEMPO["train"].gap < TRAIN_TEMPO_RANGE["gap"][1]
