"""Hostile files and texts never crash a reader, normalisation, masking or the pipeline: every file gives
rows or one clear InputError. (Short here; `bench/fuzz_inputs.py` runs the same property 10^5 times.)"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaint_radar import Analyzer
from complaint_radar.text.normalize import normalize
from complaint_radar.text.pii import mask_text
from hostile_inputs import CONTROL, SCRIPTS, check_file, hostile_files

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@QUICK
@given(hostile_files())
def test_every_hostile_file_gives_rows_or_a_clear_input_error(file: tuple[str, bytes]) -> None:
    name, data = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        check_file(path)


@QUICK
@given(st.one_of(st.text(max_size=300), st.text(alphabet=SCRIPTS + CONTROL, max_size=300)))
def test_hostile_text_is_normalised_masked_and_assessed(analyzer: Analyzer, text: str) -> None:
    assert isinstance(normalize(text), str)
    masked = mask_text(text)
    assert mask_text(masked) == masked  # masking is idempotent: nothing half-masked is left
    if text.strip():
        result = analyzer.assess(text)
        assert 0 <= result.risk_score <= 100 and result.text == text
