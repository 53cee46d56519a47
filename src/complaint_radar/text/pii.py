"""PII masking: mainland phone numbers, ID cards, bank cards and e-mail addresses (docs/privacy.md).

Masked forms keep the kind visible and a few characters so that an agent can still tell two values
apart: ``138****5678``, ``0755-****5678``, ``110***********123X``, ``6222 **** **** 0128``,
``z***@example.com``.  Masked values are written with ASCII digits even when the input used
full-width ones; the rest of the text is returned exactly as received.

Numbers are PII only when they validate (ID checksum and birth date, Luhn for cards) and are not
labelled as something else: the nearest label before a number decides (订单号 / tracking no. /
工号 exempt it; 电话 / 卡号 / 身份证 confirm it).  Digit runs are matched whole or not at all, a run
glued to Latin letters is a code (SF1234567890123), and amounts, decimals, dates and times are
never touched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class PiiKind(StrEnum):
    """What a masked value was."""

    PHONE = "phone"
    ID_CARD = "id_card"
    BANK_CARD = "bank_card"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One masked value: ``result.text[start:end]`` is the masked form of a ``kind`` value."""

    kind: PiiKind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MaskResult:
    """The masked text and where its masked values are (offsets index the masked text)."""

    text: str
    spans: tuple[PiiSpan, ...] = ()

    @property
    def counts(self) -> Counter[PiiKind]:
        """How many values of each kind were masked."""
        return Counter(span.kind for span in self.spans)


def mask_text(text: str) -> str:
    """``text`` with every phone number, ID card, bank card and e-mail address masked."""
    return mask_pii(text).text


# Masking twice changes nothing: a pass that still finds something (a value that only stands out
# once its neighbour is masked) is followed by another.  Each pass removes digits, so this ends.
_MAX_PASSES: Final = 4


def mask_pii(text: str) -> MaskResult:
    """Mask PII in ``text`` and say where and what it was; text without PII comes back unchanged."""
    spans: list[PiiSpan] = []
    for _ in range(_MAX_PASSES):
        if not _MAYBE_PII.search(text):
            break
        found = _find(text if text.isascii() else text.translate(_FOLD))
        if not found:
            break
        text, spans = _replace(text, found, spans)
    return MaskResult(text, tuple(spans))


def _replace(
    text: str, found: list[tuple[PiiKind, int, int, str]], spans: list[PiiSpan]
) -> tuple[str, list[PiiSpan]]:
    """Put the masked forms into ``text``; earlier ``spans`` move with it (or vanish into a new one)."""
    pieces: list[str] = []
    placed: list[PiiSpan] = []
    moves: list[tuple[int, int, int]] = []  # (start, end, shift of what follows) per replacement
    last = shift = 0
    for kind, start, end, masked in found:
        pieces += [text[last:start], masked]
        placed.append(PiiSpan(kind, start + shift, start + shift + len(masked)))
        shift += len(masked) - (end - start)
        moves.append((start, end, shift))
        last = end
    pieces.append(text[last:])
    for old in spans:
        if any(old.start < end and start < old.end for start, end, _ in moves):
            continue
        delta = next((d for start, end, d in reversed(moves) if end <= old.start), 0)
        placed.append(PiiSpan(old.kind, old.start + delta, old.end + delta))
    placed.sort(key=lambda span: span.start)
    return "".join(pieces), placed


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number carries in its last digit (ASCII digits)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"


