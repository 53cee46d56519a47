"""Another git ref's engine, run on the same files in a subprocess (for before/after comparisons)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_REPLAY = """
import sys
from pathlib import Path
import complaint_radar
assert complaint_radar.__file__.startswith(sys.argv[1]), complaint_radar.__file__
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.replay import replay_files
assessor = Assessor.load()
replay_files(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), assessor=assessor)
"""


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def source_of(ref: str, into: Path) -> Path:
    """`ref`'s src/ tree, extracted from git into `into` (models included: they are in git)."""
    archive = subprocess.run(["git", "archive", ref, "src"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def replay_with(source: Path, messages: Path, events: Path, output: Path) -> tuple[float, float]:
    """Run `complaint-radar replay`'s code of `source` on the files; (wall s, CPU s of the subprocess,
    loading the models included)."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    command = [sys.executable, "-c", _REPLAY, str(source), str(messages), str(events), str(output)]
    subprocess.run(command, check=True, env=env, cwd=output.parent)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
