"""Benchmark: `complaint-radar replay` speed on about 100k items (seeded synthetic journeys).

Writes the journeys' messages and events as JSON Lines, then times `services.intake.replay.replay_files`, the
code behind the CLI command: read and check both files, merge by time, and feed every item through live
ingestion against a throwaway SQLite store, as of its own time (assess messages in batches, store,
recompute the customer's profile, open or join cases). Reports wall and CPU time (the machine may be
shared), items/s, and the share spent in the customer profile itself (`customers.compute_profile`).
With `--baseline-ref` (default `main`) the same files are then replayed by that ref's code in a
subprocess (`git archive`), for a before/after ratio in the same conditions.

Run: .venv/bin/python bench/replay_speed.py [--items 100000] [--baseline-ref main | none]
     [--out docs/benchmarks_replay.md]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy

from baseline import replay_with, source_of, write_jsonl
from complaint_radar.customers.journeys import JOURNEY_START, generate_journeys
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake import ingest as ingest_module
from complaint_radar.services.intake.replay import replay_files
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
ITEMS_PER_CUSTOMER = 60.0  # what generate_journeys yields on average over its 150-day history


@contextmanager
def profile_timer() -> Iterator[list[float]]:
    """CPU seconds spent in the customer profile during the block (wraps the ingestor's call site)."""
    spent = [0.0]
    original = ingest_module.profile_from_window

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - began

    ingest_module.profile_from_window = timed  # type: ignore[assignment]
    try:
        yield spent
    finally:
        ingest_module.profile_from_window = original  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000, help="about this many messages + events")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_replay.md")
    parser.add_argument("--baseline-ref", default="main", help="git ref to compare with, or 'none'")
    parser.add_argument("--data", type=Path, help="not used (synthetic journeys); bench/run_all.py passes it")
    args = parser.parse_args()
    customers = math.ceil(args.items / ITEMS_PER_CUSTOMER)
    journeys = generate_journeys(customers, args.seed, JOURNEY_START)
    load_began = time.process_time()
    assessor = Assessor.load()
    load_cpu = time.process_time() - load_began
    with tempfile.TemporaryDirectory() as tmp:
        messages, events, output = (
            Path(tmp, "messages.jsonl"),
            Path(tmp, "events.jsonl"),
            Path(tmp, "out.csv"),
        )
        write_jsonl(messages, journeys.messages)
        write_jsonl(events, journeys.events)
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        with profile_timer() as profile_seconds:
            report = replay_files(messages, events, output, assessor=assessor)
        wall = time.perf_counter() - wall_before
        cpu = time.process_time() - cpu_before
        rows_out = sum(1 for _ in output.open(encoding="utf-8")) - 1
        baseline: tuple[float, float] | None = None
        if args.baseline_ref != "none":
            source = source_of(args.baseline_ref, Path(tmp, "baseline"))
            baseline = replay_with(source, messages, events, Path(tmp, "baseline.csv"))
    load = os.getloadavg()[0]
    items = report.items
    lines = [
        "## Replay speed (backtesting through live ingestion)",
        "",
        f"Command: `.venv/bin/python bench/replay_speed.py --items {args.items}`. {customers:,} synthetic "
        f"customers (`customers.journeys`, seed {args.seed}, 150 days): {len(journeys.messages):,} messages "
        f"and {len(journeys.events):,} events, replayed by `services.intake.replay.replay_files` (what "
        "`complaint-radar replay` runs) into a throwaway SQLite store, 2,000 items per transaction, "
        f"{rows_out:,} output rows.",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLAlchemy "
        f"{sqlalchemy.__version__}; 1-minute load average {load:.1f} when the run finished (the machine is "
        "shared: CPU time is the steadier figure).",
        "",
        "| items | wall s | CPU s | items/s (wall) | items/s (CPU) | customer profile share of CPU |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {items:,} | {wall:.0f} | {cpu:.0f} | **{items / wall:,.0f}** | {items / cpu:,.0f} | "
        f"{profile_seconds[0] / cpu:.0%} |",
        "",
        *(
            [
                f"Before/after on the same files, run back to back: `{args.baseline_ref}`'s code in a "
                "subprocess, CPU time including loading the models (this tree's load: "
                f"{load_cpu:.0f} s CPU, added to its run for the comparison).",
                "",
                "| engine | wall s | CPU s | CPU ratio (this / baseline) |",
                "|---|---:|---:|---:|",
                f"| `{args.baseline_ref}` | {baseline[0]:.0f} | {baseline[1]:.0f} | 1.00 |",
                f"| this tree | {wall:.0f} | {cpu + load_cpu:.0f} | "
                f"**{(cpu + load_cpu) / baseline[1]:.2f}** |",
                "",
            ]
            if baseline is not None
            else []
        ),
        "Per item the replay checks the row, stores it (messages assessed in batches first), reads the "
        "customer's last 90 days back from the store (one read per customer per transaction; decoded "
        "messages and events are cached by row id), recomputes the profile as of the item's time, stores a "
        "profile snapshot, and opens or joins a case when the §6 rule says so. The profile computation "
        "itself (`compute_profile`, including its 14-day-earlier trend view) is the largest share.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