def id_card_valid(number: str) -> bool:
    """A mainland 18-character resident ID: real birth date and the GB 11643 check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if not _birth_date_valid(number[6:14]):
        return False
    total = sum(int(ch) * w for ch, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _birth_date_valid(yyyymmdd: str) -> bool:
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


# Full-width forms, the ideographic space, the full-width yuan sign and dashes, one character each,
# so offsets in the folded text are offsets in the input.
_FOLD: Final[dict[int, str]] = {
    **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
    0x3000: " ",
    0x00A0: " ",
    0xFFE5: "¥",
    **{ord(dash): "-" for dash in "\u2010\u2011\u2012\u2013\u2014\u2212"},
}

# Every masked kind has three consecutive digits or an @; the rest is left alone at once.
_MAYBE_PII: Final = re.compile(r"[0-9０-９]{3}|[@＠]")

# "*" counts as a digit at the edges, so a masked value never becomes part of a new match.
_EMAIL: Final = re.compile(
    r"(?<![A-Za-z0-9._%+*@-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+-]*)@"
    r"(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![A-Za-z0-9@-])"
)
_ID18: Final = re.compile(
    r"(?<![0-9*])(?P<region>[1-8][0-9]{5})(?P<s>[ -]?)(?P<birth>(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01]))(?P=s)(?P<tail>[0-9]{3}[0-9Xx])(?![0-9*])"
)
_ID15: Final = re.compile(
    r"(?<![0-9*])[1-8][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}(?![0-9*])"
)
_CARD_GROUPED: Final = re.compile(
    r"(?<![0-9*])[0-9]{4}(?P<s>[ -])[0-9]{4}(?P=s)[0-9]{4}(?P=s)[0-9]{4}(?:(?P=s)[0-9]{1,3})?(?![0-9*])"
)
_CARD_BARE: Final = re.compile(r"(?<![0-9*])[0-9]{16,19}(?![0-9*])")
# Issuer prefixes of the card networks used in mainland China: UnionPay 62/60, Visa 4, Mastercard
# 51-55 and 2221-2720, JCB 35, Discover 6011/644-649/65, legacy domestic 9558/9559.
_CARD_NETWORK: Final = re.compile(r"6[0245]|4|5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720|35|955[89]")
_MOBILE: Final = re.compile(
    r"(?<![0-9*])(?P<prefix>(?:\+|00)86[ -]?|\(\+?86\)[ -]?|86)?"
    r"(?P<num>1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4})(?![0-9*])"
)
_AREA: Final = r"10|2[0-9]|[3-9][0-9]{2}"
_LANDLINE: Final = re.compile(
    rf"(?<![0-9*])(?:\((?P<paren>0(?:{_AREA}))\)[ -]?|(?:\+|00)86[ -]?\(?(?P<intl>{_AREA})\)?[ -]?"
    rf"|(?P<area>0(?:{_AREA}))(?P<sep>[ -]?))(?P<local>[1-9][0-9]{{6,7}})"
    r"(?P<ext>(?: ?(?:转|分机|ext\.?|x|#) ?|-)[0-9]{1,6})?(?![0-9*])"
)

_EN_SUFFIX: Final = r"(?:\s*(?:id|no\.?|num(?:ber)?|#|code))?(?![a-z])"
# The nearest label before a number decides what it is; compound labels come whole ("order id").
_LABELS: Final = re.compile(
    r"(?P<exempt>订单|单号|运单|快递单|快递号|物流单|物流号|取件码|提货码|流水号|交易号|交易单|工单|工号|员工号"
    r"|编号|发票|合同|受理号|票号|批号|序列号|型号|房号|房间"
    r"|(?<![a-z])(?:order|tracking|waybill|parcel|shipment|package|invoice|ticket|case|ref|reference"
    rf"|transaction|txn|serial|sku|staff|employee|agent|booking|reservation|confirmation){_EN_SUFFIX})"
    r"|(?P<id>(?:身份证|证件|居民身份)(?:号码|编号|号)?"
    r"|(?<![a-z])(?:id|identity|passport)(?:\s*card)?(?:\s*(?:no\.?|number|#))?(?![a-z]))"
    r"|(?P<card>(?:银行卡|信用卡|储蓄卡|借记卡|卡|账户|帐户)(?:号码|编号|号)?|账号|帐号"
    r"|(?<![a-z])(?:card|account|acct|iban|visa|mastercard|unionpay)(?:\s*(?:no\.?|number|#))?(?![a-z]))"
    r"|(?P<phone>电话|手机|座机|联系方式|联系|来电|致电|拨打|回拨|热线"
    r"|(?<![a-z])(?:phone|telephone|mobile|tel|cell|call|contact)(?:\s*(?:no\.?|number|#))?(?![a-z]))"
)
_LABEL_WINDOW: Final = 32
_LABEL_GAP: Final = 8
_GAP_BREAK: Final = re.compile(r"[0-9@，,。;；!！?？、\n\r]")
# A digit run glued to Latin letters is a code (SF…, JD…), unless the letters are a label.
_GLUE_LABELS: Final = frozenset({"tel", "phone", "mobile", "mob", "cell", "id", "card", "ph"})
_CURRENCY_BEFORE: Final = ("¥", "$", "€", "£", "rmb", "cny", "usd", "hkd")
_UNIT_AFTER: Final = ("元", "块", "万", "圆", "%", "rmb", "yuan", "cny", "美元", "港币")
_CHAIN_BEFORE: Final = re.compile(r"[0-9*][ -]")
_CHAIN_AFTER: Final = re.compile(r"[ -][0-9*]")
_LETTERS_BEFORE: Final = re.compile(r"[A-Za-z]+$")
_DECIMAL_BEFORE: Final = re.compile(r"[0-9]\.$")
_DECIMAL_AFTER: Final = re.compile(r"\.[0-9]")


def _label(norm: str, start: int) -> str | None:
    """The class of the nearest label ending just before ``start``: exempt, id, card, phone or None."""
    window = norm[max(0, start - _LABEL_WINDOW) : start].lower()
    last = None
    for last in _LABELS.finditer(window):  # noqa: B007 - the last label is the nearest one
        pass
    if last is None:
        return None
    gap = window[last.end() :]
    if len(gap) > _LABEL_GAP or _GAP_BREAK.search(gap):
        return None
    return last.lastgroup


def _standalone(norm: str, start: int, end: int) -> bool:
    """Not part of a code, an amount, a decimal or a longer run of digit groups."""
    before = norm[max(0, start - 12) : start]
    if before[-1:].isascii() and before[-1:].isalpha():
        letters = _LETTERS_BEFORE.search(before)
        if letters is None or letters.group().lower() not in _GLUE_LABELS:
            return False
    after = norm[end : end + 4]
    if after[:1].isascii() and after[:1].isalnum():
        return False
    if _DECIMAL_BEFORE.search(before) or _DECIMAL_AFTER.match(after):
        return False
    if before.rstrip().lower().endswith(_CURRENCY_BEFORE) or after.lstrip().lower().startswith(_UNIT_AFTER):
        return False
    # "1234 5678 …" continuing before or after: the candidate is only a piece of a longer number.
    return not (_CHAIN_BEFORE.fullmatch(norm[max(0, start - 2) : start]) or _CHAIN_AFTER.match(after))


def _mask_email(m: re.Match[str], norm: str) -> str | None:
    return f"{m['local'][0]}***@{m['domain']}"


def _mask_id18(m: re.Match[str], norm: str) -> str | None:
    number = m["region"] + m["birth"] + m["tail"].upper()
    if not id_card_valid(number) or not _standalone(norm, m.start(), m.end()):
        return None
    if _label(norm, m.start()) == "exempt":
        return None
    return number[:3] + "*" * 11 + number[-4:]


def _mask_id15(m: re.Match[str], norm: str) -> str | None:
    # First-generation IDs carry no check digit, so only a label makes them PII.
    number = m.group()
    if not _birth_date_valid("19" + number[6:12]) or not _standalone(norm, m.start(), m.end()):
        return None
    if _label(norm, m.start()) != "id":
        return None
    return number[:3] + "*" * 8 + number[-4:]


def _mask_card(m: re.Match[str], norm: str) -> str | None:
    digits = m.group().replace(" ", "").replace("-", "")
    if not luhn_valid(digits) or not _standalone(norm, m.start(), m.end()):
        return None
    label = _label(norm, m.start())
    if label == "exempt":
        return None
    grouped = len(digits) != len(m.group())
    if not grouped and label != "card" and not _CARD_NETWORK.match(digits):
        return None
    return f"{digits[:4]} **** **** {digits[-4:]}"


def _mask_mobile(m: re.Match[str], norm: str) -> str | None:
    if not _standalone(norm, m.start(), m.end()) or _label(norm, m.start()) == "exempt":
        return None
    digits = m["num"].replace(" ", "").replace("-", "")
    return f"{m['prefix'] or ''}{digits[:3]}****{digits[-4:]}"


def _mask_landline(m: re.Match[str], norm: str) -> str | None:
    if not _standalone(norm, m.start(), m.end()):
        return None
    label = _label(norm, m.start())
    if label == "exempt" or (m["area"] is not None and not m["sep"] and label != "phone"):
        return None
    area = m["paren"] or m["area"] or "0" + m["intl"]
    local = m["local"]
    return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}{m['ext'] or ''}"


_Masker = Callable[[re.Match[str], str], str | None]

# Order matters: an earlier finder claims its span (an e-mail's digits are not a phone number).
_FINDERS: Final[tuple[tuple[PiiKind, re.Pattern[str], _Masker], ...]] = (
    (PiiKind.EMAIL, _EMAIL, _mask_email),
    (PiiKind.ID_CARD, _ID18, _mask_id18),
    (PiiKind.ID_CARD, _ID15, _mask_id15),
    (PiiKind.BANK_CARD, _CARD_GROUPED, _mask_card),
    (PiiKind.BANK_CARD, _CARD_BARE, _mask_card),
    (PiiKind.PHONE, _MOBILE, _mask_mobile),
    (PiiKind.PHONE, _LANDLINE, _mask_landline),
)


def _find(norm: str) -> list[tuple[PiiKind, int, int, str]]:
    """(kind, start, end, masked form) of every value in ``norm``, in text order, never overlapping."""
    found: list[tuple[PiiKind, int, int, str]] = []
    has_at = "@" in norm
    for kind, pattern, masker in _FINDERS:
        if kind is PiiKind.EMAIL and not has_at:
            continue
        pos = 0
        while (m := pattern.search(norm, pos)) is not None:
            start, end = m.span()
            taken = any(start < f[2] and f[1] < end for f in found)
            masked = None if taken else masker(m, norm)
            if masked is None:
                # A rejected candidate may still hold the start of a real one (after a separator).
                pos = start + 1
                continue
            found.append((kind, start, end, masked))
            pos = end
    found.sort(key=lambda f: f[1])
    return found
