"""Benchmark: server time of every dashboard page on the demo store and over a large store (default 1M
messages) -> docs/benchmarks_web.md.

The dashboard runs in-process on uvicorn (LiveServer, loopback, SQLite); each page is fetched with an
admin key once to warm up, then REPEATS times. The server's own time comes from the `Server-Timing`
header the dashboard sets (request in → response start, rendering included); wall time is the client's.
The large store is the demo store scaled up: its assessed messages (real text and Assessments), cause
rows, risk profiles, cases and audit records are cloned with new ids, customers, times (the last 180
days) and dimensions (product, branch, region, segment), straight into the tables: this measures the
pages, not ingestion.

    .venv/bin/python bench/web_speed.py [--messages 1000000] [--out docs/benchmarks_web.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Engine

from complaint_radar import Analyzer
from complaint_radar.api.testing import LiveServer
from complaint_radar.services.access import issue_key, key_hasher
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.demo_store import load_demo_store
from complaint_radar.settings import Settings
from complaint_radar.store import (
    AuditEvent,
    Case,
    Customer,
    Message,
    MessageCause,
    RiskProfileSnapshot,
    make_engine,
    make_session_factory,
    refresh_statistics,
    session_scope,
)
from complaint_radar.store.analysis_rows import local_day
from complaint_radar.store.migrate import upgrade
from complaint_radar.store.rollups import rebuild_rollups
from complaint_radar.types import Role
from complaint_radar.web import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model

REPEATS = 5
COLD_REPEATS = 3
CACHED = ("/", "/issues", "/satisfaction")
"""Pages whose analysis views the dashboard caches (web_cache_s); the rest compute on every request."""
CHUNK = 20_000
DAYS = 180
CUSTOMERS_PER_MESSAGE = 0.1
CASES_PER_MESSAGE = 0.05
TARGETS_MS = {"demo": 300.0, "large": 1000.0}
DIMENSIONS = {
    "product": [f"P{i:02d}" for i in range(20)],
    "branch": [f"B{i:02d}" for i in range(40)],
    "region": ["华东", "华南", "华北", "西南", "西北", "东北"],
    "segment": ["vip", "mass", "new"],
}


def rows_of(engine: Engine, table: Table) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(table))]


def scale_up(engine: Engine, messages: int, seed: int = 11) -> None:
    """Clone the demo store's rows until it holds `messages` messages (see the module docstring)."""
    rng = random.Random(seed)
    tables = {
        t: t.__table__ for t in (Message, MessageCause, RiskProfileSnapshot, Case, AuditEvent, Customer)
    }
    templates = {t: rows_of(engine, table) for t, table in tables.items()}
    assessed = [m for m in templates[Message] if m["stage"] is not None and m["speaker"] == "customer"]
    causes_of: dict[int, list[dict[str, Any]]] = {}
    for row in templates[MessageCause]:
        causes_of.setdefault(row["message_id"], []).append(row)
    profiles = templates[RiskProfileSnapshot]
    cases = templates[Case]
    opened_audit = next(a for a in templates[AuditEvent] if a["action"] == "opened")
    customers = max(1, int(messages * CUSTOMERS_PER_MESSAGE))
    now = datetime.now(UTC)
    with engine.begin() as connection:
        first_id = connection.execute(select(func.max(Message.id))).scalar() or 0
        connection.execute(
            insert(tables[Customer]),
            [
                {"id": f"s{c:07d}", "attributes": {}, "created_at": now, "updated_at": now}
                for c in range(customers)
            ],
        )

    def batches() -> Iterator[tuple[list[dict[str, Any]], ...]]:
        for start in range(0, messages, CHUNK):
            batch: tuple[list[dict[str, Any]], ...] = ([], [], [], [], [])
            for i in range(start, min(messages, start + CHUNK)):
                template = assessed[i % len(assessed)]
                pk = first_id + i + 1
                at = now - timedelta(seconds=rng.randrange(DAYS * 86400))
                customer = f"s{rng.randrange(customers):07d}"
                day = local_day(at)
                message = {
                    **template,
                    "id": pk,
                    "source": "bench",
                    "external_id": f"b{i}",
                    "customer_id": customer,
                    "thread_id": None,
                    "occurred_at": at,
                    "received_at": at,
                    "assessed_at": at,
                    "day": day,
                    **{name: rng.choice(values) for name, values in DIMENSIONS.items()},
                }
                batch[0].append(message)
                batch[1].extend(
                    {**c, "message_id": pk, "day": day} for c in causes_of.get(template["id"], [])
                )
                profile = profiles[i % len(profiles)]
                batch[2].append({**profile, "id": None, "customer_id": customer, "computed_at": at})
                if rng.random() < CASES_PER_MESSAGE:
                    case = cases[i % len(cases)]
                    case_id = f"bench{i:09d}"
                    batch[3].append(
                        {
                            **case,
                            "id": case_id,
                            "case_number": f"CR-2026-B{i:08d}",
                            "customer_id": customer,
                            "opened_at": at,
                            "source_message_id": pk,
                        }
                    )
                    batch[4].append({**opened_audit, "id": None, "entity_id": case_id, "occurred_at": at})
            yield batch

    for batch in batches():
        with engine.begin() as connection:
            for model, rows in zip(
                (Message, MessageCause, RiskProfileSnapshot, Case, AuditEvent), batch, strict=True
            ):
                if rows:
                    if model in (RiskProfileSnapshot, AuditEvent):
                        rows = [{k: v for k, v in r.items() if k != "id"} for r in rows]
                    connection.execute(insert(tables[model]), rows)


