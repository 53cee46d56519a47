"""The long fuzz campaign: 10^5 hostile files and texts through the readers, normalisation, masking and the
pipeline (the properties of tests/unit/test_hostile_inputs.py, run long); prints counts, crashes and time.

    .venv/bin/python bench/fuzz_inputs.py --files 50000 --texts 50000

Coverage-guided fuzzing (atheris) does not install for this Python here, so this is a Hypothesis run; a
crash is any exception other than a clear InputError from a reader. Not a section of bench/run_all.py:
it measures robustness, not speed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaint_radar import Analyzer
from complaint_radar.text.normalize import normalize
from complaint_radar.text.pii import mask_text
from hostile_inputs import CONTROL, SCRIPTS, check_file, hostile_files


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )


def _progress(counts: dict[str, int]) -> None:
    done = counts["files"] + counts["texts"]
    if done % 5000 == 0:
        print(f"{time.strftime('%H:%M:%S')} {counts}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--texts", type=int, default=50_000)
    args = parser.parse_args()
    analyzer = Analyzer()
    counts = {"files": 0, "rejected": 0, "texts": 0, "assessed": 0}
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))

    @_settings(args.files)
    @given(hostile_files())
    def files(file: tuple[str, bytes]) -> None:
        name, data = file
        path = folder / name
        path.write_bytes(data)
        counts["files"] += 1
        _progress(counts)
        texts = check_file(path)
        counts["rejected"] += not texts
        for text in texts[:3]:
            if text.strip():
                analyzer.assess(text)
                counts["assessed"] += 1

    @_settings(args.texts)
    @given(st.one_of(st.text(max_size=400), st.text(alphabet=SCRIPTS + CONTROL, max_size=400)))
    def texts(text: str) -> None:
        counts["texts"] += 1
        _progress(counts)
        normalize(text)
        masked = mask_text(text)
        assert mask_text(masked) == masked
        if text.strip():
            assert 0 <= analyzer.assess(text).risk_score <= 100
            counts["assessed"] += 1

    wall, cpu = time.perf_counter(), time.process_time()
    crashes = []
    for run in (files, texts):
        try:
            run()
        except Exception as exc:  # Hypothesis has shrunk it: report (with the first traceback), keep going
            crashes.append(f"{run.__name__}: {type(exc).__name__}: {exc}")
            for inner in exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,):
                frames = traceback.extract_tb(inner.__traceback__)[-4:]
                where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
                crashes.append(f"  {type(inner).__name__}: {str(inner)[:300]} at {where}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"files {counts['files']} (rejected with a clear error or empty: {counts['rejected']}), "
        f"texts {counts['texts']}, pipeline runs {counts['assessed']}; crashes {len(crashes)}; "
        f"wall {wall:.0f} s, CPU {cpu:.0f} s, peak RSS {peak_mb:.0f} MiB"
    )
    for crash in crashes:
        print(crash)
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
