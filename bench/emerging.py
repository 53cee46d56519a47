"""Benchmark: emerging-issue detection on seeded synthetic histories, beside SPEC.md §7.5's plain rule.

Each history (`analysis.synthetic`) holds spikes of one cause in one product or branch injected in known
windows among weekly seasonality, peak periods, product trends, noisy and rare keys and messages with two
causes. Every detector runs as of every day from the end of the warm-up to the end (a daily schedule);
each day's detections update the issues they continue (`issues.track`), so a spike flagged on five days
is one issue. A flagged issue is *real* when one of its keys (primary or merged) is made only of an
injected spike's cell and its window overlaps the spike's days; a spike is *found* when a real issue
stands for it. Recall = spikes found / spikes; precision = real issues / issues flagged.

The detector's settings are chosen by 4-fold cross-validation over tuning seeds (F1 of pooled recall and
precision), then frozen and reported on other seeds; the generator's parameters are drawn per seed from
wide ranges and also varied one at a time (named variants), so the choice is not tuned to one generator.

Run: .venv/bin/python bench/emerging.py [--tuning-seeds 16] [--test-seeds 32] [--variant-seeds 8]
     [--out docs/benchmarks_emerging.md]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from complaint_radar.analysis.emerging import DetectorConfig, flag_issues
from complaint_radar.analysis.issues import EmergingIssue, KnownIssue, track
from complaint_radar.analysis.keycounts import daily_counts
from complaint_radar.analysis.negbin import key_tests
from complaint_radar.analysis.spec_rule import SpecRule, spec_rule_over
from complaint_radar.analysis.synthetic import (
    HistoryParams,
    SyntheticHistory,
    generate_history,
    issue_is_real,
)
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
STAT_GRID = {
    "windows": ((7,), (3, 7), (7, 14), (3, 7, 14)),
    "baseline_weeks": (8, 12, 16),
    "dispersion_prior": (0.5, 1.5, 3.0),
}
FILTER_GRID = {"fdr": (0.003, 0.01, 0.03, 0.1), "min_ratio": (1.25, 1.5, 2.0)}
SIZE_BUCKETS = ((0, 10, "≤ 10 extra items"), (11, 40, "11–40"), (41, 10**9, "> 40"))


def random_params(rng: np.random.Generator) -> HistoryParams:
    """A generator drawn from wide ranges: volume, seasonality, peaks, noise, spikes, and the season."""
    end = date(2025, 3, 1) + timedelta(days=int(rng.integers(0, 730)))
    low = float(rng.uniform(1.2, 2.0))
    return HistoryParams(
        end=end,
        daily_items=float(np.exp(rng.uniform(np.log(80), np.log(1500)))),
        products=int(rng.integers(3, 11)),
        branches=int(rng.integers(4, 16)),
        regions=int(rng.integers(2, 5)),
        weekly_strength=float(rng.uniform(0.0, 0.5)),
        peak_strength=float(rng.uniform(0.3, 2.0)),
        trend=float(rng.uniform(0.0, 0.4)),
        key_noise=float(rng.uniform(0.03, 0.3)),
        multi_cause_share=float(rng.uniform(0.1, 0.4)),
        spikes=int(rng.integers(3, 9)),
        spike_ratio=(low, low * float(rng.uniform(1.5, 4.0))),
        spike_min_extra=int(rng.integers(3, 9)),
    )


VARIANTS: dict[str, Callable[[np.random.Generator], HistoryParams]] = {
    "defaults (HistoryParams())": lambda rng: HistoryParams(),
    "flat Poisson (no seasonality, peaks, trends or key noise)": lambda rng: HistoryParams(
        weekly_strength=0.0, peak_strength=0.0, trend=0.0, key_noise=0.0
    ),
    "strong seasonality, 双十一 ×4 in the scan": lambda rng: HistoryParams(
        weekly_strength=0.6, peak_strength=2.0
    ),
    "Spring Festival in the scan": lambda rng: HistoryParams(end=date(2026, 3, 29)),
    "noisy keys (week-to-week CV ≈ 0.35)": lambda rng: HistoryParams(key_noise=0.35),
    "low volume (60 items/day)": lambda rng: HistoryParams(daily_items=60.0),
    "small spikes only (×1.3–2, ≥ 3 items)": lambda rng: HistoryParams(
        spike_ratio=(1.3, 2.0), spike_min_extra=3
    ),
}


@dataclass(frozen=True)
class Outcome:
    """What one detector did on one history."""

    spikes: int
    found: int
    issues: int
    real: int
    found_by_size: tuple[tuple[int, int], ...]  # (spikes, found) per SIZE_BUCKETS

    @property
    def recall(self) -> float:
        return self.found / self.spikes if self.spikes else float("nan")

    @property
    def precision(self) -> float:
        return self.real / self.issues if self.issues else float("nan")


def scan_days(history: SyntheticHistory) -> list[date]:
    first = history.start + timedelta(days=7 * history.params.warmup_weeks)
    return [first + timedelta(days=i) for i in range((history.params.end - first).days + 1)]


def outcome(history: SyntheticHistory, issues: Sequence[KnownIssue]) -> Outcome:
    found = [any(issue_is_real(i, s) for i in issues) for s in history.spikes]
    return _outcome(history, found, issues)


def _outcome(
    history: SyntheticHistory, found: list[bool], flagged: Sequence[KnownIssue | EmergingIssue]
) -> Outcome:
    real = sum(any(issue_is_real(i, s) for s in history.spikes) for i in flagged)
    by_size = []
    for lo, hi, _ in SIZE_BUCKETS:
        inside = [f for s, f in zip(history.spikes, found, strict=True) if lo <= s.extra <= hi]
        by_size.append((len(inside), sum(inside)))
    return Outcome(len(history.spikes), sum(found), len(flagged), real, tuple(by_size))


def snapshot_days(history: SyntheticHistory) -> list[date]:
    """One run per spike, a week into it (or on its last day if shorter), as a one-off `--as-of` call."""
    first, last = scan_days(history)[0], history.params.end
    return [min(last, max(first, min(s.end, s.start + timedelta(days=6)))) for s in history.spikes]


def snapshot_outcome(history: SyntheticHistory, detections: dict[date, list[EmergingIssue]]) -> Outcome:
    """Each spike must be found by the run on its own snapshot day; every issue flagged on a snapshot day
    counts once for precision (real: it stands for any spike)."""
    runs = snapshot_days(history)
    found = [
        any(issue_is_real(i, s) for i in detections[day]) for s, day in zip(history.spikes, runs, strict=True)
    ]
    return _outcome(history, found, [i for day in sorted(set(runs)) for i in detections[day]])


def both_outcomes(
    history: SyntheticHistory, detections: dict[date, list[EmergingIssue]]
) -> tuple[Outcome, Outcome]:
    """(daily schedule with issue tracking, one-off runs) outcomes of one detector's detections."""
    return outcome(history, track(detections)), snapshot_outcome(history, detections)


