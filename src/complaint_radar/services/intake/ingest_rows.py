"""Ingestion rows checked one by one: a message or event row becomes a storable record, or a reason why not.

Messages: `message_id, customer_id, occurred_at, text`, optional `channel`, `speaker`, `thread_id`,
`language`, `attributes` (a JSON object); other columns are kept in `attributes`. Events:
`event_id, customer_id, occurred_at, kind, value, attributes` (SPEC.md §4 kinds; an unknown kind is
reported, never fatal); other columns join the event's `attributes`. Both take the dimension columns
`product, sku, branch, region, team, agent_id, segment, tenure_days, new_or_returning` (SPEC.md §7.2).
Text is PII-masked here, before anything is stored or assessed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from complaint_radar.customers import BehaviourEvent, UnknownEventKindError, parse_event
from complaint_radar.customers.timeline import parse_time
from complaint_radar.errors import InputError
from complaint_radar.services.rows import text_problem
from complaint_radar.settings import Settings
from complaint_radar.store import NewEvent, NewMessage
from complaint_radar.store.analysis_rows import DIMENSIONS
from complaint_radar.text.pii import mask_text
from complaint_radar.types import Channel

MESSAGE_COLUMNS = ("message_id", "customer_id", "occurred_at", "text")
EVENT_COLUMNS = ("event_id", "customer_id", "occurred_at", "kind")
SPEAKERS = frozenset({"customer", "agent", "system"})
RAW_TEXT_ATTRIBUTE = "raw_text"

DIMENSION_FIELDS = (*DIMENSIONS, "tenure_days", "new_or_returning")
"""Optional columns of messages and events stored as dimensions (SPEC.md §7.2), not in `attributes`."""
NEW_OR_RETURNING = frozenset({"new", "returning"})
_MESSAGE_FIELDS = frozenset(
    {*MESSAGE_COLUMNS, "channel", "speaker", "thread_id", "language", "attributes", "source"}
    | set(DIMENSION_FIELDS)
)
_EVENT_FIELDS = frozenset({*EVENT_COLUMNS, "value", "attributes", "source", "at"}) | set(DIMENSION_FIELDS)
_CHANNELS = frozenset(c.value for c in Channel)


class ItemKind(StrEnum):
    MESSAGE = "message"
    EVENT = "event"


@dataclass(frozen=True, slots=True)
class InputRow:
    """One row to ingest: its kind, the line (or position) it came from, and its cells."""

    kind: ItemKind
    line: int
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MessageItem:
    line: int
    record: NewMessage


@dataclass(frozen=True, slots=True)
class EventItem:
    line: int
    record: NewEvent
    event: BehaviourEvent


class RowError(InputError):
    """A row that cannot be ingested; `unknown_kind` is set for events of a kind not in the registry."""

    def __init__(self, reason: str, unknown_kind: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unknown_kind = unknown_kind


def message_item(row: InputRow, source: str, settings: Settings) -> MessageItem:
    """A checked, masked message; raises RowError saying what is wrong with the row."""
    data = row.data
    message_id = _required_id(data, "message_id")
    text = data.get("text")
    problem = text_problem(text)
    if problem or not isinstance(text, str):
        raise RowError(f"message {message_id!r}: {problem}")
    channel = _optional_text(data.get("channel"))
    if channel is not None and channel not in _CHANNELS:
        raise RowError(
            f"message {message_id!r}: unknown channel {channel!r}; use one of {', '.join(sorted(_CHANNELS))}"
        )
    speaker = _optional_text(data.get("speaker")) or "customer"
    if speaker not in SPEAKERS:
        raise RowError(f"message {message_id!r}: speaker {speaker!r} is not one of customer, agent, system")
    attributes = _attributes(data.get("attributes"), f"message {message_id!r}")
    attributes.update(
        {str(k): v for k, v in data.items() if k not in _MESSAGE_FIELDS and not _missing(v) and _jsonable(v)}
    )
    dimensions = dimension_values(data, attributes, f"message {message_id!r}")
    stored = mask_text(text) if settings.mask_pii else text
    if settings.keep_raw_text and stored != text:
        attributes[RAW_TEXT_ATTRIBUTE] = text
    return MessageItem(
        row.line,
        NewMessage(
            source=_optional_text(data.get("source")) or source,
            external_id=message_id,
            channel=channel or Channel.CHAT.value,
            text=stored,
            occurred_at=_time(data, f"message {message_id!r}"),
            customer_id=_optional_id(data.get("customer_id")),
            speaker=speaker,
            thread_id=_optional_id(data.get("thread_id")),
            language=_optional_text(data.get("language")),
            attributes=attributes,
            dimensions=dimensions,
        ),
    )


def event_item(row: InputRow, source: str) -> EventItem:
    """A checked event; raises RowError (with `unknown_kind` for a kind not in the registry)."""
    data = row.data
    event_id = _required_id(data, "event_id")
    customer_id = _optional_id(data.get("customer_id"))
    if customer_id is None:
        raise RowError(f"event {event_id!r}: customer_id is missing")
    extra = {
        str(k): v
        for k, v in data.items()
        if k not in _EVENT_FIELDS
        and not _missing(v)
        and _jsonable(v)
        and not (isinstance(v, str) and not v.strip())
    }
    attributes = {**extra, **_attributes(data.get("attributes"), f"event {event_id!r}")}
    try:
        event = parse_event(
            {**data, "event_id": event_id, "customer_id": customer_id, "attributes": attributes}
        )
    except UnknownEventKindError as exc:
        raise RowError(str(exc), unknown_kind=str(data.get("kind") or "")) from exc
    except InputError as exc:  # InvalidEventError, or a bad time
        raise RowError(str(exc)) from exc
    event = replace(event, at=plain_datetime(event.at))
    dimensions = dimension_values(data, dict(event.attributes), f"event {event_id!r}")
    return EventItem(
        row.line,
        NewEvent(
            source=_optional_text(data.get("source")) or source,
            external_id=event_id,
            customer_id=customer_id,
            kind=event.kind,
            occurred_at=event.at,
            value=event.value,
            attributes=dict(event.attributes),
            dimensions=dimensions,
        ),
        event,
    )


def dimension_values(data: Mapping[str, Any], attributes: Mapping[str, Any], what: str) -> dict[str, Any]:
    """The row's dimensions: its own columns first, else the same keys inside `attributes` (SPEC.md §3
    message metadata carries product and branch). Raises RowError for a value that is not usable."""
    found: dict[str, Any] = {}
    for name in DIMENSION_FIELDS:
        raw = data.get(name)
        if _missing(raw) or (isinstance(raw, str) and not raw.strip()):
            raw = attributes.get(name)
        if _missing(raw) or (isinstance(raw, str) and not raw.strip()):
            continue
        if name == "tenure_days":
            found[name] = _tenure(raw, what)
        elif name == "new_or_returning":
            status = str(raw).strip().lower()
            if status not in NEW_OR_RETURNING:
                raise RowError(f"{what}: new_or_returning {raw!r} is not 'new' or 'returning'")
            found[name] = status
        else:
            value = _optional_id(raw)
            if value is not None and len(value) > 128:
                raise RowError(f"{what}: {name} is longer than 128 characters")
            found[name] = value
    return found


def _tenure(raw: Any, what: str) -> int:
    try:
        days = float(raw)
    except (TypeError, ValueError):
        days = math.nan
    if isinstance(raw, bool) or not math.isfinite(days) or days < 0 or days != int(days) or days > 1e6:
        raise RowError(f"{what}: tenure_days {raw!r} is not a whole number of days ≥ 0")
    return int(days)


def _required_id(data: Mapping[str, Any], name: str) -> str:
    value = _optional_id(data.get(name))
    if value is None:
        raise RowError(f"{name} is missing")
    return value


def _optional_id(value: Any) -> str | None:
    """An identifier cell as text: strings stripped, whole numbers without a decimal point."""
    if _missing(value):
        return None
    if isinstance(value, bool):
        raise RowError(f"identifier {value!r} is not text or a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str | int):
        text = str(value).strip()
        return text or None
    raise RowError(f"identifier {value!r} is not text or a whole number")


def _optional_text(value: Any) -> str | None:
    if _missing(value):
        return None
    text = str(value).strip()
    return text or None


def _time(data: Mapping[str, Any], what: str) -> datetime:
    try:
        return plain_datetime(parse_time(data.get("occurred_at"), what=f"{what} occurred_at"))
    except InputError as exc:
        raise RowError(str(exc)) from exc


def _attributes(value: Any, what: str) -> dict[str, Any]:
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise RowError(f"{what}: attributes are not valid JSON ({exc.msg})") from exc
    if not isinstance(value, Mapping):
        raise RowError(f'{what}: attributes must be a JSON object such as {{"order_id": "A123"}}')
    return {str(k): v for k, v in value.items()}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _jsonable(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str | int | bool | list | dict)


def plain_datetime(at: datetime) -> datetime:
    """A plain `datetime` (Parquet gives pandas Timestamps, a subclass the drivers may not know)."""
    if type(at) is datetime:
        return at
    return datetime(at.year, at.month, at.day, at.hour, at.minute, at.second, at.microsecond, at.tzinfo)
