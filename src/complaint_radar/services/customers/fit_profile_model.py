"""Fit the 7-day complaint model (customers/data/complaint_model.json) on replayed training journeys.

Training journeys (`customers.journeys`, split `train`, seeds `TRAIN_SEEDS`: the training phrase bank, a
tempo drawn per customer) are replayed through the code behind `complaint-radar replay` (live ingestion
into a throwaway store, cases opened on the way); every profile computed is a row. The model is monotone
gradient-boosted trees (customers.boosting); their setting is chosen by grouped 5-fold cross-validation
(by customer; the cheapest setting within one standard error of the lowest log-loss), the probability
calibrated (isotonic) on the out-of-fold log-odds and the *high* cut-off chosen on the out-of-fold
probabilities (customers.model_fit). Cases are opened partly on the customer's
level, which the model sets: the first round replays with a model that raises no level but the SPEC stage
floor (cases open on the messages' own rules), later rounds with the previous round's fit (`--rounds`),
so the result does not depend on the model bundled before. Evaluation seeds and their phrase bank are
never read here, nor the development split's.

Run: python -m complaint_radar.services.customers.fit_profile_model [--customers 400]
     [--seeds 101 102 ...] [--rounds 2] [--out src/complaint_radar/customers/data/complaint_model.json]
     [--report docs/model_cards/complaint_probability_7d.md] [--jobs N (default: the cores available; seeds
     and folds run in forked processes, the same model whatever N)]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from complaint_radar.customers.activity import COUNT_FEATURES, KINDS, SOOTHING_COUNTS
from complaint_radar.customers.boosting import (
    BoostedCV,
    Boosting,
    cross_validate_trees,
    fit_trees,
    isotonic_knots,
)
from complaint_radar.customers.features import SOOTHING
from complaint_radar.customers.journeys import JOURNEY_START, TRAIN_SEEDS, Journeys, generate_journeys
from complaint_radar.customers.likelihood import ComplaintModel
from complaint_radar.customers.model_fit import (
    Dataset,
    ProfileRow,
    build_dataset,
    choose_high_cutoff,
    flag_curve,
    fold_metrics,
)
from complaint_radar.customers.parallel import default_jobs, fork_map, state
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.ingest import ItemOutcome
from complaint_radar.services.intake.replay import replay_files
from complaint_radar.settings import Settings

ROOT = Path(__file__).resolve().parents[4]
GRID = (Boosting(100, 15, 0.1, 40), Boosting(200, 15, 0.05, 40), Boosting(200, 31, 0.05, 100))
"""The settings cross-validation chooses from, cheapest to evaluate first (`cross_validate_trees`)."""
PRECISION_TARGET = 0.90
FOLDS = 5
# Round one's model: no weights, cut-offs out of reach, so no level opens a case (filed complaints
# and the SPEC stage floor aside).
NEUTRAL = ComplaintModel(
    version="neutral",
    intercept=-10.0,
    weights={},
    calibration_slope=1.0,
    calibration_intercept=0.0,
    cutoffs={"medium": 0.97, "high": 0.98, "critical": 0.99},
)


def replay_rows(
    journeys: Journeys, assessor: Assessor, model_file: Path | None, work: Path
) -> list[ProfileRow]:
    """Every profile the replay computes, as a fitting row (`model_file`: the model the replay uses)."""
    paths = {name: work / f"{name}.jsonl" for name in ("messages", "events")}
    for name, rows in (("messages", journeys.messages), ("events", journeys.events)):
        paths[name].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    weights_file = work / "weights.yaml"
    weights_file.write_text(yaml.safe_dump({"model_file": str(model_file), "all_inputs": True}), "utf-8")
    settings = assessor.analyzer.settings.model_copy(update={"profile_weights_file": weights_file})
    found: list[ProfileRow] = []

    def collect(outcomes: Sequence[ItemOutcome]) -> None:
        for o in outcomes:
            if o.profile is not None and o.customer_id is not None:
                p = o.profile
                found.append(
                    ProfileRow(
                        o.customer_id,
                        o.at.timestamp(),
                        p.features,
                        p.complaint_probability_7d >= 1.0,
                        p.complaint_probability_7d,
                    )
                )

    replay_files(
        paths["messages"],
        paths["events"],
        work / "replay.csv",
        assessor=assessor,
        settings=settings,
        on_outcomes=collect,
    )
    return found


def _replay_seed(index: int) -> list[ProfileRow]:
    """The rows of one seed's replay (a job of `fork_map`: the journeys, assessor, model file and work
    folders are its shared state)."""
    journeys, assessor, model_file, works = state()
    works[index].mkdir()
    return replay_rows(journeys[index], assessor, model_file, works[index])


@dataclass(frozen=True, slots=True)
class Fit:
    model: ComplaintModel
    data: Dataset
    cv: BoostedCV
    oof_probability: np.ndarray
    fold_figures: dict[str, tuple[float, float]]


def fit(rows: Sequence[ProfileRow], truth: Sequence[dict[str, object]], jobs: int = 1) -> Fit:
    """Cross-validate (on up to `jobs` processes), calibrate, choose the cut-off, refit on all rows; the
    version is a digest of the parameters (the same data give the same model and version, whatever `jobs`)."""
    data = build_dataset(rows, truth)
    cv = cross_validate_trees(data, GRID, FOLDS, jobs)
    fitted = ~data.ruled
    knots = isotonic_knots(cv.oof_logit[fitted], data.y[fitted])
    probability = np.interp(cv.oof_logit, [k[0] for k in knots], [k[1] for k in knots])
    probability[data.ruled] = 1.0
    high = choose_high_cutoff(flag_curve(data, probability), PRECISION_TARGET)
    baseline, trees = fit_trees(data.x[fitted], data.y[fitted], data.names, cv.setting)
    model = ComplaintModel(
        version="",
        intercept=baseline,
        weights={},
        calibration_slope=1.0,
        calibration_intercept=0.0,
        cutoffs={"medium": high / 3.0, "high": high, "critical": (1.0 + high) / 2.0},
        tree_features=tuple(data.names),
        trees=tuple(trees),
        calibration_knots=knots,
    )
    digest = hashlib.sha256(json.dumps(model.to_dict(), sort_keys=True).encode("utf-8")).hexdigest()[:12]
    figures = fold_metrics(data, probability, high, FOLDS)
    return Fit(replace(model, version=f"trees-{digest}"), data, cv, probability, figures)


def artifact(
    result: Fit, seeds: Sequence[int], customers: int, rounds: int, started: str = "neutral"
) -> dict[str, object]:
    """The model file: the parameters, and how they were fitted with the cross-validated figures
    (mean ± sd over folds; the benchmark prints them beside the held-out ones)."""
    return {
        **result.model.to_dict(),
        "fitted_on": {
            "split": "train",
            "seeds": list(seeds),
            "customers": customers,
            "rounds": rounds,
            "round_one_model": started,
        },
        "cross_validation": {
            "folds": FOLDS,
            **{name: [round(m, 6), round(sd, 6)] for name, (m, sd) in result.fold_figures.items()},
        },
    }


def report(result: Fit, seeds: Sequence[int], customers: int, rounds: int, started: str = "neutral") -> str:
    """The fit as Markdown: data, cross-validation, calibration, cut-offs, what the trees use."""
    m, data = result.model, result.data
    curve = flag_curve(data, result.oof_probability)
    recall, precision, hits, alarms = curve.at(m.cutoffs["high"])
    seed_list = " ".join(map(str, seeds))
    splits = {name: 0 for name in m.tree_features}
    for tree in m.trees:
        for f in tree.feature:
            if f >= 0:
                splits[m.tree_features[f]] += 1
    idle = [n for n, k in splits.items() if not k]
    idle_counts = [n for n in idle if n in COUNT_FEATURES]
    unused = ", ".join(f"`{n}`" for n in idle if n not in COUNT_FEATURES) or "none"
    if idle_counts:
        used = sum(1 for n in splits if n in COUNT_FEATURES) - len(idle_counts)
        unused += f"; of the activity counts (`customers.activity`), {len(idle_counts)} (it splits on {used})"
    soothing = ", ".join(f"`{n}`" for n in SOOTHING if n not in SOOTHING_COUNTS) + (
        ", and the counts and recency of "
        + ", ".join(f"`{k.code}`" for k in KINDS if k.soothing)
        + " (`customers.activity`)"
    )
    lines = [
        "# Model card: 7-day complaint probability (customer profile)",
        "",
        "Fitted by `python -m complaint_radar.services.customers.fit_profile_model "
        f"--customers {customers} --seeds {seed_list} --rounds {rounds}"
        + ("" if started == "neutral" else " --start-model <the model bundled before>")
        + f"` (also `make models`); version `{m.version}`."
        + (
            ""
            if started == "neutral"
            else f" Round one replayed with the model bundled before (`{started}`) deciding levels and "
            "cases, not the neutral one `make models` starts from (time on a loaded machine)."
        ),
        "",
        "Data: synthetic training journeys (split `train`: training phrase bank, a tempo drawn per "
        "customer from `journey_writer.TRAIN_TEMPO_RANGE`), seeds "
        f"{seed_list}, {customers} customers each, replayed through `complaint-radar replay`'s code; "
        f"{len(data.y):,} profile rows before filing, {int(data.y.sum()):,} followed by a formal complaint "
        "within 7 days. Evaluation seeds and the evaluation phrase bank are never read by the fitter.",
        "",
        "Model: gradient-boosted regression trees on the log-odds (scikit-learn "
        "`HistGradientBoostingClassifier`, exported to plain arrays the profile evaluates itself), "
        f"monotone increasing in every input and decreasing in the soothing ones ({soothing}), so SPEC.md R1 "
        f"holds; the setting chosen by {FOLDS}-fold cross-validation grouped by customer (the cheapest "
        "within one standard error of the lowest log-loss, settings listed cheapest first); isotonic "
        "calibration on the out-of-fold log-odds; *high* cut-off chosen on the out-of-fold probabilities "
        f"for the best recall@24h of the catchable complainers at precision ≥ {PRECISION_TARGET:.2f}; medium "
        "at a third of it, critical halfway from it to 1. Reasons: each split's change of log-odds along "
        "the path is credited to its input (positive shares of present inputs only).",
        "",
        "| setting | out-of-fold log-loss, mean ± sd over folds |",
        "|---|---|",
        *(
            f"| {s.label()}{' (chosen)' if s == result.cv.setting else ''} | {mean:.5f} ± {sd:.5f} |"
            for s, (mean, sd) in result.cv.scores.items()
        ),
        "",
        f"Calibration: {len(m.calibration_knots)} isotonic knots. Cut-offs: "
        + ", ".join(f"{level} ≥ {p:.3f}" for level, p in m.cutoffs.items())
        + f". Out of fold at the *high* cut-off: recall@24h of the catchable {recall:.3f}, precision "
        f"{precision:.3f} ({hits} hits, {alarms} false alarms).",
        "",
        "The profile raises a potential complaint said in words to at least the *high* cut-off (SPEC R2/R3 "
        "stage floor, `customers/profile.py`); the out-of-fold figures here are the model's alone, the "
        "held-out ones in `docs/benchmarks_preidentify.md` include the floor.",
        "",
        f"Per fold (mean ± sd over {FOLDS} folds, out-of-fold probabilities at the *high* cut-off):",
        "",
        "| figure | mean ± sd |",
        "|---|---|",
        *(f"| {name} | {mean:.4f} ± {sd:.4f} |" for name, (mean, sd) in result.fold_figures.items()),
        "",
        "| input | splits on it |",
        "|---|---:|",
        *(f"| `{n}` | {k} |" for n, k in sorted(splits.items(), key=lambda kv: (-kv[1], kv[0])) if k),
        "",
        f"Inputs no tree splits on: {unused}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=400, help="customers per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(TRAIN_SEEDS))
    parser.add_argument(
        "--rounds", type=int, default=2, help="replay-and-fit rounds (cases follow the model)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src/complaint_radar/customers/data/complaint_model.json"
    )
    parser.add_argument("--report", type=Path, default=ROOT / "docs/model_cards/complaint_probability_7d.md")
    parser.add_argument(
        "--start-model",
        type=Path,
        default=None,
        help="the model deciding levels (and so cases) in round one (default: a neutral one that raises "
        "no level); with the bundled model, one round gives rows like a second round's",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        help="processes replaying seeds and fitting folds at once (default: the cores available); the "
        "model is the same whatever the number",
    )
    args = parser.parse_args(argv)
    if args.customers < 10 or args.rounds < 1 or args.jobs < 1:
        parser.error("--customers must be ≥ 10, --rounds ≥ 1 and --jobs ≥ 1")
    if not args.out.parent.is_dir():
        parser.error(f"--out: folder {args.out.parent} does not exist")
    assessor = Assessor.load(Settings())
    journeys = [generate_journeys(args.customers, seed, JOURNEY_START, split="train") for seed in args.seeds]
    truth = [t for j in journeys for t in j.truth]
    with tempfile.TemporaryDirectory(prefix="complaint-model-") as tmp:
        model_file = Path(tmp, "model-r0.json")
        start = NEUTRAL if args.start_model is None else ComplaintModel.load(args.start_model)
        model_file.write_text(json.dumps(start.to_dict()), "utf-8")
        for round_ in range(1, args.rounds + 1):
            works = [Path(tmp, f"r{round_}-s{seed}") for seed in args.seeds]
            replayed = fork_map(
                _replay_seed, range(len(works)), args.jobs, (journeys, assessor, model_file, works)
            )
            rows = [row for seed_rows in replayed for row in seed_rows]
            print(f"round {round_}: {len(args.seeds)} seeds replayed ({len(rows):,} rows)", flush=True)
            result = fit(rows, truth, args.jobs)
            model_file = Path(tmp, f"model-r{round_}.json")
            model_file.write_text(json.dumps(result.model.to_dict(), indent=2) + "\n", "utf-8")
            print(f"round {round_}: {result.cv.setting.label()}, cut-offs {result.model.cutoffs}", flush=True)
    started = "neutral" if args.start_model is None else start.version
    text = json.dumps(artifact(result, args.seeds, args.customers, args.rounds, started), ensure_ascii=False)
    args.out.write_text(text + "\n", "utf-8")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report(result, args.seeds, args.customers, args.rounds, started), "utf-8")
    print(f"wrote {args.out} and {args.report}")


if __name__ == "__main__":
    main()
