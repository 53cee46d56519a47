"""Every page in Chromium: renders for its role without console errors or failed requests, and passes
axe-core without critical violations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from complaint_radar.types import Role
from conftest import Watched

PAGES = [
    ("/radar", Role.SUPERVISOR),
    ("/messages?min_risk=60", Role.SUPERVISOR),
    ("/cases", Role.SUPERVISOR),
    ("/assess", Role.FRONTLINE_AGENT),
    ("/admin", Role.ADMIN),
    ("/login", Role.ADMIN),
]


@pytest.mark.parametrize(("path", "role"), PAGES, ids=[p for p, _ in PAGES])
def test_page_renders_cleanly_and_passes_axe(open_as: Callable[..., Watched], path: str, role: Role) -> None:
    watched = open_as(role, path)
    assert watched.page.locator("main h1").count() >= 1
    assert watched.problems == []
    assert watched.axe_violations() == []
