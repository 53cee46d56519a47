"""Screenshots of every dashboard page at 1440×900 into docs/img/ (`python tests/e2e/take_screenshots.py`).

Starts the dashboard over the demo history, signs in as each page's usual role and saves one PNG per page.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from dashboard import VIEWPORT, Dashboard, demo_dashboard, launch_chromium, signed_in

from complaint_radar.types import Role

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"
SHOTS = [
    ("overview", "/", Role.MANAGER),
    ("radar", "/radar", Role.SUPERVISOR),
    ("customer", "/customers/c002", Role.SUPERVISOR),
    ("cases", "/cases", Role.SUPERVISOR),
    ("case", "/cases/CR-2026-000001", Role.SUPERVISOR),
    ("issues", "/issues", Role.QUALITY_ANALYST),
    ("satisfaction", "/satisfaction", Role.MANAGER),
    ("assess", "/assess", Role.FRONTLINE_AGENT),
    ("messages", "/messages?min_risk=60", Role.SUPERVISOR),
    ("admin", "/admin", Role.ADMIN),
    ("login", "/login", None),
]


def work_a_case_and_an_issue(dashboard: Dashboard) -> None:
    """Some history to look at: a case taken and answered, a fishbone on the first open issue."""
    key = {"X-API-Key": dashboard.keys[Role.SUPERVISOR]}
    with httpx.Client(base_url=dashboard.url, headers=key, timeout=60, follow_redirects=False) as client:
        case = "/cases/CR-2026-000001"
        client.post(f"{case}/take")
        client.post(f"{case}/acknowledge")
        client.post(f"{case}/first_response", data={"plan": "今天18点前核实账单并回电，必要时退还差价"})
        issues = client.get("/v1/issues", params={"status": "new"}).json()["items"]
        if issues:
            client.post(
                f"/issues/{issues[0]['id']}/fishbone",
                data={
                    "problem": "星河X1 到货故障集中在广州天河店",
                    "fishbone.material": "同一批次屏幕排线松动",
                    "fishbone.method": "出库前未做开机检测\n换货流程要求客户先寄回",
                    "fishbone.man": "门店新员工不熟悉检测步骤",
                },
            )


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_dashboard(Path(tmp)) as dashboard,
        sync_playwright() as pw,
    ):
        browser = launch_chromium(pw)
        work_a_case_and_an_issue(dashboard)
        for name, path, role in SHOTS:
            if names and name not in names:
                continue
            context = signed_in(browser, dashboard, role) if role else browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.goto(dashboard.url + path)
            if name == "assess":
                page.fill(
                    "#text",
                    "你们的星河X1才用两天就黑屏了，客服电话打了三次都没人处理，再不退款我就去12315投诉！",
                )
                page.click("form button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(600)  # charts animate in
            page.screenshot(path=str(OUT / f"{name}.png"))
            context.close()
            print(f"docs/img/{name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
