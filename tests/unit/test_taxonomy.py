"""Custom taxonomies: overfit → save → load → same predictions; the multi-label rule; keyword rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from complaint_radar import Taxonomy
from complaint_radar.errors import InputError, ModelError
from complaint_radar.models.linear import TextClassifier
from complaint_radar.models.multilabel import OneVsRestTextClassifier, label_sets
from complaint_radar.models.rules import KeywordRules
from complaint_radar.models.taxonomy import (
    SINGLE_LABEL,
    CustomTaxonomy,
    multi_label_decision,
    write_manifest,
)

DELIVERY = ["快递太慢了", "物流三天没动", "送货延迟一周", "快递员态度差还慢", "物流信息不更新", "发货太慢"]
QUALITY = ["质量太差了", "用了两天就坏了", "做工粗糙", "屏幕有坏点", "质量不行掉色", "开机就坏"]
SERVICE = ["客服不理人", "客服态度恶劣", "售后推脱责任", "客服一直不回复", "售后电话打不通", "客服敷衍"]
TEXTS = DELIVERY + QUALITY + SERVICE
SINGLE = ["delivery"] * 6 + ["quality"] * 6 + ["service"] * 6
# multi-label: the same texts, plus texts about two things
MULTI_TEXTS = [*TEXTS, "快递太慢而且质量太差", "客服不理人，物流也慢", "质量差售后推脱", "发货慢客服敷衍"]
MULTI = [(y,) for y in SINGLE] + [("delivery", "quality"), ("delivery", "service"), ("quality", "service")]
MULTI += [("delivery", "service")]
SMALL = {"n_features": 2**12, "C": 10.0, "cv_folds": 2}


@pytest.fixture(scope="module")
def single_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[TextClassifier, Path]:
    model = TextClassifier(**SMALL, heads=("svm", "nbsvm")).fit(TEXTS, SINGLE)
    out = tmp_path_factory.mktemp("single")
    model.save(out)
    write_manifest(out, SINGLE_LABEL, "tiny", [str(c) for c in model.classes_])
    return model, out


@pytest.fixture(scope="module")
def multi_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[OneVsRestTextClassifier, Path]:
    model = OneVsRestTextClassifier(**SMALL).fit(MULTI_TEXTS, MULTI)
    out = tmp_path_factory.mktemp("multi")
    model.save(out, "tiny_multi")
    return model, out


def test_single_label_taxonomy_overfits_and_reloads_identically(
    single_dir: tuple[TextClassifier, Path],
) -> None:
    model, out = single_dir
    taxonomy = Taxonomy.load(out)
    assert taxonomy.kind == "single_label" and not taxonomy.multi_label
    np.testing.assert_array_equal(taxonomy.scores(TEXTS), model.predict_proba(TEXTS))
    predictions = taxonomy.predict(TEXTS)
    assert [p.topics for p in predictions] == [(y,) for y in SINGLE]
    first = predictions[0]
    assert set(first.scores) == {"delivery", "quality", "service"}
    assert sum(first.scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert json.loads(first.scores_json())["delivery"] == round(first.scores["delivery"], 4)


def test_multi_label_taxonomy_overfits_and_reloads_identically(
    multi_dir: tuple[OneVsRestTextClassifier, Path],
) -> None:
    model, out = multi_dir
    taxonomy = CustomTaxonomy.load(out)
    assert taxonomy.kind == "multi_label" and taxonomy.multi_label
    assert taxonomy.labels == ("delivery", "quality", "service")
    np.testing.assert_array_equal(taxonomy.scores(MULTI_TEXTS), model.predict_proba(MULTI_TEXTS))
    predicted = [set(p.topics) for p in taxonomy.predict(MULTI_TEXTS)]
    assert predicted == [set(y) for y in MULTI]
    assert model.predict(MULTI_TEXTS) == [p.topics for p in taxonomy.predict(MULTI_TEXTS)]
    assert next(p.topics_text() for p in taxonomy.predict(["快递太慢而且质量太差"])) in (
        "delivery;quality",
        "quality;delivery",
    )


def test_taxonomy_runtime_loads_and_predicts_without_scikit_learn(
    multi_dir: tuple[OneVsRestTextClassifier, Path], single_dir: tuple[TextClassifier, Path]
) -> None:
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from complaint_radar import Taxonomy\n"
        f"for d in ({str(multi_dir[1])!r}, {str(single_dir[1])!r}):\n"
        "    print(Taxonomy.load(d).predict(['快递太慢了'])[0].topics)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["('delivery',)", "('delivery',)"]


def test_multi_label_decision_rule() -> None:
    labels = ["a", "b", "c"]
    proba = np.array([[0.9, 0.6, 0.1], [0.3, 0.1, 0.05], [0.15, 0.1, 0.05], [0.2, 0.5, 0.1]])
    chosen = multi_label_decision(proba, labels, [0.5, 0.5, 0.5], min_score=0.2)
    # above threshold, most probable first; none above: the best if ≥ 0.2; else nothing
    assert chosen == [("a", "b"), ("a",), (), ("b",)]


def test_rare_labels_are_left_out_and_listed() -> None:
    model = OneVsRestTextClassifier(**SMALL).fit(
        [*TEXTS, "电池鼓包"], [(y,) for y in SINGLE] + [("battery",)]
    )
    assert "battery" not in list(model.labels_)
    assert model.dropped_labels_ == {"battery": 1}


def test_label_sets_split_strip_dedupe_and_sort() -> None:
    assert label_sets(["B| A |A", "", "C"], "|") == [("A", "B"), (), ("C",)]


RULES = {
    "labels": {
        "brakes": ["刹车", "brake", "/制动(失灵|异响)/"],
        "dealer": ["4S店", "dealer"],
    },
    "fallback": "other",
}


def test_keyword_rules_match_normalised_text_and_regexes() -> None:
    rules = KeywordRules.from_mapping(RULES)
    assert rules.all_labels == ("brakes", "dealer", "other")
    texts = ["剎車失靈，制动异响", "The dealer ignored my BRAKE issue", "天气不错"]
    scores = rules.scores(texts)
    # 剎車 (traditional) matches 刹车, plus the regex: two hits → 0.75
    assert scores[0].tolist() == [0.75, 0.0, 0.0]
    assert scores[1].tolist() == [0.5, 0.5, 0.0]
    assert scores[2].tolist() == [0.0, 0.0, 1.0]
    assert rules.decide(scores) == [("brakes",), ("brakes", "dealer"), ("other",)]


def test_single_label_rules_give_the_label_with_most_hits() -> None:
    rules = KeywordRules.from_mapping({**RULES, "multi_label": False})
    scores = rules.scores(["刹车 制动失灵 去了4s店", "dealer brake"])
    assert rules.decide(scores) == [("brakes",), ("brakes",)]  # 2 hits beat 1; a tie goes to the first label


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({"labels": {"a": ["/(unclosed/"]}}, "regular expression"),
        ({"labels": {}}, "non-empty `labels:`"),
        ({"labels": {"a": []}}, "no keywords"),
        ({"labels": {"a": ["x"]}, "colour": 1}, "unknown keys"),
        (["not", "a", "mapping"], "must be a mapping"),
    ],
)
def test_bad_rules_raise_input_errors_that_say_what_to_fix(doc: object, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        KeywordRules.from_mapping(doc)


def test_rules_taxonomy_round_trips_through_its_directory(tmp_path: Path) -> None:
    rules = KeywordRules.from_mapping(RULES)
    rules.save(tmp_path)
    write_manifest(tmp_path, "rules", "car", rules.all_labels)
    taxonomy = Taxonomy.load(tmp_path)
    assert taxonomy.kind == "rules" and not taxonomy.calibrated
    assert taxonomy.predict(["4s店不给修刹车"])[0].topics == ("brakes", "dealer")


def test_a_directory_without_a_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a taxonomy directory"):
        Taxonomy.load(tmp_path)
    with pytest.raises(ModelError, match="does not exist"):
        Taxonomy.load(tmp_path / "missing")
