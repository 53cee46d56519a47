"""Speed and memory of the analysis over 1M stored messages: a one-quarter `report` and issue detection,
on SQLite and PostgreSQL, beside the DuckDB/Parquet path -> docs/benchmarks_analysis.md.

Setup bulk-loads synthetic *assessed* rows (messages with stage, risk, severity weight, dimensions and
their `message_causes` rows) straight into the tables: this measures the analysis, not the assessment.
Each measurement runs in a fresh subprocess so its peak RSS is its own.

    .venv/bin/python bench/analysis_speed.py --rows 1000000 --out docs/benchmarks_analysis.md
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from machine import cpu_model  # noqa: E402

QUARTER = (date(2026, 7, 1), date(2026, 9, 30))
STAGES = (
    ("none", 0.5),
    ("latent_grumble", 0.15),
    ("explicit_grumble", 0.2),
    ("potential_complaint", 0.1),
    ("formal_complaint", 0.05),
)
CAUSES = (
    "waiting_time",
    "service_attitude",
    "product_quality",
    "delivery_logistics",
    "communication",
    "service_process",
    "price_billing",
    "unfulfilled_promise",
    "facility_system_failure",
    "staff_competence",
    "policy_terms",
    "expectation_gap",
    "other",
)
LEVEL = {
    "none": "low",
    "latent_grumble": "low",
    "explicit_grumble": "medium",
    "potential_complaint": "high",
    "formal_complaint": "critical",
}
WEIGHT = {"low": 1, "medium": 2, "high": 3, "critical": 4}
CHANNELS = ("chat", "phone_transcript", "email", "review", "ticket")


def synthetic_rows(n: int, seed: int = 7, span: tuple[date, date] | None = None):  # type: ignore[no-untyped-def]
    """(message row, cause rows) over `span` (default: the quarter plus the 10 weeks before it, the
    detector's look-back)."""
    rng = random.Random(seed)
    first, last = span or (QUARTER[0] - timedelta(days=70), QUARTER[1])
    days = (last - first).days + 1
    stage_names, stage_weights = zip(*STAGES, strict=True)
    cause_weights = [1 / (i + 1) for i in range(len(CAUSES))]
    for i in range(n):
        day = first + timedelta(days=rng.randrange(days))
        stage = rng.choices(stage_names, stage_weights)[0]
        level = LEVEL[stage]
        at = datetime(
            day.year, day.month, day.day, rng.randrange(24), rng.randrange(60), tzinfo=UTC
        ) - timedelta(hours=8)
        causes = (
            []
            if stage == "none"
            else list(dict.fromkeys(rng.choices(CAUSES, cause_weights, k=rng.choice((1, 1, 2)))))
        )
        message = {
            "id": i + 1,
            "source": "bench",
            "external_id": f"b{i}",
            "customer_id": None,
            "thread_id": None,
            "channel": rng.choice(CHANNELS),
            "speaker": "customer",
            "text": "合成消息",
            "language": "zh-Hans",
            "occurred_at": at,
            "received_at": at,
            "attributes": "{}",
            "assessment": json.dumps(
                {"stage": stage, "risk_level": level, "causes": [{"code": c} for c in causes]}
            ),
            "stage": stage,
            "risk_score": 20,
            "risk_level": level,
            "assessed_at": at,
            "severity_weight": WEIGHT[level],
            "day": day,
            "product": f"P{rng.randrange(20)}",
            "sku": None,
            "branch": f"B{rng.randrange(50)}",
            "region": f"R{rng.randrange(6)}",
            "team": f"T{rng.randrange(8)}",
            "agent_id": f"A{rng.randrange(200)}",
            "segment": rng.choice(("vip", "mass", "new")),
            "tenure_days": None,
            "new_or_returning": None,
        }
        yield message, [{"message_id": i + 1, "cause": c, "confidence": 0.8, "day": day} for c in causes]


def load(url: str, n: int, span: tuple[date, date] | None = None) -> float:
    """Bulk-load `n` synthetic assessed messages over `span` (then rebuild the rollups); seconds taken."""
    from complaint_radar.store import make_engine
    from complaint_radar.store.migrate import upgrade
    from complaint_radar.store.rollups import rebuild_rollups

    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    batch_m: list[dict] = []  # type: ignore[type-arg]
    batch_c: list[dict] = []  # type: ignore[type-arg]

    def flush() -> None:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                _copy(connection, "messages", batch_m)
                _copy(connection, "message_causes", batch_c)
            else:  # the sqlite3 driver directly: SQLAlchemy's per-row type processing would dominate
                _sqlite_rows(connection, "messages", batch_m)
                _sqlite_rows(connection, "message_causes", batch_c)
        batch_m.clear()
        batch_c.clear()

    for message, causes in synthetic_rows(n, span=span):
        batch_m.append(message)
        batch_c.extend(causes)
        if len(batch_m) >= 50_000:
            flush()
    if batch_m:
        flush()
    with engine.begin() as connection:  # the rows went in around ingestion: recompute the rollups
        rebuild_rollups(connection)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT max(id) FROM messages))"
            )
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


def _sqlite_rows(connection, table: str, rows: list[dict]) -> None:  # type: ignore[no-untyped-def,type-arg]
    if not rows:
        return
    columns = list(rows[0])

    def cell(value: object) -> object:
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return value.isoformat() if isinstance(value, date) else value

    marks = ", ".join("?" for _ in columns)
    connection.connection.driver_connection.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        [tuple(cell(row[c]) for c in columns) for row in rows],
    )


