"""`backup PATH` and `restore PATH`: a consistent copy of the store while it runs (SQLite file or pg_dump);
`rollups rebuild | check`: the upkeep of the analysis rollups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from complaint_radar.cli.ingest import DatabaseUrl, open_store

err = Console(stderr=True)


def backup(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="New file to write (never overwritten).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Back up the database while it is in use: SQLite through its online backup API, PostgreSQL
    through pg_dump (custom format). The API key secret is not in the database: back up
    <data_dir>/api_key_secret separately (without it, every API key must be re-issued)."""
    from complaint_radar.store.backup import backup as write_backup
    from complaint_radar.store.backup import row_counts

    database = open_store(database_url)
    try:
        write_backup(database.engine, path)
        counts = row_counts(database.engine)
    finally:
        database.close()
    shown = ", ".join(f"{n} {t}" for t, n in counts.items() if n and t != "alembic_version")
    err.print(f"backed up {shown or 'an empty database'} → {path}", soft_wrap=True)


def restore(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A file written by `complaint-radar backup`.")],
    database_url: DatabaseUrl = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds data.")
    ] = False,
) -> None:
    """Replace the database's contents with a backup, then migrate it to the newest schema.

    Stop the servers first: requests during a restore see the old data, then the new."""
    from complaint_radar.errors import InputError
    from complaint_radar.store.backup import backup_kind, row_counts
    from complaint_radar.store.backup import restore as read_backup
    from complaint_radar.store.migrate import upgrade

    backup_kind(path)  # a wrong file fails before anything is touched
    database = open_store(database_url)
    try:
        held = {t: n for t, n in row_counts(database.engine).items() if n and t != "alembic_version"}
        if held and not force:
            shown = ", ".join(f"{n} {t}" for t, n in held.items())
            raise InputError(f"the database holds {shown}; add --force to replace it with {path}")
        read_backup(database.engine, path)
        upgrade(database.engine)
        counts = row_counts(database.engine)
    finally:
        database.close()
    shown = ", ".join(f"{n} {t}" for t, n in counts.items() if n and t != "alembic_version")
    err.print(f"restored {shown or 'an empty database'} from {path}", soft_wrap=True)


rollups_app = typer.Typer(
    name="rollups",
    help="The daily rollups the analysis sums instead of scanning messages (kept by every ingestion).",
    no_args_is_help=True,
)


@rollups_app.command("rebuild")
def rollups_rebuild(database_url: DatabaseUrl = None) -> None:
    """Recompute the rollups from the stored messages, in one transaction (readers see the old ones
    until it commits), then the query planner's statistics. Needed only after rows were written to the
    tables directly (a bulk load that bypassed ingestion) or to repair them; about 3 min for a million
    messages on SQLite (2 shared cores)."""
    import time

    from complaint_radar.store import refresh_statistics
    from complaint_radar.store.rollups import rebuild_rollups

    database = open_store(database_url)
    began = time.perf_counter()
    try:
        with database.engine.begin() as connection:
            counts = rebuild_rollups(connection)
        refresh_statistics(database.engine)
    finally:
        database.close()
    shown = ", ".join(f"{n:,} {t}" for t, n in counts.items())
    err.print(f"rebuilt {shown} in {time.perf_counter() - began:.1f} s", soft_wrap=True)


@rollups_app.command("check")
def rollups_check(database_url: DatabaseUrl = None) -> None:
    """Compare the rollups with what the stored messages give; exit status 1 when any key differs
    (then run `complaint-radar rollups rebuild`)."""
    from complaint_radar.store.rollups import rollup_differences

    database = open_store(database_url)
    try:
        with database.engine.connect() as connection:
            differences = rollup_differences(connection)
    finally:
        database.close()
    shown = ", ".join(f"{n:,} {t} keys differ" for t, n in differences.items())
    err.print(shown, soft_wrap=True)
    if any(differences.values()):
        err.print("run `complaint-radar rollups rebuild` to recompute them")
        raise typer.Exit(1)
