"""Behaviour events (SPEC.md §2 `Event`): the kind registry, the frozen record and a forgiving row parser."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from complaint_radar.errors import ConfigurationError, InputError


class EventKind(StrEnum):
    """Event kinds the profile understands; their validation rules live in `data/event_kinds.yaml`."""

    PURCHASE = "purchase"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    TRANSACTION_FAILED = "transaction_failed"
    QUEUE_WAIT = "queue_wait"
    SURVEY_CSAT = "survey_csat"
    SURVEY_NPS = "survey_nps"
    PAGE_VISIT = "page_visit"
    DELIVERY_DELAYED = "delivery_delayed"
    CALL = "call"
    CASE_CLOSED = "case_closed"
    APP_RATING = "app_rating"
    STAFF_OBSERVATION = "staff_observation"
    BOOKING_FAILED = "booking_failed"
    SERVICE_OUTAGE = "service_outage"
    UNSUBSCRIBE = "unsubscribe"
    AUTO_RENEW_OFF = "auto_renew_off"
    FUNDS_TRANSFER_OUT = "funds_transfer_out"
    CARD_UNBOUND = "card_unbound"
    SURVEY_SERVQUAL = "survey_servqual"


class InvalidEventError(InputError):
    """An event row cannot be used: unknown kind, bad value, bad attributes or bad time."""

    def __init__(self, event_id: str, reason: str) -> None:
        super().__init__(f"event {event_id!r}: {reason}")
        self.event_id = event_id
        self.reason = reason


class UnknownEventKindError(InvalidEventError):
    """The event's kind is not in the registry (reported and skipped, never fatal)."""


@dataclass(frozen=True, slots=True)
class BehaviourEvent:
    """One non-text fact about a customer (a purchase, a queue wait, a survey answer…)."""

    event_id: str
    at: datetime
    kind: str
    value: float | str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    customer_id: str | None = None

    @property
    def number(self) -> float:
        """The numeric value (0.0 when the kind has none)."""
        return self.value if isinstance(self.value, float) else 0.0

    @property
    def code(self) -> str:
        """The code value, such as a page name ('' when the kind has none)."""
        return self.value if isinstance(self.value, str) else ""


@dataclass(frozen=True, slots=True)
class SkippedEvent:
    event_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedEvents:
    events: tuple[BehaviourEvent, ...]
    skipped: tuple[SkippedEvent, ...]


@dataclass(frozen=True, slots=True)
class KindSpec:
    value: str
    required: bool
    minimum: float | None
    maximum: float | None
    codes: frozenset[str]
    attributes: Mapping[str, str]
    required_attributes: frozenset[str]
    zh: str
    en: str


