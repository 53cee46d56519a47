"""Webhook signatures: HMAC-SHA256 of `TIMESTAMP + "." + raw body` under the destination's secret."""

from __future__ import annotations

import hashlib
import hmac

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
