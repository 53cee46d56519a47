"""Scoring the whole assessor on labelled cause records, and cross-validating it on the training corpus.

`assess_records` runs messages through the real pipeline (cues, stage rules, cause model, decisions),
so the figures describe what a user gets; `cross_validate` fits the cause model on four folds of the
training corpus (grouped: versions of one situation share a fold) and assesses the fifth with it.
`score` turns predictions into micro-/macro-F1 of causes per script and industry, demand F1 and stage
accuracy, the figures of docs/benchmarks_causes.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from complaint_radar.models.cause_corpus import (
    CAUSE_CODES,
    DEMAND_CODES,
    INDUSTRIES,
    SCRIPTS,
    CauseRecord,
    cv_folds,
)
from complaint_radar.models.cause_model import CauseModel
from complaint_radar.models.cause_training import LanguageParams, fit_cause_model
from complaint_radar.models.complaint_cs import fit_complaint_en_cs
from complaint_radar.models.serving import LinearScorer
from complaint_radar.pipeline import Analyzer, Pipeline
from complaint_radar.scoring.causes import customer_service_complaint_model
from complaint_radar.settings import Settings
from complaint_radar.text.lexicon import load_lexicon


@dataclass(frozen=True)
class Prediction:
    """What the assessor said about one message."""

    causes: frozenset[str]
    demands: frozenset[str]
    stage: str


def assess_records(
    records: Sequence[CauseRecord],
    cause_model: CauseModel | None = None,
    embeddings: bool | None = None,
    complaint_en_cs: LinearScorer | None = None,
) -> list[Prediction]:
    """Assess every record's text (with its channel) through the pipeline (with `embeddings`, as
    `--embeddings` does; None: as the settings say); `cause_model` and `complaint_en_cs` replace the
    bundled ones (both are trained on the cause corpus: cross-validation passes its fold's)."""
    analyzer = Analyzer(Settings() if embeddings is None else Settings(embeddings=embeddings))
    if cause_model is not None or complaint_en_cs is not None:
        analyzer.pipeline = Pipeline(
            analyzer.settings, cause_model=cause_model, complaint_en_cs=complaint_en_cs
        )
    items = [{"text": r.text, "channel": r.channel, "message_id": r.id} for r in records]
    return [
        Prediction(frozenset(c.code for c in a.causes), frozenset(d.code for d in a.demands), a.stage.value)
        for a in analyzer.assess_many(items, explain=False)
    ]


def fold_complaint_en_cs(train: Sequence[CauseRecord], data: Path | None) -> LinearScorer | None:
    """A cross-validation fold's `complaint_en_cs`, fitted on its training records (and the shared data at
    `data`), when the pipeline uses one (`RULES.customer_service_complaint_model`); else None."""
    return fit_complaint_en_cs(train, data) if customer_service_complaint_model() != "off" else None


def cross_validate(
    records: Sequence[CauseRecord],
    data: Path | None,
    params: dict[str, LanguageParams] | None = None,
    folds: int = 5,
    seed: int = 13,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Prediction], list[int]]:
    """Out-of-fold predictions for every record and its fold (grouped folds, see `cv_folds`): each fold's
    cause model and, when the pipeline uses it (`RULES.customer_service_complaint_model`), its
    `complaint_en_cs` (which also needs the shared data at `data`) are fitted on the other folds."""
    fold_of = cv_folds(records, folds, seed)
    predictions: list[Prediction | None] = [None] * len(records)
    lexicon = load_lexicon()
    for k in range(folds):
        train = [r for r, f in zip(records, fold_of, strict=True) if f != k]
        held = [i for i, f in enumerate(fold_of) if f == k]
        labels, models = fit_cause_model(train, lexicon, params)
        model = CauseModel(labels, {lang: m for lang, (m, _) in models.items()}, {"date": f"cv-fold-{k}"})
        complaint = fold_complaint_en_cs(train, data)
        got = assess_records([records[i] for i in held], model, complaint_en_cs=complaint)
        for i, p in zip(held, got, strict=True):
            predictions[i] = p
        if progress is not None:
            progress(f"fold {k + 1}/{folds}: {len(train):,} training, {len(held):,} held-out messages")
    return [p for p in predictions if p is not None], fold_of


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def label_f1(
    gold: Iterable[frozenset[str]], pred: Iterable[frozenset[str]], codes: Sequence[str]
) -> dict[str, Any]:
    """Micro- and macro-F1 (over `codes`) and per-code precision/recall/F1/support of multi-label sets."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        for code in codes:
            tp[code] += code in g and code in p
            fp[code] += code in p and code not in g
            fn[code] += code in g and code not in p
    per = {
        code: {
            "precision": tp[code] / (tp[code] + fp[code]) if tp[code] + fp[code] else 0.0,
            "recall": tp[code] / (tp[code] + fn[code]) if tp[code] + fn[code] else 0.0,
            "f1": _f1(tp[code], fp[code], fn[code]),
            "support": tp[code] + fn[code],
        }
        for code in codes
    }
    present = [c for c in codes if per[c]["support"] > 0]
    return {
        "micro_f1": _f1(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        "macro_f1": float(np.mean([per[c]["f1"] for c in present])) if present else 0.0,
        "per_code": per,
    }


def score(records: Sequence[CauseRecord], predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Cause F1 per script, per industry and overall; demand F1 and stage accuracy per script."""

    def subset(keep: Callable[[CauseRecord], bool]) -> dict[str, Any]:
        pairs = [(r, p) for r, p in zip(records, predictions, strict=True) if keep(r)]
        gold_c = [frozenset(r.causes) for r, _ in pairs]
        pred_c = [p.causes for _, p in pairs]
        causes = label_f1(gold_c, pred_c, CAUSE_CODES)
        demands = label_f1(
            [frozenset(r.demands) for r, _ in pairs], [p.demands for _, p in pairs], DEMAND_CODES
        )
        stage = float(np.mean([r.stage.value == p.stage for r, p in pairs])) if pairs else 0.0
        return {"n": len(pairs), "causes": causes, "demands": demands, "stage_accuracy": stage}

    def of_script(script: str) -> Callable[[CauseRecord], bool]:
        return lambda r: r.script == script

    def of_industry(industry: str) -> Callable[[CauseRecord], bool]:
        return lambda r: r.industry == industry

    return {
        "all": subset(lambda r: True),
        "script": {s: subset(of_script(s)) for s in SCRIPTS},
        "industry": {i: subset(of_industry(i)) for i in INDUSTRIES},
    }


def fold_scores(
    records: Sequence[CauseRecord], predictions: Sequence[Prediction], fold_of: Sequence[int]
) -> list[dict[str, Any]]:
    """`score` of each fold's held-out records (for mean ± sd over folds)."""
    out = []
    for k in sorted(set(fold_of)):
        idx = [i for i, f in enumerate(fold_of) if f == k]
        out.append(score([records[i] for i in idx], [predictions[i] for i in idx]))
    return out