def detector_outcomes(
    history: SyntheticHistory, configs: Sequence[DetectorConfig]
) -> list[tuple[Outcome, Outcome]]:
    """Every config on one history; the key tests are computed once per distinct statistical setting."""
    days = scan_days(history)
    lookback = max(c.lookback_days for c in configs)
    counts = daily_counts(
        history.items, configs[0].keys, start=days[0] - timedelta(days=lookback), end=days[-1]
    )
    ts = np.array([counts.index(d) for d in days], dtype=np.int64)
    tests_by_stat: dict[object, list] = {}
    out = []
    for cfg in configs:
        stat = cfg.test_settings
        if stat not in tests_by_stat:
            tests_by_stat[stat] = [key_tests(fc, counts, ts, stat) for fc in counts.families]
        tests = tests_by_stat[stat]
        detections = {day: flag_issues(counts, tests, col, int(ts[col]), cfg) for col, day in enumerate(days)}
        out.append(both_outcomes(history, detections))
    return out


def spec_outcomes(history: SyntheticHistory, merge: bool) -> tuple[Outcome, Outcome]:
    return both_outcomes(history, spec_rule_over(history.items, scan_days(history), SpecRule(merge=merge)))


def objective(outcomes: Sequence[tuple[Outcome, Outcome]]) -> float:
    """Mean of the pooled F1 of the daily schedule and of the one-off runs."""
    return (pooled_f1([o[0] for o in outcomes]) + pooled_f1([o[1] for o in outcomes])) / 2


def pooled_f1(outcomes: Sequence[Outcome]) -> float:
    spikes, found = sum(o.spikes for o in outcomes), sum(o.found for o in outcomes)
    issues, real = sum(o.issues for o in outcomes), sum(o.real for o in outcomes)
    recall = found / spikes if spikes else 0.0
    precision = real / issues if issues else 0.0
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


def grid() -> list[DetectorConfig]:
    names = [*STAT_GRID, *FILTER_GRID]
    values = [*STAT_GRID.values(), *FILTER_GRID.values()]
    return [
        replace(DetectorConfig(), **dict(zip(names, combo, strict=True)))
        for combo in itertools.product(*values)
    ]


