"""The hand-labelled cause corpus (corpus/causes/train/*.jsonl): loading, checks, label sets, CV folds.

Records follow docs/cause_annotation.md §7 (id, text, script, industry, channel, causes, demands, stage,
optional note) plus an optional `group`: messages written as versions of one situation in several
scripts share a group and always fall in the same cross-validation fold.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from complaint_radar.errors import ConfigurationError
from complaint_radar.text.normalize import normalize
from complaint_radar.types import Cause, Channel, Demand, Stage

SCRIPTS = ("zh-Hans", "zh-Hant", "en")
INDUSTRIES = (
    "retail_ecommerce",
    "banking_insurance",
    "telecom",
    "travel_hotel",
    "food_delivery",
    "utilities",
    "healthcare",
    "public_services",
)
CAUSE_CODES = tuple(c.value for c in Cause)
DEMAND_CODES = tuple(d.value for d in Demand)
# Stage heads of the cause model: P(stage >= latent_grumble) and P(stage >= explicit_grumble).
DISSATISFIED, EXPLICIT = "stage:dissatisfied", "stage:explicit"
REQUIRED = ("id", "text", "script", "industry", "channel", "causes", "demands", "stage")


@dataclass(frozen=True)
class CauseRecord:
    """One labelled message of the cause corpus."""

    id: str
    text: str
    script: str
    industry: str
    channel: str
    causes: tuple[str, ...]
    demands: tuple[str, ...]
    stage: Stage
    group: str

    @property
    def language(self) -> str:
        """The cause model serving it: `zh` (both Chinese scripts) or `en`."""
        return "en" if self.script == "en" else "zh"

    def labels(self) -> tuple[str, ...]:
        """Every target of the cause model: `cause:<code>`, `demand:<code>` and the stage heads."""
        out = [f"cause:{c}" for c in self.causes] + [f"demand:{d}" for d in self.demands]
        if self.stage.rank >= 1:
            out.append(DISSATISFIED)
        if self.stage.rank >= 2:
            out.append(EXPLICIT)
        return tuple(out)


def dedupe_key(text: str) -> str:
    """The corpus deduplication key: whitespace removed, lower case, traditional → simplified."""
    return re.sub(r"\s+", "", normalize(text))


def _check(raw: object, where: str) -> CauseRecord:
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{where}: expected a JSON object")
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise ConfigurationError(f"{where}: missing field(s) {', '.join(missing)}")
    causes, demands = raw["causes"], raw["demands"]
    problems = []
    if raw["script"] not in SCRIPTS:
        problems.append(f"script {raw['script']!r} (use one of {', '.join(SCRIPTS)})")
    if raw["industry"] not in INDUSTRIES:
        problems.append(f"industry {raw['industry']!r}")
    if raw["channel"] not in {c.value for c in Channel}:
        problems.append(f"channel {raw['channel']!r}")
    if not isinstance(causes, list) or not set(causes) <= set(CAUSE_CODES) or len(set(causes)) != len(causes):
        problems.append(f"causes {causes!r} (distinct SPEC cause codes)")
    elif "other" in causes and len(causes) > 1:
        problems.append("`other` combined with another cause (guideline G7)")
    if not isinstance(demands, list) or not set(demands) <= set(DEMAND_CODES):
        problems.append(f"demands {demands!r}")
    if raw["stage"] not in {s.value for s in Stage}:
        problems.append(f"stage {raw['stage']!r}")
    elif (raw["stage"] == Stage.NONE) != (not causes):
        problems.append("stage `none` goes with no cause, and every other stage with at least one")
    if not isinstance(raw["text"], str) or not raw["text"].strip():
        problems.append("empty text")
    if problems:
        raise ConfigurationError(f"{where} ({raw.get('id')}): bad {'; '.join(problems)}")
    return CauseRecord(
        id=str(raw["id"]),
        text=raw["text"],
        script=raw["script"],
        industry=raw["industry"],
        channel=raw["channel"],
        causes=tuple(causes),
        demands=tuple(demands),
        stage=Stage(raw["stage"]),
        group=str(raw.get("group") or raw["id"]),
    )


def load_cause_corpus(directory: Path) -> list[CauseRecord]:
    """Every record of every `*.jsonl` file in `directory` (sorted by file name; or of the one file
    `directory` names), checked; raises ConfigurationError naming the file and line of the first bad
    record or of a repeated id or text."""
    files = [directory] if directory.is_file() else sorted(directory.glob("*.jsonl"))
    if not files:
        raise ConfigurationError(f"no *.jsonl cause corpus files in {directory}")
    records: list[CauseRecord] = []
    seen_ids: dict[str, str] = {}
    seen_keys: dict[str, str] = {}
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigurationError(f"{where}: not JSON ({exc.msg})") from exc
            record = _check(raw, where)
            key = dedupe_key(record.text)
            for table, value, what in ((seen_ids, record.id, "id"), (seen_keys, key, "text")):
                if value in table:
                    raise ConfigurationError(f"{where}: {what} repeats {table[value]}")
                table[value] = where
            records.append(record)
    return records


def without_test_duplicates(records: Sequence[CauseRecord], test: Path) -> tuple[list[CauseRecord], int]:
    """`records` less those whose deduplication key is also a key of the frozen test split at `test`
    (when that file exists), and how many were dropped. Only keys are compared: no test text is kept or
    shown, so a training run can honour the split without anyone reading it."""
    if not test.is_file():
        return list(records), 0
    test_keys = {dedupe_key(r.text) for r in load_cause_corpus(test)}
    kept = [r for r in records if dedupe_key(r.text) not in test_keys]
    return kept, len(records) - len(kept)


def load_training_corpus(directory: Path) -> tuple[list[CauseRecord], int]:
    """The training records in `directory` less those equal (by key) to a text of the frozen test split
    beside it (`directory.parent / "test.jsonl"`), and how many were dropped."""
    return without_test_duplicates(load_cause_corpus(directory), directory.parent / "test.jsonl")


def cv_folds(records: Sequence[CauseRecord], folds: int = 5, seed: int = 13) -> list[int]:
    """A fold number per record; a group's records share a fold (assigned by a seeded hash)."""
    out = []
    for record in records:
        digest = hashlib.blake2b(f"{seed}:{record.group}".encode(), digest_size=8).digest()
        out.append(int.from_bytes(digest, "big") % folds)
    return out
