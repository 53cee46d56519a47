"""Load test: `complaint-radar serve --workers N` on PostgreSQL over loopback, /v1/assess and a mixed
read/write workload at rising concurrency, then a soak that watches the servers' memory.

Closed loop (asyncio + httpx, C connections each sending back to back, like bench/api_latency.py); the
mixed workload per request: 60 % reads (GET /v1/messages, /v1/cases, /v1/customers/{id}), 25 % writes
(POST /v1/messages, one new row: assessed, stored, profile and maybe a case), 15 % POST /v1/assess.
"Sustained" is the highest throughput whose p99 stays under 100 ms; "saturation" the concurrency past
which throughput stops rising by 10 %.

The soak: `--soak` seconds of the mixed workload at 8 connections without a pause (new messages spread
over `--soak-customers` customers), while a sampler
reads each uvicorn worker's RSS (and the supervisor's) every `--sample-s` seconds. The first
`--soak-warmup` seconds are warm-up (caches filling, allocator arenas growing, the dashboard's first
background views) and are reported but not judged; over the rest: each worker's slope (least squares,
MiB per minute) and the growth from the end of the warm-up (minute 2 by default) to the end.

Run: .venv/bin/python bench/load.py [--workers 2] [--duration 10] [--concurrency 1,4,16,32]
                                    [--soak 600] [--soak-warmup 120] [--sample-s 15]
                                    [--soak-customers 10000] [--soak-only]
                                    [--preload 0] [--preload-days 180]
                                    [--out docs/benchmarks_load.md]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from analysis_speed import load as preload
from api_latency import Result, cli, closed_loop, customer_texts, free_port, start_server
from complaint_radar.store.migrate import upgrade
from complaint_radar.store.testing import running_cluster
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
WARMUP_S = 2.0
SOAK_CUSTOMERS = 10_000
"""The soak's customer pool: larger than the ~7,500 messages a 10-minute soak stores, so a customer's
history stays at a message or two instead of growing through the soak (real traffic is spread over many
customers; 50 customers receiving every message made each write and read handle a longer history
minute by minute, which is the workload growing, not the server)."""


def assess_requests(texts: list[str]) -> Any:
    for i in itertools.count():
        yield "POST", "/v1/assess", {"text": texts[i % len(texts)]}


def mixed_requests(texts: list[str], tag: str = "", customers: int = 50) -> Any:
    """The mixed workload; `tag` keeps the new message ids apart from another run's.

    New messages go to `customers` customers in turn (`load-0`, `load-1`, …); a customer read is the one
    written last. With the default 50 every customer's history grows by one message per 50 writes for
    as long as the load runs; with a pool much larger than the writes of a run, each customer's history
    stays at a message or two, as with real traffic spread over many customers.
    """
    at = "2026-11-16T02:00:00Z"
    written = 0
    for i in itertools.count():
        slot = i % 20
        if slot < 12:
            customer = f"load-{max(written - 1, 0) % customers}"
            path = ("/v1/messages?limit=20", "/v1/cases?limit=20", f"/v1/customers/{customer}")[slot % 3]
            yield "GET", path, None
        elif slot < 17:
            row = {
                "message_id": f"load-{os.getpid()}{tag}-{i}",
                "customer_id": f"load-{written % customers}",
                "occurred_at": at,
            }
            written += 1
            yield "POST", "/v1/messages", {"items": [{**row, "text": texts[i % len(texts)]}]}
        else:
            yield "POST", "/v1/assess", {"text": texts[i % len(texts)]}


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


def rss_mib(pid: int) -> float:
    """RSS of one process (0 when it is gone)."""
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return 0.0
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")) / 1024


@dataclass
class Detail:
    """Where one worker's resident memory lies (MiB), its CPU seconds and threads."""

    cpu_s: float
    threads: int
    heap: float
    """glibc's main arena (`[heap]`, grown by brk): what the event loop's thread allocates."""
    anon: float
    """Other anonymous memory (mmapped): glibc's thread arenas (the request threads' allocations),
    Python's object arenas, large blocks, thread stacks. (Adjacent mappings merge, so the thread
    arenas cannot be told apart from the rest reliably.)"""
    files: float
    """File-backed: the interpreter, shared libraries, mapped model files."""


