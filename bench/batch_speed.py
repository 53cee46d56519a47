"""Benchmark: `complaint-radar batch` rows/s on synthetic messages for the local pool, Ray and Spark with 1
and 2 workers; engine start-up; peak RSS and CPU-seconds of the whole process tree; machine load. Writes
docs/benchmarks_batch.md.

Run: .venv/bin/python bench/batch_speed.py [--rows 1000000] [--out docs/benchmarks_batch.md]
Each configuration runs in a fresh interpreter (the bench process adopts orphans as a subreaper, so Ray
and Spark worker processes count in the tree's RSS and CPU).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = [("local", 1), ("local", 2), ("ray", 1), ("ray", 2), ("spark", 1), ("spark", 2)]
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def make_input(path: Path, rows: int) -> None:
    import pyarrow.parquet as pq

    from complaint_radar.batch.synthetic import SCHEMA, synthetic_batches

    with pq.ParquetWriter(path, SCHEMA) as writer:
        for table in synthetic_batches(rows, seed=7):
            writer.write_table(table)


def one_run(engine: str, workers: int, source: str, out: str, partition_rows: int) -> None:
    """Child mode: start the engine, run a warm-up job (one small partition per worker: workers start and
    load models), then the measured job; print timings as JSON."""
    import pyarrow.parquet as pq

    from complaint_radar.batch.engines import make_engine
    from complaint_radar.batch.job import run_batch
    from complaint_radar.batch.plan import JobSpec

    def spec(src: str, dst: str, rows: int) -> JobSpec:
        return JobSpec(input=src, output=dst, id_column="id", channel_column="channel", partition_rows=rows)

    warm = Path(out).with_name("warmup.parquet")
    pq.write_table(pq.read_table(source).slice(0, 100 * workers), warm)
    runner = make_engine(engine, workers)
    started = time.perf_counter()
    with runner:
        up = time.perf_counter() - started
        warmup = run_batch(spec(str(warm), out + "_warmup", 100), runner).seconds
        report = run_batch(spec(source, out, partition_rows), runner)
    total = time.perf_counter() - started
    timings = {
        "start_s": up,
        "warmup_s": warmup,
        "total_s": total,
        "job_s": report.seconds,
        "rows": report.rows,
    }
    print(json.dumps(timings))


# Command lines of the processes that score (the rest is driver, engine daemons, JVM).
WORKER_MARKS = ("multiprocessing.spawn", "ray::MapWorker", "ray::_PartitionScorer", "pyspark.daemon")


@dataclass
class TreeSample:
    """CPU seconds per process (max seen), which processes score, and the peak summed RSS of the tree."""

    cpu: dict[tuple[int, str], float] = field(default_factory=dict)
    workers: set[tuple[int, str]] = field(default_factory=set)
    peak_rss: int = 0
    # Processes outside the tree at normal priority (nice <= 0): (first, last) CPU seconds seen.
    others: dict[tuple[int, str], tuple[float, float]] = field(default_factory=dict)

    def competing_cpu_s(self) -> float:
        return sum(last - first for first, last in self.others.values())


def _is_worker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return any(mark in cmdline for mark in WORKER_MARKS)


def _stat(pid: int) -> tuple[int, float, int, str, int] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[1] = ppid, [11]/[12] = utime/stime, [16] = nice, [19] = starttime, [21] = rss (pages)
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    return int(fields[1]), cpu, int(fields[21]) * PAGE, fields[19], int(fields[16])


def _process_table() -> dict[int, tuple[int, float, int, str, int]]:
    table: dict[int, tuple[int, float, int, str, int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None:
            table[int(entry)] = info
    return table


def _descendants(
    root: int, table: dict[int, tuple[int, float, int, str, int]]
) -> dict[int, tuple[float, int, str]]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, *_rest) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = {}, [root]
    while stack:
        pid = stack.pop()
        for child in children.get(pid, []):
            _ppid, cpu, rss, start, _nice = table[child]
            found[child] = (cpu, rss, start)
            stack.append(child)
    return found


def _reap_leftovers() -> None:
    """Kill what an engine left running (adopted by us as subreaper): the next configuration starts alone."""
    for pid in _descendants(os.getpid(), _process_table()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.1)
        except ChildProcessError:
            return


def _machine_busy() -> tuple[float, float]:
    parts = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def measure(engine: str, workers: int, source: Path, rows: int, partition_rows: int) -> dict[str, float]:
    out = source.parent / f"out_{engine}{workers}"
    cmd = [
        sys.executable,
        __file__,
        "--one",
        engine,
        str(workers),
        str(source),
        str(out),
        str(partition_rows),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    # Ray starts its workers at nice 15 by default; every engine's workers run at the same priority here.
    env["RAY_worker_niceness"] = "0"
    sample = TreeSample()
    # Processes already in the tree (an earlier configuration's engine still shutting down) count only
    # for the CPU they use from now on.
    before = {
        (pid, start): cpu for pid, (cpu, _rss, start) in _descendants(os.getpid(), _process_table()).items()
    }
    busy0, all0 = _machine_busy()
    load0 = os.getloadavg()[0]
    started = time.perf_counter()
    child = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT, text=True
    )
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            table = _process_table()
            tree = _descendants(os.getpid(), table)
            for pid, (_ppid, cpu, _rss, start, nice) in table.items():
                if pid not in tree and pid != os.getpid() and nice <= 0:
                    first, _last = sample.others.get((pid, start), (cpu, cpu))
                    sample.others[(pid, start)] = (first, cpu)
            sample.peak_rss = max(sample.peak_rss, sum(rss for _, rss, _ in tree.values()))
            for pid, (cpu, _rss, start) in tree.items():
                sample.cpu[(pid, start)] = max(sample.cpu.get((pid, start), 0.0), cpu)
                if (pid, start) not in sample.workers and _is_worker(pid):
                    sample.workers.add((pid, start))
            stop.wait(0.25)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout, _ = child.communicate()
    wall = time.perf_counter() - started
    stop.set()
    watcher.join()
    busy1, all1 = _machine_busy()
    _reap_leftovers()
    if child.returncode != 0:
        raise RuntimeError(f"{engine} x{workers} failed (exit {child.returncode})")
    for leftover in (out, out.with_name(out.name + "_warmup"), out.with_name("warmup.parquet")):
        shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["rows"] == rows, result
    cores = os.cpu_count() or 1
    return {
        **result,
        "wall_s": wall,
        "cpu_s": sum(cpu - before.get(key, 0.0) for key, cpu in sample.cpu.items()),
        "worker_cpu_s": sum(sample.cpu[key] - before.get(key, 0.0) for key in sample.workers),
        "peak_rss_mib": sample.peak_rss / 2**20,
        "machine_busy": (busy1 - busy0) / (all1 - all0) if all1 > all0 else 0.0,
        "competing_cpu_s": sample.competing_cpu_s(),
        "load": (load0 + os.getloadavg()[0]) / 2,
        "cores": cores,
    }


def _competing(r: dict[str, float]) -> str:
    return f"{r['competing_cpu_s'] / r['wall_s']:.2f}" if "competing_cpu_s" in r else "–"


def section(rows: int, partition_rows: int, results: dict[tuple[str, int], dict[str, float]]) -> str:
    lines = [
        "## Batch scoring at scale (`complaint-radar batch`)",
        "",
        f"Command: `.venv/bin/python bench/batch_speed.py --rows {rows}`. Machine: {cpu_model()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; shared with other sessions (load "
        f"below). Input: {rows:,} synthetic messages (bundled demo texts and seeded journeys, varied "
        f"openers and closers, 1% empty) in one Parquet file, {partition_rows:,} rows per partition, one "
        "BLAS thread.",
        "",
        "`start-up` = bringing the engine up; `warm-up` = a first tiny job (one 100-row partition per "
        "worker: worker processes start and load the models). `job rows/s` = rows / wall time of the "
        "measured job "
        "(Ray starts a new actor pool, so loads models again, per job; the local pool and Spark's Python "
        "workers are reused). CPU-s = the whole process tree (driver, workers, Ray daemons or the JVM) over "
        "the whole run; `rows/CPU-s` = work per core-second, whatever the machine's load; `scoring "
        "rows/CPU-s` counts only the scoring worker processes (the per-core rate of the core). "
        "`machine busy` = "
        "share of all cores busy (anyone's) during the run.",
        "",
        "`competing cores` = CPU time of other processes at normal priority (nice ≤ 0) ÷ wall time: what "
        "competed with the run on equal terms. Other sessions' jobs ran at nice 19 (scheduler weight 15 "
        "against 1,024), so they filled idle cores (hence the load average and `machine busy`) but yielded "
        "to the run.",
        "",
        "| engine | workers | start-up s | warm-up s | job s | job rows/s | CPU-s | rows/CPU-s "
        "| scoring rows/CPU-s | peak RSS MiB | machine busy | load avg | competing cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (engine, workers), r in results.items():
        lines.append(
            f"| {engine} | {workers} | {r['start_s']:.1f} | {r['warmup_s']:.1f} | {r['job_s']:.1f} | "
            f"{rows / r['job_s']:,.0f} | {r['cpu_s']:.0f} | {rows / r['cpu_s']:,.0f} | "
            f"{(rows + 100 * workers) / r['worker_cpu_s']:,.0f} | "
            f"{r['peak_rss_mib']:,.0f} | {r['machine_busy']:.0%} | {r['load']:.1f} | "
            f"{_competing(r)} |"
        )
    measured = [r["competing_cpu_s"] / r["wall_s"] for r in results.values() if "competing_cpu_s" in r]
    if len(measured) < len(results):
        verdict = (
            "**Not trustworthy**: some runs were made without measuring what competed with them; the "
            "per-core CPU rates above are the figures to plan with (docs/batch.md)."
        )
    elif max(measured) > 0.1:
        verdict = (
            f"**Not trustworthy here**: processes at normal priority took up to {max(measured):.2f} of a "
            "core during a run, so the wall-clock ratios partly measure them; the per-core CPU rates above "
            "are the figures to plan with (docs/batch.md)."
        )
    else:
        verdict = (
            f"Nothing at normal priority competed with the runs (at most {max(measured):.2f} of a core), "
            "so the wall-clock ratios are the engines' own."
        )
    lines += ["", f"Scaling from 1 to 2 workers (job rows/s ratio; target ≥ 1.7×). {verdict}", ""]
    for engine in dict.fromkeys(e for e, _ in results):
        one, two = results.get((engine, 1)), results.get((engine, 2))
        if one and two:
            lines.append(
                f"- {engine}: {one['job_s'] / two['job_s']:.2f}× "
                f"(rows/CPU-s {rows / one['cpu_s']:,.0f} → {rows / two['cpu_s']:,.0f})"
            )
    return "\n".join(lines) + "\n"


def _load_results(path: Path, rows: int, partition_rows: int) -> dict[str, dict[str, float]]:
    """Earlier results for the same input size and partitioning; anything else starts afresh."""
    if not path.exists():
        return {}
    saved = json.loads(path.read_text(encoding="utf-8"))
    if saved.get("rows") != rows or saved.get("partition_rows") != partition_rows:
        return {}
    return dict(saved.get("results", {}))


def _save_results(path: Path, rows: int, partition_rows: int, results: dict[str, dict[str, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"rows": rows, "partition_rows": partition_rows, "results": results}
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        one_run(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partition-rows", type=int, default=0, help="Default: rows / 50, at least 1,000.")
    parser.add_argument("--data", type=Path, default=None, help="Unused (run_all passes it to every bench).")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_batch.md")
    parser.add_argument("--engines", default=",".join(f"{e}:{w}" for e, w in CONFIGS))
    parser.add_argument(
        "--results",
        type=Path,
        default=ROOT / "bench" / "results" / "batch_speed.json",
        help="Results kept between runs (per row count): a rerun of some engines replaces only theirs.",
    )
    args = parser.parse_args()
    partition_rows = args.partition_rows or max(1_000, args.rows // 50)
    if hasattr(ctypes, "CDLL") and sys.platform == "linux":
        ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphaned engine processes stay in our tree
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        source = Path(tmp) / "messages.parquet"
        make_input(source, args.rows)
        kept = _load_results(args.results, args.rows, partition_rows)
        for item in args.engines.split(","):
            engine, workers = item.split(":")
            kept[f"{engine}:{workers}"] = measure(engine, int(workers), source, args.rows, partition_rows)
            print(engine, workers, json.dumps(kept[f"{engine}:{workers}"]), flush=True)
            _save_results(args.results, args.rows, partition_rows, kept)
    order = {f"{e}:{w}": i for i, (e, w) in enumerate(CONFIGS)}
    results = {
        (key.split(":")[0], int(key.split(":")[1])): kept[key]
        for key in sorted(kept, key=lambda k: order.get(k, len(order)))
    }
    args.out.write_text(section(args.rows, partition_rows, results), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
