"""Dump, per outer fold of the grouped 5-fold CV (bench/causes.py --cv-only), what a decision-rule study
needs: the fold model's inner out-of-fold stacked probabilities of its training part (per language,
with the targets), and for each held-out message the cause model's probabilities and thresholds as the
pipeline saw them, with the pipeline's context (dissatisfied, guess, pattern-forced causes) and its
prediction. Never reads the test split beyond the training command's deduplication keys.

Run: .venv/bin/python bench/causes_dump.py OUT_DIR
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from complaint_radar import pipeline
from complaint_radar.models import cause_training
from complaint_radar.models.cause_corpus import (
    CAUSE_CODES,
    cv_folds,
    load_training_corpus,
)
from complaint_radar.models.cause_model import CauseModel
from complaint_radar.scoring import causes as scoring_causes
from complaint_radar.services.training.cause_evaluation import assess_records
from complaint_radar.text.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    train, _ = load_training_corpus(ROOT / "corpus" / "causes" / "train")
    fold_of = cv_folds(train, 5, 13)
    lexicon = load_lexicon()
    stacks: list[tuple[Any, ...]] = []
    original_stack = cause_training._fit_stack

    def fit_stack(data, gold, targets, oof, trained, keys, params, head_oof=None):  # type: ignore[no-untyped-def]
        result = original_stack(data, gold, targets, oof, trained, keys, params, head_oof)
        hits = [data.hits[i] for i in np.flatnonzero(gold)]
        stacks.append((result[2], targets[gold], oof[gold], hits))
        return result

    cause_training._fit_stack = fit_stack  # type: ignore[assignment]
    calls: list[dict[str, Any]] = []
    original_decide = pipeline.decide_causes

    def decide(reading, text, scan, evidence, *, dissatisfied, guess=True):  # type: ignore[no-untyped-def]
        got = original_decide(reading, text, scan, evidence, dissatisfied=dissatisfied, guess=guess)
        calls.append(
            {
                "text": text,
                "proba": dict(reading.proba),
                "dissatisfied": dissatisfied,
                "guess": guess,
                "forced": sorted(c for c in CAUSE_CODES if scoring_causes._forced(scan, c)),
                "causes": [c.code for c in got],
            }
        )
        return got

    pipeline.decide_causes = decide  # type: ignore[assignment]
    for k in range(5):
        started = time.perf_counter()
        part = [r for r, f in zip(train, fold_of, strict=True) if f != k]
        held = [r for r, f in zip(train, fold_of, strict=True) if f == k]
        stacks.clear()
        labels, models = cause_training.fit_cause_model(part, lexicon)
        inner = {}
        for (lang, (model, _)), (stacked, targets, oof, hits) in zip(models.items(), stacks, strict=True):
            ids = [r.id for r in part if r.language == lang]
            inner[lang] = {
                "ids": ids,
                "stacked": stacked,
                "targets": targets,
                "oof": oof,
                "hits": hits,
                "thresholds": model.thresholds,
                "stack": model.stack,
                "keys": model.keys,
            }
        model = CauseModel(labels, {lang: m for lang, (m, _) in models.items()}, {"date": f"cv-fold-{k}"})
        calls.clear()
        predictions = assess_records(held, model)
        if len(calls) != len(held) or any(c["text"] != r.text for c, r in zip(calls, held, strict=True)):
            raise SystemExit(f"fold {k}: {len(calls)} decide_causes calls for {len(held)} messages")
        dump = {
            "labels": labels,
            "inner": inner,
            "held": [
                {
                    "id": r.id,
                    "script": r.script,
                    "language": r.language,
                    "gold": sorted(r.causes),
                    "gold_demands": sorted(r.demands),
                    "gold_stage": r.stage.value,
                    "pred_demands": sorted(p.demands),
                    "pred_stage": p.stage,
                    **c,
                }
                for r, p, c in zip(held, predictions, calls, strict=True)
            ],
        }
        with (out / f"fold{k}.pkl").open("wb") as fh:
            pickle.dump(dump, fh)
        print(f"fold {k + 1}/5: {len(part):,} training, {len(held):,} held-out, "
              f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
