"""Study: what message reading costs pre-identification, measured on development journeys.

The monotonicity study (bench/preidentify_ceiling.py) asks what SPEC.md R1 costs the inputs the profile
computes today. This one asks what the *reading of the messages* costs, whatever the inputs. Every
customer's timeline is turned into plain counts, over the last 1, 3, 7, 14, 30 and 60 days, and the days
since the last one, of each kind of item: each event kind (survey answers split low / middle / high, waits
long or not, calls rough or not, closures satisfied or not, …: `customers.activity.event_kinds`, the kinds
the profile counts) and each *reading* of a message. Four
readers of the same messages are compared:

- `perfect`: the phrase-bank template each message was written from (`journeys.Journeys.templates`:
  `latent`, `explicit`, `remark`, `reference`, `negated`, …), as if the reader knew what the writer meant;
- `SPEC stages`: that template mapped to what a reader following SPEC.md §2.3 to the letter would give:
  its stage and the cue it carries (a passing remark and a problem report are both `latent_grumble`);
- `SPEC stages, remarks apart`: the same, with a passing remark (a chronic grumbler's 排队有点久) read as
  a kind of its own rather than as a latent grumble;
- `bundled assessor`: what Complaint Radar's assessor reads today (stage, counting cues, customer type,
  a calm positive tone).

Each reader's counts are fitted with boosted trees on training seeds and scored on development seeds (the
evaluation split is never read), free, and monotone the way R1 asks of the profile (increasing in every
count of negative items, decreasing in the counts of calm items, purchases, logins, good answers and
satisfied closures). Scored as docs/benchmarks_preidentify_ceiling.md scores: each model's best
recall@24h of the catchable complainers among the cut-offs whose precision of *high* reaches the target,
chosen on the development rows (an upper bound per model, comparable across rows). The rows are one per
item of a customer's timeline before filing, not the replay's profile rows; no SPEC stage floor applies.

Two more readers (unless `--no-hybrids`) say where the assessor's gap sits: its reading with SPEC's stage
in place of its own on the latent line (passing remarks, problem reports, negated threats; cues and customer
type as read), and with SPEC's whole reading there.

Run: .venv/bin/python bench/preidentify_reader_ceiling.py [--customers 400]
     [--train-seeds 101 102 103 104] [--dev-seeds 301 302 303] [--out docs/benchmarks_preidentify_reader.md]
     [--no-hybrids]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from complaint_radar.customers.activity import KINDS, RECENCY_DAYS, WINDOWS_DAYS, event_kinds
from complaint_radar.customers.evaluation import truthy
from complaint_radar.customers.journeys import (
    DEV_SEEDS,
    JOURNEY_START,
    TRAIN_SEEDS,
    Journeys,
    generate_journeys,
)
from complaint_radar.customers.model_fit import FlagCurve, peak_curve
from complaint_radar.customers.timeline import parse_event, parse_time
from complaint_radar.customers.weights import ProfileWeights
from complaint_radar.services.assessment.assessing import AssessItem, Assessor
from complaint_radar.settings import Settings
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
PRECISIONS = (0.90, 0.85, 0.80)
SINCE_CAP_DAYS = RECENCY_DAYS  # the profile's windows and horizon (customers.activity)
DAY = 86400.0
PUBLIC = ("review", "social_post")
BEHAVIOUR = ProfileWeights.default().behaviour

SPEC_READING: dict[str, tuple[str, ...]] = {
    # What SPEC.md §2.3 / §2.4 make of each template, read to the letter.
    "calm": ("stage:0",),
    "thanks": ("stage:0", "kind"),
    "praise": ("stage:0", "kind"),
    "seasonal_note": ("stage:0",),
    "complaint_question": ("stage:0",),
    "followup": ("stage:1", "cue:prior_reference"),
    "remark": ("stage:1",),
    "latent": ("stage:1",),
    "negated": ("stage:1",),
    "taciturn": ("stage:1", "type:taciturn"),
    "explicit": ("stage:2",),
    "reference": ("stage:2", "cue:prior_reference"),
    "staff_error": ("stage:2",),
    "unresolved": ("stage:2", "cue:repeat_contact"),
    "threat": ("stage:3",),
    "formal": ("stage:4",),
}
CALM_TOKENS = frozenset(
    {
        "stage:0",
        "kind",
        "template:calm",
        "template:thanks",
        "template:praise",
        "template:seasonal_note",
        *(f"event:{k.code}" for k in KINDS if k.soothing),
    }
)
"""Items whose counts a monotone model may only read as lowering risk."""


@dataclass(frozen=True, slots=True)
class Reader:
    name: str
    tokens: Callable[[Mapping[str, Any], str, Any], list[str]]
    """(message row, its template, the assessor's reading or None) -> what the reader sees."""
    needs_assessor: bool = False


def _public(message: Mapping[str, Any], tokens: list[str]) -> list[str]:
    if message["channel"] in PUBLIC and tokens and tokens[0] != "stage:0":
        tokens.append("public")
    return tokens


def _perfect(message: Mapping[str, Any], template: str, _: Any) -> list[str]:
    return _public(message, [f"template:{template}"])


def _spec(message: Mapping[str, Any], template: str, _: Any) -> list[str]:
    return _public(message, list(SPEC_READING.get(template, ("stage:1",))))


def _spec_remarks_apart(message: Mapping[str, Any], template: str, _: Any) -> list[str]:
    if template == "remark":
        return _public(message, ["remark"])
    return _spec(message, template, None)


def _assessor(message: Mapping[str, Any], _: str, reading: Any) -> list[str]:
    rank, cues, ctype, sentiment = reading
    tokens = [f"stage:{rank}", *(f"cue:{c}" for c in cues), f"type:{ctype}"]
    if rank == 0 and sentiment > 0.2:
        tokens.append("kind")
    return _public(message, tokens)


READERS = (
    Reader("perfect (the template written)", _perfect),
    Reader("SPEC stages", _spec),
    Reader("SPEC stages, remarks apart", _spec_remarks_apart),
    Reader("bundled assessor", _assessor, needs_assessor=True),
)

LATENT_LINE = frozenset({"remark", "latent", "negated"})
"""Templates SPEC.md §2.3 puts at latent grumble that the assessor most often reads higher: passing
remarks, problem reports and negated threats (the per-template table of the report)."""


def _latent_line_stage(message: Mapping[str, Any], template: str, reading: Any) -> list[str]:
    """The assessor's reading, with SPEC's stage in place of its stage on the latent line only: its cues
    and customer type stay as read."""
    tokens = _assessor(message, template, reading)
    if template in LATENT_LINE:
        tokens = [t for t in tokens if t != "public" and not t.startswith("stage:")]
        tokens = _public(message, [SPEC_READING[template][0], *tokens])
    return tokens


def _latent_line_spec(message: Mapping[str, Any], template: str, reading: Any) -> list[str]:
    """The assessor's reading, with SPEC's whole reading (stage, no cues, no type) on the latent line."""
    if template in LATENT_LINE:
        return _spec(message, template, None)
    return _assessor(message, template, reading)


HYBRIDS = (
    Reader("assessor, SPEC stage on the latent line", _latent_line_stage, needs_assessor=True),
    Reader("assessor, SPEC reading on the latent line", _latent_line_spec, needs_assessor=True),
)
"""Unless --no-hybrids: where the gap between the assessor and SPEC's reading sits (issue 18 studies)."""


def event_tokens(event: Mapping[str, Any]) -> list[str]:
    """The kinds the profile counts a behaviour event as (`customers.activity.event_kinds`)."""
    return [f"event:{kind}" for kind in event_kinds(parse_event(event), BEHAVIOUR)]


@dataclass
class Seed:
    split: str
    seed: int
    journeys: Journeys
    readings: dict[str, Any]


def load_seed(split: str, seed: int, customers: int, assessor: Assessor | None) -> Seed:
    journeys = generate_journeys(customers, seed, JOURNEY_START, split=split)
    readings: dict[str, Any] = {}
    if assessor is not None:
        rows = journeys.messages
        for start in range(0, len(rows), 256):
            chunk = rows[start : start + 256]
            items = [AssessItem(m["text"], m["channel"], m["message_id"], m["customer_id"]) for m in chunk]
            for m, a in zip(chunk, assessor.assess(items), strict=True):
                cues = tuple(sorted(str(c) for c in a.cue_codes()))
                readings[m["message_id"]] = (a.stage.rank, cues, str(a.customer_type.code), a.sentiment.score)
    return Seed(split, seed, journeys, readings)


@dataclass
class Rows:
    x: np.ndarray
    y: np.ndarray
    customers: np.ndarray
    at: np.ndarray
    truth: dict[str, Mapping[str, Any]]
    seed_of: dict[str, int]


@dataclass
class Timelines:
    """Every customer's items as (POSIX time, token), with the truth and seed of each customer."""

    items: dict[str, list[tuple[float, str]]]
    truth: dict[str, Mapping[str, Any]]
    seed_of: dict[str, int]


def timelines(seeds: Sequence[Seed], reader: Reader) -> Timelines:
    out = Timelines(defaultdict(list), {}, {})
    for s in seeds:
        for m in s.journeys.messages:
            at = parse_time(m["occurred_at"], what="occurred_at").timestamp()
            template = s.journeys.templates.get(m["message_id"], "unknown")
            for token in reader.tokens(m, template, s.readings.get(m["message_id"])):
                out.items[m["customer_id"]].append((at, token))
        for e in s.journeys.events:
            at = parse_time(e["occurred_at"], what="occurred_at").timestamp()
            for token in event_tokens(e):
                out.items[e["customer_id"]].append((at, token))
        for t in s.journeys.truth:
            out.truth[t["customer_id"]] = t
            out.seed_of[t["customer_id"]] = s.seed
    return out


def count_rows(timeline: Timelines, vocabulary: Sequence[str]) -> Rows:
    """One row per distinct item time before the customer's filing: per token, its counts in each window
    and the days since its last occurrence; label 1 when the customer files within 7 days."""
    blocks: list[np.ndarray] = []
    labels: list[int] = []
    who: list[str] = []
    when: list[float] = []
    for customer, its in timeline.items.items():
        t = timeline.truth[customer]
        filed = (
            parse_time(str(t["complaint_filed_at"]), what="complaint_filed_at").timestamp()
            if truthy(t.get("complained"))
            else None
        )
        times = np.array(sorted({at for at, _ in its}))
        if filed is not None:
            times = times[times < filed]
        if not len(times):
            continue
        by_token: dict[str, list[float]] = defaultdict(list)
        for at, token in its:
            by_token[token].append(at)
        columns: list[np.ndarray] = []
        for token in vocabulary:
            stamps = np.sort(np.array(by_token.get(token, []), dtype=float))
            upto = np.searchsorted(stamps, times, side="right")
            for days in WINDOWS_DAYS:
                columns.append(upto - np.searchsorted(stamps, times - days * DAY, side="right"))
            last = stamps[np.maximum(upto - 1, 0)] if len(stamps) else np.zeros(len(times))
            since = np.where(upto > 0, (times - last) / DAY, SINCE_CAP_DAYS)
            columns.append(np.minimum(since, SINCE_CAP_DAYS))
        blocks.append(np.column_stack(columns))
        labels += [int(filed is not None and filed - at <= 7 * DAY) for at in times]
        who += [customer] * len(times)
        when += times.tolist()
    x = np.vstack(blocks)
    return Rows(x, np.array(labels), np.array(who), np.array(when), timeline.truth, timeline.seed_of)


def column_names(vocabulary: Sequence[str]) -> list[str]:
    """The columns of `count_rows`, in its order: per token, each window's count, then the days since."""
    names = []
    for token in vocabulary:
        names += [f"{token}@{days}d" for days in WINDOWS_DAYS] + [f"{token}@since"]
    return names


def monotone(vocabulary: Sequence[str]) -> list[int]:
    """Per column of `count_rows`: +1 for counts of negative items (-1 for the days since one), reversed
    for calm items."""
    out: list[int] = []
    for token in vocabulary:
        sign = -1 if token in CALM_TOKENS else 1
        out += [sign] * len(WINDOWS_DAYS) + [-sign]
    return out


@dataclass(frozen=True, slots=True)
class Result:
    reader: str
    model: str
    pooled: dict[float, tuple[float, float, float, int]]
    per_seed: list[float]


def score(rows: Rows, probability: np.ndarray, seeds: Sequence[int]) -> tuple[dict[float, Any], list[float]]:
    curve: FlagCurve = peak_curve(rows.truth, rows.customers, rows.at, probability)
    pooled = {target: curve.best_recall(target) for target in PRECISIONS}
    per_seed: list[float] = []
    for seed in seeds:
        truth = {c: t for c, t in rows.truth.items() if rows.seed_of[c] == seed}
        mine = np.isin(rows.customers, list(truth))
        one = peak_curve(truth, rows.customers[mine], rows.at[mine], probability[mine])
        per_seed.append(one.best_recall(PRECISIONS[0])[0])
    return pooled, per_seed


def study(
    train: Sequence[Seed], dev: Sequence[Seed], dev_seeds: Sequence[int], readers: Sequence[Reader] = READERS
) -> list[Result]:
    results: list[Result] = []
    for reader in readers:
        fit_timelines = timelines(train, reader)
        seen = Counter(token for its in fit_timelines.items.values() for _, token in its)
        vocabulary = sorted(token for token, n in seen.items() if n >= 30)
        fit_rows = count_rows(fit_timelines, vocabulary)
        dev_rows = count_rows(timelines(dev, reader), vocabulary)
        for model, constraint in (("free", None), ("monotone (R1)", monotone(vocabulary))):
            trees = HistGradientBoostingClassifier(
                max_iter=200,
                max_leaf_nodes=15,
                learning_rate=0.05,
                min_samples_leaf=40,
                l2_regularization=1.0,
                monotonic_cst=constraint,
                random_state=0,
            )
            with threadpool_limits(limits=1):
                trees.fit(fit_rows.x, fit_rows.y)
                probability = trees.predict_proba(dev_rows.x)[:, 1]
            pooled, per_seed = score(dev_rows, probability, dev_seeds)
            results.append(Result(reader.name, model, pooled, per_seed))
            print(f"{reader.name:34s} {model:14s} recall@p.90 {pooled[0.90][0]:.3f}", flush=True)
    return results


def confusion(dev: Sequence[Seed]) -> list[str]:
    """How the bundled assessor reads each template (development seeds)."""
    stages: dict[str, Counter[int]] = defaultdict(Counter)
    cues: dict[str, Counter[str]] = defaultdict(Counter)
    for s in dev:
        for m in s.journeys.messages:
            template = s.journeys.templates.get(m["message_id"], "unknown")
            rank, found, _, _ = s.readings[m["message_id"]]
            stages[template][rank] += 1
            cues[template].update(found)
    lines = [
        "| template | messages | SPEC stage of the template | read 0 | read 1 | read 2 | read 3 | read 4 "
        "| commonest cues |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for template in sorted(stages, key=lambda k: -sum(stages[k].values())):
        n = sum(stages[template].values())
        spec = SPEC_READING.get(template, ("?",))[0].split(":")[-1]
        shares = " | ".join(f"{stages[template][r] / n:.2f}" for r in range(5))
        common = ", ".join(f"`{c}` {v / n:.2f}" for c, v in cues[template].most_common(2)) or "—"
        lines.append(f"| `{template}` | {n:,} | {spec} | {shares} | {common} |")
    return lines


ABOUT = (
    "Each customer's timeline as plain counts (each kind of event as the profile counts it, each "
    "*reading* of a message, over the last 1–60 days, and the days since the last one), fitted with "
    "boosted trees on the training seeds and scored on the development seeds (the evaluation split is "
    "not read). Four readers of the same messages: the phrase-bank template each was written from (a "
    "perfect reader); that template mapped to what SPEC.md §2.3 gives it (a passing remark and a "
    "problem report are both a latent grumble); the same with passing remarks apart; and what the "
    "bundled assessor reads today. *Monotone (R1)*: the model may only rise with a count of negative "
    "items and only fall with a count of calm ones, as the profile's model. Recall@24h of the catchable"
    " complainers at each model's best cut-off with precision of *high* ≥ the target, chosen on the "
    "development rows (an upper bound per row, comparable across rows; the same scoring as "
    "docs/benchmarks_preidentify_ceiling.md, whose bundled-form monotone model reaches 0.607). Per dev "
    "seed: that best recall at ≥ 0.90 on each seed alone."
)


HYBRID_ABOUT = (
    " Two hybrid readers: the assessor's reading with SPEC's stage in place of its own on the "
    "latent line (passing remarks, problem reports and negated threats; the cues and customer type it read "
    "there kept), and with SPEC's whole reading there (stage only)."
)


def report(results: Sequence[Result], dev: Sequence[Seed], args: argparse.Namespace, seconds: float) -> str:
    head = (
        "| reader | model | recall@24h at precision ≥ 0.90 (cut-off) | per dev seed, mean ± sd "
        "| at ≥ 0.85 | at ≥ 0.80 |\n"
        "|---|---|---:|---:|---:|---:|"
    )
    rows = []
    for r in results:
        best = r.pooled[0.90]
        rows.append(
            f"| {r.reader} | {r.model} | {best[0]:.3f} ({best[2]:.3f}) | "
            f"{np.mean(r.per_seed):.3f} ± {np.std(r.per_seed, ddof=1) if len(r.per_seed) > 1 else 0.0:.3f} | "
            f"{r.pooled[0.85][0]:.3f} | {r.pooled[0.80][0]:.3f} |"
        )
    seeds = " ".join(map(str, args.train_seeds)), " ".join(map(str, args.dev_seeds))
    load = os.getloadavg()[0]
    return "\n".join(
        [
            "## Pre-identification: what message reading costs (development journeys)",
            "",
            f"Command: `.venv/bin/python bench/preidentify_reader_ceiling.py --customers {args.customers} "
            f"--train-seeds {seeds[0]} --dev-seeds {seeds[1]}{'' if args.hybrids else ' --no-hybrids'}`. "
            f"Machine: {cpu_model()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}; {seconds / 60:.0f} minutes; "
            f"1-minute load {load:.1f} at the end.",
            "",
            ABOUT + (HYBRID_ABOUT if args.hybrids else ""),
            "",
            head,
            *rows,
            "",
            "### How the bundled assessor reads each template (development seeds)",
            "",
            "Share of each template's messages read at each stage; SPEC stage: what §2.3 gives the template "
            "(a phrase bank written apart from the training one: the assessor never saw these sentences).",
            "",
            *confusion(dev),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--train-seeds", type=int, nargs="+", default=list(TRAIN_SEEDS))
    parser.add_argument("--dev-seeds", type=int, nargs="+", default=list(DEV_SEEDS))
    parser.add_argument("--data", type=Path, help="unused (make bench passes it to every section)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_preidentify_reader.md")
    parser.add_argument(
        "--hybrids",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also the assessor's reading with SPEC's stage, or SPEC's whole reading, on the latent line",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    assessor = Assessor.load(Settings())
    train = [load_seed("train", s, args.customers, assessor) for s in args.train_seeds]
    dev = [load_seed("dev", s, args.customers, assessor) for s in args.dev_seeds]
    results = study(train, dev, args.dev_seeds, READERS + HYBRIDS if args.hybrids else READERS)
    args.out.write_text(report(results, dev, args, time.perf_counter() - started), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
