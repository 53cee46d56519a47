"""Causes and demands of a message from the cause model's label probabilities (SPEC.md §2.1, §2.5).

The cause model (models/cause_model.py) gives every label a probability and a threshold chosen by
cross-validation on the training corpus. A message at stage `none` has no cause (guideline G1); a
dissatisfied message gets every cause whose probability reaches its threshold (less a secondary one
far below the main cause, see `CauseReading.secondary`), `other` only when no concrete cause does (G7),
and then the terms that made it read as dissatisfied as evidence, so analysts can cluster what the
taxonomy misses (SPEC.md §7.5). Evidence spans are the lexicon's match
for the cause where there is one, else the n-grams that pushed the model towards it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from complaint_radar.models.cause_corpus import CAUSE_CODES, DEMAND_CODES, DISSATISFIED, EXPLICIT
from complaint_radar.text.cues import Scan, clause_bounds, contact_count, spans_of
from complaint_radar.types import PUBLIC_CHANNELS, Cause, CueCode, CueHit, Demand, LabelScore, Span

Evidence = Callable[[str], list[Span]]
# Cues that state a demand outright (SPEC.md §2.4): the demand is given whatever the model says. The refund
# and cancel cues also match a refund or a cancellation the writer only mentions (where is my refund, the
# refund was refused, cancelling did not stop the emails), which docs/cause_annotation.md §5 does not
# label as a demand, so they give theirs only when the words around them ask (`_asks`); the cues still
# count for the stage (docs/benchmarks.md, "Demand study").
CUE_DEMANDS = {
    CueCode.REFUND_DEMAND: "refund",
    CueCode.CANCEL_DEMAND: "cancel_account",
    CueCode.ESCALATE_REQUEST: "escalate_to_manager",
}
# The cues whose demand needs the asking words (`_ASKING` just before the cue in its clause, or a cue that
# asks in itself: 退我钱, 把钱退给我, "refund me"). Not 申请退款 (applied for: a report, not a request)
# nor a bare 要/想 (要退款得先…: how the procedure goes).
_MENTIONED = frozenset({CueCode.REFUND_DEMAND, CueCode.CANCEL_DEMAND})
_ASKING = re.compile(
    r"我(?:就)?要|要求|我想要|希望|(?<!申)[请請]|必须|必須|务必|務必|马上|馬上|立刻|立即|赶紧|趕緊|给我|給我|"
    r"帮我|幫我|我就|直接|"
    r"\b(?:want|need|demand|demanding|expect|request|requesting|like|give me|please|insist|ask(?:ing)? for|"
    r"i'll|i will|going to|gonna|or i)\b",
    re.IGNORECASE,
)
_ASKS_ITSELF = re.compile(r"给我|給我|退我|把钱退|把錢退|\brefund me\b", re.IGNORECASE)


def _asks(norm: str, hit: CueHit) -> bool:
    """Whether the words of a refund or cancel cue ask for it rather than mention it."""
    if hit.code not in _MENTIONED or _ASKS_ITSELF.search(norm, hit.start, hit.end + 3):
        return True
    left, _ = clause_bounds(norm, hit.start, hit.end)
    return bool(_ASKING.search(norm, max(left, hit.start - 16), hit.start))


@dataclass(frozen=True)
class CauseRules:
    """Which lexicon evidence decides on its own, besides the model (each measured by cross-validation
    on the training corpus, docs/benchmarks_causes.md)."""

    # A high-precision pattern (`strong:<code>`) or a device + failure composition gives the cause.
    lexical_causes: bool = True
    # A dissatisfied message no cause reaches the threshold for gets its most probable cause if that
    # one's probability is at least `best_guess` (`other` when `other` is the most probable); 1 = never.
    best_guess: float = 0.0
    # The best guess is the cause nearest its own threshold (probability / threshold), not the most
    # probable one: a cause the model gives readily (`other`, threshold 0.36) does not outrank one it is
    # cautious about (paired CV neutral, +0.000 ± 0.001 per script; a long English sentence with a late
    # delivery in it reads `delivery_logistics`, not `other`).
    best_guess_relative: bool = True
    # A demand pattern (`demand:<code>`) outside a discounted clause gives the demand.
    lexical_demands: bool = False
    # A cue that states a demand (refund, cancel, manager) gives it.
    cue_demands: bool = True
    # The demands SPEC.md §8 reads into its scenarios, each from a narrow pattern (see `_implied`).
    implied_demands: bool = True
    # Languages whose messages from a known channel have the cause model's gate decide whether the
    # learned models' reading (and a lexicon problem fact) counts (pipeline `_model_signals`).
    gate_languages: frozenset[str] = frozenset({"en"})
    # Whether a gate reading no problem also overrules an explicit reading (the English complaint model's,
    # or the heads' explicit grumble with a named cause); when not, it overrules the problem readings only.
    gate_vetoes_grumble: bool = False
    # How English messages from a known non-public channel use `complaint_en_cs` (trained on the tweets plus
    # the cause corpus's English messages; issue 18, docs/benchmarks.md, branch `complaint-en-cs`): `veto`,
    # the tweet-trained `complaint_en`'s complaint reading counts only when `complaint_en_cs` agrees (corpus
    # CV, English: calm read calm 0.675 → 0.769, grumbles read as such 0.966 → 0.964); `replace`,
    # `complaint_en_cs` reads them instead (calm 0.740, grumbles 0.978, but it reads some routine
    # questions as complaints: satisfied heavy users flagged 0 → 5 of 84 on the development journeys);
    # `off`, `complaint_en` reads them as any message.
    customer_service_complaint_model: str = "veto"
    # Public channels whose English messages are read as messages to the company too (the mode above):
    # `complaint_en` reads much praise in reviews as complaints ("Quick delivery and lovely packaging, 5
    # stars"). English-only paired CV (eleventh session, `bench/causes_public_channels.py`): with `review`,
    # cause micro-F1 +0.002 ± 0.001 and stage accuracy +0.006 ± 0.002 (5/5 folds each); calm reviews read
    # dissatisfied 133 → 62 of 237, grumbling reviews read calm 26 → 28 of 1,006. `social_post` is not
    # named: `complaint_en` was trained on such posts, and with the veto the Twitter test tweets passed as
    # social posts score `is_complaint` F1 0.637 instead of 0.793. Messages of no channel keep `complaint_en`.
    customer_service_public: frozenset[str] = frozenset({"review"})


RULES = CauseRules()


CS_MODEL_MODES = ("off", "replace", "veto")


def customer_service_complaint_model() -> str:
    """How English messages to the company use `complaint_en_cs`: `off`, `replace` or `veto` (`RULES`)."""
    mode = RULES.customer_service_complaint_model
    if mode not in CS_MODEL_MODES:
        raise ValueError(f"customer_service_complaint_model must be one of {CS_MODEL_MODES}, not {mode!r}")
    return mode


def to_the_company(channel: str | None) -> bool:
    """Whether an English message on `channel` is read as one to the company (`complaint_en_cs`, as
    `customer_service_complaint_model` says): a known non-public channel, or a public one
    `RULES.customer_service_public` names."""
    if channel is None:
        return False
    return channel not in PUBLIC_CHANNELS or channel in RULES.customer_service_public


def gate_vetoes_grumble() -> bool:
    """Whether a gate reading no problem overrules the learned models' explicit reading too."""
    return RULES.gate_vetoes_grumble


