"""A live dashboard for the browser tests and the screenshots: uvicorn on a free loopback port over a
SQLite store holding the demo history, with one API key per role, and Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Playwright

from complaint_radar import Analyzer
from complaint_radar.api.testing import LiveServer
from complaint_radar.services.access import issue_key, key_hasher
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.demo_store import load_demo_store
from complaint_radar.settings import Settings
from complaint_radar.store import make_engine, make_session_factory, session_scope
from complaint_radar.store.migrate import upgrade
from complaint_radar.types import Role
from complaint_radar.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
USERS = {
    Role.ADMIN: ("ada", None),
    Role.MANAGER: ("max", None),
    Role.SUPERVISOR: ("sue", None),
    Role.QUALITY_ANALYST: ("quinn", None),
    Role.FRONTLINE_AGENT: ("ann", None),
}


@dataclass
class Dashboard:
    url: str
    keys: dict[Role, str]
    settings: Settings

    def user(self, role: Role) -> str:
        return USERS[role][0]


@contextmanager
def demo_dashboard(workdir: Path) -> Iterator[Dashboard]:
    """The dashboard over a fresh store with the demo history; stopped when the block ends."""
    url = f"sqlite:///{workdir / 'dashboard.db'}"
    settings = Settings(
        database_url=url,
        data_dir=workdir,
        mask_pii=False,  # stored as written, so that analysts' masking is visible
        sla_check_interval_s=0,
        api_rate_limit_per_minute=100_000,
        web_cache_s=0,  # tests ingest and look again at once
        web_session_secret="browser-tests",
    )
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    analyzer = Analyzer(settings)
    load_demo_store(sessions, Assessor(analyzer), settings)
    now = datetime.now(UTC)
    with session_scope(sessions) as session:
        keys = {
            role: issue_key(
                session, username=name, role=role, team=team, now=now, hasher=key_hasher(settings)
            ).raw_key
            for role, (name, team) in USERS.items()
        }
    try:
        with LiveServer(create_app(settings, sessions, analyzer=analyzer)) as server:
            yield Dashboard(url=server.url, keys=keys, settings=settings)
    finally:
        engine.dispose()


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium (never a downloaded one): `make chromium-browser` installs it."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make chromium-browser` (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def signed_in(browser: Browser, dashboard: Dashboard, role: Role, lang: str = "zh-Hans") -> BrowserContext:
    """A browser context signed in through the login form with the role's key."""
    context = browser.new_context(viewport=VIEWPORT, locale=lang)
    page = context.new_page()
    page.goto(f"{dashboard.url}/login")
    page.fill("#api_key", dashboard.keys[role])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.close()
    return context
