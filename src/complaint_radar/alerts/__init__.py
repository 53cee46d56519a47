"""Alert rules (pure): the rule model, YAML parsing, evaluation against subjects, keys, signing."""

from complaint_radar.alerts.destinations import EmailDestination, SmtpServer, WebhookDestination
from complaint_radar.alerts.evaluate import (
    CueEvidence,
    Firing,
    IssueSubject,
    ItemSubject,
    SlaSubject,
    Subject,
    evaluate,
    in_cooldown,
)
from complaint_radar.alerts.parsing import AlertConfigError
from complaint_radar.alerts.rules import (
    AlertConfig,
    AlertRuleSpec,
    Condition,
    RuleKind,
    parse_condition,
    parse_config,
    parse_rule,
)
from complaint_radar.alerts.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature, signed_headers

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AlertConfig",
    "AlertConfigError",
    "AlertRuleSpec",
    "Condition",
    "CueEvidence",
    "EmailDestination",
    "Firing",
    "IssueSubject",
    "ItemSubject",
    "RuleKind",
    "SlaSubject",
    "SmtpServer",
    "Subject",
    "WebhookDestination",
    "evaluate",
    "in_cooldown",
    "parse_condition",
    "parse_config",
    "parse_rule",
    "signature",
    "signed_headers",
]