def describe(cfg: DetectorConfig) -> str:
    names = [*STAT_GRID, *FILTER_GRID]
    return ", ".join(f"{n}={getattr(cfg, n)}" for n in names)


def para(text: str) -> str:
    """A paragraph written over several source lines, as one Markdown line."""
    return " ".join(text.split())


def mean_sd(values: Sequence[float]) -> str:
    values = [v for v in values if v == v]
    if not values:
        return "n/a"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def summary_row(protocol: str, name: str, outcomes: Sequence[Outcome]) -> str:
    spikes, found = sum(o.spikes for o in outcomes), sum(o.found for o in outcomes)
    issues, real = sum(o.issues for o in outcomes), sum(o.real for o in outcomes)
    return (
        f"| {protocol} | {name} | {mean_sd([o.recall for o in outcomes])} "
        f"| {mean_sd([o.precision for o in outcomes])} "
        f"| {found}/{spikes} = {found / max(spikes, 1):.3f} | {real}/{issues} = {real / max(issues, 1):.3f} "
        f"| {pooled_f1(outcomes):.3f} | {issues / len(outcomes):.1f} |"
    )


def size_row(name: str, outcomes: Sequence[Outcome]) -> str:
    cells = []
    for b in range(len(SIZE_BUCKETS)):
        n, f = sum(o.found_by_size[b][0] for o in outcomes), sum(o.found_by_size[b][1] for o in outcomes)
        cells.append(f"{f}/{n} = {f / max(n, 1):.2f}")
    return f"| {name} | " + " | ".join(cells) + " |"


