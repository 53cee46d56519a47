"""`complaint-radar batch` on the local engine: same output as assess-file, resume, retries, errors, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from batch_input import (
    ROWS,
    by_id,
    expected_cube,
    messages_and_reference,
    read_cube,
    reference_output,
    spec_for,
)

from complaint_radar import Analyzer
from complaint_radar.analysis.pareto import Weighting
from complaint_radar.batch.engines import LocalEngine
from complaint_radar.batch.job import run_batch
from complaint_radar.batch.plan import JobSpec, Partition
from complaint_radar.batch.worker import FAULT_ENV, PartitionResult
from complaint_radar.errors import BatchIncompleteError, InputError
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.services.analysis.parquet import parquet_report
from complaint_radar.settings import Settings

CLI = [sys.executable, "-m", "complaint_radar.cli.main"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, analyzer: Analyzer) -> tuple[Path, Path]:
    return messages_and_reference(tmp_path_factory.mktemp("batch_in"), analyzer)


@pytest.fixture(scope="module")
def messages(inputs: tuple[Path, Path]) -> Path:
    return inputs[0]


@pytest.fixture(scope="module")
def reference(inputs: tuple[Path, Path]) -> Path:
    return inputs[1]


@pytest.mark.slow
def test_local_engine_writes_the_same_bytes_as_assess_file(
    analyzer: Analyzer, messages: Path, tmp_path: Path
) -> None:
    reference = reference_output(analyzer, messages, tmp_path / "assess_file.csv")
    out = tmp_path / "scored.csv"
    report = run_batch(spec_for(messages, out), LocalEngine(2))
    assert out.read_bytes() == reference.read_bytes()
    assert (report.rows, report.partitions, report.scored, report.skipped) == (ROWS, 8, 8, 0)
    # Models load once per worker process, not once per partition.
    assert set(report.model_loads.values()) == {1} and len(report.model_loads) <= 2
    errors = pd.read_csv(report.errors, dtype={"id": str})
    expected = pd.read_csv(reference, dtype={"id": str}).query("not valid")
    assert list(errors["id"]) == list(expected["id"]) and list(errors["line"]) == list(expected["line"])
    assert set(errors["reason"]) == {"empty text"} and set(errors["file"]) == {str(messages)}
    assert not list(tmp_path.glob(".*"))  # the work directory is gone once the file is published


@pytest.mark.slow
def test_daily_cube_on_duckdb_counts_what_assess_file_found(
    messages: Path, reference: Path, tmp_path: Path
) -> None:
    run_batch(spec_for(messages, tmp_path / "parts", cube=str(tmp_path / "cube")), LocalEngine(2))
    cube = read_cube(tmp_path / "cube")
    expected = expected_cube(reference, messages)
    for name, table in cube.items():
        pd.testing.assert_frame_equal(table, expected[name])
    assert cube["daily_messages"]["messages"].astype(int).sum() == ROWS - int(
        (~pd.read_parquet(reference)["valid"]).sum()
    )
    # Beside the cube, one row per scored message: `report --source parquet:CUBE` reads the run.
    rows = pd.read_parquet(tmp_path / "cube" / "messages")
    scored = pd.read_parquet(reference)
    assert len(rows) == int(scored["valid"].sum()) and rows["item_id"].is_unique
    assert set(rows["message_id"]) == set(scored.loc[scored["valid"], "id"])
    days = [date.fromisoformat(str(d)[:10]) for d in cube["daily_messages"]["day"]]
    scope = Scope(min(days), max(days))
    report = parquet_report(
        tmp_path / "cube",
        scope,
        as_of=None,
        by="cause",
        weighting=Weighting.COUNT,
        granularity=None,
        denominator="orders",
        settings=Settings(),
    )
    assert report["volumes"]["totals"]["messages"] == cube["daily_messages"]["messages"].astype(int).sum()
    pareto = {row["key"]: row["count"] for row in report["pareto"]["rows"]}
    causes = cube["daily_causes"].astype({"messages": int}).groupby("cause")["messages"].sum()
    assert pareto == {cause: int(n) for cause, n in causes.items()}


@pytest.mark.slow
def test_a_partition_that_fails_once_is_retried_and_resume_skips_done_partitions(
    messages: Path, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "parts"
    spec = spec_for(messages, out)
    monkeypatch.setenv(FAULT_ENV, "raise@3")
    with pytest.raises(BatchIncompleteError, match=r"1 of 8 partitions still failed.*failure drill"):
        run_batch(spec, LocalEngine(2), retries=0)
    done = sorted(p.name for p in (out / "_batch" / "done").iterdir())
    assert len(done) == 7 and "part-00003.json" not in done
    assert not (out / "part-00003.parquet").exists()

    monkeypatch.delenv(FAULT_ENV)
    report = run_batch(spec, LocalEngine(2))
    assert (report.skipped, report.scored, report.failed_attempts) == (7, 1, 0)
    assert len(report.model_loads) == 1  # one worker was needed for the one partition left
    assert_matches_reference(out, reference)

    again = run_batch(spec, LocalEngine(2))
    assert (again.skipped, again.scored) == (8, 0)


@pytest.mark.slow
@pytest.mark.parametrize("drill", ["raise@5", "kill@2"])
def test_failures_within_one_run_still_give_complete_output_without_duplicates(
    messages: Path, reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drill: str
) -> None:
    monkeypatch.setenv(FAULT_ENV, drill)
    out = tmp_path / "parts"
    report = run_batch(spec_for(messages, out), LocalEngine(2), retries=2)
    assert report.failed_attempts >= 1
    assert (out / "_batch" / f"fault-{drill.replace('@', '-')}").exists()  # the drill really fired
    assert_matches_reference(out, reference)
    assert not list(out.rglob("*.tmp"))


class _OrphanLeavingEngine(LocalEngine):
    """The local engine, but its first round also leaves what a worker terminated mid-write leaves: a temp
    file beside the part files (the race behind the flaky `kill@2` drill, made certain)."""

    def run(self, spec: JobSpec, partitions: list[Partition]) -> list[PartitionResult]:
        orphan = spec.layout.part(partitions[0].index)
        orphan.with_name(f".{orphan.name}.0123456789ab.tmp").write_bytes(b"half a parquet file")
        return super().run(spec, partitions)


@pytest.mark.slow
def test_temp_files_of_workers_killed_mid_write_are_gone_when_the_job_ends(
    messages: Path, reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "parts"
    run_batch(spec_for(messages, out), _OrphanLeavingEngine(2))
    assert_matches_reference(out, reference)
    assert not list(out.rglob("*.tmp"))


def assert_matches_reference(out: Path, reference: Path) -> None:
    got = pd.read_parquet(out)
    assert got["id"].is_unique and len(got) == ROWS
    pd.testing.assert_frame_equal(by_id(got), by_id(pd.read_parquet(reference)))


def test_rerun_with_other_options_is_refused(messages: Path, tmp_path: Path) -> None:
    out = tmp_path / "parts"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a batch output"):
        run_batch(spec_for(messages, out), LocalEngine(1))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "batch", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_scores_a_directory_of_jsonl_files_and_lists_bad_rows(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [
        {"id": 1, "text": "太差了,再也不来了"},
        {"id": 2, "text": 42},
        {"id": 3, "text": "Thanks, all sorted!"},
    ]
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    (folder / "b.jsonl").write_text('{"id": 4, "text": "我要投诉!"}\n{broken\n', encoding="utf-8")
    out = tmp_path / "scored.jsonl"
    result = run(str(folder), "-o", str(out), "--id-column", "id", "--workers", "1", "--partition-rows", "2")
    assert result.returncode == 0, result.stderr
    scored = pd.read_json(out, lines=True, dtype={"id": str})
    assert list(scored["valid"]) == [True, False, True, True, False]
    assert scored.loc[3, "stage"] == "formal_complaint"
    errors = pd.read_csv(tmp_path / "scored.errors.csv")
    assert [Path(f).name for f in errors["file"]] == ["a.jsonl", "b.jsonl"]
    assert list(errors["line"]) == [2, 2] and "non-text" in str(errors.loc[0, "reason"])
    assert "invalid JSON" in str(errors.loc[1, "reason"])
    assert "5 rows assessed, 2 invalid, 3 partitions" in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["missing.csv", "-o", "out"], "does not exist"),
        (["{src}", "-o", "out", "--engine", "dask"], "unknown engine"),
        (["{src}", "-o", "out.xml"], ".xml"),
        (["{src}", "-o", "out", "--format", "xlsx"], "--format xlsx"),
        (["{src}", "-o", "out", "--text-column", "body"], "--text-column"),
        (["{src}", "-o", "out", "--address", "auto"], "--address"),
    ],
)
def test_cli_mistakes_are_one_line_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,你好\n", encoding="utf-8")
    result = subprocess.run(
        [*CLI, "batch", *(a.format(src=src) for a in args)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("engine", "extra"), [("ray", "ray"), ("spark", "pyspark")])
def test_an_engine_whose_extra_is_missing_prints_the_install_line(
    tmp_path: Path, engine: str, extra: str
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,你好\n", encoding="utf-8")
    hide = (
        f"import sys; sys.modules[{extra!r}] = None; from complaint_radar.cli.main import main; "
        f"sys.argv = ['complaint-radar', 'batch', {str(src)!r}, '-o', 'out', '--engine', {engine!r}]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", hide], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 2
    assert f"pip install 'complaint-radar[{engine}]'" in result.stderr and "Traceback" not in result.stderr
