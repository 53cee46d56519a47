"""Benchmark: complaint pre-identification through `replay` on evaluation journeys, this engine vs main's.

For each evaluation seed (`customers.journeys.EVAL_SEEDS`: the evaluation phrase bank and tempo, never
read by the model fitter): generate synthetic journeys, write them as JSON Lines, replay them with
`services.intake.replay.replay_files` (what `complaint-radar replay` runs: live ingestion into a
throwaway SQLite store, as of each item's time, cases opened on the way) and, in a subprocess, with the
code of `--baseline-ref` (default `main`, taken with `git archive`) on the same files. Both outputs are
scored the same way: recall@24h over the catchable complainers (a warning ≥ 24 h before filing), precision
of *high*, median lead time, hits and false alarms per archetype; for this engine also the Brier score,
ECE and reliability curve of `complaint_probability_7d`. Mean ± sd over the seeds. Beside the bundled
cut-offs, each engine's best recall@24h at precision ≥ 0.90 / 0.85 / 0.80 with its cut-off chosen on the
rows (all seeds pooled) compares the engines' rankings at equal precision.

With `--baseline-rows DIR` the baseline's rows are read from an earlier run of `--baseline-ref`'s own
copy of this script (its `DIR/seed<N>/new.csv`, same customers and seeds) instead of being replayed.

With `--split dev` the development journeys (`DEV_SEEDS` by default: a third phrase bank, the evaluation
tempo) are replayed instead, to check changes without reading the held-out journeys; `--tempo eval` with
`--split train` gives the training wording at the evaluation tempo (`bench/preidentify_diagnose.py` says
who is flagged and by what on those splits).

Run: .venv/bin/python bench/preidentify_store.py [--customers 400] [--seeds 201 202 203]
     [--split eval | dev | train] [--tempo eval] [--baseline-ref main | none] [--baseline-rows DIR]
     [--out docs/benchmarks_preidentify.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from baseline import replay_with, source_of, write_jsonl
from complaint_radar.customers.evaluation import (
    PreIdentificationReport,
    ProbabilityReport,
    evaluate,
    fmt,
    labelled_probabilities,
    probability_report,
    render_reliability,
)
from complaint_radar.customers.journey_wording import SPLITS
from complaint_radar.customers.journeys import (
    DEV_SEEDS,
    EVAL_SEEDS,
    JOURNEY_START,
    Journeys,
    generate_journeys,
)
from complaint_radar.customers.likelihood import MODEL_FILE, ComplaintModel
from complaint_radar.customers.model_fit import FlagCurve, peak_curve
from complaint_radar.customers.timeline import parse_time
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.replay import replay_files
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]


def read_rows(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")
    return rows


def replay_both(
    assessor: Assessor, journeys: Journeys, work: Path, baseline: Path | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None, float, float]:
    """Rows of this engine and of the baseline (None when skipped), and their wall seconds."""
    messages, events = work / "messages.jsonl", work / "events.jsonl"
    write_jsonl(messages, journeys.messages)
    write_jsonl(events, journeys.events)
    began = time.perf_counter()
    replay_files(messages, events, work / "new.csv", assessor=assessor)
    new_seconds = time.perf_counter() - began
    if baseline is None:
        return read_rows(work / "new.csv"), None, new_seconds, 0.0
    old_seconds, _ = replay_with(baseline, messages, events, work / "old.csv")
    return read_rows(work / "new.csv"), read_rows(work / "old.csv"), new_seconds, old_seconds


def mean_sd(values: Sequence[float | None], digits: int = 3) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "n/a"
    sd = statistics.stdev(present) if len(present) > 1 else 0.0
    return f"{statistics.mean(present):.{digits}f} ± {sd:.{digits}f}"


def fitted_figures() -> dict[str, Any]:
    """How the bundled model was fitted and its cross-validated figures (written by the fitter)."""
    text = resources.files("complaint_radar.customers").joinpath(MODEL_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def summary_table(
    new: list[PreIdentificationReport],
    old: list[PreIdentificationReport] | None,
    prob: list[ProbabilityReport],
    cv: dict[str, Any],
    old_prob: list[ProbabilityReport],
    seeds: str = "held-out seeds",
) -> list[str]:
    rows = [
        (
            "recall@24h of the catchable",
            [r.recall_at_lead for r in new],
            [r.recall_at_lead for r in old or []],
            3,
        ),
        ("precision of high", [r.precision for r in new], [r.precision for r in old or []], 3),
        (
            "median lead time (h)",
            [r.median_lead_hours for r in new],
            [r.median_lead_hours for r in old or []],
            1,
        ),
        (
            "false alarms (non-complainers ever high)",
            [float(r.false_alarms) for r in new],
            [float(r.false_alarms) for r in old or []],
            1,
        ),
        ("Brier score of the 7-day probability", [p.brier for p in prob], [p.brier for p in old_prob], 4),
        ("ECE of the 7-day probability (10 bins)", [p.ece for p in prob], [p.ece for p in old_prob], 4),
    ]
    cv_keys = {
        "recall@24h of the catchable": "recall_at_24h",
        "precision of high": "precision_high",
        "Brier score of the 7-day probability": "brier",
        "ECE of the 7-day probability (10 bins)": "ece",
    }
    folds = cv.get("folds", "?")
    lines = [
        f"| metric | this engine, {seeds} | this engine, CV on training seeds ({folds} folds) "
        f"| main's engine, {seeds} |",
        "|---|---:|---:|---:|",
    ]
    for name, ours, theirs, digits in rows:
        key = cv_keys.get(name)
        fold = f"{cv[key][0]:.{digits}f} ± {cv[key][1]:.{digits}f}" if key and key in cv else "—"
        lines.append(
            f"| {name} | **{mean_sd(ours, digits)}** | {fold} "
            f"| {mean_sd(theirs, digits) if theirs else '—'} |"
        )
    return lines


def per_seed_table(
    seeds: Sequence[int],
    items: Sequence[int],
    new: list[PreIdentificationReport],
    old: list[PreIdentificationReport] | None,
) -> list[str]:
    lines = [
        "| seed | items | engine | recall@24h (catchable) | precision of high | median lead (h) "
        "| false alarms |",
        "|---:|---:|---|---:|---:|---:|---:|",
    ]
    for i, seed in enumerate(seeds):
        for name, report in (("this", new[i]), *((("main", old[i]),) if old else ())):
            lines.append(
                f"| {seed} | {items[i]:,} | {name} | {fmt(report.recall_at_lead)} ({report.flagged_early}/"
                f"{report.catchable}) | {fmt(report.precision)} ({report.flagged_before_filing}/"
                f"{report.flagged_before_filing + report.false_alarms}) | "
                f"{fmt(report.median_lead_hours, 1)} | "
                f"{report.false_alarms} |"
            )
    return lines


OPERATING_POINTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
ROW_DIGITS = 4  # decimals of `complaint_probability_7d` in replay rows (as replay writes them)


def operating_table(
    runs: Sequence[tuple[list[dict[str, Any]], list[dict[str, Any]]]], high: float
) -> list[str]:
    """Recall@24h and precision if *high* were read at other probability cut-offs (rows re-flagged by
    their `complaint_probability_7d`; cases opened on the way stay as replayed), mean ± sd over seeds."""
    lines = [
        "| high at p ≥ | recall@24h of the catchable | precision of high | false alarms |",
        "|---:|---:|---:|---:|",
    ]
    for cut in sorted({*OPERATING_POINTS, high}):  # the bundled cut-off exactly (the floor lifts p to it)
        at = round(cut, ROW_DIGITS)  # rows carry p rounded: a floor-lifted 0.836538 reads 0.8365
        reports = [
            evaluate(
                [
                    {**r, "risk_level": "high" if float(r["complaint_probability_7d"]) >= at else "low"}
                    for r in rows
                ],
                truth,
            )
            for rows, truth in runs
        ]
        mark = " (bundled)" if cut == high else ""
        lines.append(
            f"| {cut:.3f}{mark} | {mean_sd([r.recall_at_lead for r in reports])} "
            f"| {mean_sd([r.precision for r in reports])} "
            f"| {mean_sd([float(r.false_alarms) for r in reports], 1)} |"
        )
    return lines


PRECISION_TARGETS = (0.90, 0.85, 0.80)


def peak_probabilities(runs: Sequence[tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> FlagCurve:
    """Per customer, over every seed: the highest `complaint_probability_7d` ≥ 24 h before filing (catchable
    complainers), before filing (complainers) and anywhere (the others); re-flagging rows at a cut-off and
    scoring them with `evaluate` gives the same hits and false alarms as comparing these with it."""
    truth = {str(t["customer_id"]): t for _, seed_truth in runs for t in seed_truth}
    rows = [r for seed_rows, _ in runs for r in seed_rows]
    return peak_curve(
        truth,
        [str(r["customer_id"]) for r in rows],
        [parse_time(r["at"], what="replay row at").timestamp() for r in rows],
        [float(r["complaint_probability_7d"]) for r in rows],
    )


def equal_precision_table(
    runs: Sequence[tuple[list[dict[str, Any]], list[dict[str, Any]]]],
    old_runs: Sequence[tuple[list[dict[str, Any]], list[dict[str, Any]]]] | None,
) -> list[str]:
    """Each engine's best recall@24h at equal precision, its cut-off chosen on these rows (all seeds pooled):
    compares the engines' rankings whatever their bundled cut-offs."""
    lines = [
        "| engine | "
        + " | ".join(f"recall@24h at precision ≥ {t:.2f} (cut-off)" for t in PRECISION_TARGETS)
        + " |",
        "|---|" + "---:|" * len(PRECISION_TARGETS),
    ]
    for name, engine_runs in (("this engine", runs), ("main's engine", old_runs)):
        if not engine_runs:
            continue
        peaks = peak_probabilities(engine_runs)
        cells = []
        for target in PRECISION_TARGETS:
            recall, _, cut, _ = peaks.best_recall(target)
            cells.append(f"{recall:.3f} ({cut:.3f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def archetype_table(
    new: list[PreIdentificationReport], old: list[PreIdentificationReport] | None
) -> list[str]:
    """Complainer archetypes: catchable flagged ≥ 24 h early (hits); the others: ever flagged high."""
    names = sorted({name for r in new for name in r.by_group})
    lines = [
        "| archetype | customers | complained | hits ≥ 24 h early / catchable — this | main "
        "| false alarms — this | main |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        ours = [r.by_group[name] for r in new if name in r.by_group]
        theirs = [r.by_group[name] for r in old or [] if name in r.by_group]
        customers = sum(g.customers for g in ours)
        complained = sum(g.complained for g in ours)
        if complained:
            catchable = sum(g.catchable for g in ours)
            hit = f"{sum(g.flagged_early for g in ours)}/{catchable}"
            hit_old = f"{sum(g.flagged_early for g in theirs)}/{catchable}" if theirs else "—"
            lines.append(f"| {name} | {customers} | {complained} | {hit} | {hit_old} | — | — |")
        else:
            alarms = sum(g.flagged for g in ours)
            alarms_old = str(sum(g.flagged for g in theirs)) if theirs else "—"
            lines.append(
                f"| {name} | {customers} | 0 | — | — | {alarms}/{customers} | {alarms_old}/{customers} |"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--split", choices=SPLITS, default="eval")
    parser.add_argument("--tempo", choices=SPLITS, default=None, help="another split's tempo")
    parser.add_argument(
        "--baseline-ref", default="main", help="git ref of the engine to compare with, or 'none'"
    )
    parser.add_argument(
        "--baseline-rows", type=Path, help="read the baseline's replay rows from DIR/seed<N>/new.csv"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_preidentify.md")
    parser.add_argument("--data", type=Path, help="not used (synthetic journeys); bench/run_all.py passes it")
    args = parser.parse_args()
    if args.seeds is None:
        args.seeds = list(DEV_SEEDS if args.split == "dev" else EVAL_SEEDS)
    assessor = Assessor.load()
    model = ComplaintModel.bundled()
    new: list[PreIdentificationReport] = []
    old: list[PreIdentificationReport] | None = None if args.baseline_ref == "none" else []
    probs: list[ProbabilityReport] = []
    old_probs: list[ProbabilityReport] = []
    runs: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
    old_runs: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
    pooled: list[tuple[float, int]] = []
    items: list[int] = []
    with tempfile.TemporaryDirectory(prefix="preidentify-") as tmp:
        replayed = old is not None and args.baseline_rows is None
        baseline = source_of(args.baseline_ref, Path(tmp, "baseline")) if replayed else None
        for seed in args.seeds:
            journeys = generate_journeys(
                args.customers, seed, JOURNEY_START, split=args.split, tempo=args.tempo
            )
            items.append(len(journeys.messages) + len(journeys.events))
            work = Path(tmp, f"seed{seed}")
            work.mkdir()
            ours, theirs, seconds, old_seconds = replay_both(assessor, journeys, work, baseline)
            if old is not None and args.baseline_rows is not None:
                theirs = read_rows(args.baseline_rows / f"seed{seed}" / "new.csv")
            new.append(evaluate(ours, journeys.truth))
            runs.append((ours, journeys.truth))
            pairs = labelled_probabilities(ours, journeys.truth)
            pooled += pairs
            probs.append(probability_report(pairs))
            if old is not None and theirs is not None:
                old.append(evaluate(theirs, journeys.truth))
                if theirs and "complaint_probability_7d" in theirs[0]:
                    old_probs.append(probability_report(labelled_probabilities(theirs, journeys.truth)))
                    old_runs.append((theirs, journeys.truth))
            print(
                f"seed {seed}: {items[-1]:,} items; replay {seconds:.0f} s, baseline {old_seconds:.0f} s",
                flush=True,
            )
    cut = model.cutoffs
    fitted = fitted_figures()
    fit_seeds = " ".join(map(str, fitted.get("fitted_on", {}).get("seeds", [])))
    lines = [
        "## Pre-identification through `replay`: evaluation journeys, this engine vs main's",
        "",
        f"Command: `.venv/bin/python bench/preidentify_store.py --customers {args.customers} --seeds "
        f"{' '.join(map(str, args.seeds))} --baseline-ref {args.baseline_ref}"
        f"{' --baseline-rows DIR' if args.baseline_rows else ''}`. Synthetic journeys from "
        "`customers.journeys` (150 days per customer, 简体/繁體/English, archetypes and shares in that "
        f"module) of the **{args.split} split**"
        + (f" at the {args.tempo} tempo" if args.tempo else "")
        + ": a phrase bank written separately from the training one (no "
        "sentence shared) "
        "and another tempo (gaps between contacts ×1.3, lead to filing ×0.8, behaviour spread ×1.25); the "
        "7-day model was fitted on training seeds only (`docs/model_cards/complaint_probability_7d.md`). "
        "Both engines replay the same files through `complaint-radar replay`'s code (live ingestion into a "
        "throwaway SQLite store, cases opened on the way); main's engine runs from `git archive "
        f"{args.baseline_ref}`"
        + (
            " (its own copy of this script, run separately on the same seeds; its rows read back here)."
            if args.baseline_rows
            else " in a subprocess."
        ),
        "",
        "Definitions: a complainer is *catchable* when they gave any warning (an episode message or event) "
        "≥ 24 h before filing; recall@24h counts catchable complainers whose profile reached *high* (or "
        "critical) ≥ 24 h before filing; precision counts a complainer flagged before filing as a hit and "
        "any "
        "non-complainer ever flagged as a false alarm; lead time is filing minus the first flag. The 7-day "
        "probability is scored on every replay row before the customer's filing (label: filed within the "
        "next "
        "7 days). Targets: recall ≥ 0.95 at precision ≥ 0.90; ECE ≤ 0.05.",
        "",
        f"Seeds: the model was fitted on training seeds {fit_seeds or '(not recorded)'} "
        f"({fitted.get('fitted_on', {}).get('customers', '?')} customers each); its setting, "
        "calibration and *high* cut-off were chosen by 5-fold cross-validation grouped by customer on those "
        "same seeds (the CV column: out-of-fold figures, mean ± sd over folds); every other column is "
        f"measured on the {args.split} seeds {' '.join(map(str, args.seeds))}, never read by the "
        "fitter. Rebuild the model with `make models` (or `.venv/bin/python -m "
        "complaint_radar.services.customers.fit_profile_model`).",
        "",
        f"Level cut-offs of the bundled model `{model.version}` (the risk score maps them onto 30/60/80): "
        f"medium p ≥ {cut['medium']:.3f}, high p ≥ {cut['high']:.3f}, critical p ≥ {cut['critical']:.3f}.",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; 1-minute load "
        f"average {os.getloadavg()[0]:.1f} at the end.",
        "",
        f"### Mean ± sd over {len(args.seeds)} {args.split} seeds of {args.customers} customers",
        "",
        *summary_table(
            new,
            old,
            probs,
            fitted.get("cross_validation", {}),
            old_probs,
            "held-out seeds" if args.split == "eval" else f"{args.split} seeds",
        ),
        "",
        "### Per seed",
        "",
        *per_seed_table(args.seeds, items, new, old),
        "",
        "### Operating points of this engine: *high* read at other cut-offs of the 7-day probability",
        "",
        *operating_table(runs, cut["high"]),
        "",
        "### Recall at equal precision: each engine's cut-off chosen on these rows",
        "",
        "All seeds pooled; each engine's best recall@24h of the catchable among the cut-offs of its 7-day "
        "probability whose precision of *high* reaches the target. The cut-offs are chosen on these very "
        "rows (an upper bound for each engine): the table compares the engines' rankings, whatever cut-off "
        "each bundles. A profile the SPEC stage floor lifts reads its engine's own *high* cut-off, so a "
        "cut-off above that drops those flags.",
        "",
        *equal_precision_table(runs, old_runs if len(old_runs) == len(runs) else None),
        "",
        "### Per archetype (all seeds together)",
        "",
        *archetype_table(new, old),
        "",
        "### Reliability of `complaint_probability_7d` (all seeds together)",
        "",
        render_reliability(probability_report(pooled)),
    ]
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
