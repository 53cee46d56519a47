"""Every route the app serves has a role rule, and docs/role_matrix.md is the matrix the code defines.

Routes are read from the app itself, so an endpoint or page added later without a permission check
(`api.deps.requires(...)`, a page's `web.auth.page(...)`, or `api.deps.anyone` for a public one) fails here.
"""

from __future__ import annotations

from pathlib import Path

from complaint_radar.api.access_rules import role_matrix_markdown, route_rules
from complaint_radar.types import Role
from complaint_radar.web import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "role_matrix.md"
APP = create_app()


def test_every_route_has_a_role_rule() -> None:
    rules = route_rules(APP)
    assert len(rules) > 20, "the route walk found too few routes"
    missing = [f"{r.method} {r.path}" for r in rules if not r.has_rule]
    assert not missing, f"routes without a role rule (use deps.requires(...) or deps.anyone): {missing}"


def test_only_probes_and_docs_are_public_and_only_admins_manage_keys() -> None:
    rules = route_rules(APP)
    public = {r.path for r in rules if r.public}
    probes_and_docs = {"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
    assert public <= probes_and_docs | {"/login", "/lang/{code}", "/static/…"}
    keys = [r for r in rules if r.path.startswith("/v1/keys")]
    assert keys and all([role for role in Role if r.allows(role)] == [Role.ADMIN] for r in keys)
    # Analysts change only analysis records (SPEC.md §7: issues and their root causes, improvement
    # actions, metrics); customers, cases, alerts, keys and rules are read-only to them.
    analysis_work = ("/v1/issues", "/v1/actions", "/v1/metrics", "/issues", "/actions")
    everyones = {"/v1/assess", "/assess", "/login", "/logout"}
    writes = [
        r
        for r in rules
        if r.method in ("POST", "PATCH", "PUT", "DELETE")
        and r.path not in everyones
        and not r.path.startswith(analysis_work)
    ]
    assert not any(r.allows(Role.QUALITY_ANALYST) for r in writes), "analysts write only analysis records"


def test_the_role_matrix_in_the_docs_is_generated_from_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == role_matrix_markdown(APP), (
        "docs/role_matrix.md is stale: run `python -m complaint_radar.web.role_matrix > docs/role_matrix.md`"
    )
