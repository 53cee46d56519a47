"""Browser tests: one live dashboard (demo history) and one Chromium per test session, signed in per role.

Every test here runs in the xdist group `dashboard`, so one worker starts the server and the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dashboard import VIEWPORT, Dashboard, demo_dashboard, launch_chromium
from playwright.sync_api import Browser, Page, sync_playwright

from complaint_radar.types import Role

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("dashboard"))


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    with demo_dashboard(tmp_path_factory.mktemp("dashboard")) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        try:
            chromium = launch_chromium(playwright)
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def sessions_by_role(browser: Browser, dashboard: Dashboard) -> dict[Role, Any]:
    """Each role signed in once through the login form; tests reuse the cookies."""
    states = {}
    for role in Role:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(f"{dashboard.url}/login")
        page.fill("#api_key", dashboard.keys[role])
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        states[role] = context.storage_state()
        context.close()
    return states


class Watched:
    """A page with everything that went wrong on it: console errors, page errors, failed requests."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on(
            "console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
        )

    def axe_violations(self, impact: str = "critical") -> list[str]:
        """axe-core's violations of `impact` on the page as it is now."""
        self.page.evaluate(AXE.read_text("utf-8") + "\n;0")
        result = self.page.evaluate("async () => (await axe.run(document)).violations")
        return [
            f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
            for v in result
            if v["impact"] == impact
        ]


@pytest.fixture()
def open_as(
    browser: Browser, dashboard: Dashboard, sessions_by_role: dict[Role, Any]
) -> Iterator[Callable[..., Watched]]:
    """Open a path signed in as a role: `open_as(Role.SUPERVISOR, "/radar", lang="en")`."""
    contexts = []

    def open_page(role: Role, path: str, *, lang: str = "zh-Hans") -> Watched:
        context = browser.new_context(viewport=VIEWPORT, storage_state=sessions_by_role[role], locale=lang)
        contexts.append(context)
        watched = Watched(context.new_page())
        watched.page.goto(dashboard.url + path)
        watched.page.wait_for_load_state("networkidle")
        return watched

    yield open_page
    for context in contexts:
        context.close()
