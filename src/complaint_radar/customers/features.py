"""The 7-day model's inputs: the SPEC.md §4 signals plus trajectory and context features, each with the
reason code it is explained under and the items behind it."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from complaint_radar.customers.activity import REASON_OF_COUNT, SOOTHING_COUNTS, activity_features
from complaint_radar.customers.context import context_features
from complaint_radar.customers.history import History, SignalHit
from complaint_radar.customers.trajectory import Feature, trajectory_features

SIGNAL_CODES = (
    "recent_stage",
    "negative_trend",
    "repeat_contact",
    "public_negative_mention",
    "unresolved_case_age",
    "dissatisfied_resolution",
    "prior_complaints",
    "csat_drop",
    "nps_drop",
    "exit_behaviour",
    "complaint_channel_lookup",
    "online_friction",
    "branch_wait",
    "call_tone",
    "staff_observation",
    "service_failure",
    "reduced_purchase",
    "usage_decline",
)
"""The SPEC.md §4 signals computed here (`cohort_issue` needs the analytics layer); each is a feature too."""

# The reason code (profile_texts.yaml) each feature is explained under; SPEC.md §4 signals are their own.
REASON_OF: dict[str, str] = {
    "latent_now": "recent_stage",
    "explicit_now": "recent_stage",
    "intent_now": "recent_stage",
    "words_unsoothed": "recent_stage",
    "same_issue_repeat": "repeat_contact",
    "same_issue_explicit_7d": "repeat_contact",
    "reference_to_earlier": "prior_reference",
    "contact_acceleration": "contact_acceleration",
    "escalated_repeat": "escalation",
    "issue_span": "unresolved_issue",
    "contacts_7d_2": "negative_trend",
    "contacts_7d_3": "negative_trend",
    "explicit_7d_2": "negative_trend",
    "contact_days_3": "negative_trend",
    "trouble_kinds_3": "slow_burn",
    "trouble_kinds_4": "slow_burn",
    "families_2": "behaviour_cluster",
    "families_3": "behaviour_cluster",
    "contact_after_bad_closure": "dissatisfied_resolution",
    "friction_unsoothed": "friction_in_context",
    "friction_spoken": "friction_in_context",
    "purchase_overdue": "purchase_overdue",
    "decline_with_words": "purchase_overdue",
    "friction_count": "friction_count",
    "trouble_kinds": "slow_burn",
    "low_surveys": "low_surveys",
    "grumble_days": "negative_trend",
    "issue_weeks": "issue_over_weeks",
    **REASON_OF_COUNT,
}

SOOTHING = ("satisfied_answers", "keeps_buying", "kind_words", *SOOTHING_COUNTS)
"""Inputs that may only lower the probability (good survey answers, steady buying, calm positive
messages, and the activity counts of purchases, logins, good answers, accepted closures and kind words):
the model is monotone decreasing in them, and they are never a reason."""


FEATURES = tuple(dict.fromkeys((*SIGNAL_CODES, *REASON_OF, *SOOTHING)))
"""Every feature the model may weigh."""


def model_inputs(
    h: History,
    hits: Mapping[str, SignalHit],
    *,
    explain: bool = True,
    counts: AbstractSet[str] | None = None,
) -> dict[str, Feature]:
    """Every feature of the customer as of `h.now` (absent ones are 0); `explain=False`: the activity
    counts without the items behind them; `counts`: only these activity inputs (those the model reads:
    the others cannot move it), else all of them."""
    out = {code: Feature(hit.p, hit.evidence, tuple(hit.facts.items())) for code, hit in hits.items()}
    said = trajectory_features(h, h.weights.trajectory)
    out.update(said)
    out.update(context_features(h, hits, said, h.weights.context))
    out.update(activity_features(h, explain=explain, keep=counts))
    return {name: f for name, f in out.items() if f.value > 0.0}


def reason_of(feature: str) -> str:
    return REASON_OF.get(feature, feature)
