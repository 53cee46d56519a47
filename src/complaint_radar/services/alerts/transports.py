"""Sending an alert once: a signed webhook POST (httpx) or an e-mail (smtplib); an outcome, never a raise."""

from __future__ import annotations

import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from complaint_radar.alerts import EmailDestination, SmtpServer, WebhookDestination, signed_headers

USER_AGENT = "complaint-radar-alerts/1"
MAX_ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """How one attempt went: delivered or not, the HTTP status (webhooks), the error, the time taken."""

    delivered: bool
    duration_ms: float
    status_code: int | None = None
    error: str | None = None


def body_bytes(body: dict[str, Any]) -> bytes:
    """The exact bytes a webhook signs and sends (compact UTF-8 JSON)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send_webhook(client: httpx.Client, destination: WebhookDestination, body: bytes) -> AttemptResult:
    """POST the body, signed at the current second; any 2xx answer is a delivery."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(destination.secret, timestamp, body),
    }
    started = time.perf_counter()
    try:
        response = client.post(destination.url, content=body, headers=headers, timeout=destination.timeout_s)
    except httpx.HTTPError as exc:
        return AttemptResult(False, _ms(started), error=_short(f"{type(exc).__name__}: {exc}"))
    if 200 <= response.status_code < 300:
        return AttemptResult(True, _ms(started), response.status_code)
    return AttemptResult(
        False,
        _ms(started),
        response.status_code,
        _short(f"HTTP {response.status_code}: {response.text}"),
    )


def send_email(smtp: SmtpServer, destination: EmailDestination, body: dict[str, Any]) -> AttemptResult:
    """Send the alert as a plain-text e-mail with its JSON body."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(destination.to)
    message["Subject"] = _subject(body)
    message["X-Complaint-Radar-Alert-Id"] = str(body["alert_id"])
    message.set_content(_text(body))
    started = time.perf_counter()
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.username and smtp.password:
                client.login(smtp.username, smtp.password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return AttemptResult(False, _ms(started), error=_short(f"{type(exc).__name__}: {exc}"))
    return AttemptResult(True, _ms(started))


def _subject(body: dict[str, Any]) -> str:
    who = f"customer {body['customer_id']}" if body.get("customer_id") else body.get("kind", "alert")
    return f"[Complaint Radar] {body.get('severity', '')} · {body.get('rule', '')} · {who}"


def _text(body: dict[str, Any]) -> str:
    links = body.get("links") or {}
    lines = [
        f"Rule: {body.get('rule')} ({body.get('kind')}), severity {body.get('severity')}",
        f"Customer: {body.get('customer_id') or '-'}   message: {body.get('message_id') or '-'}",
        f"Stage: {body.get('stage') or '-'}   risk: {_dash(body.get('risk_score'))}",
        "Why:",
        *(f"  - {reason}" for reason in body.get("reasons") or []),
        *(f"  « {item['text']} » ({item['code']})" for item in body.get("evidence") or [] if "text" in item),
        "Links:",
        *(f"  {name}: {url}" for name, url in links.items() if url),
        "",
        json.dumps(body, ensure_ascii=False, indent=2),
    ]
    return "\n".join(lines)


def _dash(value: Any) -> str:
    return "-" if value is None else str(value)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
