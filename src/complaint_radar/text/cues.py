"""Escalation-cue detection with evidence spans, negation, hypotheticals and reported speech."""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaint_radar.text.lexicon import Lexicon
from complaint_radar.text.matcher import Hit
from complaint_radar.text.normalize import normalize
from complaint_radar.types import CueCode, CueHit, Span

Scan = dict[str, list[Hit]]

_CLAUSE_BREAK = re.compile(r"[,.!?;:，。！？；：、\n]|但是|可是|不过|\bbut\b")
_SENTENCE_BREAK = re.compile(r"[.!?;。！？；\n]")
_SHOUT = re.compile(r"\b[A-Z]{2,}\b")
_EN_WORD = re.compile(r"[a-z']+")
_ZH_NUMBERS = {"二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_SINGLE_NEGATORS = frozenset("不没别无非")
# An A-not-A question (要不要, 该不该, 是不是, 会不会) asks; its 不 negates nothing (我在考虑要不要投诉
# is hesitant, SPEC.md §2.3 stage 3, not a denial).
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
# A statement taken back right after it is made (我要投诉——开玩笑的 / "I'll file a complaint, just
# kidding"): the cue before it is negated. 开什么玩笑 / "are you kidding me" is exasperation, not one.
_RETRACTION = re.compile(
    r"(?<!什么)(?<!什麼)(?:开|開)(?:个|個)?玩笑(?:的|啦|呢|而已|哈|嘛|喇|咋)|逗你(?:的|玩)|说着玩|說著玩|"
    r"\b(?:just|only) (?:kidding|joking)\b|\bjk\b|\bkidding!|\bnot really\b"
)
_RETRACTION_REACH = 32
"""Characters after a cue within which a retraction takes it back."""
# Whom a complaint is about: a third party the company does not answer for (那个商家 / 那家店 / 对方 /
# "that seller"). Such a cue is not the customer's intent to complain about the company.
_THIRD_PARTY = re.compile(
    r"(?:投诉|投訴|举报|舉報|complain(?:t)? about|report)\s*(?:一下)?\s*"
    r"(?:(?:那|这|這)(?:个|個|家|间|間|位)?|(?:that|this) )\s*"
    r"(?:商家|商户|商戶|卖家|賣家|店家|店铺|店鋪|店|商店|餐厅|餐廳|饭店|飯店|房东|房東|司机|司機|"
    r"seller|shop|store|merchant|vendor|restaurant|landlord)|"
    r"(?:投诉|投訴|举报|舉報)(?:一下)?(?:对方|對方)"
)
_THIRD_PARTY_CUES = frozenset({CueCode.COMPLAINT_INTENT})
_ACRONYMS = frozenset(
    {"ATM", "APP", "VIP", "WIFI", "CEO", "USA", "HTTP", "HTTPS", "NPS", "CSAT", "SIM", "PIN"}
)


@dataclass(frozen=True, slots=True)
class LexicalReading:
    """A text as the lexicon reads it: the matching form, its cues, the other evidence outside
    discounted clauses, and the text the learned models see (discounted clauses removed)."""

    norm: str
    cues: list[CueHit]
    scan: Scan
    model_text: str


def read_lexically(text: str, lexicon: Lexicon, norm: str | None = None) -> LexicalReading:
    """Cues and lexicon evidence of `text` (`norm`: its normalised form, if already computed);
    evidence in negated, hypothetical or reported clauses is dropped (SPEC.md R6), for the rules and
    the learned models alike."""
    norm = normalize(text) if norm is None else norm
    scan = lexicon.index.scan(norm)
    cues = detect_cues(text, norm, lexicon, scan)
    kept = drop_discounted(scan, discounted_clauses(norm, cues))
    return LexicalReading(norm, cues, kept, without_discounted_cues(text, norm, cues))


@dataclass(frozen=True, slots=True)
class Modifiers:
    negated: bool
    hypothetical: bool
    reported: bool
    conditional: bool


def _start_after(pattern: re.Pattern[str], text: str, end: int) -> int:
    start = 0
    for m in pattern.finditer(text, 0, end):
        start = m.end()
    return start


def modifiers_at(norm: str, start: int, end: int, lexicon: Lexicon, *, negatable: bool) -> Modifiers:
    """How the context before `[start, end)` qualifies the evidence there."""
    clause = norm[_start_after(_CLAUSE_BREAK, norm, start) : start]
    sentence = norm[_start_after(_SENTENCE_BREAK, norm, start) : start]
    negated = False
    if negatable:
        # With the cue's first character, so that 要不要 is seen when the cue starts 要投诉.
        first = norm[start : start + 1]
        asked = _A_NOT_A.sub("", clause + first)
        window = (asked[:-1] if asked.endswith(first) else asked)[-6:]
        near = window[-4:]
        if any(r in window for r in lexicon.rhetorical_zh):
            negated = False
        elif any(neg in window for neg in lexicon.negators_zh) or (
            any(ch in _SINGLE_NEGATORS for ch in near) and not lexicon.conditional.search(window)
        ):
            negated = True
        else:
            words = _EN_WORD.findall(clause)[-3:]
            negated = bool(words) and bool(lexicon.negators_en.search(" ".join(words)))
    conditional = bool(lexicon.conditional.search(sentence)) or bool(lexicon.hesitant.search(clause))
    hypothetical = bool(lexicon.hypothetical.search(sentence)) and not conditional
    reported = bool(lexicon.reported.search(sentence))
    return Modifiers(negated=negated, hypothetical=hypothetical, reported=reported, conditional=conditional)


def detect_cues(text: str, norm: str, lexicon: Lexicon, scan: Scan) -> list[CueHit]:
    """Every cue in `text` (`norm` = normalize(text), `scan` = lexicon.index.scan(norm)), by position."""
    hits: list[CueHit] = []
    for key, found in scan.items():
        spec = lexicon.cue_by_key.get(key)
        if spec is None:
            continue
        for start, end, _ in found:
            if spec.code in _THIRD_PARTY_CUES and _about_third_party(norm, start, end):
                continue
            mods = modifiers_at(norm, start, end, lexicon, negatable=spec.negatable)
            retracted = spec.negatable and bool(_RETRACTION.search(norm, end, end + _RETRACTION_REACH))
            inquiry = spec.code is CueCode.COMPLAINT_INTENT and _asks_how(norm, start, end, lexicon)
            hits.append(
                CueHit(
                    code=spec.code,
                    start=start,
                    end=end,
                    text=text[start:end],
                    negated=mods.negated or retracted,
                    hypothetical=mods.hypothetical if spec.negatable else False,
                    reported=mods.reported if spec.negatable else False,
                    conditional=mods.conditional,
                    inquiry=inquiry,
                )
            )
    hits.extend(_shouting(text, lexicon))
    if not any(h.code is CueCode.EXCLAMATION_INTENSITY for h in hits):
        hits.extend(_scattered_exclamations(text, norm))
    hits.sort(key=lambda h: (h.start, -h.end, h.code))
    return _drop_overlaps(hits)


def retracted(norm: str, cue: CueHit) -> bool:
    """Whether `cue` is taken back right after it is said (我要投诉——开玩笑的)."""
    return bool(_RETRACTION.search(norm, cue.end, cue.end + _RETRACTION_REACH))


def third_party_complaints(norm: str) -> list[tuple[int, int]]:
    """Where the text speaks of complaining about a third party (投诉那个商家 / "report that shop")."""
    return [m.span() for m in _THIRD_PARTY.finditer(norm)]


def _about_third_party(norm: str, start: int, end: int) -> bool:
    """Whether the complaint cue at `[start, end)` names a third party as its target (投诉那个商家)."""
    return any(m.start() < end and m.end() > start for m in _THIRD_PARTY.finditer(norm, max(0, start - 12)))


def _asks_how(norm: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """Whether the complaint cue at `[start, end)` sits in a question about how to complain (an inquiry
    phrase overlapping it or just around it: 怎么投诉 / "how do I file a complaint")."""
    offset = max(0, start - 24)
    return any(
        offset + m.start() < end + 4 and offset + m.end() > start - 4
        for m in lexicon.inquiry.finditer(norm[offset : end + 24])
    )


def _shouting(text: str, lexicon: Lexicon) -> list[CueHit]:
    """ALL-CAPS words; short ones (CFPB, ATM) are read as acronyms unless several are shouted."""
    words = [m for m in _SHOUT.finditer(text) if m.group(0) not in _ACRONYMS]
    several = sum(1 for m in words if len(m.group(0)) >= lexicon.shouting_min_letters) >= 2
    return [
        CueHit(CueCode.EXCLAMATION_INTENSITY, m.start(), m.end(), m.group(0))
        for m in words
        if len(m.group(0)) > lexicon.shouting_min_letters or (several and len(m.group(0)) >= 3)
    ]


def _scattered_exclamations(text: str, norm: str) -> list[CueHit]:
    """Two or more separate `!` in one message read as raised intensity, like a run does."""
    if norm.count("!") < 2:
        return []
    marks = [i for i, ch in enumerate(norm) if ch == "!"]
    return [CueHit(CueCode.EXCLAMATION_INTENSITY, i, i + 1, text[i : i + 1]) for i in marks]


def _drop_overlaps(hits: list[CueHit]) -> list[CueHit]:
    """Keep one hit per (code, overlapping span): the first, longest."""
    kept: list[CueHit] = []
    last_end: dict[CueCode, int] = {}
    for hit in hits:
        if hit.start < last_end.get(hit.code, -1):
            continue
        kept.append(hit)
        last_end[hit.code] = hit.end
    return kept


def contact_count(hit_text: str) -> int:
    """How many contacts a repeat-contact cue states (第三次 → 3; 好几次 → 3; unknown → 2)."""
    digits = re.search(r"\d+", hit_text)
    if digits:
        return int(digits.group(0))
    for ch in hit_text:
        if ch in _ZH_NUMBERS:
            return _ZH_NUMBERS[ch]
    lowered = hit_text.lower()
    for word, n in (
        ("second", 2),
        ("third", 3),
        ("fourth", 4),
        ("fifth", 5),
        ("sixth", 6),
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
    ):
        if word in lowered:
            return n
    if any(w in hit_text for w in ("好几", "多少", "无数", "几", "many", "several", "multiple", "keep")):
        return 3
    return 2


def clause_bounds(norm: str, start: int, end: int) -> tuple[int, int]:
    """The clause around `[start, end)`: from the previous clause break to the next one."""
    left = _start_after(_CLAUSE_BREAK, norm, start)
    nxt = _CLAUSE_BREAK.search(norm, end)
    return left, nxt.end() if nxt else len(norm)


def discounted_clauses(norm: str, cues: list[CueHit]) -> list[tuple[int, int]]:
    """The clauses holding negated, hypothetical or reported cues: they move nothing (SPEC.md R6)."""
    return [clause_bounds(norm, c.start, c.end) for c in cues if not c.counts]


def drop_discounted(scan: Scan, clauses: list[tuple[int, int]]) -> Scan:
    """`scan` without the lexicon evidence (other than cues) found inside discounted clauses."""
    if not clauses:
        return scan
    return {
        key: hits
        if key.startswith("cue:")
        else [h for h in hits if not any(a <= h[0] and h[1] <= b for a, b in clauses)]
        for key, hits in scan.items()
    }


def without_discounted_cues(text: str, norm: str, cues: list[CueHit]) -> str:
    """`text` without the clauses of negated, hypothetical or reported cues (SPEC.md R6)."""
    spans = discounted_clauses(norm, cues)
    if not spans:
        return text
    keep = [True] * len(text)
    for start, end in spans:
        for i in range(start, end):
            keep[i] = False
    rest = "".join(ch for ch, k in zip(text, keep, strict=True) if k).strip(" ,，、;；:：")
    return rest or text


def spans_of(scan: Scan, key: str, text: str) -> list[Span]:
    """The non-overlapping matches of one lexicon key, as spans on the original text."""
    spans: list[Span] = []
    last_end = -1
    for start, end, _ in scan.get(key, ()):
        if start >= last_end:
            spans.append(Span(start, end, text[start:end]))
            last_end = end
    return spans
