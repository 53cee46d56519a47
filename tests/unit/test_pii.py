"""PII masking: what is masked and how, what survives (orders, tracking numbers, amounts, dates), logs."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_radar.logs import PiiMaskingFilter, build_handler
from complaint_radar.settings import Settings
from complaint_radar.text.pii import PiiKind, id_card_valid, luhn_valid, mask_pii, mask_text

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_char(first17: str) -> str:
    """A resident ID with the GB 11643 check character computed, valid date or not."""
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def test_validators_follow_gb11643_and_luhn() -> None:
    assert id_card_valid("11010519491231002X")
    assert id_card_valid("11010519491231002x")
    assert id_card_valid(with_check_char("44030419900307123"))
    assert not id_card_valid("110105194912310021")  # wrong check character
    assert not id_card_valid(with_check_char("11010519490230123"))  # 30 February
    assert not id_card_valid(with_check_char("11010520991231123"))  # born in the future
    for card in ("4111111111111111", "5555555555554444", "6222021234567890128", "6011111111111117"):
        assert luhn_valid(card)
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("6222021234567890127")


MASKED = [
    # mainland mobile numbers in their common spellings
    ("我的手机是13812345678，请尽快联系", "我的手机是138****5678，请尽快联系"),
    ("138 1234 5678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    ("+86 13812345678", "+86 138****5678"),
    ("+86 138 1234 5678", "+86 138****5678"),
    ("0086-13912345678", "0086-139****5678"),
    ("(+86)13612345678", "(+86)136****5678"),
    ("快递员电话13812345678一直打不通", "快递员电话138****5678一直打不通"),
    ("Tel13812345678", "Tel138****5678"),
    ("call me: 19912345678.", "call me: 199****5678."),
    # landlines, with area code, optional parentheses and extension
    ("010-12345678", "010-****5678"),
    ("(0755)12345678", "0755-****5678"),
    ("0755-1234567转123", "0755-***4567转123"),
    ("021 62345678-8001", "021-****5678-8001"),
    ("+86 755 12345678", "0755-****5678"),
    ("座机01012345678", "座机010-****5678"),
    # 18-digit resident IDs (check character validated), the old 15-digit form only when labelled
    ("身份证号11010519491231002X，已核实", "身份证号110***********002X，已核实"),
    ("11010519491231002x", "110***********002X"),
    ("ID 110105 19491231 002X", "ID 110***********002X"),
    ("身份证：110105491231002", "身份证：110********1002"),
    # bank cards (Luhn validated)
    ("卡号6222021234567890128被冻结了", "卡号6222 **** **** 0128被冻结了"),
    ("6222 0212 3456 7890 128", "6222 **** **** 0128"),
    ("4111-1111-1111-1111", "4111 **** **** 1111"),
    ("4111111111111111 was charged twice", "4111 **** **** 1111 was charged twice"),
    ("card no. 1234567890123452", "card no. 1234 **** **** 3452"),
    # e-mail addresses
    ("zhang.san@example.com", "z***@example.com"),
    ("13812345678@163.com", "1***@163.com"),
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_pii_is_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected


KEPT = [
    "订单号 2024112312345678",
    "订单号：4111111111111111",  # an order number that happens to pass Luhn
    "Order ID 4111111111111111",
    "order #6222021234567890128",
    "2024112312345672",  # Luhn-valid, but a date-stamped number is no card
    "1234567890123452",  # Luhn-valid, no card network prefix and no card label
    "tracking number 13812345678",
    "快递单号SF1234567890123，圆通YT1234567890123，京东JD0012345678901",
    "运单号：13812345678",
    "工号 13812345678 的客服态度很差",
    "工号10086",
    "退款¥12345.67，扣了5000元",
    "¥13812345678",
    "13812345678元",
    "13812345678.50",
    "2024-11-23 12:30:45",
    "2024年11月23日，20241123",
    "138123456789 1381234567 013812345678 213812345678",  # too long / short: no partial matches
    "01012345678",  # a bare landline needs a phone label
    "400-123-4567 95588 12315 10086",
    "110105194912310021",  # wrong check character
    "110105491231002",  # 15 digits without a label
    "4111111111111112",  # fails Luhn
    "4111 1111 1111 1112",
    "1234 4111 1111 1111 1111",  # a piece of a longer group run
    "server 192.168.100.200, version 13.8.1234",
    "no digits at all, 没有数字",
]


@pytest.mark.parametrize("text", KEPT)
def test_non_pii_survives(text: str) -> None:
    assert mask_text(text) == text


def test_full_width_digits_are_masked_and_the_rest_kept_as_received() -> None:
    text = (
        "电话：１３８１２３４５６７８，邮箱ａｂｃ＠ｅｘａｍｐｌｅ．ｃｏｍ，座机（０７５５）１２３４５６７８！"
    )
    assert mask_text(text) == "电话：138****5678，邮箱a***@example.com，座机0755-****5678！"


def test_mixed_sentence_masks_pii_and_keeps_business_numbers() -> None:
    text = (
        "您好，我的订单号是2024112312345678，快递单号SF1234567890123，手机13812345678，"
        "邮箱zhang.san@example.com，退款¥299.00 (2024-11-23) 还没到账，工号1024的客服说再等等。"
        " My card 5555 5555 5555 4444 was charged; call +86 139 1234 5678."
    )
    result = mask_pii(text)
    assert result.text == (
        "您好，我的订单号是2024112312345678，快递单号SF1234567890123，手机138****5678，"
        "邮箱z***@example.com，退款¥299.00 (2024-11-23) 还没到账，工号1024的客服说再等等。"
        " My card 5555 **** **** 4444 was charged; call +86 139****5678."
    )
    assert result.counts == {PiiKind.PHONE: 2, PiiKind.EMAIL: 1, PiiKind.BANK_CARD: 1}
    assert [result.text[s.start : s.end] for s in result.spans] == [
        "138****5678",
        "z***@example.com",
        "5555 **** **** 4444",
        "+86 139****5678",
    ]


def test_the_nearest_label_decides() -> None:
    assert mask_text("订单号2024112312345678，电话13812345678") == "订单号2024112312345678，电话138****5678"
    assert mask_text("订单有问题，13812345678") == "订单有问题，138****5678"
    assert mask_text("身份证编号11010519491231002X") == "身份证编号110***********002X"
    assert mask_text("order 4111111111111111 paid by card 4111111111111111") == (
        "order 4111111111111111 paid by card 4111 **** **** 1111"
    )


def test_text_without_pii_is_returned_unchanged() -> None:
    result = mask_pii("谢谢，问题已经解决了")
    assert result.text == "谢谢，问题已经解决了"
    assert result.spans == ()
    assert not result.counts


PIECES = [
    "13812345678", "11010519491231002X", "6222021234567890128", "4111 1111 1111 1111", "a@b.co",
    "zhang.san@example.com", "010-12345678", "(0755)12345678", "110105491231002", "订单号", "order id ",
    "电话", "卡号", "身份证", "tel", "+86 ", "86", " ", "-", "@", ".", "*", "¥", "元", "x", "转", "，",
    "SF", "１３８", "０",
]  # fmt: skip
pii_like_text = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.text(alphabet="0123456789 -@.*xX", max_size=12),
        st.text(max_size=4),
    ),
    max_size=14,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(pii_like_text)
def test_masking_is_idempotent(text: str) -> None:
    once = mask_pii(text)
    assert mask_text(once.text) == once.text
    for span in once.spans:
        assert "*" in once.text[span.start : span.end]


@given(st.text(alphabet=st.characters(exclude_categories=["Nd"], exclude_characters="@＠"), max_size=200))
def test_text_without_digits_or_at_signs_is_unchanged(text: str) -> None:
    assert mask_text(text) == text


@pytest.fixture()
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("complaint_radar.tests.pii")
    log.propagate = False
    log.setLevel(logging.INFO)
    yield log
    log.handlers.clear()


def test_log_filter_masks_messages_arguments_and_tracebacks(logger: logging.Logger) -> None:
    stream = io.StringIO()
    logger.addHandler(build_handler(Settings(mask_pii=True, log_json=False), stream))
    logger.info("callback requested on %s by %s", "13812345678", "zhang.san@example.com")
    try:
        raise ValueError("card 6222021234567890128 declined")
    except ValueError:
        logger.exception("payment failed for order 2024112312345678")
    out = stream.getvalue()
    assert "138****5678" in out and "z***@example.com" in out
    assert "6222 **** **** 0128" in out and "order 2024112312345678" in out
    assert "13812345678" not in out and "6222021234567890128" not in out and "zhang.san" not in out


def test_json_logs_are_masked_too(logger: logging.Logger) -> None:
    stream = io.StringIO()
    logger.addHandler(build_handler(Settings(mask_pii=True, log_json=True), stream))
    try:
        raise RuntimeError("id 11010519491231002X")
    except RuntimeError:
        logger.exception("customer 13812345678 escalated")
    record = json.loads(stream.getvalue())
    assert record["message"] == "customer 138****5678 escalated"
    assert "110***********002X" in record["exc"] and "11010519491231002X" not in record["exc"]


def test_logs_keep_pii_when_masking_is_turned_off(logger: logging.Logger) -> None:
    stream = io.StringIO()
    handler = build_handler(Settings(mask_pii=False), stream)
    assert not any(isinstance(f, PiiMaskingFilter) for f in handler.filters)
    logger.addHandler(handler)
    logger.info("customer %s", "13812345678")
    assert "13812345678" in stream.getvalue()


def test_the_one_logging_setup_masks_by_default() -> None:
    # In a child process: configure_logging changes the process-wide `complaint_radar` logger.
    code = (
        "import logging; from complaint_radar.logs import configure_logging; configure_logging('INFO'); "
        "logging.getLogger('complaint_radar.demo').info('customer %s called', '13812345678')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINT_RADAR_")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    assert result.stderr.strip() == "INFO complaint_radar.demo: customer 138****5678 called"


def test_the_privacy_doc_examples_hold() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "privacy.md").read_text(encoding="utf-8")
    masked = mask_text("我的手机是13812345678，订单号2024112312345678")
    result = mask_pii("call +86 139 1234 5678 or mail zhang.san@example.com")
    assert f"# '{masked}'" in doc
    assert f"result.text    # '{result.text}'" in doc
    assert "PiiSpan(kind=PHONE, start=5, end=20), PiiSpan(kind=EMAIL, start=29, end=45)" in doc
    assert [(s.kind, s.start, s.end) for s in result.spans] == [
        (PiiKind.PHONE, 5, 20),
        (PiiKind.EMAIL, 29, 45),
    ]
