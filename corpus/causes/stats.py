"""Count tables (script x cause, industry, channel, stage, demand) of a cause corpus JSONL, as Markdown.

Usage: python corpus/causes/stats.py [corpus/causes/test.jsonl]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from complaint_radar.types import Cause, Channel, Demand, Stage

SCRIPTS = ("zh-Hans", "zh-Hant", "en")
INDUSTRIES = (
    "retail_ecommerce",
    "banking_insurance",
    "telecom",
    "travel_hotel",
    "food_delivery",
    "utilities",
    "healthcare",
    "public_services",
)


SHAPES = ("no cause", "one cause", "two or more causes")


def table(title: str, rows: list[str], counts: dict[str, Counter[str]], totals: Counter[str]) -> str:
    head = f"| {title} | " + " | ".join(SCRIPTS) + " | all |"
    lines = [head, "|---" * (len(SCRIPTS) + 2) + "|"]
    for name in rows:
        cells = [str(counts[s][name]) for s in SCRIPTS]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {sum(counts[s][name] for s in SCRIPTS)} |")
    cells = [str(totals[s]) for s in SCRIPTS]
    lines.append("| messages | " + " | ".join(cells) + f" | {sum(totals.values())} |")
    return "\n".join(lines)


def main(path: Path) -> str:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    totals: Counter[str] = Counter(r["script"] for r in records)
    by: dict[str, dict[str, Counter[str]]] = {
        k: {s: Counter() for s in SCRIPTS}
        for k in ("cause", "shape", "industry", "channel", "stage", "demand")
    }
    for r in records:
        s = r["script"]
        by["cause"][s].update(r["causes"])
        by["shape"][s][SHAPES[min(len(r["causes"]), 2)]] += 1
        by["industry"][s][r["industry"]] += 1
        by["channel"][s][r["channel"]] += 1
        by["stage"][s][r["stage"]] += 1
        by["demand"][s].update(r["demands"])
    out = [
        f"{len(records)} messages in `{path.name}`.",
        "",
        "Messages per cause (a message with several causes counts once under each):",
        "",
        table("cause", [c.value for c in Cause], by["cause"], totals),
        "",
        table("causes per message", list(SHAPES), by["shape"], totals),
        "",
        table("industry", list(INDUSTRIES), by["industry"], totals),
        "",
        table(
            "channel",
            [c.value for c in Channel if any(by["channel"][s][c.value] for s in SCRIPTS)],
            by["channel"],
            totals,
        ),
        "",
        table("stage", [c.value for c in Stage], by["stage"], totals),
        "",
        table("demand", [c.value for c in Demand], by["demand"], totals),
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("test.jsonl")))
