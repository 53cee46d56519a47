"""Commands over the store: `ingest` a messages/events file, `replay` a history, `db upgrade`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from complaint_radar.services.runtime import Database
    from complaint_radar.settings import Settings

err = Console(stderr=True)

db_app = typer.Typer(
    name="db",
    help="The database: COMPLAINT_RADAR_DATABASE_URL, else SQLite under the data dir.",
    no_args_is_help=True,
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (sqlite:///file.db, postgresql://user@host/db); "
        "default: COMPLAINT_RADAR_DATABASE_URL or SQLite under the data dir.",
    ),
]


class FileKind(StrEnum):
    MESSAGES = "messages"
    EVENTS = "events"
    METRICS = "metrics"


def ingest(
    input_path: Annotated[
        Path, typer.Argument(metavar="FILE", help="CSV, JSONL (optionally .gz), Parquet or Excel.")
    ],
    kind: Annotated[FileKind, typer.Option(help="What the rows are.")],
    source: Annotated[
        str, typer.Option(help="System the rows come from; with each row's id it makes the row unique.")
    ] = "default",
    database_url: DatabaseUrl = None,
    backfill: Annotated[
        bool,
        typer.Option(
            help="Process each row as of its own time (loading history): profiles and cases as they would "
            "have been, instead of as of now."
        ),
    ] = False,
    chunk_rows: Annotated[
        int | None, typer.Option(help="Rows per chunk (one transaction each).", min=1)
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="Bulk backfill of history: assess and store in batches, then one profile per customer at "
            "the end; opens no cases (several times faster than item-by-item ingestion).",
        ),
    ] = False,
) -> None:
    """Store messages or events, recompute each customer's risk profile, open or join cases.

    Messages: message_id, customer_id, occurred_at, text (channel, speaker, thread_id optional).

    Events: event_id, customer_id, occurred_at, kind, value, attributes (JSON).

    Both take dimension columns: product, sku, branch, region, team, agent_id, segment, tenure_days,
    new_or_returning.

    Metrics (denominators of rates): date, metric, value + dimension columns (channel, product, …); a row
    with the same date, metric and dimensions replaces the stored value.

    Rows already stored (same source and id) are skipped, so after a crash run the same file again.
    Bad rows and unknown event kinds are reported with their line; the rest are stored.
    """
    from complaint_radar.cli.progress import ProblemPrinter, row_progress
    from complaint_radar.errors import InputError
    from complaint_radar.services.intake.ingest import Ingestor
    from complaint_radar.services.intake.ingest_file import ingest_file
    from complaint_radar.services.intake.ingest_rows import ItemKind

    if not input_path.exists():
        raise InputError(f"input file {input_path} does not exist; check the path")
    if kind is FileKind.METRICS:
        _ingest_metrics(input_path, database_url, chunk_rows, quiet)
        return
    if bulk:
        _bulk(input_path, kind, source, database_url, chunk_rows)
        return
    database = open_store(database_url)
    problems = ProblemPrinter(err)
    try:
        ingestor = Ingestor(database.sessions, source=source, item_time=backfill)
        item_kind = ItemKind.MESSAGE if kind is FileKind.MESSAGES else ItemKind.EVENT
        with row_progress(err, "ingesting", input_path.name, quiet=quiet) as advance:
            report = ingest_file(
                ingestor,
                input_path,
                item_kind,
                chunk_rows=chunk_rows,
                on_progress=advance,
                on_problem=problems,
            )
        _refresh_statistics_after(report.new, database)
    finally:
        database.close()
    problems.print_rest("rerun with COMPLAINT_RADAR_LOG_LEVEL=INFO to log them all")
    unknown = ", ".join(f"{k or '(empty)'} ×{n}" for k, n in report.unknown_kinds.most_common())
    err.print(
        f"{report.rows} rows: {report.new} new, {report.duplicates} already stored, {report.invalid} invalid"
        + (f" (unknown kinds: {unknown})" if unknown else "")
        + f"; cases opened {report.cases_opened}, contacts attached {report.contacts_attached}",
        soft_wrap=True,
    )


def _bulk(
    input_path: Path, kind: FileKind, source: str, database_url: str | None, chunk_rows: int | None
) -> None:
    from complaint_radar.io import read_chunks
    from complaint_radar.services.assessment.assessing import Assessor
    from complaint_radar.services.intake.backfill import backfill
    from complaint_radar.services.intake.ingest_file import required_columns
    from complaint_radar.services.intake.ingest_rows import ItemKind

    item_kind = ItemKind.MESSAGE if kind is FileKind.MESSAGES else ItemKind.EVENT
    rows = (
        {str(k): v for k, v in record.items()}
        for chunk in read_chunks(input_path, required_columns(item_kind), chunk_rows=chunk_rows or 5000)
        for record in chunk.frame.to_dict(orient="records")
    )
    database = open_store(database_url)
    try:
        settings = database_settings(database_url)
        assessor = Assessor.load(settings)
        messages, events = (rows, ()) if item_kind is ItemKind.MESSAGE else ((), rows)
        report = backfill(database.sessions, assessor, messages, events, settings=settings, source=source)
        _refresh_statistics_after(report.new, database)
    finally:
        database.close()
    for problem in report.problems[:20]:
        err.print(f"row {problem.line}: {problem.reason}", soft_wrap=True)
    err.print(
        f"{report.rows} rows: {report.new} new, {report.duplicates} already stored, {len(report.problems)} "
        f"invalid; {report.profiles} customer profiles computed (bulk backfill: no cases opened)"
    )


def database_settings(database_url: str | None) -> Settings:
    """The settings, with `database_url` (from --database-url) in place of the configured one."""
    from complaint_radar.settings import get_settings

    settings = get_settings()
    return settings.model_copy(update={"database_url": database_url}) if database_url else settings


def _ingest_metrics(input_path: Path, database_url: str | None, chunk_rows: int | None, quiet: bool) -> None:
    from complaint_radar.cli.progress import ProblemPrinter, row_progress
    from complaint_radar.services.analysis.metrics import ingest_metrics_file

    database = open_store(database_url)
    problems = ProblemPrinter(err)
    try:
        with row_progress(err, "ingesting", input_path.name, quiet=quiet) as advance:
            report = ingest_metrics_file(
                database.sessions,
                input_path,
                chunk_rows=chunk_rows or 5000,
                on_progress=advance,
                on_problem=problems,
            )
    finally:
        database.close()
    problems.print_rest("fix those rows and ingest the file again (stored rows are updated, not duplicated)")
    err.print(f"{report.rows} metric rows: {report.stored} stored, {report.invalid} invalid")


def replay(
    messages: Annotated[
        Path | None, typer.Option(help="Messages: message_id, customer_id, occurred_at, channel, text.")
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(help="Events: event_id, customer_id, occurred_at, kind, value, attributes (JSON)."),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output file: .csv, .jsonl or .parquet (.gz ok).")
    ] = Path("replay.csv"),
    keep_store: Annotated[
        Path | None, typer.Option(help="Keep the replay's SQLite store in this new file (default: deleted).")
    ] = None,
    batch_items: Annotated[int, typer.Option(help="Items per transaction.", min=1)] = 2000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Backtest: replay a history in time order through live ingestion, as of each item's time.

    Uses a throwaway store. Writes one row per item: customer_id, at, item_id, kind, risk_score,
    risk_level, complaint_probability_7d, stage, top_signal, message_risk, case_number, case_action.

    Bad rows, repeated ids and unknown event kinds are reported and skipped.
    """
    from complaint_radar.cli.progress import ProblemPrinter, row_progress
    from complaint_radar.errors import InputError
    from complaint_radar.services.intake.replay import replay_files

    for path in (messages, events):
        if path is not None and not path.exists():
            raise InputError(f"input file {path} does not exist; check the path")
    problems = ProblemPrinter(err)
    name = " + ".join(p.name for p in (messages, events) if p is not None)
    with row_progress(err, "replaying", name, quiet=quiet) as advance:
        report = replay_files(
            messages,
            events,
            output,
            batch_items=batch_items,
            store_path=keep_store,
            on_progress=advance,
            on_problem=problems,
        )
    problems.print_rest("rerun with COMPLAINT_RADAR_LOG_LEVEL=INFO to log them all")
    rate = report.items / report.seconds if report.seconds else 0.0
    unknown = ", ".join(f"{k or '(empty)'} ×{n}" for k, n in report.unknown_kinds.most_common())
    err.print(
        f"{report.items} items replayed in {report.seconds:.1f} s ({rate:,.0f} items/s), "
        f"{report.invalid} rows skipped"
        + (f" (unknown kinds: {unknown})" if unknown else "")
        + f"; cases opened {report.cases_opened} → {output}",
        soft_wrap=True,
    )


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or migrate the database to the newest schema (safe to run again)."""
    from complaint_radar.store.migrate import current_revision

    database = open_store(database_url)
    try:
        revision = current_revision(database.engine)
        url = database.engine.url.render_as_string(hide_password=True)
        err.print(f"database {url} at revision {revision}", soft_wrap=True)
    finally:
        database.close()


def _refresh_statistics_after(new_rows: int, database: Database) -> None:
    """After a large load, the query planner's statistics (SQLite never gathers them by itself)."""
    from complaint_radar.store import STATISTICS_MIN_NEW_ROWS, refresh_statistics

    if new_rows >= STATISTICS_MIN_NEW_ROWS:
        refresh_statistics(database.engine)


def open_store(database_url: str | None) -> Database:
    """The database at `database_url` (default from settings), migrated to the newest schema."""
    from complaint_radar.services.runtime import open_database

    return open_database(database_settings(database_url))