def gate_decides(language: str) -> bool:
    """Whether the cause model's gate decides for messages of `language` (`RULES.gate_languages`)."""
    return language in RULES.gate_languages


@dataclass(frozen=True)
class CauseReading:
    """The cause model's reading of one message: each label's probability and threshold."""

    proba: Mapping[str, float]
    thresholds: Mapping[str, float]
    gate: float | None = None  # the gate's probability that the message states a problem (None: no gate)
    gate_threshold: float = 0.5
    # A cause that reaches its threshold is given only if its probability is at least this share of the
    # most probable cause that reaches its own (0: every one is); chosen with the model (cause_model.py).
    secondary: float = 0.0

    def passes(self, label: str) -> bool:
        return self.proba.get(label, 0.0) >= self.thresholds.get(label, 1.0)

    def secondary_floor(self) -> float:
        """The probability below which a cause that reaches its threshold is not given: `secondary`
        times the probability of the most probable cause (`other` included) that reaches its own."""
        passing = [self.proba.get(f"cause:{c}", 0.0) for c in CAUSE_CODES if self.passes(f"cause:{c}")]
        return self.secondary * max(passing, default=0.0)

    @property
    def dissatisfied(self) -> bool:
        """Reads as a problem or complaint (stage ≥ latent_grumble)."""
        return self.passes(DISSATISFIED)

    @property
    def gated(self) -> bool | None:
        """The gate's decision that the message states a problem; None without a gate."""
        return None if self.gate is None else self.gate >= self.gate_threshold

    @property
    def explicit(self) -> bool:
        """Reads as an explicit grumble or more (stage ≥ explicit_grumble)."""
        return self.passes(EXPLICIT)


