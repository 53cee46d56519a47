"""The customer's recent activity as plain counts: a 7-day model input beside the SPEC.md §4 signals.

For each kind of item (messages at or above each stage, messages with each escalation cue, terse or very
angry replies, negative public posts, kind words; each kind of behaviour event, survey answers split by
score), how many the customer produced over the last 1, 3, 7, 14, 30 and 60 days, and how recent the last
one is (1 today, falling to 0 at `RECENCY_DAYS`). The signals and the trajectory features say what a
pattern means; these counts let the fitted model read the raw rhythm of a timeline the hand-made inputs
summarise away (bench/preidentify_reader_ceiling.py measured the gain on development journeys).

R1 holds by construction: an added message or event only adds to counts and only makes a kind more
recent; a message's stage counts as "at or above" each rank, so raising a stage only adds too. The kinds
that read as contentment (purchases, logins, good answers, satisfied closures, kind words) are soothing
inputs (`SOOTHING_COUNTS`): the model may only lower the probability as they grow. A message whose issue
was closed to the customer's satisfaction no longer counts (SPEC.md §4).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from operator import itemgetter

from complaint_radar.customers.history import History, effective_rank
from complaint_radar.customers.signals import MessageSignal
from complaint_radar.customers.timeline import BehaviourEvent, EventKind
from complaint_radar.customers.trajectory import Feature
from complaint_radar.customers.weights import BehaviourWeights
from complaint_radar.text.taxonomy import load_taxonomy
from complaint_radar.types import CueCode, CustomerType

WINDOWS_DAYS = (1, 3, 7, 14, 30, 60)
RECENCY_DAYS = 120.0
Facts = tuple[tuple[str, str], ...]
REASON = "recent_activity"
"""The reason code a count is explained under when no SPEC §4 signal's text fits it (profile_texts.yaml)."""


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of item counted: its code, how the reason text names it, and the reason code it is explained
    under (the SPEC §4 signal it belongs to where that signal's text reads its facts, else `REASON`)."""

    code: str
    zh: str
    en: str
    soothing: bool = False
    reason: str = REASON


_STAGE_KINDS = (
    Kind(
        "said_latent", "潜在抱怨及以上的消息", "messages at latent grumble or above", reason="negative_trend"
    ),
    Kind(
        "said_explicit",
        "显在抱怨及以上的消息",
        "messages at explicit grumble or above",
        reason="negative_trend",
    ),
    Kind(
        "said_potential",
        "潜在投诉及以上的消息",
        "messages at potential complaint or above",
        reason="negative_trend",
    ),
)
_MESSAGE_KINDS = (
    *_STAGE_KINDS,
    Kind(
        "public_grumble", "公开渠道的不满内容", "dissatisfied public posts", reason="public_negative_mention"
    ),
    Kind("terse_reply", "冷淡简短的回复", "terse replies"),
    Kind("angry_reply", "极度愤怒的消息", "extremely angry messages"),
    Kind("kind_words", "平和友善的消息", "calm, friendly messages", soothing=True),
)


_CUE_REASON = {CueCode.PRIOR_REFERENCE: "prior_reference", CueCode.REPEAT_CONTACT: "repeat_contact"}


def _cue_kinds() -> tuple[Kind, ...]:
    taxonomy = load_taxonomy()
    out = []
    for cue in CueCode:
        zh, en = taxonomy.label("cue", cue.value)
        reason = _CUE_REASON.get(cue, REASON)
        out.append(Kind(f"cue_{cue.value}", f"含「{zh}」的消息", f"messages with {en}", reason=reason))
    return tuple(out)


_EVENT_KINDS = (
    Kind("wait", "排队等待", "queue waits"),
    Kind("long_wait", "30 分钟以上的排队等待", "queue waits of 30 minutes or more"),
    Kind("call", "来电", "calls"),
    Kind("rough_call", "多次转接或长时间等待的来电", "calls with transfers or long holds"),
    Kind("transaction_failed", "交易失败", "failed transactions", reason="online_friction"),
    Kind("login_failed", "登录失败", "failed logins", reason="online_friction"),
    Kind("exit_page", "销户/退订类页面访问", "visits to exit pages", reason="exit_behaviour"),
    Kind(
        "complaint_page", "投诉渠道页面访问", "visits to complaint pages", reason="complaint_channel_lookup"
    ),
    Kind("help_page", "帮助页面访问", "help-page visits", reason="online_friction"),
    Kind("delivery_late", "配送延误", "late deliveries", reason="service_failure"),
    Kind(
        "delivery_very_late",
        "延误一天以上的配送",
        "deliveries late by a day or more",
        reason="service_failure",
    ),
    Kind("booking_failed", "预订失败", "failed bookings", reason="service_failure"),
    Kind("service_outage", "服务中断", "service outages", reason="service_failure"),
    Kind(
        "staff_observation",
        "员工观察到的不耐烦迹象",
        "signs of impatience staff noted",
        reason="staff_observation",
    ),
    Kind("low_app_rating", "应用低分评价", "low app ratings", reason="online_friction"),
    Kind(
        "exit_event",
        "退订、转出或解绑",
        "unsubscribes, transfers out or unbound cards",
        reason="exit_behaviour",
    ),
    Kind("csat_low", "满意度 1–2 分", "CSAT answers of 1–2"),
    Kind("csat_middling", "满意度 3 分", "CSAT answers of 3"),
    Kind("nps_low", "推荐意愿 0–6 分", "NPS answers of 0–6"),
    Kind("nps_middling", "推荐意愿 7–8 分", "NPS answers of 7–8"),
    Kind(
        "closed_unsatisfied",
        "未获认可的工单关闭",
        "case closures the customer did not accept",
        reason="dissatisfied_resolution",
    ),
    Kind("purchase", "购买", "purchases", soothing=True),
    Kind("login", "登录", "logins", soothing=True),
    Kind("csat_high", "满意度 4–5 分", "CSAT answers of 4–5", soothing=True),
    Kind("nps_high", "推荐意愿 9–10 分", "NPS answers of 9–10", soothing=True),
    Kind("closed_satisfied", "获认可的工单关闭", "case closures the customer accepted", soothing=True),
)

KINDS: tuple[Kind, ...] = (*_MESSAGE_KINDS, *_cue_kinds(), *_EVENT_KINDS)
_KIND = {k.code: k for k in KINDS}


def count_name(kind: str, days: int) -> str:
    return f"count_{kind}_{days}d"


def recency_name(kind: str) -> str:
    return f"recency_{kind}"


def inputs_of(kind: Kind) -> tuple[str, ...]:
    """The model inputs of one kind: its count over each window, then its recency."""
    return (*(count_name(kind.code, d) for d in WINDOWS_DAYS), recency_name(kind.code))


COUNT_FEATURES: tuple[str, ...] = tuple(name for k in KINDS for name in inputs_of(k))
"""Every count and recency input, in a fixed order."""
REASON_OF_COUNT: dict[str, str] = {name: k.reason for k in KINDS for name in inputs_of(k)}
"""The reason code each count and recency input is explained under."""
SOOTHING_COUNTS: tuple[str, ...] = tuple(name for k in KINDS if k.soothing for name in inputs_of(k))


def message_kinds(m: MessageSignal) -> list[str]:
    """The kinds one message counts as (its stage at or above each rank, its cues, its tone)."""
    rank = effective_rank(m)
    out = [k.code for k in _STAGE_KINDS[:rank]]
    out += [f"cue_{c}" for c in m.cues if f"cue_{c}" in _KIND]
    if rank >= 1 and m.public:
        out.append("public_grumble")
    if m.customer_type == CustomerType.TACITURN:
        out.append("terse_reply")
    elif m.customer_type == CustomerType.EXTREMELY_ANGRY:
        out.append("angry_reply")
    elif rank == 0 and m.sentiment_score > 0.0 and not m.cues:
        out.append("kind_words")
    return out


_SIMPLE_EVENTS: dict[str, str] = {
    EventKind.TRANSACTION_FAILED: "transaction_failed",
    EventKind.LOGIN_FAILED: "login_failed",
    EventKind.BOOKING_FAILED: "booking_failed",
    EventKind.SERVICE_OUTAGE: "service_outage",
    EventKind.STAFF_OBSERVATION: "staff_observation",
    EventKind.PURCHASE: "purchase",
    EventKind.LOGIN: "login",
    EventKind.UNSUBSCRIBE: "exit_event",
    EventKind.AUTO_RENEW_OFF: "exit_event",
    EventKind.FUNDS_TRANSFER_OUT: "exit_event",
    EventKind.CARD_UNBOUND: "exit_event",
}
"""Event kinds that count as one kind whatever their value."""


def event_kinds(e: BehaviourEvent, b: BehaviourWeights) -> list[str]:
    """The kinds one behaviour event counts as (none for an ordinary page visit or an unknown kind); `b`
    names the exit and complaint pages."""
    kind, number = e.kind, e.number
    if kind in _SIMPLE_EVENTS:
        return [_SIMPLE_EVENTS[kind]]
    if kind == EventKind.QUEUE_WAIT:
        return ["wait", "long_wait"] if number >= 30 else ["wait"]
    if kind == EventKind.CALL:
        transfers = float(e.attributes.get("transfers") or 0)
        hold = float(e.attributes.get("hold_minutes") or 0)
        return ["call", "rough_call"] if transfers >= 2 or hold >= 5 else ["call"]
    if kind == EventKind.SURVEY_CSAT:
        return ["csat_low" if number <= 2 else "csat_middling" if number < 4 else "csat_high"]
    if kind == EventKind.SURVEY_NPS:
        return ["nps_low" if number <= 6 else "nps_middling" if number <= 8 else "nps_high"]
    if kind == EventKind.CASE_CLOSED:
        return ["closed_satisfied" if e.attributes.get("satisfied") is True else "closed_unsatisfied"]
    if kind == EventKind.DELIVERY_DELAYED:
        return ["delivery_late", "delivery_very_late"] if number >= 24 else ["delivery_late"]
    if kind == EventKind.APP_RATING:
        return ["low_app_rating"] if 0 < number <= 2 else []
    if kind == EventKind.PAGE_VISIT:
        if e.code in b.exit_pages:
            return ["exit_page"]
        if e.code in b.complaint_pages:
            return ["complaint_page"]
        return ["help_page"] if e.code.startswith("help") else []
    return []


def activity_features(
    h: History, *, explain: bool = True, keep: AbstractSet[str] | None = None
) -> dict[str, Feature]:
    """Each kind's counts over the windows and its recency, as of `h.now` (kinds never seen: absent);
    `explain=False` leaves out the items and facts behind them (the trend's view needs the values only);
    `keep`: only these inputs (those a model reads), else all."""
    wanted = _wanted(keep)
    seen: dict[str, list[tuple[float, str]]] = {}
    for m in h.messages:
        age = h.age(m)
        if age <= RECENCY_DAYS and not h.resolved(m):
            for kind in message_kinds(m):
                if kind in wanted:
                    seen.setdefault(kind, []).append((age, m.message_id))
    behaviour = h.weights.behaviour
    for e in h.events:
        age = h.age(e)
        if age <= RECENCY_DAYS:
            for kind in event_kinds(e, behaviour):
                if kind in wanted:
                    seen.setdefault(kind, []).append((age, e.event_id))
    out: dict[str, Feature] = {}
    for code, found in seen.items():
        found.sort(key=itemgetter(0))  # youngest first; ties keep the timeline's order
        ages = [age for age, _ in found]
        recency, windows, names = wanted[code]
        evidence = tuple(ref for _, ref in found[:3]) if explain else ()
        youngest = ages[0]
        if recency:
            out[recency] = Feature(
                1.0 - youngest / RECENCY_DAYS,
                evidence[:1],
                (*names, ("count", 1), ("days", max(1, round(youngest)))) if explain else (),
            )
        for days, name in windows:
            n = bisect_right(ages, days)
            if n:
                out[name] = Feature(
                    float(n), evidence[:n], (*names, ("count", n), ("days", days)) if explain else ()
                )
    return out


_Names = tuple[str, tuple[tuple[int, str], ...], Facts]
_NAMES: dict[str, _Names] = {
    k.code: (
        recency_name(k.code),
        tuple((days, count_name(k.code, days)) for days in WINDOWS_DAYS),
        (("what_zh", k.zh), ("what_en", k.en)),
    )
    for k in KINDS
}
"""Per kind: its recency input, its count inputs by window, and its name for the reason text."""
_WANTED: list[tuple[AbstractSet[str], dict[str, _Names]]] = []


def _wanted(keep: AbstractSet[str] | None) -> Mapping[str, _Names]:
    """`_NAMES` cut down to the kinds and inputs in `keep` (no recency input: ""); held per set by
    identity (one per model)."""
    if keep is None:
        return _NAMES
    for known, kept in _WANTED:
        if known is keep:
            return kept
    cut: dict[str, _Names] = {}
    for code, (recency, windows, what) in _NAMES.items():
        entry = (recency if recency in keep else "", tuple((d, n) for d, n in windows if n in keep), what)
        if entry[0] or entry[1]:
            cut[code] = entry
    del _WANTED[:-3]
    _WANTED.append((keep, cut))
    return cut
