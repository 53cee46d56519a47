"""Known vulnerabilities in the locked dependencies (`requirements.lock`), from the PyPI JSON API.

pip-audit asks `https://pypi.org/pypi/NAME/VERSION/json` (per release) and OSV's `api.osv.dev`; where
only a mirror of the package index is reachable, the per-release JSON answers 404 and OSV does not
resolve, so pip-audit reports every dependency as "not found on PyPI" and audits nothing. The
project-level JSON (`/pypi/NAME/json`) is often still served, and its `vulnerabilities` field lists the
known advisories of the project's *latest* release (the same data the per-release JSON gives for that
release). So, per locked `NAME==VERSION`:

1. the per-release JSON when it is served (what pip-audit reads: an exact answer for any version);
2. else the project JSON, when VERSION is the project's latest release (an exact answer too);
3. else the dependency is reported as NOT AUDITED, with the latest version it would take to audit it.

Withdrawn advisories are skipped, as pip-audit does. Exit status: 1 when a locked version has a known
advisory not listed in `--ignore` (each ignore needs a reason in docs/reliability.md), 3 when nothing
could be audited (no source answered), 2 with `--strict` when some dependency could not be audited,
else 0. The report (Markdown) goes to stdout and `--out`.

Run: .venv/bin/python tools/audit_lock.py [-r requirements.lock] [--json-api https://pypi.org/pypi]
                                          [--out FILE] [--strict] [--ignore ID ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_JSON_API = "https://pypi.org/pypi"
TIMEOUT_S = 30.0
GIVE_UP_AFTER = 3  # consecutive failed lookups before any answer: the source is unreachable


@dataclass
class Finding:
    name: str
    version: str
    how: str
    """"release" (per-release JSON), "latest" (project JSON, locked = latest) or "" (not audited)."""
    advisories: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> list[tuple[str, str]]:
    pins = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)(?:\s*;.*)?", line)
        if match is None:
            raise SystemExit(f"{path}: not a pinned requirement (NAME==VERSION): {raw!r}")
        pins.append((match.group(1), match.group(2)))
    return pins


def get_json(url: str) -> dict[str, Any] | None:
    """The JSON at `url`, or None for a 404 (anything else is an error worth stopping for)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            data: dict[str, Any] = json.load(response)
            return data
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def live(advisories: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [a for a in advisories or [] if not a.get("withdrawn")]


def audit_one(api: str, name: str, version: str) -> Finding:
    key = canonical(name)
    release = get_json(f"{api}/{key}/{version}/json")
    if release is not None:
        return Finding(name, version, "release", live(release.get("vulnerabilities")))
    project = get_json(f"{api}/{key}/json")
    if project is None:
        return Finding(name, version, "", note="not on the index")
    latest = str(project.get("info", {}).get("version", ""))
    if latest == version:
        return Finding(name, version, "latest", live(project.get("vulnerabilities")))
    return Finding(name, version, "", note=f"latest is {latest}; the per-release JSON is not served")


def report(findings: list[Finding], api: str, ignored: set[str]) -> tuple[str, int, int]:
    """(Markdown, advisories not ignored, dependencies not audited)."""
    audited = [f for f in findings if f.how]
    skipped = [f for f in findings if not f.how]
    hits = [(f, a) for f in audited for a in f.advisories]
    open_hits = [(f, a) for f, a in hits if a.get("id") not in ignored]
    lines = [
        f"Audited {len(audited)} of {len(findings)} locked dependencies against {api} "
        f"({sum(f.how == 'release' for f in audited)} by the per-release JSON, "
        f"{sum(f.how == 'latest' for f in audited)} by the project JSON of their latest release); "
        f"{len(hits)} known advisories ({len(hits) - len(open_hits)} ignored), "
        f"{len(skipped)} not audited.",
        "",
    ]
    if hits:
        lines += [
            "| package | locked | advisory | aliases | fixed in | ignored |",
            "|---|---|---|---|---|---|",
        ]
        for f, a in hits:
            aliases = ", ".join(a.get("aliases") or [])
            fixed = ", ".join(a.get("fixed_in") or []) or "no fix"
            lines.append(
                f"| {f.name} | {f.version} | {a.get('id')} | {aliases} | {fixed} "
                f"| {'yes' if a.get('id') in ignored else 'no'} |"
            )
        lines.append("")
    if skipped:
        lines.append("Not audited: " + "; ".join(f"{f.name} {f.version} ({f.note})" for f in skipped) + ".")
        lines.append("")
    return "\n".join(lines), len(open_hits), len(skipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-r", "--requirements", type=Path, default=Path("requirements.lock"))
    parser.add_argument(
        "--json-api",
        default=os.environ.get("COMPLAINT_RADAR_AUDIT_JSON_API", DEFAULT_JSON_API),
        help="Base of the PyPI JSON API (env COMPLAINT_RADAR_AUDIT_JSON_API).",
    )
    parser.add_argument("--out", type=Path, help="Also write the report here.")
    parser.add_argument("--strict", action="store_true", help="Fail (2) when a dependency is not audited.")
    parser.add_argument("--ignore", action="append", default=[], metavar="ID", help="A justified advisory.")
    args = parser.parse_args(argv)
    api = args.json_api.rstrip("/")
    findings: list[Finding] = []
    failures = 0
    for name, version in read_lock(args.requirements):
        if failures >= GIVE_UP_AFTER and not any(f.how for f in findings):
            # The source is unreachable (no lookup has answered yet): do not wait out every timeout.
            findings.append(Finding(name, version, "", note="not tried: the source did not answer"))
            continue
        try:
            findings.append(audit_one(api, name, version))
        except (OSError, ValueError) as error:  # URLError, timeouts, bad JSON
            failures += 1
            findings.append(Finding(name, version, "", note=f"lookup failed: {error}"))
    text, open_hits, skipped = report(findings, api, set(args.ignore))
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    if open_hits:
        return 1
    if skipped == len(findings):
        print("Nothing could be audited: no advisory source answered.", file=sys.stderr)
        return 3
    return 2 if args.strict and skipped else 0


if __name__ == "__main__":
    sys.exit(main())
