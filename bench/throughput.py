"""Benchmark: `assess-file` throughput on 100k short Chinese messages (one core) vs snownlp, and peak
memory on a 1M-row file. Writes a Markdown section to docs/benchmarks_speed.md.

Run: .venv/bin/python bench/throughput.py --data ../shared/data [--rows 100000] [--memory-rows 1000000]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def short_pool(data: Path) -> list[str]:
    """Every short (4–80 chars) Chinese text of the public waimai and Weibo training sets."""
    pool: list[str] = []
    for name in ("sentiment_zh/waimai_train.csv", "emotion_zh/smp2020_ewect_train.csv.gz"):
        frame = pd.read_csv(data / name, usecols=["text"])
        pool += [t for t in frame["text"].astype(str) if 4 <= len(t) <= 80]
    return pool


def short_messages(data: Path, n: int, seed: int = 7) -> list[str]:
    """Short (≤ 80 chars) Chinese texts from the public sets, sampled with replacement to `n`."""
    pool = short_pool(data)
    rng = random.Random(seed)
    return [rng.choice(pool) for _ in range(n)]


def write_csv(path: Path, texts: list[str], repeat: int = 1) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        i = 0
        for _ in range(repeat):
            for text in texts:
                writer.writerow([f"m{i}", text])
                i += 1


def run_assess_file(src: Path, out: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (KiB) of one `assess-file` run pinned
    to one core."""
    cmd = [
        sys.executable,
        "-m",
        "complaint_radar.cli.main",
        "assess-file",
        str(src),
        "--text-column",
        "text",
        "--id-column",
        "id",
        "--output",
        str(out),
        "--quiet",
    ]
    if hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", "0", *cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env={**os.environ, **ONE_CORE})
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, max(after.ru_maxrss, before.ru_maxrss)


def snownlp_rate(texts: list[str]) -> tuple[float, float]:
    """Texts per wall second and per CPU second of snownlp sentiment, on core 0."""
    from snownlp import SnowNLP

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # the same core as our run
    start, cpu_start = time.perf_counter(), time.process_time()
    for text in texts:
        SnowNLP(text).sentiments  # noqa: B018 - the computation is the point
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return len(texts) / wall, len(texts) / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--snownlp-rows", type=int, default=3_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_speed.md")
    args = parser.parse_args()
    texts = short_messages(args.data, args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / "short.csv"
        write_csv(src, texts)
        os.environ.update(ONE_CORE)
        # snownlp before and after our run, averaged: the machine's speed drifts during a long run
        snow_before = snownlp_rate(texts[: args.snownlp_rows // 2])
        ours_s, ours_cpu, _ = run_assess_file(src, tmpdir / "out.csv")
        ours_rate, ours_cpu_rate = args.rows / ours_s, args.rows / ours_cpu
        snow_after = snownlp_rate(texts[args.snownlp_rows // 2 : args.snownlp_rows])
        snow = (snow_before[0] + snow_after[0]) / 2
        snow_cpu = (snow_before[1] + snow_after[1]) / 2
        mem_rows = 0
        peak_kib = 0
        mem_s = 0.0
        if args.memory_rows:
            big = tmpdir / "big.csv"
            write_csv(big, texts, repeat=max(1, args.memory_rows // len(texts)))
            mem_rows = max(1, args.memory_rows // len(texts)) * len(texts)
            mem_s, _, peak_kib = run_assess_file(big, tmpdir / "big_out.parquet")
    avg_len = sum(map(len, texts)) / len(texts)
    lines = [
        "## Speed and memory",
        "",
        "Command: `.venv/bin/python bench/throughput.py "
        f"--rows {args.rows} --memory-rows {args.memory_rows}`",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "our run pinned to one core with `taskset -c 0`, BLAS threads = 1.",
        f"Messages: {args.rows:,} short Chinese texts (mean {avg_len:.1f} chars) "
        "sampled from waimai + Weibo.",
        "",
        "Rates per wall-clock second and per CPU second (user + system time of the process): on a "
        "shared machine the CPU-second rate is the steadier one. Our rate includes process start-up, "
        "model loading, reading and writing the files.",
        "",
        "| system | what it computes | texts/s (wall, 1 core) | texts per CPU-second | ratio (wall) "
        "| ratio (CPU) |",
        "|---|---|---:|---:|---:|---:|",
        "| complaint-radar `assess-file` (CSV in → CSV out) | language, sentiment, dissatisfaction and "
        "complaint probabilities, 7 emotions, cues with spans, stage, causes, demands, customer type, "
        f"risk, handling | {ours_rate:,.0f} | {ours_cpu_rate:,.0f} | **{ours_rate / snow:.1f}×** "
        f"| **{ours_cpu_rate / snow_cpu:.1f}×** |",
        f"| snownlp `SnowNLP(t).sentiments` ({args.snownlp_rows:,} of the same texts, "
        f"half before and half after our run) | sentiment only | {snow:,.0f} | {snow_cpu:,.0f} "
        "| 1.0× | 1.0× |",
        "",
    ]
    if args.memory_rows:
        lines += [
            f"Peak memory of `assess-file` on a {mem_rows:,}-row CSV (→ Parquet): "
            f"**{peak_kib / 1024:,.0f} MiB** max RSS ({mem_rows / mem_s:,.0f} rows/s, {mem_s:,.0f} s).",
            "",
        ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
