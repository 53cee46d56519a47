"""Shared fixtures: one Analyzer for the session (loading models once)."""

from __future__ import annotations

import pytest

from complaint_radar import Analyzer


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()
