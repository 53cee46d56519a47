"""Every page in Chromium: renders for its role without console errors or failed requests, and passes
axe-core without critical violations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from complaint_radar.types import Role
from conftest import Watched

PAGES = [
    ("/", Role.MANAGER),
    ("/issues", Role.QUALITY_ANALYST),
    ("/satisfaction", Role.MANAGER),
    ("/customers/c002", Role.SUPERVISOR),
    ("/cases/CR-2026-000001", Role.SUPERVISOR),
    ("/radar", Role.SUPERVISOR),
    ("/messages?min_risk=60", Role.SUPERVISOR),
    ("/cases", Role.SUPERVISOR),
    ("/assess", Role.FRONTLINE_AGENT),
    ("/admin", Role.ADMIN),
    ("/login", Role.ADMIN),
]
PAGES_IN = [(path, role, "zh-Hans") for path, role in PAGES] + [
    ("/", Role.MANAGER, "en"),
    ("/cases", Role.FRONTLINE_AGENT, "zh-TW"),
]


@pytest.mark.parametrize(("path", "role", "lang"), PAGES_IN, ids=[f"{p} {lang}" for p, _, lang in PAGES_IN])
def test_page_renders_cleanly_and_passes_axe(
    open_as: Callable[..., Watched], path: str, role: Role, lang: str
) -> None:
    watched = open_as(role, path, lang=lang)
    assert watched.page.locator("html").get_attribute("lang") == {"zh-TW": "zh-Hant"}.get(lang, lang)
    assert watched.page.locator("main h1").count() >= 1
    assert watched.problems == []
    assert watched.axe_violations() == []