_CONCRETE = tuple(c for c in CAUSE_CODES if c not in (Cause.EXPECTATION_GAP, Cause.OTHER))


def concrete_cause_count(reading: CauseReading) -> int:
    """How many concrete causes (not `expectation_gap`, not `other`) the model reads in a message."""
    return sum(reading.passes(f"cause:{c}") for c in _CONCRETE)


def _lexical_spans(scan: Scan, text: str, family: str, code: str) -> list[Span]:
    if family == "cause":
        return spans_of(scan, f"cause:{code}", text) + spans_of(scan, f"composition:{code}", text)
    return spans_of(scan, f"{family}:{code}", text)


def decide_causes(
    reading: CauseReading,
    text: str,
    scan: Scan,
    evidence: Evidence,
    *,
    dissatisfied: bool,
    guess: bool = True,
) -> list[LabelScore]:
    """The causes of a message whose stage is at least `latent_grumble` (`dissatisfied`). Without
    `guess` (a question about how to complain, an "I'm not complaining"), only causes that reach their
    threshold or a pattern are given: no best guess, no `other`."""
    if not dissatisfied:
        return []
    floor = reading.secondary_floor()

    def given(code: str) -> bool:
        label = f"cause:{code}"
        return reading.passes(label) and reading.proba.get(label, 0.0) >= floor

    codes = [
        c
        for c in CAUSE_CODES
        if c != Cause.OTHER and (given(c) or (RULES.lexical_causes and _forced(scan, c)))
    ]
    if not codes and guess:
        # No cause reaches its threshold: the one nearest its threshold (`_guess_score`), `other` included,
        # still names the problem.
        best = max(CAUSE_CODES, key=lambda c: (_guess_score(reading, c), c))
        if best != Cause.OTHER and reading.proba.get(f"cause:{best}", 0.0) >= RULES.best_guess:
            codes = [best]
    if not codes and not guess:
        return []
    if not codes:
        terms = evidence(DISSATISFIED) or _lexical_spans(scan, text, "cause", Cause.OTHER)
        confidence = 1.0 - max(reading.proba.get(f"cause:{c}", 0.0) for c in CAUSE_CODES if c != Cause.OTHER)
        return [LabelScore(Cause.OTHER, round(confidence, 3), tuple(terms))]
    found = []
    for code in codes:
        spans = spans_of(scan, f"strong:{code}", text) + _lexical_spans(scan, text, "cause", code)
        confidence = reading.proba.get(f"cause:{code}", 0.0)
        if _forced(scan, code):
            confidence = max(confidence, 0.8)
        found.append(LabelScore(code, round(confidence, 3), tuple(spans or evidence(f"cause:{code}"))))
    found.sort(key=lambda ls: (-ls.confidence, ls.code))
    return found


def _guess_score(reading: CauseReading, code: str) -> float:
    """How strongly the model points at `code` when no cause reaches its threshold
    (`RULES.best_guess_relative`)."""
    p = reading.proba.get(f"cause:{code}", 0.0)
    if not RULES.best_guess_relative:
        return p
    return p / max(reading.thresholds.get(f"cause:{code}", 1.0), 1e-6)


def _forced(scan: Scan, code: str) -> bool:
    return bool(scan.get(f"strong:{code}") or scan.get(f"composition:{code}"))


def decide_demands(
    reading: CauseReading,
    text: str,
    norm: str,
    scan: Scan,
    cues: Sequence[CueHit],
    causes: Sequence[LabelScore],
    evidence: Evidence,
    *,
    dissatisfied: bool,
) -> list[LabelScore]:
    """Stated or clearly implied demands: the model's, those a pattern or cue states outright, and
    (with `RULES.implied_demands`) those a cue or cause implies."""
    scores: dict[str, float] = {}
    spans: dict[str, list[Span]] = {}

    def add(code: str, confidence: float, found: Sequence[Span] = ()) -> None:
        scores[code] = max(scores.get(code, 0.0), confidence)
        spans.setdefault(code, []).extend(found)

    for code in DEMAND_CODES:
        label = f"demand:{code}"
        lexical = _lexical_spans(scan, text, "demand", code)
        if reading.passes(label):
            add(code, reading.proba[label], lexical or evidence(label))
        elif dissatisfied and RULES.lexical_demands and lexical:
            add(code, 0.8, lexical)
    if not dissatisfied:
        return _ranked(scores, spans)
    counting = [c for c in cues if c.counts]
    for hit in counting:
        stated = CUE_DEMANDS.get(hit.code)
        if stated is not None and RULES.cue_demands and _asks(norm, hit):
            add(stated, 0.85, [Span(hit.start, hit.end, hit.text)])
    if RULES.implied_demands:
        _implied(add, counting, {c.code for c in causes}, norm)
    return _ranked(scores, spans)


