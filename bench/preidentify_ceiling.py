"""Study: what monotonicity (SPEC.md R1) costs the 7-day model, measured on development journeys.

The bundled 7-day model is monotone: increasing in every input, decreasing in the soothing ones
(`customers.boosting.constraints`), so adding negative evidence never lowers a profile's risk (R1). This
study fits the same model form on the same rows with some inputs, or all, left free of that constraint,
and asks how far the inputs the profile computes today could go if R1 did not hold. It says whether the
targets of recall@24h ≥ 0.95 at precision ≥ 0.90 are out of reach because of the inputs or because of the
constraint.

Rows: every profile the replay computes (`services.customers.fit_profile_model.replay_rows`, the code behind
`complaint-radar replay`, cases following the bundled model's levels) on training seeds (fitted on) and
development seeds (scored); the evaluation split is never read. Each variant is fitted with the bundled
model's setting on the training rows and scored on the development rows at its best operating point
with precision ≥ 0.90 (and ≥ 0.85): the cut-off is chosen on the development rows themselves, the same
way for every variant, so the figures are an upper bound for each variant, comparable with each other,
not with the held-out figures of docs/benchmarks_preidentify.md. The SPEC stage floor is not applied.

Run: .venv/bin/python bench/preidentify_ceiling.py [--customers 400] [--train-seeds 101 102 103 104]
     [--dev-seeds 301 302 303] [--cache DIR] [--out docs/benchmarks_preidentify_ceiling.md]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from complaint_radar.customers.boosting import Boosting, classifier
from complaint_radar.customers.evaluation import truthy
from complaint_radar.customers.journeys import DEV_SEEDS, JOURNEY_START, TRAIN_SEEDS, generate_journeys
from complaint_radar.customers.likelihood import ComplaintModel
from complaint_radar.customers.model_fit import LEAD, Dataset, ProfileRow, build_dataset, flag_curve
from complaint_radar.customers.timeline import parse_time
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.customers.fit_profile_model import replay_rows
from complaint_radar.settings import Settings
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
MODEL_FILE = ROOT / "src/complaint_radar/customers/data/complaint_model.json"
PRECISIONS = (0.90, 0.85)


BUNDLED_SETTING = Boosting(100, 15, 0.1, 40)


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    free: tuple[str, ...] | None  # inputs left free of the monotone constraint; None: all of them
    setting: Boosting = BUNDLED_SETTING


def seed_rows(
    split: str, seed: int, customers: int, assessor: Assessor, cache: Path | None
) -> tuple[list[ProfileRow], list[dict[str, object]]]:
    """The replayed profile rows and the truth of one seed (read from `cache` when it has them)."""
    path = (
        None
        if cache is None
        else cache / f"{split}_{seed}_{customers}_{ComplaintModel.load(MODEL_FILE).version}.pkl"
    )
    if path is not None and path.exists():
        with path.open("rb") as f:
            found: tuple[list[ProfileRow], list[dict[str, object]]] = pickle.load(f)
        return found
    journeys = generate_journeys(customers, seed, JOURNEY_START, split=split)
    with tempfile.TemporaryDirectory(prefix="ceiling-") as tmp:
        rows = replay_rows(journeys, assessor, MODEL_FILE, Path(tmp))
    if path is not None:
        with path.open("wb") as f:
            pickle.dump((rows, journeys.truth), f)
    return rows, journeys.truth


def dataset(
    split: str, seeds: Sequence[int], customers: int, assessor: Assessor, cache: Path | None
) -> Dataset:
    rows: list[ProfileRow] = []
    truth: list[dict[str, object]] = []
    for seed in seeds:
        r, t = seed_rows(split, seed, customers, assessor, cache)
        rows += r
        truth += t
        print(f"{split} seed {seed}: {len(r):,} rows", flush=True)
    return build_dataset(rows, truth)


def columns(data: Dataset, names: Sequence[str]) -> np.ndarray:
    """`data.x` with its columns in the order of `names` (absent inputs are 0)."""
    index = {n: i for i, n in enumerate(data.names)}
    x = np.zeros((len(data.y), len(names)))
    for j, name in enumerate(names):
        if name in index:
            x[:, j] = data.x[:, index[name]]
    return x


def fit_variant(v: Variant, train: Dataset, names: Sequence[str]) -> HistGradientBoostingClassifier:
    fitted = ~train.ruled
    x = columns(train, names)[fitted]
    return classifier(x, train.y[fitted], names, v.setting, v.free)


def best_point(data: Dataset, probability: np.ndarray, target: float) -> tuple[float, float, float, int]:
    """(recall@24h, precision, cut-off, false alarms) at the cut-off with the best recall and precision ≥
    target on these rows."""
    return flag_curve(data, probability).best_recall(target)


def per_archetype(data: Dataset, probability: np.ndarray, cut: float) -> dict[str, tuple[str, int, int]]:
    """archetype → ("hits" or "false alarms", count, customers) at the cut-off."""
    filed = {
        c: parse_time(str(t["complaint_filed_at"]), what="complaint_filed_at").timestamp()
        for c, t in data.truth.items()
        if truthy(t.get("complained"))
    }
    early: dict[str, float] = {}
    anywhere: dict[str, float] = {}
    for customer, at, p in zip(data.customers, data.at, probability, strict=True):
        if customer in filed:
            if at <= filed[customer] - LEAD.total_seconds():
                early[customer] = max(early.get(customer, 0.0), p)
        else:
            anywhere[customer] = max(anywhere.get(customer, 0.0), p)
    count: Counter[str] = Counter()
    total: Counter[str] = Counter()
    kind: dict[str, str] = {}
    for customer, t in data.truth.items():
        archetype = str(t["archetype"])
        if customer in filed:
            if not truthy(t.get("catchable")):
                continue
            kind[archetype] = "hits"
            total[archetype] += 1
            count[archetype] += early.get(customer, 0.0) >= cut
        else:
            kind[archetype] = "false alarms"
            total[archetype] += 1
            count[archetype] += anywhere.get(customer, 0.0) >= cut
    return {a: (kind[a], count[a], total[a]) for a in sorted(total)}


def named(v: Variant) -> str:
    """The inputs left free, when the variant's name does not say them."""
    return " (" + ", ".join(f"`{n}`" for n in v.free) + ")" if v.free and len(v.free) > 1 else ""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--train-seeds", type=int, nargs="+", default=list(TRAIN_SEEDS))
    parser.add_argument("--dev-seeds", type=int, nargs="+", default=list(DEV_SEEDS))
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="folder keeping the replayed rows (by split, seed, customers and bundled model version; "
        "empty it after changing the message pipeline or the profile's inputs)",
    )
    parser.add_argument("--data", type=Path, default=None, help="unused (bench/run_all.py passes it)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/benchmarks_preidentify_ceiling.md")
    args = parser.parse_args(argv)
    if args.customers < 10:
        parser.error("--customers must be ≥ 10")
    if set(args.train_seeds) & set(args.dev_seeds):
        parser.error("--train-seeds and --dev-seeds must not share a seed")
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    started = time.time()
    assessor = Assessor.load(Settings())
    train = dataset("train", args.train_seeds, args.customers, assessor, args.cache)
    dev = dataset("dev", args.dev_seeds, args.customers, assessor, args.cache)
    names = sorted(set(train.names) | set(dev.names))
    bundled = ComplaintModel.load(MODEL_FILE)

    x_dev = columns(dev, names)

    def dev_probability(v: Variant) -> np.ndarray:
        """The variant fitted on the training rows, its probability on the dev rows (filed rows: 1)."""
        with threadpool_limits(limits=1):
            p: np.ndarray = fit_variant(v, train, names).predict_proba(x_dev)[:, 1]
        p[dev.ruled] = 1.0
        return p

    base = Variant("monotone in every input (the bundled model's form)", ())
    p_base = dev_probability(base)
    base_recall = best_point(dev, p_base, PRECISIONS[0])[0]
    # One input at a time left free: which constraints cost the most.
    single: list[tuple[str, float]] = []
    for name in names:
        recall = best_point(dev, dev_probability(Variant(name, (name,))), PRECISIONS[0])[0]
        single.append((name, recall - base_recall))
    single.sort(key=lambda kv: -kv[1])
    top = tuple(name for name, gain in single[:5] if gain > 0)
    variants = [
        base,
        Variant(f"`{single[0][0]}` free", (single[0][0],)),
        Variant("the five costliest constraints free", top),
        Variant("every input free", None),
        Variant(
            "every input free, larger trees (400 × ≤ 31 leaves, rate 0.05, ≥ 100 a leaf)",
            None,
            Boosting(400, 31, 0.05, 100),
        ),
    ]
    results = []
    for v in variants:
        p = p_base if v is base else dev_probability(v)
        points = [best_point(dev, p, target) for target in PRECISIONS]
        results.append((v, points, per_archetype(dev, p, points[0][2])))
        print(f"{v.name}: {points[0][0]:.3f} at p ≥ 0.90", flush=True)

    truth = dev.truth
    catchable = sum(1 for t in truth.values() if truthy(t.get("complained")) and truthy(t.get("catchable")))
    lines = [
        "## Pre-identification: what monotonicity (SPEC R1) costs the 7-day model, on development journeys",
        "",
        f"Command: `.venv/bin/python bench/preidentify_ceiling.py --customers {args.customers} --train-seeds "
        f"{' '.join(map(str, args.train_seeds))} --dev-seeds {' '.join(map(str, args.dev_seeds))}`. "
        f"Machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{(time.time() - started) / 60:.0f} minutes (replayed rows read from `--cache` when it has them).",
        "",
        "The bundled 7-day model (`" + bundled.version + "`) is monotone in every input so that added "
        "negative evidence never lowers a profile's risk (SPEC.md R1). Each row below fits the same model "
        f"form (boosted trees: {BUNDLED_SETTING.label()}, the bundled setting) on the "
        f"same training rows ({len(train.y):,} profiles of training seeds), with some inputs left free of "
        f"the constraint, and scores it on development journeys ({len(dev.y):,} profiles, {catchable} "
        "catchable complainers, never used for fitting). The cut-off of each row is chosen on the "
        "development rows themselves (best recall@24h at the precision shown), so each figure is an upper "
        "bound for its model, comparable across rows but not with the held-out figures of "
        "docs/benchmarks_preidentify.md. The SPEC stage floor is not applied. Models left free of R1 are "
        "studied here, never bundled.",
        "",
        "| model | recall@24h at precision ≥ 0.90 | false alarms | recall@24h at precision ≥ 0.85 |",
        "|---|---:|---:|---:|",
        *(
            f"| {v.name}{named(v)} | {points[0][0]:.3f} | {points[0][3]} | {points[1][0]:.3f} |"
            for v, points, _ in results
        ),
        "",
        "Per archetype at each model's precision ≥ 0.90 operating point (hits ≥ 24 h early of the catchable, "
        "or false alarms):",
        "",
        "| archetype | " + " | ".join(f"({i + 1})" for i in range(len(results))) + " |",
        "|---|" + "---:|" * len(results),
    ]
    for archetype in results[0][2]:
        cells = []
        for _, _, arch in results:
            kind, count, total = arch[archetype]
            cells.append(f"{count}/{total}" if kind == "hits" else f"{count}/{total} false")
        lines.append(f"| {archetype} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "; ".join(f"({i + 1}) {v.name}" for i, (v, _, _) in enumerate(results)) + ".",
        "",
        "One input at a time left free (change of recall@24h at precision ≥ 0.90 against the monotone "
        "model; single fits: a refit with another random seed moves such a figure by up to about 0.02):",
        "",
        "| input | change |",
        "|---|---:|",
        *(f"| `{name}` | {gain:+.3f} |" for name, gain in single[:10]),
        "",
    ]
    args.out.write_text("\n".join(lines), "utf-8")
    print(json.dumps({"out": str(args.out), "minutes": round((time.time() - started) / 60, 1)}))


if __name__ == "__main__":
    main()
