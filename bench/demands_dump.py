"""Dump, for a demand decision-rule study (docs/benchmarks.md, "Demand study"), what the grouped 5-fold CV
of `bench/causes.py --cv-only` (same folds, fold models and fold `complaint_en_cs`) decides about each
held-out message's demands and where each one comes from: the cause model's `demand:*` probabilities and
thresholds, the demands a cue states (`CUE_DEMANDS`) and those `_implied` reads, whether the stage
counts as dissatisfied, and the pipeline's demands; per fold, the fold model's inner out-of-fold stacked
probabilities of its training part with their targets and thresholds. Training corpus only: the test
split is read for its deduplication keys, as the training command does.

Run: .venv/bin/python bench/demands_dump.py OUT_DIR
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np

from causes import CAUSE_MODEL, cross_validate_extra, dump_oof
from complaint_radar import pipeline
from complaint_radar.models import cause_training
from complaint_radar.models.cause_corpus import (
    DEMAND_CODES,
    load_training_corpus,
)
from complaint_radar.scoring import causes as scoring_causes

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    out = Path(sys.argv[1])
    data = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT.parent / "shared" / "data"
    out.mkdir(parents=True, exist_ok=True)
    train, _ = load_training_corpus(ROOT / "corpus" / "causes" / "train")
    stacks: list[tuple[Any, ...]] = []
    original_stack = cause_training._fit_stack

    def fit_stack(data, gold, targets, oof, trained, keys, params, head_oof=None):  # type: ignore[no-untyped-def]
        result = original_stack(data, gold, targets, oof, trained, keys, params, head_oof)
        stacks.append((result[2], targets[gold], np.array(result[1])))
        return result

    cause_training._fit_stack = fit_stack  # type: ignore[assignment]
    calls: list[dict[str, Any]] = []
    original = pipeline.decide_demands

    def decide(reading, text, norm, scan, cues, causes, evidence, *, dissatisfied):  # type: ignore[no-untyped-def]
        got = original(reading, text, norm, scan, cues, causes, evidence, dissatisfied=dissatisfied)
        counting = [c for c in cues if c.counts]
        implied: set[str] = set()
        scoring_causes._implied(
            lambda code, conf, *_: implied.add(str(code)), counting, {c.code for c in causes}, norm
        )
        calls.append(
            {
                "text": text,
                "proba": {d: reading.proba.get(f"demand:{d}", 0.0) for d in DEMAND_CODES},
                "thr": {d: reading.thresholds.get(f"demand:{d}", 1.0) for d in DEMAND_CODES},
                "dissatisfied": dissatisfied,
                "cue": sorted(
                    {
                        scoring_causes.CUE_DEMANDS[c.code]
                        for c in counting
                        if c.code in scoring_causes.CUE_DEMANDS
                    }
                ),
                "implied": sorted(implied),
                "causes": sorted(c.code for c in causes),
                "demands": sorted(d.code for d in got),
            }
        )
        return got

    pipeline.decide_demands = decide  # type: ignore[assignment]
    runs, fold_of = cross_validate_extra(train, [], data)
    if len(calls) != len(train):
        raise SystemExit(f"{len(calls)} decide_demands calls for {len(train)} messages")
    dump_oof(out / "oof.jsonl", train, runs[CAUSE_MODEL])
    labels = cause_training.label_names()
    order = [i for k in range(5) for i, f in enumerate(fold_of) if f == k]
    rows: list[dict[str, Any]] = [{}] * len(train)
    for i, c in zip(order, calls, strict=True):
        r = train[i]
        if c["text"] != r.text:
            raise SystemExit(f"call order differs at {r.id}")
        rows[i] = {"id": r.id, "script": r.script, "language": r.language, "fold": fold_of[i],
                   "gold_demands": sorted(r.demands), "gold_stage": r.stage.value, **c}  # fmt: skip
    inner = [
        {
            lang: {"stacked": s, "targets": t, "thresholds": th}
            for lang, (s, t, th) in zip(("zh", "en"), stacks[2 * k : 2 * k + 2], strict=True)
        }
        for k in range(5)
    ]
    with (out / "dump.pkl").open("wb") as fh:
        pickle.dump({"labels": labels, "rows": rows, "inner": inner}, fh)
    print(f"wrote {out}", flush=True)


if __name__ == "__main__":
    main()
