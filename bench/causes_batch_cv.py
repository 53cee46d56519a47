"""Study: does the cause model's out-of-fold fitting (stacker, thresholds, gate, secondary ratio) choose
better settings for messages by NEW writers when its inner folds hold out whole writing batches?

The frozen test was written by another engineer, and there the model's precision exceeds its recall
for every cause: the thresholds chosen on random out-of-fold scores (where near-paraphrases of the
same batch sit on both sides) may be too confident for unseen writers. This script scores that
question on the training corpus only: OUTER folds hold out whole batches (script + batch letter of the
file the message came from, assigned to 5 folds balanced by size), and each outer fold's model is fitted
twice on the rest: inner folds grouped as bundled (per message / `group`) and grouped by batch. Both are
assessed through the whole pipeline; also each with its cause thresholds shifted (no refit).

Run: .venv/bin/python bench/causes_batch_cv.py [--data ../shared/data] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from causes import part_of
from complaint_radar.models.cause_corpus import SCRIPTS, CauseRecord, load_training_corpus
from complaint_radar.models.cause_model import CauseModel
from complaint_radar.models.cause_training import fit_cause_model
from complaint_radar.services.training.cause_evaluation import (
    Prediction,
    assess_records,
    fold_complaint_en_cs,
    fold_scores,
)
from complaint_radar.text.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
_ID = re.compile(r"^tr-([a-z]+)-[a-z]+-([a-z]*)\d+$")


def batch_of(record: CauseRecord) -> str:
    m = _ID.match(record.id)
    if m is None:
        return f"{record.script}:?"
    letters = m.group(2) or "a"
    return f"{record.script}:{letters[-1]}"


def balanced_folds(batches: Sequence[str], folds: int) -> list[int]:
    sizes = Counter(batches)
    load = [0] * folds
    where: dict[str, int] = {}
    for b, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        k = int(np.argmin(load))
        where[b] = k
        load[k] += n
    return [where[b] for b in batches]


def shifted(model: CauseModel, delta: float) -> CauseModel:
    out = {}
    for lang, m in model.models.items():
        t = np.array(m.thresholds, dtype=float)
        for j, name in enumerate(model.labels):
            if name.startswith("cause:"):
                t[j] = float(np.clip(t[j] + delta, 0.01, 0.99))
        out[lang] = replace(m, thresholds=t)
    return CauseModel(model.labels, out, model.metadata)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--train", type=Path, default=ROOT / "corpus" / "causes" / "train")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--shifts", type=float, nargs="*", default=[-0.1, -0.05, 0.0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    if not args.train.is_dir():
        parser.error(f"--train: no such folder: {args.train}")
    records, _ = load_training_corpus(args.train)
    batches = [batch_of(r) for r in records]
    fold_of = balanced_folds(batches, args.folds)
    held_batches = {
        k: sorted({b for b, f in zip(batches, fold_of, strict=True) if f == k}) for k in range(args.folds)
    }
    print("batches per fold:", held_batches)
    lexicon = load_lexicon()
    names = [f"{inner} shift {s:+.2f}" for inner in ("inner=record", "inner=batch") for s in args.shifts]
    preds: dict[str, list[Prediction | None]] = {n: [None] * len(records) for n in names}
    for k in range(args.folds):
        started = time.perf_counter()
        train_idx = [i for i, f in enumerate(fold_of) if f != k]
        held = [i for i, f in enumerate(fold_of) if f == k]
        train = [records[i] for i in train_idx]
        complaint = fold_complaint_en_cs(train, args.data)
        for inner in ("inner=record", "inner=batch"):
            fit_on = train if inner == "inner=record" else [replace(r, group=batch_of(r)) for r in train]
            labels, models = fit_cause_model(fit_on, lexicon)
            model = CauseModel(labels, {lang: m for lang, (m, _) in models.items()}, {"date": f"fold-{k}"})
            for s in args.shifts:
                got = assess_records([records[i] for i in held], shifted(model, s), complaint_en_cs=complaint)
                for i, p in zip(held, got, strict=True):
                    preds[f"{inner} shift {s:+.2f}"][i] = p
        print(f"fold {k + 1}/{args.folds}: {len(train):,} training, {len(held):,} held-out, "
              f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    results = {}
    for n in names:
        scores = fold_scores(records, [p for p in preds[n] if p is not None], fold_of)
        row = {}
        for script in (*SCRIPTS, "all"):
            mic = [part_of(f, script)["causes"]["micro_f1"] for f in scores]
            row[script] = (float(np.mean(mic)), float(np.std(mic)))
        results[n] = row
        print(f"{n:28s} " + "  ".join(f"{s} {m:.3f}±{sd:.3f}" for s, (m, sd) in row.items()), flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1), "utf-8")


if __name__ == "__main__":
    main()
