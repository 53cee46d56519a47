"""Which roles may call each route, read from the routes themselves; the role matrix (docs/role_matrix.md).

A route's rule is the permission of a `deps.requires(...)` dependency (anything callable with a
`permission` attribute counts, so pages with their own login can take part), or "anyone" for a route
marked with `deps.anyone` and for the OpenAPI docs and static files the app serves itself. A route with
neither has no rule: `tests/unit/test_role_matrix.py` fails on it.

    python -m complaint_radar.web.role_matrix > docs/role_matrix.md
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from complaint_radar.services.access import ROLE_PERMISSIONS, Permission
from complaint_radar.types import Role


@dataclass(frozen=True, slots=True)
class RouteRule:
    """One method and path, and what it needs: `public`, every permission in `permissions`, or (a page
    such as sign-out) only `signed_in`."""

    method: str
    path: str
    public: bool
    permissions: frozenset[Permission]
    signed_in: bool = False

    @property
    def has_rule(self) -> bool:
        return self.public or self.signed_in or bool(self.permissions)

    def allows(self, role: Role) -> bool:
        if self.public:
            return True
        if not self.permissions:
            return self.signed_in
        return self.permissions <= ROLE_PERMISSIONS[role]


def route_rules(app: FastAPI) -> list[RouteRule]:
    """Every method and path the app answers, with its rule (sorted by path, then method)."""
    own_docs = {app.docs_url, app.redoc_url, app.openapi_url, app.swagger_ui_oauth2_redirect_url} - {None}
    rules: list[RouteRule] = []
    for original, route in _routes(app):
        path = str(route.path)
        dependant = getattr(route, "dependant", None)
        if isinstance(original, Mount):
            static = isinstance(original.app, StaticFiles)
            rules.append(RouteRule("GET", f"{path}/…", static, frozenset()))
        elif dependant is not None:
            calls = list(_dependency_calls(dependant))
            public = any(getattr(call, "public", False) for call in calls)
            permissions = frozenset(p for call in calls if (p := getattr(call, "permission", None)))
            signed_in = any(getattr(call, "signed_in", False) for call in calls)
            rules += [RouteRule(m, path, public, permissions, signed_in) for m in sorted(route.methods or ())]
        else:
            methods = sorted(route.methods or {"GET"})
            rules += [RouteRule(m, path, path in own_docs, frozenset()) for m in methods]
    return sorted(rules, key=lambda r: (r.path, r.method))


def _routes(app: FastAPI) -> Iterator[tuple[Any, Any]]:
    """(the route as declared, the route as served) for every route, included routers flattened.

    FastAPI 0.120+ keeps an included router as one entry of `app.routes` and serves its routes through
    route contexts (prefix and router dependencies applied); older releases copy the routes in."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    for route in flatten(app.routes) if flatten is not None else app.routes:
        yield getattr(route, "original_route", route), route


def _dependency_calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependency_calls(sub)


def role_matrix_markdown(app: FastAPI) -> str:
    """The role matrix as a Markdown page: one row per method and path, one column per role."""
    roles = list(Role)
    lines = [
        "# Role matrix",
        "",
        "Generated from the routes' own permission checks (API and dashboard pages) by "
        "`python -m complaint_radar.web.role_matrix > docs/role_matrix.md`;",
        "`tests/unit/test_role_matrix.py` fails when this page is stale or a route has no rule. ✓ may call, "
        "– gets 403,",
        "`anyone` needs no key. Case scope (own, team) and the case rules of SPEC.md §6 narrow it further "
        "(docs/api.md).",
        "",
        "| method | path | needs | " + " | ".join(r.value for r in roles) + " |",
        "|---|---|---|" + "---|" * len(roles),
    ]
    for rule in route_rules(app):
        if rule.method == "HEAD":  # Starlette answers HEAD wherever GET is; the GET row says it all
            continue
        needs = "anyone" if rule.public else ", ".join(sorted(rule.permissions))
        needs = needs or ("signed in" if rule.signed_in else "**no rule**")
        cells = ["✓" if rule.allows(role) else "–" for role in roles]
        lines.append(f"| {rule.method} | `{rule.path}` | {needs} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
