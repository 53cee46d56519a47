"""The analysis scope in a URL: `from`, `to` (local days, both included) and repeatable dimension filters
(`channel`, `cause`, `product`, `branch`, …), the same names as /v1/analysis/*; and links that carry it,
so a view can be shared and every chart point drills down to `/messages` with the same scope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from complaint_radar.errors import InputError
from complaint_radar.services.analysis.filters import (
    MESSAGE_FILTERS,
    Scope,
    check_filters,
    make_scope,
    parse_day,
)
from complaint_radar.types import Stage
from complaint_radar.web.forms import Form

EARLIEST = date(1970, 1, 1)
DISSATISFIED = tuple(s.value for s in Stage if s is not Stage.NONE)
"""The Pareto's population (stage above none): a Pareto bar drills down to these stages."""
COMPLAINTS = (Stage.POTENTIAL_COMPLAINT.value, Stage.FORMAL_COMPLAINT.value)


def filters_in(query: Form) -> dict[str, tuple[str, ...]]:
    return check_filters({name: query.all(name) for name in MESSAGE_FILTERS if query.all(name)})


def scope_from(query: Form, today: date, *, default_days: int) -> Scope:
    """The URL's scope; without dates, the `default_days` up to today."""
    last = parse_day(query.text("to") or today, "to")
    first = parse_day(query.text("from") or (last - timedelta(days=default_days - 1)), "from")
    return make_scope(first, last, filters_in(query))


def optional_scope(query: Form, today: date) -> Scope | None:
    """The URL's scope when it names days or dimensions (a drill-down), else None (no restriction)."""
    filters = filters_in(query)
    if not (query.text("from") or query.text("to") or filters):
        return None
    last = parse_day(query.text("to") or today, "to")
    first = parse_day(query.text("from") or EARLIEST, "from")
    if last < first:
        raise InputError(f"to {last} is before from {first}; give the earlier day first")
    return Scope(first, last, filters)


def scope_key(scope: Scope) -> tuple[Any, ...]:
    """A hashable key of `scope` (its filters are a mapping)."""
    return (scope.start, scope.end, tuple(sorted((k, tuple(v)) for k, v in scope.filters.items())))


def scope_params(scope: Scope, **extra: str | Sequence[str] | None) -> dict[str, str | list[str]]:
    """URL parameters of `scope`, with some filters replaced (`None` drops one)."""
    params: dict[str, str | list[str]] = {"from": scope.start.isoformat(), "to": scope.end.isoformat()}
    params.update({name: list(values) for name, values in scope.filters.items()})
    for name, value in extra.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value if isinstance(value, str) else list(value)
    return params


def url(path: str, params: Mapping[str, str | list[str]]) -> str:
    return f"{path}?{urlencode(params, doseq=True)}" if params else path


def drill(scope: Scope, **extra: str | Sequence[str] | None) -> str:
    """The /messages link of the messages behind a figure of `scope` (plus `extra` filters)."""
    return url("/messages", scope_params(scope, **extra))
