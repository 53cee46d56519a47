"""Diagnostic: who is flagged *high* (or missed) and by what, on TRAINING or DEVELOPMENT journeys only.

Replays journeys of the `train` or `dev` split (never `eval`: its rows are not read to decide changes)
through `complaint-radar replay`'s code with the bundled model, and for each customer records the first
profile at *high* or above (for complainers: before filing), whether the SPEC.md stage floor lifted it
(the model's own probability below the *high* cut-off) or the model's probability did, the item that did
it (its kind, text and stage as read) and the model's inputs then; for catchable complainers never
flagged ≥ 24 h early, their peak model probability in that window and its inputs. Prints counts per
archetype and per cause of the flag, the message readings that set off the floor, and the inputs most
often present at the flags; `--out FILE` writes one JSON line per flagged or missed customer.

Run: .venv/bin/python bench/preidentify_diagnose.py [--split dev] [--tempo eval] [--customers 400]
     [--seeds 301 302 303] [--out /tmp/diagnose.jsonl]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from baseline import write_jsonl
from complaint_radar.customers.journeys import DEV_SEEDS, JOURNEY_START, TRAIN_SEEDS, generate_journeys
from complaint_radar.customers.likelihood import ComplaintModel
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.outcomes import ItemOutcome
from complaint_radar.services.intake.replay import replay_files

FLAG = ("high", "critical")


def outcomes_of(split: str, tempo: str | None, customers: int, seed: int) -> tuple[list[dict[str, Any]], Any]:
    journeys = generate_journeys(customers, seed, JOURNEY_START, split=split, tempo=tempo)
    texts = {m["message_id"]: m["text"] for m in journeys.messages}
    found: list[dict[str, Any]] = []

    def collect(batch: Sequence[ItemOutcome]) -> None:
        for o in batch:
            if o.profile is None or o.customer_id is None:
                continue
            p = o.profile
            found.append(
                {
                    "customer_id": o.customer_id,
                    "at": o.at,
                    "kind": str(getattr(o.kind, "value", o.kind)),
                    "item_id": o.item_id,
                    "text": texts.get(o.item_id),
                    "read": o.assessment.stage.value if o.assessment is not None else None,
                    "level": p.risk_level.value,
                    "p": p.complaint_probability_7d,
                    "stage": p.stage.value,
                    "features": dict(p.features),
                }
            )

    with tempfile.TemporaryDirectory(prefix="diagnose-") as tmp:
        messages, events = Path(tmp, "messages.jsonl"), Path(tmp, "events.jsonl")
        write_jsonl(messages, journeys.messages)
        write_jsonl(events, journeys.events)
        replay_files(messages, events, Path(tmp, "out.csv"), assessor=Assessor.load(), on_outcomes=collect)
    return found, journeys


def diagnose(
    rows: list[dict[str, Any]], truth: list[dict[str, Any]], model: ComplaintModel
) -> list[dict[str, Any]]:
    high = model.cutoffs["high"]
    by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_customer[r["customer_id"]].append(r)
    out: list[dict[str, Any]] = []
    for t in truth:
        mine = sorted(by_customer.get(t["customer_id"], []), key=lambda r: r["at"])
        filed = datetime.fromisoformat(t["complaint_filed_at"]) if t["complained"] else None
        window = [r for r in mine if filed is None or r["at"] < filed]
        flagged = next((r for r in window if r["level"] in FLAG), None)
        base = {"customer_id": t["customer_id"], "archetype": t["archetype"], "complained": t["complained"]}
        if flagged is not None:
            raw = model.probability(flagged["features"])
            out.append(
                {
                    **base,
                    "what": "flagged",
                    "by": "model" if raw >= high else "floor",
                    "early": filed is None or flagged["at"] <= filed - timedelta(hours=24),
                    "raw_p": round(raw, 3),
                    "kind": flagged["kind"],
                    "text": flagged["text"],
                    "read": flagged["read"],
                    "stage": flagged["stage"],
                    "features": flagged["features"],
                    "said": [
                        (r["text"], r["read"]) for r in window if r["text"] and r["at"] <= flagged["at"]
                    ][-6:],
                }
            )
        if t["catchable"] and (flagged is None or flagged["at"] > filed - timedelta(hours=24)):  # type: ignore[operator]
            early = [r for r in window if r["at"] <= filed - timedelta(hours=24)]  # type: ignore[operator]
            peak = max(early, key=lambda r: model.probability(r["features"]), default=None)
            out.append(
                {
                    **base,
                    "what": "missed",
                    "peak_p": round(model.probability(peak["features"]), 3) if peak else None,
                    "features": peak["features"] if peak else {},
                    "said": [(r["text"], r["read"]) for r in early if r["text"]][-8:],
                    "events": Counter(r["kind"] for r in early if not r["text"]).most_common(),
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--split", choices=("train", "dev"), default="dev")
    parser.add_argument("--tempo", choices=("train", "eval", "dev"), default=None)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    seeds = args.seeds or list(DEV_SEEDS if args.split == "dev" else TRAIN_SEEDS)
    model = ComplaintModel.bundled()
    found: list[dict[str, Any]] = []
    for seed in seeds:
        rows, journeys = outcomes_of(args.split, args.tempo, args.customers, seed)
        found += diagnose(rows, journeys.truth, model)
        print(f"seed {seed} done", flush=True)
    flags = [f for f in found if f["what"] == "flagged"]
    print(f"model {model.version}; high p >= {model.cutoffs['high']:.3f}")
    print("\nFalse alarms per archetype (by floor / by model):")
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for f in flags:
        if not f["complained"]:
            per[f["archetype"]][f["by"]] += 1
    for arch, c in sorted(per.items()):
        print(f"  {arch:24s} floor {c['floor']:3d}  model {c['model']:3d}")
    print("\nHits >= 24 h early / misses per complainer archetype:")
    hits: Counter[str] = Counter(f["archetype"] for f in flags if f["complained"] and f["early"])
    misses: Counter[str] = Counter(f["archetype"] for f in found if f["what"] == "missed")
    for arch in sorted(set(hits) | set(misses)):
        print(f"  {arch:24s} hits {hits[arch]:3d}  missed {misses[arch]:3d}")
    print("\nInputs present at false alarms (share of flags), per archetype:")
    for arch in sorted(per):
        mine = [f for f in flags if not f["complained"] and f["archetype"] == arch]
        names = Counter(n for f in mine for n in f["features"])
        common = ", ".join(f"{n} {c / len(mine):.2f}" for n, c in names.most_common(12))
        print(f"  {arch}: {common}")
    print("\nInputs present at the peak of missed slow burns (share):")
    slow = [f for f in found if f["what"] == "missed" and f["archetype"] == "slow_burn"]
    if slow:
        names = Counter(n for f in slow for n in f["features"])
        print("  " + ", ".join(f"{n} {c / len(slow):.2f}" for n, c in names.most_common(16)))
        peaks = sorted(f["peak_p"] or 0.0 for f in slow)
        print(
            f"  peak p quartiles: {peaks[len(peaks) // 4]:.2f} / {peaks[len(peaks) // 2]:.2f} / "
            f"{peaks[3 * len(peaks) // 4]:.2f}"
        )
    if args.out:
        with args.out.open("w", encoding="utf-8") as fh:
            for f in found:
                fh.write(json.dumps(f, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    main()
