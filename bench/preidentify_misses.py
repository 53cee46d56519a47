"""Diagnostic: why catchable complainers are missed, on TRAINING seeds only (never the evaluation seeds).

Replays training journeys (`customers.journeys`, split `train`) through the fitter's code
(`fit_profile_model.replay_rows`, with the bundled model deciding levels and cases), then, by 5-fold
cross-validation grouped by customer, scores every row out of fold with the logistic model (as fitted
before) and with the monotone boosted trees (`customers.boosting`). For each archetype it prints the
peak out-of-fold probability (≥ 24 h before filing for catchable complainers, anywhere for the others):
its quantiles and the share reaching the *high* cut-off each model's own out-of-fold choice gives; and
the best recall@24h each model reaches at several precision levels (whether the cut-off or the
separation is the limit).

Run: .venv/bin/python bench/preidentify_misses.py [--customers 400] [--seeds 101 102 103 104]
     [--cache /tmp/preidentify-rows]   (reuses replayed rows saved there)
"""

from __future__ import annotations

import argparse
import pickle
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from complaint_radar.customers.boosting import Boosting, cross_validate_trees, isotonic_knots
from complaint_radar.customers.journeys import JOURNEY_START, TRAIN_SEEDS, generate_journeys
from complaint_radar.customers.likelihood import MODEL_FILE, ComplaintModel
from complaint_radar.customers.model_fit import (
    LEAD,
    Dataset,
    FlagCurve,
    ProfileRow,
    build_dataset,
    choose_high_cutoff,
    cross_validate,
    flag_curve,
)
from complaint_radar.customers.timeline import parse_time
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.customers.fit_profile_model import replay_rows
from complaint_radar.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def rows_of(
    seed: int, customers: int, cache: Path | None
) -> tuple[list[ProfileRow], list[dict[str, object]]]:
    path = cache / f"rows-{seed}-{customers}.pkl" if cache else None
    if path is not None and path.exists():
        rows, truth = pickle.loads(path.read_bytes())[:2]
        return rows, truth
    journeys = generate_journeys(customers, seed, JOURNEY_START, split="train")
    with tempfile.TemporaryDirectory(prefix="misses-") as tmp:
        model = ROOT / "src/complaint_radar/customers" / MODEL_FILE
        rows = replay_rows(journeys, Assessor.load(Settings()), model, Path(tmp))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps((rows, journeys.truth, journeys.messages, journeys.events)))
    return rows, journeys.truth


def peaks(data: Dataset, probability: np.ndarray) -> dict[str, float]:
    """Each customer's peak probability: ≥ 24 h before filing for complainers (catchable ones only),
    anywhere for the others."""
    filed = {
        c: parse_time(str(t["complaint_filed_at"]), what="filed").timestamp()
        for c, t in data.truth.items()
        if t["complained"]
    }
    best: dict[str, float] = {}
    for c, at, p in zip(data.customers, data.at, probability, strict=True):
        t = data.truth[c]
        if t["complained"] and (not t["catchable"] or at > filed[c] - LEAD.total_seconds()):
            continue
        best[c] = max(best.get(c, 0.0), float(p))
    return best


