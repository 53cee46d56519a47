"""Property-based API testing: schemathesis sends generated valid and invalid requests to every operation
of the app's own OpenAPI schema; no response may be a server error (5xx), every response must conform to
the schema (body and status code documented for the operation).

Operations are listed from the schema at collection time (one test per operation and database); each test
loads the schema from a fresh app over a real database and runs Hypothesis on that operation with the key
of one role, the roles taking turns over the operations so that every role is used (and the 401/403
answers are checked against the schema too).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.schemas import BaseSchema
from sqlalchemy.pool import NullPool

from complaint_radar import Analyzer
from complaint_radar.api import create_app
from complaint_radar.services.access import issue_key
from complaint_radar.settings import Settings
from complaint_radar.store import make_engine, make_session_factory, session_scope
from complaint_radar.types import Role

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
EXAMPLES_PER_OPERATION = 30
ENDLESS = {"/v1/alerts/stream"}  # an event stream never ends; test_api_alerts.py checks its errors
OPERATIONS = sorted(
    (path, method.upper())
    for path, methods in create_app().openapi()["paths"].items()
    for method in methods
    if path not in ENDLESS
)
ROLES = list(Role)
ROLE_OF = {operation: ROLES[i % len(ROLES)] for i, operation in enumerate(OPERATIONS)}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture()
def served(
    db_url: str, analyzer: Analyzer, request: pytest.FixtureRequest
) -> Iterator[tuple[BaseSchema, dict[str, str]]]:
    """The schema of an app over a fresh database, and the headers of a key of the operation's role."""
    role = ROLE_OF[(request.node.callspec.params["path"], request.node.callspec.params["method"])]
    engine = make_engine(db_url, poolclass=NullPool)  # a late check-in from a request thread closes
    sessions = make_session_factory(engine)
    with session_scope(sessions) as session:
        key = issue_key(session, username=f"fuzzer-{role.value}", role=role, team="t1", now=NOW).raw_key
    # A generous rate limit: the fuzzer sends hundreds of requests with one key.
    app = create_app(Settings(api_rate_limit_per_minute=1_000_000), sessions, lambda: NOW, analyzer=analyzer)
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app), {"X-API-Key": key}
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "method"), OPERATIONS, ids=[f"{m} {p} as {ROLE_OF[(p, m)].value}" for p, m in OPERATIONS]
)
def test_no_generated_request_gets_a_server_error(
    served: tuple[BaseSchema, dict[str, str]], path: str, method: str
) -> None:
    schema, headers = served
    operation = schema[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def no_server_error(case: Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    no_server_error()
