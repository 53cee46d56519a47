"""Probe: heavy users' praise and questions vs sarcastic or mixed complaints (issue 18, SPEC.md §2.3).

Reads `bench/data/heavy_user_praise_probe.jsonl` (90 messages written for this probe before any training
data of branch `praise-corpus`; none of them is, or may be, in a training corpus) and assesses each one
with the bundled pipeline (`Analyzer.assess`, channel `chat`). A praise message (stage `none` expected)
is right when it is read at stage `none`; a complaint (sarcasm, backhanded praise, praise then a real
problem; `explicit_grumble` expected) is right when it is read at a grumble or above with a cause, and
its cause matches when one of the expected causes is among those read. Prints the counts per script and
kind and every misread message; `--out FILE` writes one JSON line per message (for a before/after diff).

`--probe bench/data/frequent_customer_probe.jsonl`: 328 messages of satisfied frequent customers (calm
questions naming fees, policies and processes; praise with "every time / always"; thanks after a wait,
transfer or repeat call that was settled), about 110 per script over five industries, written blind on
2026-12-03 (the writer read no phrase bank, training file or test message); none may enter a training
corpus (two that happened to equal training messages were dropped). Every kind but `complaint` is right
only at stage `none`.

Run: PYTHONPATH=src .venv/bin/python bench/praise_probe.py [--probe FILE] [--out /tmp/probe.jsonl]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from complaint_radar import Analyzer

PROBE = Path(__file__).resolve().parent / "data" / "heavy_user_praise_probe.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", type=Path, default=PROBE)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not args.probe.is_file():
        parser.error(f"--probe: no such file: {args.probe}")
    rows = [json.loads(line) for line in args.probe.read_text(encoding="utf-8").splitlines() if line.strip()]
    analyzer = Analyzer()
    right: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    cause_hit: Counter[str] = Counter()
    results = []
    for row in rows:
        result = analyzer.assess(row["text"], channel="chat")
        causes = sorted(str(getattr(c.code, "value", c.code)) for c in result.causes)
        rank = result.stage.rank
        if row["kind"] != "complaint":  # praise, calm questions, thanks: no grumble at all
            ok = rank == 0
        else:
            ok = rank >= 1 and bool(causes)
            if set(causes) & set(row["causes"]):
                cause_hit[row["script"]] += 1
        key = (row["script"], row["kind"])
        total[key] += 1
        right[key] += ok
        results.append(
            {
                "id": row["id"],
                "text": row["text"],
                "kind": row["kind"],
                "ok": ok,
                "stage": str(result.stage.value),
                "causes": causes,
            }
        )
    for key in sorted(total):
        print(f"{key[0]:8s} {key[1]:21s} right {right[key]:3d}/{total[key]:3d}")
    for kind in sorted({k[1] for k in total}):
        r = sum(v for k, v in right.items() if k[1] == kind)
        t = sum(v for k, v in total.items() if k[1] == kind)
        print(f"all      {kind:21s} right {r:3d}/{t:3d}")
    complaints = Counter(row["script"] for row in rows if row["kind"] == "complaint")
    if complaints:
        print(
            "complaints with an expected cause read:",
            ", ".join(f"{s} {cause_hit[s]}/{n}" for s, n in sorted(complaints.items())),
        )
    for res in results:
        if not res["ok"]:
            causes = ",".join(res["causes"]) or "-"
            print(f"  MISREAD {res['kind']:21s} {res['stage']:20s} {causes:30s} {res['text']}")
    if args.out:
        args.out.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
