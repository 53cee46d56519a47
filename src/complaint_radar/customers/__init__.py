"""Customer-level pre-identification (投诉预识别): timeline signals and the customer risk profile."""

from complaint_radar.customers.profile import (
    ActionCode,
    CustomerRiskProfile,
    NextAction,
    OpenCase,
    Reason,
    Trend,
    compute_profile,
    context_risk_score,
    trend_baseline,
)
from complaint_radar.customers.signals import CaseSignal, MessageSignal, find_topic
from complaint_radar.customers.timeline import (
    BehaviourEvent,
    EventKind,
    InvalidEventError,
    ParsedEvents,
    SkippedEvent,
    UnknownEventKindError,
    parse_event,
    parse_events,
)
from complaint_radar.customers.weights import ProfileWeights, weights_from_settings

__all__ = [
    "ActionCode",
    "BehaviourEvent",
    "CaseSignal",
    "CustomerRiskProfile",
    "EventKind",
    "InvalidEventError",
    "MessageSignal",
    "NextAction",
    "OpenCase",
    "ParsedEvents",
    "ProfileWeights",
    "Reason",
    "SkippedEvent",
    "Trend",
    "UnknownEventKindError",
    "compute_profile",
    "context_risk_score",
    "find_topic",
    "parse_event",
    "parse_events",
    "trend_baseline",
    "weights_from_settings",
]
