"""The case SLA policy (cases/data/sla.yaml): targets per severity and channel, calendar, follow-up rules."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from complaint_radar.cases.calendar import WALL_CLOCK, BusinessCalendar, Clock
from complaint_radar.cases.model import Case, Milestone, Severity
from complaint_radar.errors import ConfigurationError
from complaint_radar.settings import get_settings
from complaint_radar.types import CustomerType

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|h|d|bh|bd)\s*$")
_UNIT_SECONDS = {"m": 60.0, "h": 3600.0, "d": 86400.0, "bh": 3600.0}
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """A time budget: `amount` of `unit` (m/h/d wall clock, bh/bd business time)."""

    amount: float
    unit: str

    @classmethod
    def parse(cls, text: str, where: str = "SLA target") -> SlaTarget:
        match = _DURATION.match(str(text))
        if not match:
            raise ConfigurationError(
                f"{where}: {text!r} is not a duration; write e.g. 15m, 2h, 7d, 4bh or 2bd."
            )
        return cls(float(match.group(1)), match.group(2))

    @property
    def business(self) -> bool:
        return self.unit in ("bh", "bd")

    def clock(self, calendar: BusinessCalendar) -> Clock:
        return calendar if self.business else WALL_CLOCK

    def seconds(self, calendar: BusinessCalendar) -> float:
        if self.unit == "bd":
            return self.amount * calendar.day_seconds
        return self.amount * _UNIT_SECONDS[self.unit]

    def __str__(self) -> str:
        return f"{self.amount:g}{self.unit}"


Targets = Mapping[Severity, Mapping[Milestone, SlaTarget]]


@dataclass(frozen=True, slots=True)
class SlaConfig:
    version: str
    calendar: BusinessCalendar
    targets: Targets
    channel_overrides: Mapping[str, Targets] = field(default_factory=dict)
    warn_at: float = 0.75
    low_follow_up_sample_rate: float = 0.2
    follow_up_max_attempts: int = 3
    follow_up_attempt_days: int = 3
    attach_window: timedelta = timedelta(days=7)

    def target(self, severity: Severity, milestone: Milestone, channel: str | None = None) -> SlaTarget:
        override = self.channel_overrides.get(channel or "", {}).get(severity, {}).get(milestone)
        return override or self.targets[severity][milestone]

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], source: str = "SLA policy") -> SlaConfig:
        try:
            cal = raw.get("calendar") or {}
            calendar = BusinessCalendar(
                timezone=str(cal.get("timezone", "Asia/Shanghai")),
                opens=time.fromisoformat(str(cal.get("opens", "09:00"))),
                closes=time.fromisoformat(str(cal.get("closes", "18:00"))),
                weekdays=frozenset(_WEEKDAYS[str(d).lower()[:3]] for d in cal.get("weekdays", ["mon"])),
                holidays=frozenset(date.fromisoformat(str(d)) for d in cal.get("holidays") or []),
                extra_workdays=frozenset(date.fromisoformat(str(d)) for d in cal.get("extra_workdays") or []),
            )
            targets = parse_targets(raw["targets"], f"{source}: targets", complete=True)
            overrides = {
                str(channel): parse_targets(spec, f"{source}: channel_overrides.{channel}", complete=False)
                for channel, spec in (raw.get("channel_overrides") or {}).items()
            }
            follow = raw.get("follow_up") or {}
            window = SlaTarget.parse(str(raw.get("attach_window", "7d")), f"{source}: attach_window")
            config = cls(
                version=str(raw.get("version", "custom")),
                calendar=calendar,
                targets=targets,
                channel_overrides=overrides,
                warn_at=float(raw.get("warn_at", 0.75)),
                low_follow_up_sample_rate=float(follow.get("low_sample_rate", 0.2)),
                follow_up_max_attempts=int(follow.get("max_attempts", 3)),
                follow_up_attempt_days=int(follow.get("attempt_days", 3)),
                attach_window=timedelta(seconds=window.seconds(calendar)),
            )
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ConfigurationError(
                f"{source} is malformed ({exc!r}); compare it with cases/data/sla.yaml."
            ) from exc
        if not 0 < config.warn_at < 1 or not 0 <= config.low_follow_up_sample_rate <= 1:
            raise ConfigurationError(f"{source}: warn_at must be in (0, 1) and low_sample_rate in [0, 1].")
        return config


def parse_targets(
    raw: Mapping[str, Any], where: str, *, complete: bool
) -> dict[Severity, dict[Milestone, SlaTarget]]:
    parsed: dict[Severity, dict[Milestone, SlaTarget]] = {}
    for sev_code, spec in raw.items():
        severity = Severity(str(sev_code))
        parsed[severity] = {
            Milestone(str(m)): SlaTarget.parse(str(v), f"{where}.{sev_code}.{m}") for m, v in spec.items()
        }
    if complete:
        missing = [f"{s}.{m}" for s in Severity for m in Milestone if m not in parsed.get(s, {})]
        if missing:
            raise ConfigurationError(
                f"{where}: no target for {', '.join(missing)}; every severity needs all four."
            )
    return parsed


@lru_cache(maxsize=8)
def load_sla_config(path: Path | None = None) -> SlaConfig:
    """The SLA policy from `path`, or the bundled cases/data/sla.yaml."""
    if path is None:
        text = resources.files("complaint_radar.cases").joinpath("data/sla.yaml").read_text("utf-8")
        source = "bundled cases/data/sla.yaml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read SLA policy {path}: {exc.strerror}; check the path."
            ) from exc
        source = str(path)
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{source} is not a YAML mapping; compare it with cases/data/sla.yaml.")
    return SlaConfig.from_dict(raw, source)


def default_sla_config() -> SlaConfig:
    """The policy named by settings (`sla_file`), else the bundled one."""
    return load_sla_config(get_settings().sla_file)


def in_follow_up_sample(case_id: str, rate: float) -> bool:
    """A stable pseudo-random draw: the same case id is always in or out of the sample."""
    digest = hashlib.sha256(case_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def follow_up_required(case: Case, config: SlaConfig | None = None) -> bool:
    """Critical cases and taciturn customers always; low severity by sample; the rest always."""
    if case.severity is Severity.CRITICAL or case.customer_type is CustomerType.TACITURN:
        return True
    if case.severity is Severity.LOW:
        cfg = config or default_sla_config()
        return in_follow_up_sample(case.id, cfg.low_follow_up_sample_rate)
    return True