def detail(pid: int) -> Detail | None:
    """One process's `Detail` from /proc (None when it is gone)."""
    proc = Path("/proc") / str(pid)
    try:
        stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        smaps = (proc / "smaps").read_text().splitlines()
    except OSError:
        return None
    kib = {"heap": 0, "anon": 0, "files": 0}
    kind = "anon"
    for line in smaps:
        head = line.split()
        if head and not head[0].endswith(":"):  # a mapping's first line: range perms offset dev inode [path]
            path = head[5] if len(head) > 5 else ""
            kind = "heap" if path == "[heap]" else "files" if path.startswith("/") else "anon"
        elif head and head[0] == "Rss:":
            kib[kind] += int(head[1])
    return Detail(
        cpu_s=(int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK"),
        threads=int(stat[17]),
        heap=kib["heap"] / 1024,
        anon=kib["anon"] / 1024,
        files=kib["files"] / 1024,
    )


def server_rss_mib(pid: int) -> float:
    """Summed RSS of `pid` and its children (the uvicorn workers)."""
    return sum(rss_mib(member) for member in [pid, *_children(pid)])


@dataclass
class Soak:
    """RSS samples of the server's processes during the soak: (elapsed s, {pid: MiB}, 1-min load)."""

    supervisor: int
    samples: list[tuple[float, dict[int, float], float]] = field(default_factory=list)
    requests: int = 0
    errors: int = 0
    p99_ms: float = 0.0

    details: list[tuple[float, dict[int, Detail]]] = field(default_factory=list)
    """Each worker's `Detail` at each sample."""

    worker_pids: set[int] = field(default_factory=set)
    """Children seen to be uvicorn workers while they ran (not multiprocessing's resource tracker)."""

    @property
    def workers(self) -> list[int]:
        """Worker pids present in every sample (a restarted worker would show up as a new pid)."""
        seen = [set(pids) for _, pids, _ in self.samples]
        return sorted(self.worker_pids.intersection(*seen)) if seen else []

    def series(self, pid: int, since_s: float = 0.0) -> list[tuple[float, float]]:
        return [(t, rss[pid]) for t, rss, _ in self.samples if t >= since_s and pid in rss]

    def total(self, since_s: float = 0.0) -> list[tuple[float, float]]:
        return [(t, sum(rss.values())) for t, rss, _ in self.samples if t >= since_s]


def slope_mib_per_min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB), in MiB per minute."""
    if len(points) < 2:
        return float("nan")
    mean_t = sum(t for t, _ in points) / len(points)
    mean_m = sum(m for _, m in points) / len(points)
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return 60 * sum((t - mean_t) * (m - mean_m) for t, m in points) / var if var else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", default="1,4,16,32")
    parser.add_argument("--soak", type=float, default=600.0, help="seconds of mixed load at 8 connections")
    parser.add_argument("--soak-warmup", type=float, default=120.0, help="first soak seconds not judged")
    parser.add_argument("--sample-s", type=float, default=15.0, help="seconds between RSS samples")
    parser.add_argument(
        "--soak-customers",
        type=int,
        default=SOAK_CUSTOMERS,
        help="customers the soak's new messages rotate over (50: the load phases' few customers, whose "
        "histories then grow through the soak)",
    )
    parser.add_argument("--soak-only", action="store_true", help="skip the load phases (exploring memory)")
    parser.add_argument(
        "--signal-cache-rows",
        type=int,
        help="the server's signal_cache_rows (default: its own, 50,000); small: the cache is full "
        "within the warm-up, so what grows after it is something else",
    )
    parser.add_argument(
        "--preload",
        type=int,
        default=0,
        help="bulk-load this many synthetic assessed messages over the last --preload-days days first "
        "(a store with history, so the dashboard's default windows do not grow several-fold in the soak)",
    )
    parser.add_argument("--preload-days", type=int, default=180)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_load.md")
    parser.add_argument("--data", type=Path, help="unused (bench/run_all.py passes it to every script)")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    texts = customer_texts()
    with running_cluster() as cluster, tempfile.TemporaryDirectory() as data_dir:
        url = cluster.url(cluster.create_database())
        upgrade(url)
        if args.preload:
            today = datetime.now(UTC).date()
            span = (today - timedelta(days=args.preload_days - 1), today)
            print(
                f"preloaded {args.preload:,} messages in {preload(url, args.preload, span):.0f} s", flush=True
            )
        env = {
            **os.environ,
            "COMPLAINT_RADAR_DATABASE_URL": url,
            "COMPLAINT_RADAR_DATA_DIR": data_dir,
            "COMPLAINT_RADAR_SLA_CHECK_INTERVAL_S": "0",
            "COMPLAINT_RADAR_API_RATE_LIMIT_PER_MINUTE": "100000000",
        }
        if args.signal_cache_rows is not None:
            env["COMPLAINT_RADAR_SIGNAL_CACHE_ROWS"] = str(args.signal_cache_rows)
        key = cli("keys", "create", "--name", "load", "--role", "agent", env=env)
        port = free_port()
        server = start_server(env, port, "--workers", str(args.workers))
        try:
            base = f"http://127.0.0.1:{port}"
            results: list[Result] = []
            for name, make in (("assess", assess_requests), ("mixed", mixed_requests)):
                for concurrency in [] if args.soak_only else levels:
                    cpu = time.process_time()
                    latencies, errors, _ = asyncio.run(
                        closed_loop(base, key, make(texts), concurrency, args.duration, WARMUP_S)
                    )
                    results.append(Result(name, concurrency, 1, latencies, errors, args.duration))
                    print(results[-1].row(), f"(client CPU {time.process_time() - cpu:.1f} s)", flush=True)
            soak = _soak(base, key, texts, server.pid, args)
        finally:
            server.terminate()
            server.wait(timeout=60)
    write_markdown(args, results, soak)


def _soak(base: str, key: str, texts: list[str], pid: int, args: argparse.Namespace) -> Soak:
    """`--soak` s of mixed load at 8 connections, the server's processes sampled every `--sample-s` s."""
    seconds, every_s = args.soak, args.sample_s
    soak = Soak(pid)
    stop = threading.Event()
    began = time.perf_counter()

    def sample() -> None:
        while True:
            children = _children(pid)
            soak.worker_pids.update(child for child in children if is_worker(child))
            rss = {member: rss_mib(member) for member in [pid, *children]}
            soak.samples.append((time.perf_counter() - began, rss, os.getloadavg()[0]))
            found = {child: detail(child) for child in children if child in soak.worker_pids}
            soak.details.append((soak.samples[-1][0], {p: d for p, d in found.items() if d is not None}))
            shown = ", ".join(f"{member}: {mib:.1f}" for member, mib in rss.items())
            inside = "; ".join(
                f"{member}: cpu {d.cpu_s:.0f} s, {d.threads} threads, heap {d.heap:.1f}, "
                f"anon {d.anon:.1f}, files {d.files:.1f}"
                for member, d in soak.details[-1][1].items()
            )
            print(f"soak {soak.samples[-1][0]:.0f} s: {shown} | {inside}", flush=True)
            if stop.wait(every_s):
                return

    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    sampler.start()
    try:
        latencies, soak.errors, _ = asyncio.run(
            closed_loop(base, key, mixed_requests(texts, "-soak", args.soak_customers), 8, seconds, 0.0)
        )
    finally:
        stop.set()
        sampler.join()
    soak.requests = len(latencies) + soak.errors
    soak.p99_ms = sorted(latencies)[int(0.99 * (len(latencies) - 1))] if latencies else float("nan")
    children = _children(pid)
    rss = {member: rss_mib(member) for member in [pid, *children]}
    soak.samples.append((time.perf_counter() - began, rss, os.getloadavg()[0]))
    found = {child: detail(child) for child in children if child in soak.worker_pids}
    soak.details.append((soak.samples[-1][0], {p: d for p, d in found.items() if d is not None}))
    return soak


