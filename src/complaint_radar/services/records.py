"""Frozen domain records to JSON-ready values and back (enums as codes, times as ISO 8601, tuples as lists).

The store keeps Assessments and case details as JSON documents; these two functions are the one way
they are written and read back into the typed records, driven by the records' own type hints.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, cast, get_args, get_origin, get_type_hints

from complaint_radar.errors import InputError

_T = TypeVar("_T")
_SCALARS = (str, int, float, bool)


def to_plain(value: Any) -> Any:
    """A JSON-ready copy: dataclasses as dicts, enums as their codes, datetimes as ISO 8601 text."""
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {name: to_plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


def from_plain(cls: type[_T], data: Mapping[str, Any]) -> _T:
    """Rebuild a dataclass record from `to_plain` output; missing keys take the field defaults."""
    try:
        return cast(_T, _decoder(cast(Any, cls))(data))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"stored {cls.__name__} record is malformed: {exc}") from exc


_Decode = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


@cache
def _decoder(hint: Any) -> _Decode:
    """A function decoding JSON values of type `hint`, built once per type (decoding is hot)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        arms = [a for a in get_args(hint) if a is not type(None)]
        # Scalar unions (`float | str`) hold JSON scalars already.
        return _optional(_decoder(arms[0])) if len(arms) == 1 else _same
    if origin is tuple:
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return _sequence(_decoder(args[0]), tuple)
        parts = [_decoder(a) for a in args]
        return lambda value: tuple(d(v) for d, v in zip(parts, value, strict=True))
    if origin is list:
        return _sequence(_decoder(get_args(hint)[0]), list)
    if origin in (dict, Mapping):
        item = _decoder(get_args(hint)[1])
        return dict if item is _same else lambda value: {k: item(v) for k, v in value.items()}
    if not isinstance(hint, type) or hint in (str, int, bool, object):
        return _same
    if is_dataclass(hint):
        return _record(hint)
    if issubclass(hint, Enum):
        return _optional(hint)
    if hint is datetime:
        return _optional(_datetime)
    if hint is float:
        return _optional(float)
    return _same


def _optional(decode: _Decode) -> _Decode:
    return lambda value: None if value is None else decode(value)


def _sequence(item: _Decode, kind: type[tuple[Any, ...]] | type[list[Any]]) -> _Decode:
    if item is _same:
        return lambda value: None if value is None else kind(value)
    return lambda value: None if value is None else kind(item(v) for v in value)


def _record(cls: type) -> _Decode:
    hints = get_type_hints(cls)
    plan = [(name, _decoder(hints[name])) for name in _field_names(cls)]

    def decode(value: Any) -> Any:
        if value is None:
            return None
        return cls(**{name: d(value[name]) for name, d in plan if name in value})

    return decode


def _datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
