"""SQL is written as constants and values travel as bound parameters: no source file builds SQL text with
f-strings, `%`, `.format()` or `+` (the way injection gets in). Identifiers go through SQLAlchemy
constructs or psycopg's `sql.Identifier`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "complaint_radar"
SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|CREATE|DROP|ALTER|PRAGMA|WHERE|VALUES|TRUNCATE|COPY)\b"
)
# (file relative to the package, text in the statement) -> why it is safe
ALLOWED = {
    (
        "store/migrations/versions/v0001_initial_schema.py",
        "CREATE TRIGGER audit_events_no_",
    ): "the interpolated word comes from the literal tuple ('UPDATE', 'DELETE') of the loop above",
    (
        "store/db.py",
        "PRAGMA busy_timeout=",
    ): "the interpolated value is the module constant SQLITE_BUSY_TIMEOUT_MS",
    # DuckDB over Parquet files: values are bound (`?`); what is interpolated is an identifier checked
    # against a fixed set (`_column` / the cube's key tuples) or a file path with its quotes doubled
    # (DuckDB binds no parameters in CREATE VIEW or COPY, nor in identifiers).
    (
        "services/analysis/parquet.py",
        "CREATE VIEW messages AS SELECT * FROM read_parquet(",
    ): "path, quotes doubled",
    ("services/analysis/parquet.py", "SELECT   FROM   WHERE "): "identifiers checked by _column",
    ("services/analysis/parquet.py", "FROM message_causes WHERE "): "ITEM_COLUMNS constants",
    (
        "services/analysis/parquet.py",
        "SELECT item_id, day, text FROM messages WHERE ",
    ): "stage codes constants",
    ("services/analysis/parquet.py", "SELECT item_id, message_id, occurred_at"): "only `?` marks",
    ("batch/cube.py", "count(*)::BIGINT AS messages"): "keys checked against CAUSE_KEYS",
    ("batch/cube.py", "(SELECT *, trim(c.cause) AS cause FROM"): "file paths, quotes doubled",
    ("batch/cube.py", "COPY ( ) TO '"): "target folder path, quotes doubled",
}


def _literal_text(node: ast.AST) -> str:
    """The constant string parts of a string-building expression."""
    return " ".join(
        part.value
        for part in ast.walk(node)
        if isinstance(part, ast.Constant) and isinstance(part.value, str)
    )


def _string_building(tree: ast.AST) -> list[ast.AST]:
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values):
            found.append(node)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
            if isinstance(node.left, ast.Constant | ast.JoinedStr) and isinstance(
                getattr(node.left, "value", ""), str
            ):
                found.append(node)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
        ):
            found.append(node)
    return found


def test_no_sql_is_built_by_string_formatting() -> None:
    offenders = []
    used = set()
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        for node in _string_building(ast.parse(path.read_text(encoding="utf-8"))):
            text = _literal_text(node)
            if not SQL_WORDS.search(text):
                continue
            allowed = [key for key in ALLOWED if key[0] == relative and key[1] in text]
            if allowed:
                used.update(allowed)
                continue
            offenders.append(f"{relative}:{getattr(node, 'lineno', '?')}: {text[:80]!r}")
    assert not offenders, "SQL built from strings (use bound parameters or sql.Identifier):\n" + "\n".join(
        offenders
    )
    assert used == set(ALLOWED), f"stale exemptions: {set(ALLOWED) - used}"


def test_the_check_finds_what_it_is_for() -> None:
    bad = ast.parse('user = "x"\nquery = f"SELECT * FROM users WHERE name = \'{user}\'"\n')
    assert any(SQL_WORDS.search(_literal_text(n)) for n in _string_building(bad))
    assert not _string_building(ast.parse('text("SELECT * FROM users WHERE name = :name")'))
