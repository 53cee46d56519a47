"""Ray and Spark, started on loopback once per test session: the same output as assess-file, and recovery."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from batch_input import ROWS, by_id, expected_cube, messages_and_reference, read_cube, spec_for

from complaint_radar import Analyzer
from complaint_radar.batch.engines import Engine, make_engine
from complaint_radar.batch.job import run_batch
from complaint_radar.batch.worker import FAULT_ENV
from complaint_radar.errors import BatchIncompleteError, ComplaintRadarError

pytestmark = pytest.mark.slow
ENGINES = [pytest.param(name, marks=pytest.mark.xdist_group(name)) for name in ("ray", "spark")]


def started(name: str) -> Iterator[Engine]:
    """An engine held started for the whole session; one that cannot start fails its tests (never skips)."""
    try:
        engine = make_engine(name, workers=2)
    except ComplaintRadarError as exc:
        pytest.fail(f"the {name} engine tests cannot run: {exc}", pytrace=False)
    with engine:
        yield engine


@pytest.fixture(scope="session")
def ray_engine() -> Iterator[Engine]:
    yield from started("ray")


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[Engine]:
    yield from started("spark")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, analyzer: Analyzer) -> tuple[Path, Path]:
    return messages_and_reference(tmp_path_factory.mktemp("engines_in"), analyzer)


@pytest.fixture(scope="module")
def messages(inputs: tuple[Path, Path]) -> Path:
    return inputs[0]


@pytest.fixture(scope="module")
def reference_file(inputs: tuple[Path, Path]) -> Path:
    return inputs[1]


@pytest.fixture(scope="module")
def reference(reference_file: Path) -> pd.DataFrame:
    return by_id(pd.read_parquet(reference_file))


@pytest.mark.parametrize("name", ENGINES)
def test_engine_output_and_cube_equal_assess_file_and_duckdb(
    request: pytest.FixtureRequest,
    name: str,
    messages: Path,
    reference: pd.DataFrame,
    reference_file: Path,
    tmp_path: Path,
) -> None:
    engine: Engine = request.getfixturevalue(f"{name}_engine")
    report = run_batch(spec_for(messages, tmp_path / "out", cube=str(tmp_path / "cube")), engine)
    assert (report.rows, report.scored) == (ROWS, 8)
    # Each worker process loaded the models once, however many partitions it scored.
    assert set(report.model_loads.values()) == {1} and len(report.model_loads) <= 2
    got = pd.read_parquet(tmp_path / "out")
    assert got["id"].is_unique
    pd.testing.assert_frame_equal(by_id(got), reference)
    # The cube grouped on this engine equals the one computed independently (and by DuckDB, test_batch.py).
    expected = expected_cube(reference_file, messages)
    for table, frame in read_cube(tmp_path / "cube").items():
        pd.testing.assert_frame_equal(frame, expected[table])


@pytest.mark.parametrize("name", ENGINES)
def test_engine_recovers_from_a_killed_worker_and_resumes_after_a_failed_run(
    request: pytest.FixtureRequest,
    name: str,
    messages: Path,
    reference: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine: Engine = request.getfixturevalue(f"{name}_engine")
    killed = tmp_path / "killed"
    monkeypatch.setenv(FAULT_ENV, "kill@1")
    run_batch(spec_for(messages, killed), engine)
    assert (killed / "_batch" / "fault-kill-1").exists()  # a worker process really died mid-run
    got = pd.read_parquet(killed)
    assert got["id"].is_unique
    pd.testing.assert_frame_equal(by_id(got), reference)

    resumed = tmp_path / "resumed"
    monkeypatch.setenv(FAULT_ENV, "raise@6")
    with pytest.raises(BatchIncompleteError, match="partition 6"):
        run_batch(spec_for(messages, resumed), engine, retries=0)
    monkeypatch.delenv(FAULT_ENV)
    report = run_batch(spec_for(messages, resumed), engine)
    assert (report.skipped, report.scored) == (7, 1)
    pd.testing.assert_frame_equal(by_id(pd.read_parquet(resumed)), reference)
