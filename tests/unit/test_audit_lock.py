"""`tools/audit_lock.py` (what `make audit` runs) against a fake PyPI JSON API on loopback: which source
answers each pin, what counts as a finding, and the exit status."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_lock", ROOT / "tools" / "audit_lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


audit_lock = _load_tool()

ADVISORY = {"id": "GHSA-xxxx-0001", "aliases": ["CVE-2026-1"], "fixed_in": ["2.0"], "withdrawn": None}
WITHDRAWN = {"id": "PYSEC-0000-9", "aliases": [], "fixed_in": [], "withdrawn": "2026-01-01T00:00:00Z"}

# path -> JSON body; anything else is a 404 (as the mirror answers for per-release URLs)
PAGES: dict[str, dict[str, Any]] = {
    "/pypi/served/1.0/json": {"info": {"version": "1.0"}, "vulnerabilities": [ADVISORY]},
    "/pypi/latest-clean/json": {"info": {"version": "3.1"}, "vulnerabilities": [WITHDRAWN]},
    "/pypi/latest-bad/json": {"info": {"version": "0.9"}, "vulnerabilities": [ADVISORY]},
    "/pypi/old/json": {"info": {"version": "5.0"}, "vulnerabilities": []},
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/pypi"
    finally:
        server.shutdown()
        server.server_close()


def _lock(tmp_path: Path, *pins: str) -> Path:
    path = tmp_path / "requirements.lock"
    path.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return path


def test_each_pin_is_answered_by_the_exact_source_or_reported_not_audited(api: str) -> None:
    served = audit_lock.audit_one(api, "Served", "1.0")
    assert (served.how, [a["id"] for a in served.advisories]) == ("release", ["GHSA-xxxx-0001"])
    clean = audit_lock.audit_one(api, "latest_clean", "3.1")
    assert (clean.how, clean.advisories) == ("latest", [])  # the withdrawn advisory does not count
    bad = audit_lock.audit_one(api, "latest.bad", "0.9")
    assert (bad.how, [a["id"] for a in bad.advisories]) == ("latest", ["GHSA-xxxx-0001"])
    old = audit_lock.audit_one(api, "old", "4.2")
    assert old.how == "" and "latest is 5.0" in old.note
    missing = audit_lock.audit_one(api, "nowhere", "1.0")
    assert missing.how == "" and "not on the index" in missing.note


def test_exit_status_fails_on_advisories_and_on_strict_gaps(
    api: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = _lock(tmp_path, "latest-clean==3.1", "old==4.2")
    assert audit_lock.main(["-r", str(clean), "--json-api", api]) == 0
    assert audit_lock.main(["-r", str(clean), "--json-api", api, "--strict"]) == 2
    out = capsys.readouterr().out
    assert "Audited 1 of 2" in out and "old 4.2 (latest is 5.0" in out

    bad = _lock(tmp_path, "latest-bad==0.9", "served==1.0")
    report = tmp_path / "audit.md"
    assert audit_lock.main(["-r", str(bad), "--json-api", api, "--out", str(report)]) == 1
    text = report.read_text(encoding="utf-8")
    assert "| latest-bad | 0.9 | GHSA-xxxx-0001 | CVE-2026-1 | 2.0 | no |" in text
    assert audit_lock.main(["-r", str(bad), "--json-api", api, "--ignore", "GHSA-xxxx-0001"]) == 0


def test_nothing_audited_is_a_failure(tmp_path: Path) -> None:
    lock = _lock(tmp_path, "alembic==1.0")
    # a closed port: every lookup fails, so nothing is audited and the audit must not pass
    assert audit_lock.main(["-r", str(lock), "--json-api", "http://127.0.0.1:9/pypi"]) == 3


def test_a_lock_line_that_is_not_a_pin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a pinned requirement"):
        audit_lock.read_lock(_lock(tmp_path, "alembic>=1.0"))
    pins = audit_lock.read_lock(_lock(tmp_path, "# comment", "", "boolean.py==5.0"))
    assert pins == [("boolean.py", "5.0")]
