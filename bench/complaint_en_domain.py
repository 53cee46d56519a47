"""Cross-validation: `complaint_en` trained on tweets alone vs tweets + the English cause corpus (issue 18).

The tweet-trained complaint model calls almost anything addressed to a brand a complaint (loyalty praise,
routine questions). This compares, on TRAINING data only, the bundled recipe (Twitter training part) with
recipes that add the English customer-service messages of the cause corpus's training files
(`corpus/causes/train/en_*.jsonl`; stage `none` → not_complaint, a grumble or above → complaint) with a
sample weight. Folds: the Twitter training part in 5 stratified folds, the corpus in 5 folds by paraphrase
group (`cause_corpus.cv_folds`); fold k holds out both parts' k-th fold. Each model's own F1 threshold
(chosen inside its training fold) decides. Reported per recipe: mean ± sd over folds of the Twitter
complaint F1, and on the corpus the share of calm (`none`) messages read calm, of grumbles read as a
complaint, and complaint F1. The frozen test split is never read (only its keys are dropped from training,
as the cause model's training does).

Run: PYTHONPATH=src .venv/bin/python bench/complaint_en_domain.py --data ../shared/data [--weights 0 0.5 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from complaint_radar.models.cause_corpus import cv_folds
from complaint_radar.models.complaint_cs import customer_service_records
from complaint_radar.models.datasets import SPLIT_SEED, load_splits
from complaint_radar.models.linear import TextClassifier
from complaint_radar.models.specs import CUSTOMER_SERVICE_MARKER, SPECS

ROOT = Path(__file__).resolve().parents[1]
FOLDS = 5


def _f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(gold & pred))
    return 0.0 if tp == 0 else 2 * tp / (float(gold.sum()) + float(pred.sum()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "causes" / "train")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.25, 0.5, 1.0])
    parser.add_argument(
        "--latent", choices=("complaint", "drop", "not_complaint"), nargs="+", default=["complaint"]
    )
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs="*",
        default=[],
        help="also print corpus calm read calm / grumbles read complaint at these fixed thresholds",
    )
    parser.add_argument(
        "--marker",
        choices=("none", "marker", "marker+twitter-threshold", "marker+corpus-threshold"),
        nargs="+",
        default=["none"],
    )
    args = parser.parse_args()
    split = load_splits(args.data)["twitter_complaints"]
    tw_texts, tw_labels = split.train_texts, np.asarray(split.train_labels)
    splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=SPLIT_SEED)
    tw_fold = np.zeros(len(tw_texts), dtype=int)
    for k, (_, te) in enumerate(splitter.split(np.zeros(len(tw_labels)), tw_labels)):
        tw_fold[te] = k
    params = SPECS["complaint_en"].params
    print(
        "| recipe | Twitter complaint F1 | corpus: calm read calm | corpus: grumbles read complaint "
        "| corpus: complaint F1 | latent read complaint |"
    )
    print("|---|---|---|---|---|---|")
    for latent in args.latent:
        records = customer_service_records(args.corpus, args.data)
        cs_texts = [r.text for r in records]
        cs_stage = np.asarray([r.stage.rank for r in records])
        cs_labels = np.where(
            cs_stage >= (2 if latent == "not_complaint" else 1), "complaint", "not_complaint"
        )
        cs_fold = np.asarray(cv_folds(records, FOLDS))
        for w, marker in [(w, m) for m in args.marker for w in args.weights]:
            if w == 0 and (latent != args.latent[0] or marker != args.marker[0]):
                continue
            prefix = CUSTOMER_SERVICE_MARKER if marker != "none" and w > 0 else ""
            started = time.perf_counter()
            figs: dict[str, list[float]] = {k: [] for k in ("tw", "calm", "grumble", "cs_f1", "latent")}
            fixed: dict[float, list[tuple[float, float]]] = {}
            for k in range(FOLDS):
                tr_tw = tw_fold != k
                tr_cs = (cs_fold != k) & ((cs_stage != 1) | (latent != "drop"))
                texts = [t for t, m in zip(tw_texts, tr_tw, strict=True) if m]
                labels = list(tw_labels[tr_tw])
                weights = [1.0] * len(texts)
                if w > 0:
                    texts += [prefix + t for t, m in zip(cs_texts, tr_cs, strict=True) if m]
                    labels += list(cs_labels[tr_cs])
                    weights += [w] * int(tr_cs.sum())
                threshold_weight = None
                if w == 0:
                    pass
                elif marker == "marker+twitter-threshold":
                    threshold_weight = [float(i < int(tr_tw.sum())) for i in range(len(texts))]
                elif marker == "marker+corpus-threshold":
                    threshold_weight = [float(i >= int(tr_tw.sum())) for i in range(len(texts))]
                model = TextClassifier(**params).fit(
                    texts, labels, sample_weight=weights, threshold_weight=threshold_weight
                )
                col = list(model.classes_).index("complaint")
                te_tw = tw_fold == k
                p_tw = model.predict_proba([t for t, m in zip(tw_texts, te_tw, strict=True) if m])[:, col]
                figs["tw"].append(_f1(tw_labels[te_tw] == "complaint", p_tw >= model.threshold_))
                te_cs = cs_fold == k
                held = [prefix + t for t, m in zip(cs_texts, te_cs, strict=True) if m]
                p_cs = model.predict_proba(held)[:, col]
                said = p_cs >= model.threshold_
                stage = cs_stage[te_cs]
                figs["calm"].append(float((~said[stage == 0]).mean()))
                figs["grumble"].append(float(said[stage >= 2].mean()))
                figs["cs_f1"].append(_f1(stage >= 1, said))
                figs["latent"].append(float(said[stage == 1].mean()))
                for t in args.thresholds:
                    at = p_cs >= t
                    fixed.setdefault(t, []).append(
                        (float((~at[stage == 0]).mean()), float(at[stage >= 2].mean()))
                    )
            cells = " | ".join(f"{np.mean(v):.3f} ± {np.std(v):.3f}" for v in figs.values())
            name = (
                "Twitter only (bundled)" if w == 0 else f"+ corpus, weight {w:g}, latent {latent}, {marker}"
            )
            print(f"| {name} | {cells} |  ({time.perf_counter() - started:.0f} s)", flush=True)
            for t, pairs in fixed.items():
                calm, grumble = np.asarray(pairs).T
                print(
                    f"|   at threshold {t:.2f} | | {calm.mean():.3f} ± {calm.std():.3f} "
                    f"| {grumble.mean():.3f} ± {grumble.std():.3f} | | |"
                )


if __name__ == "__main__":
    main()
