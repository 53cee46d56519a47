"""English-only paired cross-validation of `CauseRules.customer_service_public`: which public channels'
English messages are read as messages to the company (`complaint_en_cs` may veto `complaint_en`).

    PYTHONPATH=src .venv/bin/python bench/causes_public_channels.py --data ../shared/data \
        --setting none= --setting review=review --setting both=review,social_post

The folds are the grouped folds of the whole cause corpus (`bench/causes.py`); per fold the English
cause model and `complaint_en_cs` are fitted on the other folds (the Chinese model is the bundled one,
and no Chinese message is assessed); the held-out English messages are assessed under each setting.
Prints the CV table, the paired gains of each setting over the first, and per public channel the cause
micro-F1 and the calm / dissatisfied readings. About 4 minutes a fold on a 2-core machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import causes as bc
from complaint_radar.models.cause_corpus import (
    CAUSE_CODES,
    CauseRecord,
    cv_folds,
    load_cause_corpus,
    without_test_duplicates,
)
from complaint_radar.models.cause_model import CauseModel
from complaint_radar.models.cause_training import BUNDLED_PARAMS, fit_cause_model
from complaint_radar.models.registry import load_cause_model
from complaint_radar.services.training.cause_evaluation import label_f1
from complaint_radar.text.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = ("review", "social_post")


def _micro(records: list[CauseRecord], preds: list[bc.Prediction], idx: list[int]) -> float:
    gold = [frozenset(records[i].causes) for i in idx]
    return float(label_f1(gold, [preds[i].causes for i in idx], CAUSE_CODES)["micro_f1"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--train", type=Path, default=ROOT / "corpus" / "causes" / "train")
    parser.add_argument(
        "--setting",
        action="append",
        required=True,
        help="NAME=CHANNELS (comma-separated, may be empty); the first is the base of the paired gains",
    )
    args = parser.parse_args()
    settings = {}
    for spec in args.setting:
        name, sep, channels = spec.partition("=")
        if not sep or not name:
            parser.error(f"--setting wants NAME=CHANNELS, not {spec!r}")
        settings[name] = frozenset(c for c in channels.split(",") if c)
    test = ROOT / "corpus" / "causes" / "test.jsonl"
    records, _ = without_test_duplicates(load_cause_corpus(args.train), test)
    fold_all = cv_folds(records)
    english = [i for i, r in enumerate(records) if r.script == "en"]
    recs = [records[i] for i in english]
    fold_of = [fold_all[i] for i in english]
    bundled, lexicon = load_cause_model(), load_lexicon()
    preds: dict[str, list[bc.Prediction | None]] = {n: [None] * len(recs) for n in settings}
    for k in range(5):
        started = time.perf_counter()
        train = [r for r, f in zip(recs, fold_of, strict=True) if f != k]
        held = [i for i, f in enumerate(fold_of) if f == k]
        labels, models = fit_cause_model(train, lexicon, {"en": BUNDLED_PARAMS["en"]})
        fitted = {"zh": bundled.models["zh"], "en": models["en"][0]}
        model = CauseModel(labels, fitted, {"date": f"cv-fold-{k}"})
        complaint = bc.fold_complaint_en_cs(train, args.data)
        for name, channels in settings.items():
            with bc.rules_applied({"customer_service_public": channels}):
                got = bc.assess_records([recs[i] for i in held], model, complaint_en_cs=complaint)
            for i, p in zip(held, got, strict=True):
                preds[name][i] = p
        print(f"fold {k + 1}/5: {len(held):,} held out, {time.perf_counter() - started:.0f} s", flush=True)
    done = {n: [p for p in ps if p is not None] for n, ps in preds.items()}
    cv = {n: bc.fold_scores(recs, p, fold_of) for n, p in done.items()}
    print("\n".join(bc.render_cv(cv, ["en"])))
    names = list(settings)
    for name in names[1:]:
        print(f"{name} over {names[0]}: " + "; ".join(bc.paired_deltas(cv[names[0]], cv[name], "en")))
    for name in names[1:]:
        for channel in PUBLIC:
            idx = [i for i, r in enumerate(recs) if r.channel == channel]
            calm = [i for i in idx if recs[i].stage.value == "none"]
            upset = [i for i in idx if recs[i].stage.value != "none"]
            base, now = done[names[0]], done[name]
            calm_then = sum(base[i].stage != "none" for i in calm)
            calm_now = sum(now[i].stage != "none" for i in calm)
            upset_then = sum(base[i].stage == "none" for i in upset)
            upset_now = sum(now[i].stage == "none" for i in upset)
            print(
                f"{name} {channel}: n={len(idx)}, cause micro-F1 {_micro(recs, base, idx):.3f} -> "
                f"{_micro(recs, now, idx):.3f}; calm read dissatisfied {calm_then} -> {calm_now} of "
                f"{len(calm)}; dissatisfied read calm {upset_then} -> {upset_now} of {len(upset)}"
            )


if __name__ == "__main__":
    main()
