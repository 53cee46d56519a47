"""Display labels (zh/en) for every SPEC.md code, from the versioned data/taxonomy.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from complaint_radar.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Taxonomy:
    version: str
    labels: dict[str, dict[str, tuple[str, str]]]

    def label(self, kind: str, code: str) -> tuple[str, str]:
        """(zh, en) label of `code` in `kind` (stage, cause, cue, demand, emotion, ...)."""
        try:
            return self.labels[kind][code]
        except KeyError as exc:
            raise ConfigurationError(f"no label for {kind} code {code!r} in taxonomy.yaml") from exc


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    raw = yaml.safe_load(
        resources.files("complaint_radar.text").joinpath("data/taxonomy.yaml").read_text("utf-8")
    )
    labels = {
        kind: {code: (str(pair[0]), str(pair[1])) for code, pair in table.items()}
        for kind, table in raw.items()
        if isinstance(table, dict)
    }
    return Taxonomy(version=str(raw["version"]), labels=labels)
