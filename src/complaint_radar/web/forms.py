"""Submitted forms (application/x-www-form-urlencoded): read once, values checked with clear errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar
from urllib.parse import parse_qsl

from complaint_radar.errors import InputError

MAX_FORM_BYTES = 1_000_000
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Form:
    """Field name → submitted values (a field may repeat: checkboxes, multi-selects)."""

    fields: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, body: bytes) -> Form:
        if len(body) > MAX_FORM_BYTES:
            raise InputError(f"the form is larger than {MAX_FORM_BYTES // 1000} kB; send less text")
        fields: dict[str, list[str]] = {}
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise InputError("the form is not UTF-8 text") from None
        for name, value in pairs:
            if "\x00" in value:
                raise InputError(f"field {name} contains a NUL character")
            fields.setdefault(name, []).append(value)
        return cls(fields)

    def text(self, name: str) -> str | None:
        """The field's text, stripped; None when absent or blank."""
        values = self.fields.get(name)
        value = values[-1].strip() if values else ""
        return value or None

    def required(self, name: str, what: str) -> str:
        value = self.text(name)
        if value is None:
            raise InputError(f"{what} is required")
        return value

    def all(self, name: str) -> list[str]:
        return [v.strip() for v in self.fields.get(name, []) if v.strip()]

    def flag(self, name: str) -> bool:
        return self.text(name) in ("1", "on", "true", "yes")

    def integer(self, name: str, what: str, low: int, high: int) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise InputError(f"{what} must be a whole number from {low} to {high}, not {value!r}") from None
        if not low <= number <= high:
            raise InputError(f"{what} must be from {low} to {high}, not {number}")
        return number

    def number(self, name: str, what: str) -> float | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise InputError(f"{what} must be a number, not {value!r}") from None

    def choice(self, name: str, kind: type[E], what: str) -> E | None:
        value = self.text(name)
        return None if value is None else parse_choice(value, kind, what)

    def choices(self, name: str, kind: type[E], what: str) -> list[E]:
        return [parse_choice(v, kind, what) for v in self.all(name)]


def parse_choice(value: str, kind: type[E], what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InputError(f"{what} {value!r} is not one of: {allowed}") from None


def one_of(value: str | None, allowed: Sequence[str], what: str) -> str | None:
    """`value` if it is one of `allowed` (or None), else a clear error."""
    if value is None or value in allowed:
        return value
    raise InputError(f"{what} {value!r} is not one of: {', '.join(allowed)}")
