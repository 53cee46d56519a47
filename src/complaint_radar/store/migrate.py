"""Run the packaged Alembic migrations programmatically (no alembic.ini needed).

Developers: `python -m complaint_radar.store.migrate --url URL upgrade|check|current`, and
`... revision -m "what changed"` to autogenerate a new revision against a database at head
(review it by hand: Alembic does not see triggers, check constraints or data moves).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from complaint_radar.store.db import default_database_url, make_engine
from complaint_radar.store.models import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

Target = Engine | URL | str | None


def alembic_config(url: URL | str | None = None) -> Config:
    """An Alembic Config pointing at the packaged migrations (and at `url`, default from Settings)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    target_url = url if url is not None else default_database_url()
    rendered = target_url.render_as_string(hide_password=False) if isinstance(target_url, URL) else target_url
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of Complaint Radar."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "the packaged migrations have no head revision"
    return head


def upgrade(target: Target = None, revision: str = "head") -> None:
    """Migrate the database behind `target` (an Engine, a URL, or Settings' default) to `revision`."""
    with _engine(target) as engine, engine.begin() as connection:
        config = alembic_config(engine.url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(target: Target = None, revision: str = "base") -> None:
    """Migrate the database behind `target` back to `revision` (default: empty)."""
    with _engine(target) as engine, engine.begin() as connection:
        config = alembic_config(engine.url)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(target: Target = None) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with _engine(target) as engine, engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_diff(target: Target = None) -> list[Any]:
    """Differences between the database's schema and the ORM models; empty when they agree."""
    with _engine(target) as engine, engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


@contextmanager
def _engine(target: Target) -> Iterator[Engine]:
    """`target` itself when it is an Engine (the caller disposes it), else a temporary one."""
    if isinstance(target, Engine):
        yield target
        return
    engine = make_engine(target)
    try:
        yield engine
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--url", help="database URL (default: COMPLAINT_RADAR_DATABASE_URL or SQLite)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upgrade", help="migrate to the newest revision")
    sub.add_parser("current", help="print the database's revision")
    sub.add_parser("check", help="exit 1 when the schema differs from the models")
    revision = sub.add_parser("revision", help="autogenerate a revision from the models")
    revision.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    if args.command == "upgrade":
        upgrade(args.url)
    elif args.command == "current":
        print(current_revision(args.url))
    elif args.command == "check":
        diff = schema_diff(args.url)
        for item in diff:
            print(item)
        raise SystemExit(1 if diff else 0)
    else:
        command.revision(alembic_config(args.url), message=args.message, autogenerate=True)


if __name__ == "__main__":
    main()