def _copy(connection, table: str, rows: list[dict]) -> None:  # type: ignore[no-untyped-def,type-arg]
    if not rows:
        return
    columns = list(rows[0])
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def measure(what: str, url: str, parquet: str | None) -> dict[str, float]:
    """One timed operation in this process: report, detect, export or parquet_report."""
    from complaint_radar.services.analysis.desk import AnalysisDesk
    from complaint_radar.services.analysis.filters import make_scope
    from complaint_radar.services.runtime import open_database
    from complaint_radar.settings import Settings

    settings = Settings(database_url=url)
    scope = make_scope(*QUARTER)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if what == "parquet_report":
        from complaint_radar.analysis.pareto import Weighting
        from complaint_radar.services.analysis.parquet import parquet_report

        report = parquet_report(
            Path(str(parquet)),
            scope,
            as_of=QUARTER[1],
            by="cause",
            weighting=Weighting.COUNT,
            granularity=None,
            denominator="orders",
            settings=settings,
        )
        result = {
            "messages": report["volumes"]["totals"]["messages"],
            "issues": len(report["emerging_issues"]),
        }
    else:
        database = open_database(settings)
        desk = AnalysisDesk(database.sessions, settings=settings)
        if what == "report":
            report = desk.report(scope, as_of=QUARTER[1], detect=False)
            result = {
                "messages": report["volumes"]["totals"]["messages"],
                "issues": len(report["emerging_issues"]),
            }
        elif what == "detect":
            run = desk.detect_issues(QUARTER[1])
            result = {"messages": 0, "issues": run.detected}
        else:
            from complaint_radar.services.analysis.parquet import export_parquet

            counts = export_parquet(database.sessions, Path(str(parquet)), None, None)
            result = {"messages": counts["messages"], "issues": 0}
        database.close()
    return {
        **result,
        "wall_s": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(what: str, url: str, parquet: str | None = None) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--measure", what, "--url", url] + (
        ["--parquet", parquet] if parquet else []
    )
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks_analysis.md")
    parser.add_argument("--data", type=Path, help="unused (run_all passes it)")
    parser.add_argument("--measure")
    parser.add_argument("--url")
    parser.add_argument("--parquet")
    parser.add_argument("--backends", default="sqlite,postgresql", help="Which databases to load and time.")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.url, args.parquet)))
        return
    from complaint_radar.store.testing import start_cluster

    results: dict[str, dict[str, float]] = {}
    loads: dict[str, float] = {}
    backends = [b.strip().lower() for b in args.backends.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        cluster = start_cluster()
        try:
            if "postgresql" in backends:
                url = cluster.url(cluster.create_database("bench"))
                _time_backend("PostgreSQL", url, args.rows, loads, results)
                parquet = f"{tmp}/parquet"
                results["export --parquet (from PostgreSQL)"] = run_child("export", url, parquet)
                results["DuckDB/Parquet report (incl. detection)"] = run_child("parquet_report", url, parquet)
                _write(args, loads, results)  # partial results survive a later failure
            if "sqlite" in backends:
                _time_backend("SQLite", f"sqlite:///{tmp}/bench.db", args.rows, loads, results)
        finally:
            cluster.stop()
    _write(args, loads, results)


def _time_backend(
    name: str, url: str, rows: int, loads: dict[str, float], results: dict[str, dict[str, float]]
) -> None:
    loads[name] = load(url, rows)
    print(f"{name}: loaded {rows:,} rows in {loads[name]:.0f} s", file=sys.stderr)
    results[f"{name} report"] = run_child("report", url)
    results[f"{name} detect"] = run_child("detect", url)
    print(name, results[f"{name} report"], results[f"{name} detect"], file=sys.stderr)


def _write(args: argparse.Namespace, loads: dict[str, float], results: dict[str, dict[str, float]]) -> None:
    lines = [
        "## Analysis speed: one-quarter report and issue detection over stored messages",
        "",
        f"`.venv/bin/python bench/analysis_speed.py --rows {args.rows}` on {cpu_model()}, "
        f"{os.cpu_count()} cores shared with other sessions, {datetime.now(UTC):%Y-%m-%d}. "
        f"Setup bulk-loads {args.rows:,} synthetic assessed messages over one quarter plus the 10 weeks "
        "before it (the detector's look-back; about half dissatisfied, 1–2 causes each, 20 products, "
        "50 branches, 200 agents) and their cause rows: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in loads.items())
        + ". Each row below is a fresh process; "
        "the report's emerging issues are read from the store (detection is its own row); the PostgreSQL "
        "server is a throwaway local cluster (fsync off) and its own CPU is not in `cpu s`. "
        f"1-minute load average when written: {os.getloadavg()[0]:.1f} (the machine is shared; wall time "
        "includes waiting for CPU and disk).",
        "",
        "| what | wall s | cpu s (client) | peak RSS MB | messages in the quarter | issues |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        cells = [f"{r['wall_s']:.1f}", f"{r['cpu_s']:.1f}", f"{r['peak_rss_mb']:.0f}"]
        cells += [f"{int(r['messages']):,}", str(int(r["issues"]))]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    if "PostgreSQL report" in results:
        target = results["PostgreSQL report"]["wall_s"]
        lines += [
            "",
            f"Target: a one-quarter report on PostgreSQL under 10 s: **{target:.1f} s** "
            f"({'met' if target < 10 else 'not met'}).",
            "",
        ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