@lru_cache(maxsize=1)
def event_kinds() -> Mapping[str, KindSpec]:
    """The bundled event-kind registry, keyed by kind code."""
    text = resources.files("complaint_radar.customers").joinpath("data/event_kinds.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    try:
        return {
            str(code): KindSpec(
                value=str(spec["value"]),
                required=bool(spec.get("required", False)),
                minimum=_opt_float(spec.get("min")),
                maximum=_opt_float(spec.get("max")),
                codes=frozenset(spec.get("codes", ())),
                attributes={str(k): str(v) for k, v in (spec.get("attributes") or {}).items()},
                required_attributes=frozenset(spec.get("required_attributes", ())),
                zh=str(spec["zh"]),
                en=str(spec["en"]),
            )
            for code, spec in raw["kinds"].items()
        }
    except (KeyError, TypeError) as exc:
        raise ConfigurationError(f"customers/data/event_kinds.yaml is malformed: {exc!r}") from exc


def parse_event(row: Mapping[str, Any]) -> BehaviourEvent:
    """Validate one event row (`event_id, customer_id, occurred_at, kind, value, attributes`).

    Raises `UnknownEventKindError` for a kind not in the registry and `InvalidEventError` for a bad
    time, value or attribute, each with a message saying what to fix.
    """
    event_id = str(row.get("event_id") or "?")
    kind = str(row.get("kind") or "").strip()
    spec = event_kinds().get(kind)
    if spec is None:
        known = ", ".join(sorted(event_kinds()))
        raise UnknownEventKindError(event_id, f"unknown kind {kind!r}; known kinds: {known}")
    try:
        at = parse_time(row.get("occurred_at", row.get("at")), what="occurred_at")
    except InputError as exc:
        raise InvalidEventError(event_id, str(exc)) from exc
    value = _parse_value(event_id, kind, spec, row.get("value"))
    attributes = _parse_attributes(event_id, kind, spec, row.get("attributes"))
    customer = row.get("customer_id")
    return BehaviourEvent(
        event_id=event_id,
        at=at,
        kind=kind,
        value=value,
        attributes=attributes,
        customer_id=None if customer is None else str(customer),
    )


def parse_events(rows: Iterable[Mapping[str, Any]]) -> ParsedEvents:
    """Parse many rows; invalid ones (unknown kind included) are skipped and reported, never fatal."""
    events: list[BehaviourEvent] = []
    skipped: list[SkippedEvent] = []
    for row in rows:
        try:
            events.append(parse_event(row))
        except InvalidEventError as exc:
            skipped.append(SkippedEvent(exc.event_id, exc.reason))
    return ParsedEvents(tuple(events), tuple(skipped))


def parse_time(value: Any, *, what: str = "time") -> datetime:
    """A timezone-aware datetime from a datetime or ISO 8601 string; naive times are taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(
                f"{what}: {value!r} is not an ISO 8601 time (e.g. 2025-03-01T09:30:00+08:00)"
            ) from exc
    else:
        raise InputError(f"{what} is missing; give an ISO 8601 time such as 2025-03-01T09:30:00+08:00")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_value(event_id: str, kind: str, spec: KindSpec, raw: Any) -> float | str | None:
    missing = raw is None or (isinstance(raw, str) and not raw.strip()) or _is_nan(raw)
    if spec.value == "none":
        return None
    if missing:
        if spec.required:
            raise InvalidEventError(event_id, f"kind {kind!r} needs a value ({_describe(spec)})")
        return None
    if spec.value == "code":
        code = str(raw).strip()
        if spec.codes and code not in spec.codes:
            allowed = ", ".join(sorted(spec.codes))
            raise InvalidEventError(event_id, f"{code!r} is not a {kind} code; expected one of {allowed}")
        return code
    number = _to_float(raw)
    if number is None:
        raise InvalidEventError(
            event_id, f"value {raw!r} of kind {kind!r} is not a number ({_describe(spec)})"
        )
    if (spec.minimum is not None and number < spec.minimum) or (
        spec.maximum is not None and number > spec.maximum
    ):
        raise InvalidEventError(
            event_id, f"value {number:g} of kind {kind!r} is out of range ({_describe(spec)})"
        )
    return number


def _parse_attributes(event_id: str, kind: str, spec: KindSpec, raw: Any) -> dict[str, Any]:
    if raw is None or _is_nan(raw) or (isinstance(raw, str) and not raw.strip()):
        data: dict[str, Any] = {}
    elif isinstance(raw, Mapping):
        data = {str(k): v for k, v in raw.items()}
    elif isinstance(raw, str):
        try:
            loaded = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidEventError(event_id, f"attributes are not valid JSON ({exc.msg})") from exc
        if not isinstance(loaded, dict):
            raise InvalidEventError(event_id, 'attributes must be a JSON object such as {"transfers": 2}')
        data = loaded
    else:
        raise InvalidEventError(event_id, f"attributes must be a JSON object, got {type(raw).__name__}")
    for name in spec.required_attributes:
        if data.get(name) is None:
            raise InvalidEventError(event_id, f"kind {kind!r} needs attribute {name!r}")
    for name, typ in spec.attributes.items():
        if data.get(name) is not None:
            data[name] = _typed_attribute(event_id, name, typ, data[name])
    return data


def _typed_attribute(event_id: str, name: str, typ: str, raw: Any) -> Any:
    if typ == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"true", "1", "yes", "y", "是"}:
            return True
        if text in {"false", "0", "no", "n", "否"}:
            return False
        raise InvalidEventError(event_id, f"attribute {name!r} must be true or false, got {raw!r}")
    number = _to_float(raw)
    if number is None or number < 0:
        raise InvalidEventError(event_id, f"attribute {name!r} must be a non-negative number, got {raw!r}")
    return int(number) if typ == "int" else number


def _describe(spec: KindSpec) -> str:
    if spec.value == "code":
        return "a code" + (f" from {', '.join(sorted(spec.codes))}" if spec.codes else "")
    if spec.minimum is not None and spec.maximum is not None:
        return f"a number {spec.minimum:g}–{spec.maximum:g}"
    if spec.minimum is not None:
        return f"a number ≥ {spec.minimum:g}"
    return "a number"


def _to_float(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _is_nan(raw: Any) -> bool:
    return isinstance(raw, float) and math.isnan(raw)


def _opt_float(raw: Any) -> float | None:
    return None if raw is None else float(raw)
