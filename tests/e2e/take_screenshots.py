"""Screenshots of every dashboard page at 1440×900 into docs/img/ (`python tests/e2e/take_screenshots.py`).

Starts the dashboard over the demo history, signs in as each page's usual role and saves one PNG per page.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from dashboard import demo_dashboard, launch_chromium, signed_in

from complaint_radar.types import Role

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"
SHOTS = [
    ("overview", "/?from=2026-08-01&to=2026-10-31", Role.MANAGER),
    ("radar", "/radar", Role.SUPERVISOR),
    ("messages", "/messages?min_risk=60", Role.SUPERVISOR),
    ("customer", "/customers/c002", Role.SUPERVISOR),
    ("cases", "/cases", Role.SUPERVISOR),
    ("case", "/cases/CR-2026-000001", Role.SUPERVISOR),
]


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_dashboard(Path(tmp)) as dashboard,
        sync_playwright() as pw,
    ):
        browser = launch_chromium(pw)
        for name, path, role in SHOTS:
            if names and name not in names:
                continue
            context = signed_in(browser, dashboard, role)
            page = context.new_page()
            page.goto(dashboard.url + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(600)  # charts animate in
            page.screenshot(path=str(OUT / f"{name}.png"))
            context.close()
            print(f"docs/img/{name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