def busiest(engine: Engine) -> tuple[str, str]:
    """A customer with a long timeline and a case with a long audit trail (the heaviest pages)."""
    with engine.connect() as connection:
        customer = connection.execute(
            select(Message.customer_id)
            .where(Message.customer_id.is_not(None))
            .group_by(Message.customer_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        case = connection.execute(
            select(Case.case_number).order_by(Case.opened_at.desc()).limit(1)
        ).scalar_one()
    return str(customer), str(case)


def top_values(engine: Engine) -> dict[str, str]:
    """The most frequent product, branch, region and segment of the store (filtered views use them)."""
    found: dict[str, str] = {}
    with engine.connect() as connection:
        for name in ("product", "branch", "region", "segment"):
            column = Message.__table__.c[name]
            found[name] = str(
                connection.execute(
                    select(column).where(column.is_not(None)).group_by(column).order_by(func.count().desc())
                )
                .scalars()
                .first()
            )
    return found


def pages(engine: Engine) -> list[tuple[str, str]]:
    """(label, path) of every page; the customer and the case are the store's busiest, the filtered
    views use the store's most frequent values (a view of a rare value would be cheap to compute)."""
    customer, case = busiest(engine)
    top = top_values(engine)
    today = datetime.now(UTC).date()
    last_30 = f"from={today - timedelta(days=29)}&to={today}"

    def q(**params: str) -> str:
        return "&".join(f"{k}={quote(v)}" for k, v in params.items())

    return [
        ("/ (overview, last 90 days)", "/"),
        ("/ (overview, channel=chat)", "/?channel=chat"),
        ("/ (overview, one product, last 30 days)", f"/?{q(product=top['product'])}&{last_30}"),
        ("/ (overview, one branch, two channels)", f"/?{q(branch=top['branch'])}&channel=chat&channel=email"),
        ("/ (overview, one segment)", f"/?{q(segment=top['segment'])}"),
        ("/ (overview, region + segment)", f"/?{q(region=top['region'], segment=top['segment'])}"),
        ("/ (overview, branch + region)", f"/?{q(branch=top['branch'], region=top['region'])}"),
        (
            "/ (overview, product + region + segment: scans)",
            f"/?{q(product=top['product'], region=top['region'], segment=top['segment'])}",
        ),
        ("/radar", "/radar"),
        ("/radar/feed (polled every second)", "/radar/feed"),
        ("/customers/{id}", f"/customers/{quote(customer)}"),
        ("/cases", "/cases"),
        ("/cases/{id}", f"/cases/{case}"),
        ("/messages", "/messages"),
        (
            "/messages (a Pareto drill-down)",
            "/messages?cause=waiting_time&stage=explicit_grumble&stage=potential_complaint",
        ),
        ("/issues", "/issues"),
        ("/issues (last 30 days)", f"/issues?{last_30}"),
        ("/satisfaction", "/satisfaction"),
        ("/satisfaction (one region)", f"/satisfaction?{q(region=top['region'])}"),
        ("/assess", "/assess"),
        ("/admin", "/admin"),
        ("/login", "/login"),
    ]


def serve(url: str, workdir: Path, cache_s: float) -> tuple[LiveServer, httpx.Client, Engine]:
    settings = Settings(
        database_url=url,
        data_dir=workdir,
        sla_check_interval_s=0,
        issue_detect_interval_s=0,
        api_rate_limit_per_minute=1_000_000,
        web_session_secret="bench",
        web_cache_s=cache_s,
    )
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with session_scope(sessions) as session:
        key = issue_key(
            session,
            username=f"bench-{time.time()}",
            role=Role.ADMIN,
            now=datetime.now(UTC),
            hasher=key_hasher(settings),
        ).raw_key
    app = create_app(settings, sessions, analyzer=Analyzer(settings))
    server = LiveServer(app).start()
    if cache_s > 0:  # let the background refresh of the default views finish before measuring
        cache = app.state.complaint_radar_web.cache
        while len(cache) < len(CACHED) - 1:
            time.sleep(1)
    client = httpx.Client(base_url=server.url, timeout=600, headers={"X-API-Key": key})
    return server, client, engine


def fetch(client: httpx.Client, path: str) -> tuple[float, float]:
    """(server ms from Server-Timing, wall ms) of one request."""
    began = time.perf_counter()
    response = client.get(path)
    wall = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    return float(response.headers["server-timing"].split("dur=")[1]), wall


def measure(url: str, workdir: Path) -> Timings:
    """Per page: the median server ms with no analysis cache (cold: every request computes; after one untimed
    request that brings its rows into the page caches), then median
    and max server ms and median wall ms of REPEATS requests (after one) with the cache on, once the
    server's background refresh has filled it."""
    cold: dict[str, float] = {}
    server, client, engine = serve(url, workdir, cache_s=0)
    try:
        for label, path in pages(engine):
            if label.split(" ")[0] in CACHED:
                fetch(client, path)  # reads the page's rows from disk into the page caches: not timed
                runs = [fetch(client, path)[0] for _ in range(COLD_REPEATS)]
                cold[label] = statistics.median(runs)
    finally:
        client.close()
        server.stop()
        engine.dispose()
    results: Timings = {}
    server, client, engine = serve(url, workdir, cache_s=3600)
    try:
        for label, path in pages(engine):
            runs = [fetch(client, path) for _ in range(REPEATS + 1)][1:]
            server_ms = [r[0] for r in runs]
            results[label] = (
                cold.get(label, statistics.median(server_ms)),
                statistics.median(server_ms),
                max(server_ms),
                statistics.median(r[1] for r in runs),
            )
            print(f"{label}: cold {results[label][0]:.0f} ms, warm {results[label][1]:.0f} ms", flush=True)
    finally:
        client.close()
        server.stop()
        engine.dispose()
    return results


def store_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: int(connection.execute(select(func.count()).select_from(model)).scalar_one())
            for name, model in (("messages", Message), ("profiles", RiskProfileSnapshot), ("cases", Case))
        }


METHOD = (
    "Server time is the `Server-Timing` header (request in → response start, templates rendered): the "
    "median (and max) of {repeats} requests after one warm-up, with the analysis views cached as the server "
    "keeps them (`web_cache_s`, default 300 s; the default views are refreshed in the background), and "
    "*cold*: an analysis page computed on every request (no analysis cache, nothing refreshed in the "
    "background: the figures are summed from the rollups or scanned from the messages each time; the "
    "database's and the OS's page caches are warm: one request first, not timed; median of {cold} "
    "requests). Wall "
    "time is the client's median over loopback. Targets: under 300 ms on the demo store, under 1 s on the "
    "large one; **bold** misses its target."
)
Timings = dict[str, tuple[float, float, float, float]]
"""Per page label: median ms without the analysis cache, then median, max and median wall ms with it."""


def report(
    demo: Timings,
    large: Timings,
    counts: dict[str, int],
    load_s: float,
    rebuild_s: float,
    args: argparse.Namespace,
) -> str:
    def cell(value: float, target: float) -> str:
        return f"{value:,.0f}" if value < target else f"**{value:,.0f}**"

    lines = [
        "## Dashboard page speed",
        "",
        f"`.venv/bin/python bench/web_speed.py --messages {args.messages}` on {cpu_model()} "
        f"({os.cpu_count()} CPUs, shared with other work), Python {platform.python_version()}, SQLite, "
        f"{datetime.now(UTC):%Y-%m-%d}. {METHOD.format(repeats=REPEATS, cold=COLD_REPEATS)}",
        "",
        f"Demo store: the half-year demo history and the bundled live messages. Large store: the demo store "
        f"scaled up to {counts['messages']:,} messages, {counts['profiles']:,} risk profiles and "
        f"{counts['cases']:,} cases (bulk-loaded in {load_s:,.0f} s straight into the tables, then "
        f"`complaint-radar rollups rebuild` and its ANALYZE in {rebuild_s:,.0f} s). The filtered views use "
        "the store's most frequent product, branch, region and segment; the rollups answer views filtered "
        "by one of those or by two of them (a pair grain); a view filtered by three scans the messages.",
        "",
        "| page | demo: cold | demo: server (max) | demo wall | large: cold | large: server (max) "
        "| large wall |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, (cold, median, worst, wall) in large.items():
        d_cold, d_median, d_worst, d_wall = demo[label]
        small, big = TARGETS_MS["demo"], TARGETS_MS["large"]
        lines.append(
            f"| `{label}` | {cell(d_cold, small)} | {cell(d_median, small)} ({d_worst:,.0f}) | {d_wall:,.0f} "
            f"| {cell(cold, big)} | {cell(median, big)} ({worst:,.0f}) | {wall:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks_web.md"))
    parser.add_argument("--data", type=Path, help="Unused (bench/run_all.py passes it to every script).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="web_speed_") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'web.db'}"
        upgrade(url)
        settings = Settings(database_url=url, data_dir=workdir)
        engine = make_engine(url)
        load_demo_store(make_session_factory(engine), Assessor(Analyzer(settings)), settings)
        demo = measure(url, workdir)
        began = time.perf_counter()
        with engine.connect() as connection:
            connection.execute(text("PRAGMA journal_mode=WAL"))
        scale_up(engine, args.messages)
        load_s = time.perf_counter() - began
        began = time.perf_counter()
        with engine.begin() as connection:  # the bulk load wrote the tables directly, around ingestion
            rebuild_rollups(connection)
        refresh_statistics(engine)  # as `complaint-radar rollups rebuild` does after it
        rebuild_s = time.perf_counter() - began
        counts = store_counts(engine)
        engine.dispose()
        large = measure(url, workdir)
    args.out.write_text(report(demo, large, counts, load_s, rebuild_s, args), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
