"""`make bench` (bench/run_all.py) rewrites docs/benchmarks.md from the benchmarks' sections; the record
written by hand below them, change by change, must survive every reassembly."""

from __future__ import annotations

from types import ModuleType

import pytest
from tests.unit.bench_modules import BENCH, load_bench


@pytest.fixture(scope="module")
def run_all() -> ModuleType:
    return load_bench("run_all")


def test_a_document_without_a_record_is_kept_whole_below_it(run_all: ModuleType) -> None:
    old = run_all.HEADER + "\n## Quality\n\nold figures\n\n### Branch x (2026-12-01)\n\nmeasured then\n"
    kept = run_all.kept_record(old)
    assert kept.startswith(run_all.RECORD)
    assert "## Quality\n\nold figures\n\n### Branch x (2026-12-01)\n\nmeasured then" in kept
    assert run_all.HEADER not in kept


def test_the_record_survives_reassembly_unchanged(run_all: ModuleType) -> None:
    record = f"{run_all.RECORD}\n\nintro\n\n### Change y\n\nfigures\n"
    current = run_all.HEADER + "\n## Section\n\nfresh\n\n" + record
    assert run_all.kept_record(current) == record
    again = run_all.HEADER + "\n## Section\n\nnewer\n\n" + run_all.kept_record(current)
    assert run_all.kept_record(again) == record


def test_the_shipped_document_has_its_record(run_all: ModuleType) -> None:
    text = (BENCH.parent / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert text.count(run_all.RECORD) == 1
