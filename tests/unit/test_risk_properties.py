"""R1 (monotonic risk), R2 (stage floors) and R3 (threats) as properties of the risk rules."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from complaint_radar.scoring.risk import RiskInputs, compute_risk
from complaint_radar.types import CueCode, RiskLevel

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
cue_sets = st.frozensets(st.sampled_from(list(CueCode)), max_size=8)

risk_inputs = st.builds(
    RiskInputs,
    stage_rank=st.integers(0, 4),
    dissatisfaction=unit,
    anger=unit,
    disgust=unit,
    sadness=unit,
    anxiety=unit,
    cues=cue_sets,
    repeat_contacts=st.integers(0, 6),
    n_causes=st.integers(0, 5),
    public_channel=st.booleans(),
)

FLOORS = {0: 0, 1: 10, 2: 30, 3: 60, 4: 60}


@given(risk_inputs, st.sampled_from(list(CueCode)))
def test_adding_a_cue_never_lowers_risk(inp: RiskInputs, cue: CueCode) -> None:
    assert compute_risk(replace(inp, cues=inp.cues | {cue})).score >= compute_risk(inp).score


@given(risk_inputs, st.integers(0, 4))
def test_raising_the_stage_never_lowers_risk(inp: RiskInputs, extra: int) -> None:
    higher = replace(inp, stage_rank=min(4, inp.stage_rank + extra))
    assert compute_risk(higher).score >= compute_risk(inp).score


@given(risk_inputs, st.sampled_from(["dissatisfaction", "anger", "disgust", "sadness", "anxiety"]), unit)
def test_raising_a_probability_or_emotion_never_lowers_risk(inp: RiskInputs, name: str, bump: float) -> None:
    value = min(1.0, getattr(inp, name) + bump)
    assert compute_risk(replace(inp, **{name: value})).score >= compute_risk(inp).score


@given(risk_inputs, st.integers(0, 3), st.integers(0, 3), st.booleans())
def test_more_causes_contacts_or_a_public_channel_never_lower_risk(
    inp: RiskInputs, causes: int, contacts: int, public: bool
) -> None:
    more = replace(
        inp,
        n_causes=inp.n_causes + causes,
        repeat_contacts=inp.repeat_contacts + contacts,
        public_channel=inp.public_channel or public,
    )
    assert compute_risk(more).score >= compute_risk(inp).score


@given(risk_inputs)
def test_risk_respects_stage_floors_and_range(inp: RiskInputs) -> None:
    result = compute_risk(inp)
    assert FLOORS[inp.stage_rank] <= result.score <= 100
    assert result.level is RiskLevel.from_score(result.score)


@given(risk_inputs, st.sampled_from([CueCode.REGULATOR_THREAT, CueCode.MEDIA_THREAT, CueCode.LEGAL_THREAT]))
def test_threats_are_at_least_high_and_critical_when_aggravated(inp: RiskInputs, threat: CueCode) -> None:
    threatened = replace(inp, cues=inp.cues | {threat})
    assert compute_risk(threatened).score >= 60
    aggravated = replace(threatened, stage_rank=4)
    assert compute_risk(aggravated).level is RiskLevel.CRITICAL


@given(risk_inputs)
def test_external_complaint_filed_is_critical(inp: RiskInputs) -> None:
    filed = replace(inp, cues=inp.cues | {CueCode.EXTERNAL_COMPLAINT_FILED})
    assert compute_risk(filed).level is RiskLevel.CRITICAL


def test_calm_input_is_low() -> None:
    assert compute_risk(RiskInputs(stage_rank=0)).level is RiskLevel.LOW