def best_recall(curve: FlagCurve, precision: float) -> float:
    cuts = np.unique(np.concatenate([curve.early, curve.anywhere]))
    return max((r for r, p, _, _ in (curve.at(float(c)) for c in cuts) if p >= precision), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(TRAIN_SEEDS))
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    if set(args.seeds) - set(TRAIN_SEEDS):
        parser.error(f"training seeds only: {TRAIN_SEEDS}")
    rows: list[ProfileRow] = []
    truth: list[dict[str, object]] = []
    for seed in args.seeds:
        r, t = rows_of(seed, args.customers, args.cache)
        rows, truth = rows + r, truth + t
    data = build_dataset(rows, truth)
    fitted = ~data.ruled
    models: dict[str, np.ndarray] = {}
    logistic = cross_validate(data, (1.0,), 5).oof_logit
    trees = cross_validate_trees(data, (Boosting(200, 15, 0.05, 40),), 5).oof_logit
    for name, logit in (("logistic", logistic), ("trees", trees)):
        knots = isotonic_knots(logit[fitted], data.y[fitted])
        p = np.interp(logit, [k[0] for k in knots], [k[1] for k in knots])
        p[data.ruled] = 1.0
        models[name] = p
    print(f"seeds {args.seeds}, {args.customers} customers each; out-of-fold, isotonic-calibrated\n")
    print(
        "| model | high cut-off | recall@24h at it | precision "
        "| best recall at precision ≥ 0.80 / 0.85 / 0.90 |"
    )
    print("|---|---:|---:|---:|---|")
    cut: dict[str, float] = {}
    for name, p in models.items():
        curve = flag_curve(data, p)
        cut[name] = choose_high_cutoff(curve, 0.90)
        r, prec, _, _ = curve.at(cut[name])
        best = " / ".join(f"{best_recall(curve, q):.3f}" for q in (0.80, 0.85, 0.90))
        print(f"| {name} | {cut[name]:.3f} | {r:.3f} | {prec:.3f} | {best} |")
    print("\n| archetype | customers | share ≥ high: logistic / trees | peak p q10 / q50 / q90 (trees) |")
    print("|---|---:|---|---|")
    by: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for name, p in models.items():
        for c, v in peaks(data, p).items():
            by[str(data.truth[c]["archetype"])][name].append(v)
    for archetype, values in sorted(by.items()):
        t = np.array(values["trees"])
        shares = " / ".join(f"{np.mean(np.array(values[n]) >= cut[n]):.2f}" for n in models)
        q = " / ".join(f"{np.quantile(t, k):.2f}" for k in (0.1, 0.5, 0.9))
        print(f"| {archetype} | {len(t)} | {shares} | {q} |")
    live_levels(rows, data)


def live_levels(rows: list[ProfileRow], data: Dataset) -> None:
    """Per archetype, the levels the replay itself showed (the bundled model, in sample on these seeds,
    with the SPEC R2/R3 stage floor and the filed rule): catchable complainers at *high* ≥ 24 h before
    filing, and customers who never file ever at *high*, with how many of those the floor lifted (the
    bundled model alone below *high* at that moment)."""
    model = ComplaintModel.load(ROOT / "src/complaint_radar/customers" / MODEL_FILE)
    high = model.cutoffs["high"]
    filed = {
        c: parse_time(str(t["complaint_filed_at"]), what="filed").timestamp()
        for c, t in data.truth.items()
        if t["complained"]
    }
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    flagged: set[str] = set()
    for r in sorted(rows, key=lambda r: r.at):
        t = data.truth.get(r.customer_id)
        if t is None or r.live_probability is None or r.customer_id in flagged:
            continue
        if t["complained"] and (not t["catchable"] or r.at > filed[r.customer_id] - LEAD.total_seconds()):
            continue
        if r.live_probability >= high:
            flagged.add(r.customer_id)
            floor = not t["complained"] and model.probability(r.features) < high
            counts[str(t["archetype"])][1 if t["complained"] else 2] += 1
            counts[str(t["archetype"])][3] += int(floor)
    for t in data.truth.values():
        if not t["complained"] or t["catchable"]:
            counts[str(t["archetype"])][0] += 1
    print(f"\nLevels as replayed (bundled model `{model.version}`, in sample; *high* at p ≥ {high:.3f})\n")
    print(
        "| archetype | customers | catchable at high ≥ 24 h early | never file, ever high "
        "| lifted by the floor |"
    )
    print("|---|---:|---:|---:|---:|")
    for archetype, (n, hits, alarms, floor) in sorted(counts.items()):
        print(f"| {archetype} | {n} | {hits or '—'} | {alarms or '—'} | {floor or '—'} |")


if __name__ == "__main__":
    main()
