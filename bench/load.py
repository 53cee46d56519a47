"""Load test: `complaint-radar serve --workers N` on PostgreSQL over loopback, /v1/assess and a mixed
read/write workload at rising concurrency, then a soak that watches the servers' memory.

Closed loop (asyncio + httpx, C connections each sending back to back, like bench/api_latency.py); the
mixed workload per request: 60 % reads (GET /v1/messages, /v1/cases, /v1/customers/{id}), 25 % writes
(POST /v1/messages, one new row: assessed, stored, profile and maybe a case), 15 % POST /v1/assess.
"Sustained" is the highest throughput whose p99 stays under 100 ms; "saturation" the concurrency past
which throughput stops rising by 10 %. Memory is the summed RSS of the server's processes.

Run: .venv/bin/python bench/load.py [--workers 2] [--duration 10] [--concurrency 1,4,16,32]
                                    [--soak 600] [--out docs/benchmarks_load.md]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from api_latency import Result, cli, closed_loop, customer_texts, free_port, start_server
from complaint_radar.store.migrate import upgrade
from complaint_radar.store.testing import running_cluster
from machine import cpu_model

ROOT = Path(__file__).resolve().parents[1]
WARMUP_S = 2.0


def assess_requests(texts: list[str]) -> Any:
    for i in itertools.count():
        yield "POST", "/v1/assess", {"text": texts[i % len(texts)]}


def mixed_requests(texts: list[str]) -> Any:
    at = "2026-11-16T02:00:00Z"
    for i in itertools.count():
        slot = i % 20
        if slot < 12:
            path = ("/v1/messages?limit=20", "/v1/cases?limit=20", f"/v1/customers/load-{i % 50}")[slot % 3]
            yield "GET", path, None
        elif slot < 17:
            row = {
                "message_id": f"load-{os.getpid()}-{i}",
                "customer_id": f"load-{i % 50}",
                "occurred_at": at,
            }
            yield "POST", "/v1/messages", {"items": [{**row, "text": texts[i % len(texts)]}]}
        else:
            yield "POST", "/v1/assess", {"text": texts[i % len(texts)]}


def server_rss_mib(pid: int) -> float:
    """Summed RSS of `pid` and its children (the uvicorn workers)."""
    family = {pid}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                family.add(int(entry.name))
    total = 0
    for member in family:
        try:
            status = (Path("/proc") / str(member) / "status").read_text()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", default="1,4,16,32")
    parser.add_argument("--soak", type=float, default=600.0, help="seconds of mixed load at 8 connections")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_load.md")
    parser.add_argument("--data", type=Path, help="unused (bench/run_all.py passes it to every script)")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    texts = customer_texts()
    with running_cluster() as cluster, tempfile.TemporaryDirectory() as data_dir:
        url = cluster.url(cluster.create_database())
        upgrade(url)
        env = {
            **os.environ,
            "COMPLAINT_RADAR_DATABASE_URL": url,
            "COMPLAINT_RADAR_DATA_DIR": data_dir,
            "COMPLAINT_RADAR_SLA_CHECK_INTERVAL_S": "0",
            "COMPLAINT_RADAR_API_RATE_LIMIT_PER_MINUTE": "100000000",
        }
        key = cli("keys", "create", "--name", "load", "--role", "agent", env=env)
        port = free_port()
        server = start_server(env, port, "--workers", str(args.workers))
        try:
            base = f"http://127.0.0.1:{port}"
            results: list[Result] = []
            for name, make in (("assess", assess_requests), ("mixed", mixed_requests)):
                for concurrency in levels:
                    cpu = time.process_time()
                    latencies, errors, _ = asyncio.run(
                        closed_loop(base, key, make(texts), concurrency, args.duration, WARMUP_S)
                    )
                    results.append(Result(name, concurrency, 1, latencies, errors, args.duration))
                    print(results[-1].row(), f"(client CPU {time.process_time() - cpu:.1f} s)", flush=True)
            soak = _soak(base, key, texts, server.pid, args.soak)
        finally:
            server.terminate()
            server.wait(timeout=60)
    write_markdown(args, results, soak)


def _soak(
    base: str, key: str, texts: list[str], pid: int, seconds: float
) -> list[tuple[float, float, float, int]]:
    """(elapsed s, server RSS MiB, 1-min load average, requests in the slice) every tenth of the soak."""
    samples = [(0.0, server_rss_mib(pid), os.getloadavg()[0], 0)]
    requests = mixed_requests(texts)
    slice_s = max(seconds / 10, 1.0)
    began = time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        latencies, _, _ = asyncio.run(closed_loop(base, key, requests, 8, slice_s - WARMUP_S, WARMUP_S))
        samples.append((elapsed + slice_s, server_rss_mib(pid), os.getloadavg()[0], len(latencies)))
        print(f"soak {samples[-1]}", flush=True)
    return samples


def write_markdown(
    args: argparse.Namespace, results: list[Result], soak: list[tuple[float, float, float, int]]
) -> None:
    lines = [
        "## Load: `serve` on PostgreSQL, several workers (bench/load.py)",
        "",
        f"Command: `.venv/bin/python bench/load.py --workers {args.workers} --duration {args.duration:g} "
        f"--concurrency {args.concurrency} --soak {args.soak:g}`; machine: {cpu_model()}, "
        f"{os.cpu_count()} CPUs shared with other work (load average at the end "
        f"{os.getloadavg()[0]:.1f}), Python {platform.python_version()}; server, PostgreSQL and the load "
        "generator on the same machine.",
        "",
        "| workload | connections | requests | errors | p50 ms | p90 ms | p99 ms | requests/s | messages/s |",
        "|---|---|---|---|---|---|---|---|---|",
        *(r.row() for r in results),
        "",
    ]
    for name in ("assess", "mixed"):
        rows = [r for r in results if r.scenario == name]
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
    first, last = soak[0], soak[-1]
    lines += [
        f"- soak ({args.soak:g} s of mixed load at 8 connections): server RSS {first[1]:.0f} MiB before, "
        f"{max(s[1] for s in soak):.0f} MiB peak, {last[1]:.0f} MiB at the end; load average "
        f"{min(s[2] for s in soak):.1f}–{max(s[2] for s in soak):.1f}; RSS per tenth: "
        + ", ".join(f"{s[1]:.0f}" for s in soak),
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