def soak_lines(args: argparse.Namespace, soak: Soak) -> list[str]:
    """The soak's paragraph, its summary table and RSS per minute."""
    warm = args.soak_warmup
    end = soak.samples[-1][0]
    workers = soak.workers
    loads = [load for _, _, load in soak.samples]
    lines = [
        f"### Soak: {args.soak:g} s of the mixed workload at 8 connections, without a pause",
        "",
        f"{soak.requests} requests ({soak.requests / end:.0f}/s), {soak.errors} errors, p99 "
        f"{soak.p99_ms:.0f} ms; RSS of each process sampled every {args.sample_s:g} s "
        f"({len(soak.samples)} samples); load average {min(loads):.1f}–{max(loads):.1f}. The first "
        f"{warm:g} s are warm-up and not judged; after it: growth from the first sample after the "
        "warm-up to the last, and the least-squares slope over those samples.",
        "",
        "| process (RSS, MiB) | start | end of warm-up | end | warm-up growth | growth after | slope after |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [(f"worker {n}", soak.series(pid)) for n, pid in enumerate(workers, 1)]
    in_workers = [(t, sum(m for p, m in rss.items() if p in workers)) for t, rss, _ in soak.samples]
    rows += [(f"all {len(workers)} workers", in_workers), ("supervisor", soak.series(soak.supervisor))]
    for name, series in rows:
        after = [(t, m) for t, m in series if t >= warm]
        if series and after:
            lines.append(
                f"| {name} | {series[0][1]:.0f} | {after[0][1]:.0f} | {after[-1][1]:.0f} "
                f"| {after[0][1] - series[0][1]:+.0f} | {after[-1][1] - after[0][1]:+.1f} "
                f"| {slope_mib_per_min(after):+.2f} MiB/min |"
            )
    lines += ["", *detail_lines(soak, warm), *verdict_lines(soak, warm)]
    header = " | ".join(f"worker {n}" for n in range(1, len(workers) + 1))
    lines += ["", f"| minute | {header} | load average |", "|---" * (len(workers) + 2) + "|"]
    for minute in range(int(end // 60) + 1):
        t, rss, load = min(soak.samples, key=lambda sample: abs(sample[0] - 60 * minute))
        cells = " | ".join(f"{rss.get(pid, 0):.0f}" for pid in workers)
        lines.append(f"| {t / 60:.1f} | {cells} | {load:.1f} |")
    lines.append("")
    return lines


FLAT_SLOPE = 0.5
"""MiB per minute per worker, least squares over the samples after the warm-up."""
FLAT_GROWTH = 0.01
"""Growth of a worker's RSS from the end of the warm-up to the end, as a share."""


def verdict_lines(soak: Soak, warm: float) -> list[str]:
    """Each worker judged against the definition of flat in docs/reliability.md."""
    lines = []
    for n, pid in enumerate(soak.workers, 1):
        after = soak.series(pid, warm)
        slope = slope_mib_per_min(after)
        growth = (after[-1][1] - after[0][1]) / after[0][1]
        flat = slope < FLAT_SLOPE and growth < FLAT_GROWTH
        lines.append(
            f"- worker {n}: slope {slope:+.2f} MiB/min (flat: < {FLAT_SLOPE}), growth {growth:+.2%} "
            f"(flat: < {FLAT_GROWTH:.0%}): **{'flat' if flat else 'not flat'}**"
        )
    return [*lines, ""]


def detail_lines(soak: Soak, warm: float) -> list[str]:
    """Per worker, end of the warm-up → end: CPU used (its share of the traffic), threads, and where its
    resident memory lies (glibc's main heap, other anonymous memory, file-backed)."""
    judged = [(t, found) for t, found in soak.details if t >= warm]
    if not judged:
        return []
    (_, first), (_, last) = judged[0], judged[-1]
    lines = [
        "| worker | CPU s after warm-up | threads | main heap MiB | other anonymous MiB | file-backed MiB |",
        "|---|---|---|---|---|---|",
    ]
    for n, pid in enumerate(soak.workers, 1):
        a, b = first.get(pid), last.get(pid)
        if a is None or b is None:
            continue
        lines.append(
            f"| {n} | {b.cpu_s - a.cpu_s:.0f} | {a.threads} → {b.threads} | {a.heap:.1f} → {b.heap:.1f} "
            f"| {a.anon:.1f} → {b.anon:.1f} | {a.files:.1f} → {b.files:.1f} |"
        )
    return [*lines, ""]


def write_markdown(args: argparse.Namespace, results: list[Result], soak: Soak) -> None:
    lines = [
        "## Load: `serve` on PostgreSQL, several workers (bench/load.py)",
        "",
        "Command: `"
        + (f"MALLOC_ARENA_MAX={os.environ['MALLOC_ARENA_MAX']} " if "MALLOC_ARENA_MAX" in os.environ else "")
        + f".venv/bin/python bench/load.py --workers {args.workers} --duration {args.duration:g} "
        f"--concurrency {args.concurrency} --soak {args.soak:g} --soak-warmup {args.soak_warmup:g} "
        f"--sample-s {args.sample_s:g} --soak-customers {args.soak_customers}"
        + (" --soak-only" if args.soak_only else "")
        + (f" --signal-cache-rows {args.signal_cache_rows}" if args.signal_cache_rows is not None else "")
        + (f" --preload {args.preload} --preload-days {args.preload_days}" if args.preload else "")
        + f"`; machine: {cpu_model()}, "
        f"{os.cpu_count()} CPUs shared with other work (load average at the end "
        f"{os.getloadavg()[0]:.1f}), Python {platform.python_version()}; server, PostgreSQL and the load "
        "generator on the same machine.",
        "",
    ]
    if results:
        lines += [
            "| workload | connections | requests | errors | p50 ms | p90 ms | p99 ms | requests/s "
            "| messages/s |",
            "|---|---|---|---|---|---|---|---|---|",
            *(r.row() for r in results),
            "",
        ]
    for name in ("assess", "mixed"):
        rows = [r for r in results if r.scenario == name]
        if not rows:
            continue
        under = [r for r in rows if r.percentile(99) < 100]
        best = max(under, key=lambda r: r.requests, default=None)
        sustained = (
            f"{best.requests / best.seconds:.0f} requests/s at {best.concurrency} connections"
            if best
            else "none"
        )
        saturation = next(
            (b.concurrency for a, b in itertools.pairwise(rows) if b.requests < a.requests * 1.1),
            rows[-1].concurrency,
        )
        lines.append(f"- {name}: sustained with p99 < 100 ms: {sustained}; throughput stops rising at "
                     f"{saturation} connections.")  # fmt: skip
    lines += ["", *soak_lines(args, soak)]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
