"""Run every benchmark and assemble docs/benchmarks.md from their sections, keeping the record written by
hand below them (from the heading `RECORD` on) as it is.

Run: .venv/bin/python bench/run_all.py --data ../shared/data   (or `make bench`)
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SECTIONS = [
    ("quality.py", DOCS / "benchmarks_quality.md"),
    ("bert_reference.py", DOCS / "benchmarks_bert.md"),
    ("pipeline_quality.py", DOCS / "benchmarks_pipeline.md"),
    ("throughput.py", DOCS / "benchmarks_speed.md"),
    ("ingest_store.py", DOCS / "benchmarks_store.md"),
    ("taxonomy.py", DOCS / "benchmarks_taxonomy.md"),
    ("ingest_speed.py", DOCS / "benchmarks_ingest.md"),
    ("replay_speed.py", DOCS / "benchmarks_replay.md"),
    ("preidentify_store.py", DOCS / "benchmarks_preidentify.md"),
    ("preidentify_ceiling.py", DOCS / "benchmarks_preidentify_ceiling.md"),
    ("preidentify_reader_ceiling.py", DOCS / "benchmarks_preidentify_reader.md"),
    ("api_latency.py", DOCS / "benchmarks_api.md"),
    ("web_speed.py", DOCS / "benchmarks_web.md"),
    ("analysis_speed.py", DOCS / "benchmarks_analysis.md"),
    ("emerging.py", DOCS / "benchmarks_emerging.md"),
    ("batch_speed.py", DOCS / "benchmarks_batch.md"),
    ("stream_speed.py", DOCS / "benchmarks_stream.md"),
    ("causes.py", DOCS / "benchmarks_causes.md"),
]
NEEDS_TORCH = {"bert_reference.py"}  # the speed reference only; the project does not depend on PyTorch
HEADER = """# Benchmarks

Every figure here comes from a command in this repository, run on the machine named in its section;
rerun them all with `make bench` (needs `../shared/data`). Held-out test splits are made by
`complaint_radar.models.datasets`: deduplicate each file (whitespace-stripped, lower-cased text),
then hold out a seeded hash share of the keys, and drop from every training part any text whose key
is held out anywhere. Peers are measured in the same run on the same texts; speed is reported as
ratios because the machines are noisy.
"""

RECORD = "# Record of changes, as measured at the time"
RECORD_INTRO = (
    "What each change measured when it was made, with its command and machine, written by hand. "
    "`bench/run_all.py` rewrites the sections above on every run and keeps this record as it is. The record "
    "also holds earlier copies of those sections; the figures above are the latest."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--skip-run", action="store_true", help="Only reassemble existing sections.")
    args = parser.parse_args()
    if not args.skip_run:
        for script, out in SECTIONS:
            if script in NEEDS_TORCH and importlib.util.find_spec("torch") is None:
                print(f"skipping {script} (needs PyTorch: pip install torch==2.13.0); keeping {out.name}")
                continue
            cmd = [sys.executable, str(ROOT / "bench" / script), "--data", str(args.data), "--out", str(out)]
            subprocess.run(cmd, check=True, cwd=ROOT)
    parts = [HEADER]
    for _, out in SECTIONS:
        if out.exists():
            parts.append(out.read_text(encoding="utf-8"))
    target = DOCS / "benchmarks.md"
    parts.append(kept_record(target.read_text(encoding="utf-8") if target.exists() else ""))
    target.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {target}")


def kept_record(current: str) -> str:
    """The part of docs/benchmarks.md written by hand, change by change, which reassembling keeps: from
    RECORD on; a document without it (assembled before there was one) is kept whole below it."""
    if RECORD in current:
        return current[current.index(RECORD) :]
    body = current.removeprefix(HEADER).strip()
    return f"{RECORD}\n\n{RECORD_INTRO}\n\n{body}\n" if body else f"{RECORD}\n\n{RECORD_INTRO}\n"


if __name__ == "__main__":
    main()
