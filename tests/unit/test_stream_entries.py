"""Stream entries as message rows, and the rule parser, on arbitrary input (hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaint_radar.alerts import AlertConfigError, parse_config
from complaint_radar.stream import PoisonEntry, entry_row
from complaint_radar.stream.entries import MAX_FIELDS, MAX_VALUE_BYTES


def test_an_entry_of_utf8_fields_is_its_row() -> None:
    fields = {b"message_id": b"m1", b"text": "退款还没到账".encode(), b"product": b"X1"}
    assert entry_row(fields) == {"message_id": "m1", "text": "退款还没到账", "product": "X1"}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({b"text": b"\xff\xfe"}, "field 'text' is not UTF-8 text (byte 0"),
        ({b"\xff": b"x"}, "field name b'\\xff' is not UTF-8"),
        ({b"text": b"x" * (MAX_VALUE_BYTES + 1)}, f"at most {MAX_VALUE_BYTES}"),
        ({f"f{i}".encode(): b"x" for i in range(MAX_FIELDS + 1)}, f"at most {MAX_FIELDS} are accepted"),
    ],
)
def test_a_poison_entry_says_why(fields: dict[bytes, bytes], reason: str) -> None:
    result = entry_row(fields)
    assert isinstance(result, PoisonEntry) and reason in result.reason


@given(st.dictionaries(st.binary(max_size=20), st.binary(max_size=50), max_size=10))
def test_any_entry_is_a_row_or_poison_never_an_error(fields: dict[bytes, bytes]) -> None:
    result = entry_row(fields)
    assert isinstance(result, PoisonEntry | dict)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_KEYS = (
    "webhooks rules emails smtp name when notify url secret stage_at_least cue_any risk_at_least sla channel"
)
_keys = st.sampled_from(_KEYS.split())


@given(st.dictionaries(_keys, _json, max_size=4) | _json)
def test_the_rules_parser_accepts_or_explains_anything(data: Any) -> None:
    try:
        parse_config(data, where="f.yaml", env={})
    except AlertConfigError as exc:
        assert str(exc).startswith("f.yaml")
