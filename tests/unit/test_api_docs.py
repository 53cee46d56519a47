"""docs/api.md lists exactly the operations the app serves (the OpenAPI schema is the reference)."""

from __future__ import annotations

import re
from pathlib import Path

from complaint_radar.api import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|", re.MULTILINE)


def test_the_endpoint_table_matches_the_openapi_schema() -> None:
    documented = set(ROW.findall(DOC.read_text(encoding="utf-8")))
    served = {
        (method.upper(), path)
        for path, methods in create_app().openapi()["paths"].items()
        for method in methods
    }
    assert documented == served
