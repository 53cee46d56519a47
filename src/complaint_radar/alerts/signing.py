"""Webhook signatures: HMAC-SHA256 of `TIMESTAMP + "." + raw body` under the destination's secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Complaint-Radar-Timestamp"
SIGNATURE_HEADER = "X-Complaint-Radar-Signature"
SIGNATURE_PREFIX = "sha256="


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Complaint-Radar-Signature` value: `sha256=` and the hex HMAC of `"{timestamp}." + body`."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers a webhook POST carries besides its content type."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float, tolerance_s: float = 300.0
) -> bool:
    """Whether a received webhook is genuine and fresh: its signature matches and its timestamp is
    within `tolerance_s` of `now` (a replayed old request fails). Header names are case-insensitive."""
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp, given = lower.get(TIMESTAMP_HEADER.lower(), ""), lower.get(SIGNATURE_HEADER.lower(), "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), given)