# Narrow readings behind the demands of SPEC.md §8 (S03, S06, S08, S10, S18). The guidelines do not
# infer a demand from a problem alone, so each rule needs the problem AND the words that ask.
_REBATE = re.compile(r"返|送|赠|补|rebate|cashback|bonus|credit|voucher|gift")
_ONGOING_FAULT = re.compile(r"(?:一直|还|仍然|依然)(?:是)?坏着|still (?:broken|not working|dead)")
_NOWHERE_TO_STAY = re.compile(
    r"去哪(?:儿|里)?住|where (?:am i|are we|do we) (?:supposed|meant|going) to (?:stay|sleep)"
)
_NEVER_ORDERED = re.compile(r"乱扣|从来没(?:订|开通|办|用)|never (?:ordered|signed up|subscribed|asked for)")
_QUESTION = re.compile(r"[?？]")
# Speed asked for in so many words, or a time limit set on the fix (docs/cause_annotation.md §5: `expedite`
# is "speed: today, as soon as possible, hurry, a firm date").
# Not the staff's promise the customer quotes (客服说会尽快处理).
_SPEED = re.compile(
    r"(?<![会會])(?:尽快|盡快)|赶紧|趕緊|赶快|趕快|as soon as possible|\basap\b|urgently", re.IGNORECASE
)
_TIME_LIMIT = re.compile(
    r"今天|今日|今晚|明天|聽日|听日|马上|馬上|立刻|\d+\s*(?:个|個)?(?:小时|小時|钟头)|"
    r"\b(?:today|tonight|tomorrow|by (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|end of))\b",
    re.IGNORECASE,
)


def _implied(add: Callable[[str, float], None], cues: Sequence[CueHit], causes: set[str], norm: str) -> None:
    codes = {c.code for c in cues}
    if CueCode.COMPLAINT_INTENT in codes and Cause.SERVICE_ATTITUDE in causes:
        add(Demand.APOLOGY, 0.6)  # complaining about a person's attitude asks for an apology (S01, S04)
    if CueCode.BROKEN_PROMISE in codes and _REBATE.search(norm):
        add(Demand.COMPENSATION, 0.55)  # an unpaid rebate or gift asks to be paid (S06)
        if CueCode.ACCUSATION in codes and _QUESTION.search(norm):
            add(Demand.EXPLANATION, 0.55)  # "你们这不就是骗人吗?" asks them to account for it
    many = any(c.code is CueCode.REPEAT_CONTACT and contact_count(c.text) >= 3 for c in cues)
    if many and CueCode.LONG_WAIT in codes:
        add(Demand.EXPEDITE, 0.5)  # the third call about an overdue answer asks for speed (S10)
    if _SPEED.search(norm) or (CueCode.DEADLINE_ULTIMATUM in codes and _TIME_LIMIT.search(norm)):
        add(Demand.EXPEDITE, 0.5)  # "hurry", or a fix by a set time or else (S07, S13)
    if Cause.PRICE_BILLING in causes and _NEVER_ORDERED.search(norm):
        add(Demand.REFUND, 0.5)  # a charge for something never ordered asks for the money back (S18)
    if Cause.FACILITY_SYSTEM_FAILURE in causes and (
        _ONGOING_FAULT.search(norm) or _NOWHERE_TO_STAY.search(norm)
    ):
        add(
            Demand.REPLACEMENT_REPAIR, 0.5
        )  # a fault still there, or no room tonight, asks for a fix (S03, S08)


def _ranked(scores: dict[str, float], spans: dict[str, list[Span]]) -> list[LabelScore]:
    result = [
        LabelScore(code, round(conf, 3), tuple(_dedupe(spans.get(code, [])))) for code, conf in scores.items()
    ]
    result.sort(key=lambda ls: (-ls.confidence, ls.code))
    return result


def _dedupe(spans: list[Span]) -> list[Span]:
    seen: set[tuple[int, int]] = set()
    out = []
    for span in spans:
        if (span.start, span.end) not in seen:
            seen.add((span.start, span.end))
            out.append(span)
    return out
