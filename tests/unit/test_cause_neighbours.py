"""The nearest training messages as a cause-model input (models/neighbours.py): what a share is, that
common n-grams make no neighbours, and that the index survives saving with the cause model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp  # type: ignore[import-untyped]

from complaint_radar.models.cause_model import CauseModel
from complaint_radar.models.cause_training import LanguageParams, fit_language, label_names, save_cause_model
from complaint_radar.models.neighbours import NeighbourIndex, prune_common
from toy_cause_corpus import PARAMS, toy_training_set

# Labels: a cause, a demand, the dissatisfied stage; cause and demand read among problem neighbours.
AMONG = np.array([True, True, False])


def _rows(*rows: dict[int, float]) -> sp.csr_matrix:
    dense = np.zeros((len(rows), 8), dtype=np.float32)
    for i, row in enumerate(rows):
        for col, value in row.items():
            dense[i, col] = value
    return sp.csr_matrix(dense)


def _index(k: int) -> NeighbourIndex:
    training = _rows({1: 1.0}, {1: 0.6, 2: 0.8}, {3: 1.0}, {2: 1.0})
    labels = np.array([[1, 0, 1], [1, 1, 1], [0, 0, 0], [0, 0, 1]], dtype=bool)
    return NeighbourIndex(training, labels, k, AMONG, dissatisfied=2)


def test_a_share_is_the_similarity_weighted_share_of_the_nearest_messages() -> None:
    index = _index(k=2)
    # Nearest two of the query: row 0 (sim 1.0) and row 1 (sim 0.6); both problems, both the cause.
    got = index.shares(_rows({1: 1.0}))[0]
    np.testing.assert_allclose(got, [1.0, 0.6 / 1.6, 1.0])
    # A query like row 2 (a calm message) and row 3 (a problem without the cause): the cause share is
    # read among the problem neighbours only (row 3), the stage share among all.
    got = index.shares(_rows({3: 0.6, 2: 0.8}))[0]
    sim = {1: 0.64, 2: 0.6, 3: 0.8}  # row 1: 0.8 * 0.8; row 0 shares nothing
    top = [3, 1]  # the two most similar
    stage = sum(sim[r] for r in top) / sum(sim[r] for r in top)
    np.testing.assert_allclose(got, [sim[1] / (sim[1] + sim[3]), sim[1] / (sim[1] + sim[3]), stage])


def test_no_shared_ngram_gives_no_share() -> None:
    got = _index(k=3).shares(_rows({5: 1.0}, {}))
    assert got.shape == (2, 3) and not got.any()


def test_common_ngrams_are_dropped_from_the_index() -> None:
    m = _rows({0: 0.5, 1: 0.5}, {0: 0.5, 2: 0.5}, {0: 0.5, 3: 0.5}, {0: 0.5, 4: 0.5})
    pruned = prune_common(m, max_df=0.5)  # column 0 is in every row
    assert pruned.nnz == 4 and not pruned[:, 0].nnz
    np.testing.assert_allclose(pruned[:, 1:5].toarray(), np.eye(4) * 0.5)


def test_the_index_checks_its_shapes() -> None:
    with pytest.raises(ValueError, match="label rows"):
        NeighbourIndex(_rows({1: 1.0}), np.zeros((2, 3), dtype=bool), 1, AMONG, 2)
    with pytest.raises(ValueError, match="k must"):
        NeighbourIndex(_rows({1: 1.0}), np.zeros((1, 3), dtype=bool), 0, AMONG, 2)


def test_the_fitted_model_reads_its_neighbours_and_saves_them(tmp_path: Path) -> None:
    data = toy_training_set()
    labels = label_names()
    model = fit_language(data, labels, PARAMS)
    assert model.neighbours is not None and model.neighbours.matrix.shape[0] == len(data.texts)
    j = labels.index("cause:product_quality")
    logits, shares = model.scores(data.texts)
    assert shares is not None and shares.shape == logits.shape
    truth = np.array(["cause:product_quality" in s for s in data.labels])
    # Each training text is its own nearest neighbour: problems read a share near 1, calm texts near 0.
    assert shares[truth, labels.index("stage:dissatisfied")].min() > 0.5
    assert shares[~truth, labels.index("stage:dissatisfied")].max() < 0.5
    with pytest.raises(ValueError, match="neighbour"):
        model.stacked(logits, data.hits)
    by_hand = 1.0 / (
        1.0
        + np.exp(-(logits[:, j] * model.stack[j][0] + shares[:, j] * model.stack[j][1] + model.stack[j][-1]))
    )
    np.testing.assert_allclose(model.stacked(logits, data.hits, shares=shares)[:, j], by_hand, rtol=1e-6)
    save_cause_model(tmp_path / "m", labels, {"en": (model, PARAMS)}, {"date": "t"})
    loaded = CauseModel.load(tmp_path / "m")
    assert loaded.models["en"].neighbours is not None
    np.testing.assert_allclose(
        loaded.predict_proba("en", data.texts, data.hits),
        CauseModel(labels, {"en": model}, {}).predict_proba("en", data.texts, data.hits),
        atol=2e-2,
    )  # the index's values are stored as float16


def test_without_neighbours_the_model_has_no_index_and_the_old_stack_layout() -> None:
    data = toy_training_set()
    labels = label_names()
    params = LanguageParams(**{**PARAMS.__dict__, "neighbours": 0})
    model = fit_language(data, labels, params)
    assert model.neighbours is None
    _logits, shares = model.scores(data.texts)
    assert shares is None
    keys = len(model.keys[labels.index("cause:product_quality")])
    assert len(model.stack[labels.index("cause:product_quality")]) == 1 + keys + 1
