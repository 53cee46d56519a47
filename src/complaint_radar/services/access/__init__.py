"""Access: API keys, roles and permissions, case scope, key cache and per-key rate limits."""

from complaint_radar.services.access.keys import (
    IssuedKey,
    KeyInfo,
    authenticate,
    authenticate_key_id,
    issue_key,
    list_keys,
    parse_duration,
    revoke_key,
    rotate_key,
)
from complaint_radar.services.access.permissions import (
    ROLE_ALIASES,
    ROLE_PERMISSIONS,
    CaseScope,
    Permission,
    Principal,
    case_scope,
    in_scope,
    parse_role,
    rate_limit_for,
    redact_text,
    require,
    require_case_access,
)
from complaint_radar.services.access.secret import KeyHasher, key_hasher

__all__ = [
    "ROLE_ALIASES",
    "ROLE_PERMISSIONS",
    "CaseScope",
    "IssuedKey",
    "KeyHasher",
    "KeyInfo",
    "Permission",
    "Principal",
    "authenticate",
    "authenticate_key_id",
    "case_scope",
    "in_scope",
    "issue_key",
    "key_hasher",
    "list_keys",
    "parse_duration",
    "parse_role",
    "rate_limit_for",
    "redact_text",
    "require",
    "require_case_access",
    "revoke_key",
    "rotate_key",
]
