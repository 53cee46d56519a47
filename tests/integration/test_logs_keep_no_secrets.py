"""A full run as an operator does it (keys, ingest, `serve` with two workers, API traffic with PII-laden
messages, wrong keys, keys in query strings) at DEBUG level: the captured logs hold no phone, ID-card or
bank-card number, no e-mail address and no raw API key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from served import free_port, wait_until_ready

PII = {
    "phone": "13912345678",
    "id card": "11010519491231002X",
    "bank card": "6222021234567890128",
    "e-mail": "zhang.san@example.com",
}
TEXT = (
    f"电话{PII['phone']} 身份证{PII['id card']} 卡号{PII['bank card']} 邮箱{PII['e-mail']} 再不退款我就投诉!"
)
CLI = [sys.executable, "-m", "complaint_radar.cli.main"]


@pytest.mark.slow
def test_logs_of_a_full_run_hold_no_pii_and_no_api_keys(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "COMPLAINT_RADAR_DATA_DIR": str(tmp_path / "data"),
        "COMPLAINT_RADAR_LOG_LEVEL": "DEBUG",
    }
    logs: list[str] = []

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*CLI, *args], capture_output=True, text=True, env=env, timeout=300, check=False
        )
        logs.append(done.stderr)
        return done

    created = cli("keys", "create", "--name", "ops", "--role", "admin")
    assert created.returncode == 0, created.stderr
    admin_key = created.stdout.strip()  # the one place a key is shown: stdout, on purpose, once
    messages = tmp_path / "messages.csv"
    messages.write_text(
        "message_id,customer_id,occurred_at,channel,text,contact\n"
        f"m1,{PII['phone']},2026-11-16T09:00:00+08:00,chat,{TEXT},{PII['e-mail']}\n"
        f"m2,{PII['phone']},not a time,chat,{TEXT},\n"
        f"m3,{PII['phone']},2026-11-16T09:05:00+08:00,{PII['e-mail']},{TEXT},\n",  # reason quotes it
        encoding="utf-8",
    )
    ingested = cli("ingest", str(messages), "--kind", "messages", "--quiet")
    logs.append(ingested.stdout)
    assert ingested.returncode == 0 and "1 new" in ingested.stderr, ingested.stderr

    port = free_port()
    out, err = tmp_path / "server.out", tmp_path / "server.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", "2", "--log-level", "debug"],
            stdout=stdout,
            stderr=stderr,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_ready(base, server, where_output="; see server.err")
            wrong_key = "cr_" + "x" * 43
            with httpx.Client(base_url=base, timeout=60) as client:
                auth = {"X-API-Key": admin_key}
                for _ in range(4):  # both workers see traffic
                    assert client.post("/v1/assess", headers=auth, json={"text": TEXT}).status_code == 200
                row = {"message_id": "a1", "customer_id": PII["phone"], "occurred_at": "2026-11-16T10:00:00Z"}
                bad_row = {**row, "message_id": "a2", "channel": PII["e-mail"], "text": TEXT}
                sent = client.post(
                    "/v1/messages", headers=auth, json={"items": [{**row, "text": TEXT}, bad_row]}
                )
                assert sent.status_code == 200, sent.text
                assert client.get(f"/v1/customers/{PII['phone']}", headers=auth).status_code == 200
                query = {"customer_id": PII["phone"], "source": PII["e-mail"], "api_key": admin_key}
                assert client.get("/v1/messages", headers=auth, params=query).status_code == 200
                assert client.get("/v1/alerts", headers={"X-API-Key": wrong_key}).status_code == 401
                assert (
                    client.get("/v1/alerts", headers={"Authorization": f"Bearer {admin_key}"}).status_code
                    == 200
                )
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    logs += [out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")]
    captured = "\n".join(logs)
    assert f"/v1/customers/{PII['phone'][:3]}****" in captured, (
        "no access log captured: the test proves nothing"
    )
    assert "skipped" in captured and "z***@example.com" in captured, "the row problems were not logged"
    leaked = [kind for kind, value in PII.items() if value in captured]
    assert not leaked, f"logs hold raw {leaked}"
    assert admin_key not in captured and wrong_key not in captured, "a raw API key reached the logs"