def at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is below the minimum {low}")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, help="unused (the histories are synthetic); accepted for run_all"
    )
    parser.add_argument("--tuning-seeds", type=at_least(4), default=16, help="seeds for 4-fold CV (≥ 4)")
    parser.add_argument("--test-seeds", type=at_least(1), default=32)
    parser.add_argument("--variant-seeds", type=at_least(1), default=8)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_emerging.md")
    args = parser.parse_args()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    configs = grid()

    tuning_seeds = list(range(args.tuning_seeds))
    tuning = {
        s: detector_outcomes(generate_history(s, random_params(np.random.default_rng(s))), configs)
        for s in tuning_seeds
    }
    folds = [tuning_seeds[i::4] for i in range(4)]
    fold_rows, held_out_f1 = [], []
    for k, held in enumerate(folds):
        train = [s for s in tuning_seeds if s not in held]
        best = max(range(len(configs)), key=lambda c: objective([tuning[s][c] for s in train]))
        f1 = objective([tuning[s][best] for s in held])
        held_out_f1.append(f1)
        fold_rows.append(f"| {k + 1} | {', '.join(map(str, held))} | {describe(configs[best])} | {f1:.3f} |")
    chosen_index = max(range(len(configs)), key=lambda c: objective([tuning[s][c] for s in tuning_seeds]))
    chosen = configs[chosen_index]
    defaults_match = all(
        getattr(chosen, f.name) == getattr(DetectorConfig(), f.name) for f in fields(DetectorConfig)
    )
    tuning_cpu = time.process_time() - cpu0

    def test_set(
        seed_of: Callable[[int], int], params_of: Callable[[np.random.Generator], HistoryParams], n: int
    ):
        results: dict[str, list[tuple[Outcome, Outcome]]] = {"mine": [], "spec": [], "spec_merge": []}
        for i in range(n):
            seed = seed_of(i)
            history = generate_history(seed, params_of(np.random.default_rng(seed)))
            results["mine"].append(detector_outcomes(history, [chosen])[0])
            results["spec"].append(spec_outcomes(history, merge=False))
            results["spec_merge"].append(spec_outcomes(history, merge=True))
        return results

    main_test = test_set(lambda i: 10_000 + i, random_params, args.test_seeds)
    variants = {
        name: test_set(lambda i, v=v: 20_000 + 100 * v + i, params_of, args.variant_seeds)
        for v, (name, params_of) in enumerate(VARIANTS.items())
    }
    one = generate_history(10_000, random_params(np.random.default_rng(10_000)))
    t0, c0 = time.perf_counter(), time.process_time()
    detector_outcomes(one, [chosen])
    one_wall, one_cpu = time.perf_counter() - t0, time.process_time() - c0
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    names = {
        "mine": "detector (chosen settings)",
        "spec": "SPEC rule (plain)",
        "spec_merge": "SPEC rule + merging",
    }
    protocols = ("daily schedule, issues tracked", "one-off run a week into each spike")
    header = (
        "| protocol | detector | recall (mean ± sd over seeds) | precision (mean ± sd) | recall (pooled) "
        "| precision (pooled) | F1 (pooled) | issues per history |\n|---|---|---:|---:|---:|---:|---:|---:|"
    )
    lines = [
        "## Emerging issues: detector vs SPEC rule on synthetic histories",
        "",
        para(
            f"""Command: `.venv/bin/python bench/emerging.py --tuning-seeds {args.tuning_seeds} --test-seeds
            {args.test_seeds} --variant-seeds {args.variant_seeds}`. Machine: {cpu_model()},
            {os.cpu_count()} CPUs (shared), Python {platform.python_version()}. Whole run: {wall:.0f} s
            wall, {cpu:.0f} s CPU (tuning {tuning_cpu:.0f} s CPU over {len(configs)} settings); peak memory
            {peak_mb:.0f} MB. One 26-week history ({len(one.items):,} item rows, {len(scan_days(one))} daily
            runs of the detector and issue tracking): {one_wall:.2f} s wall, {one_cpu:.2f} s CPU."""
        ),
        "",
        para(
            """Histories: `complaint_radar.analysis.synthetic.generate_history` (26 weeks, 13 causes × 3–10
            products × 4–15 branches in 2–4 regions; per seed the generator's volume, day-of-week strength,
            peak strength, product trends, key noise, share of two-cause messages, number and size of spikes
            and the season are drawn from wide ranges: `random_params`). A flagged issue is *real* when one
            of its keys (primary or merged) is made only of an injected spike's messages and its window
            overlaps the spike. Two protocols:"""
        ),
        "",
        para(
            """- **daily schedule**: each detector runs as of every day from week 10 to the end; each day's
            detections update the issues they continue (`analysis.issues.track`); recall = spikes some real
            issue stands for / spikes, precision = real issues / issues shown over the whole half-year;"""
        ),
        para(
            """- **one-off runs**: one run a week into each spike (or on its last day if shorter), as a person
            calling `issues detect --as-of DATE`; recall = spikes found by their own run, precision = real /
            flagged over those runs."""
        ),
        "",
        "Mean ± sd over seeds (precision over the seeds that flagged anything), and pooled over all seeds.",
        "",
        f"### Settings chosen by 4-fold cross-validation over {args.tuning_seeds} tuning seeds (0–"
        f"{args.tuning_seeds - 1})",
        "",
        f"Grid: {', '.join(f'{k} ∈ {v}' for k, v in {**STAT_GRID, **FILTER_GRID}.items())} "
        f"({len(configs)} settings); objective: the mean of the two protocols' pooled F1.",
        "",
        "| fold | held-out seeds | best on the other folds | held-out objective |",
        "|---|---|---|---:|",
        *fold_rows,
        "",
        f"Cross-validated objective: **{mean_sd(held_out_f1)}** (mean ± sd over folds). Chosen on all tuning "
        f"seeds: `{describe(chosen)}`"
        + (
            " (the `DetectorConfig` defaults)."
            if defaults_match
            else " (**differs from the `DetectorConfig` defaults**)."
        ),
        "",
        f"### Test: {args.test_seeds} other seeds (10000–{10_000 + args.test_seeds - 1}), generator drawn "
        "per seed",
        "",
        header,
        *(
            summary_row(protocols[p], names[k], [o[p] for o in v])
            for p in (0, 1)
            for k, v in main_test.items()
        ),
        "",
        "Recall by spike size (one-off runs, pooled over the test seeds):",
        "",
        "| detector | " + " | ".join(b[2] for b in SIZE_BUCKETS) + " |",
        "|---|" + "---:|" * len(SIZE_BUCKETS),
        *(size_row(names[k], [o[1] for o in v]) for k, v in main_test.items()),
        "",
        f"### Generator variants ({args.variant_seeds} seeds each, settings frozen)",
        "",
        "| variant | detector | daily: recall | daily: precision | daily: F1 | one-off: recall "
        "| one-off: precision | one-off: F1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, results in variants.items():
        for k, v in results.items():
            cells = []
            for p in (0, 1):
                o = [x[p] for x in v]
                recall, precision = mean_sd([x.recall for x in o]), mean_sd([x.precision for x in o])
                cells.append(f"{recall} | {precision} | {pooled_f1(o):.3f}")
            lines.append(f"| {name} | {names[k]} | " + " | ".join(cells) + " |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
