"""The HTML report in a real browser (headless Chromium): loads offline, draws its charts, runs nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from complaint_radar.reports import render_html
from report_samples import sample_report

CHROMIUM = Path(os.environ.get("COMPLAINT_RADAR_CHROMIUM", "/usr/bin/chromium"))
CHART_RED = (192, 57, 43)


def chromium(tmp_path: Path, *args: str) -> str:
    """Run headless Chromium with no network and a throwaway profile; its stdout."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make chromium-browser`", pytrace=False)
    profile = tmp_path / "profile"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.fixture()
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    path.write_text(render_html(sample_report()), encoding="utf-8")
    return path


def test_the_browser_draws_every_chart_and_shows_the_message_as_text(
    report_file: Path, tmp_path: Path
) -> None:
    dom = chromium(tmp_path, "--dump-dom", report_file.as_uri())
    source = report_file.read_text("utf-8")
    assert dom.count("<svg") == source.count("<svg") > 5
    assert "<script" not in dom
    assert "&lt;script&gt;alert('xss')&lt;/script&gt;" in dom
    assert "投诉分析报告" in dom


def test_the_screenshot_shows_the_charts(report_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    chromium(tmp_path, "--window-size=1200,3000", f"--screenshot={shot}", report_file.as_uri())
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    red = int((np.abs(pixels - np.array(CHART_RED)).max(axis=2) <= 12).sum())
    assert red > 2_000, "the complaint line and the vital-few Pareto bars are drawn"
