"""Assess messages on demand (the API's /v1/assess): one shared Analyzer, used by one caller at a time.

The pipeline keeps small caches that are not safe for concurrent writers, and assessing is CPU-bound
Python (the GIL serialises it anyway), so callers take turns; a batch is assessed in one pass.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from complaint_radar.pipeline import Analyzer
from complaint_radar.settings import Settings
from complaint_radar.types import Assessment

__all__ = ["Analyzer", "AssessItem", "Assessor"]


@dataclass(frozen=True, slots=True)
class AssessItem:
    """One message to assess (SPEC.md §3 input); ids are echoed back."""

    text: str
    channel: str | None = None
    message_id: str | None = None
    customer_id: str | None = None
    speaker: str = "customer"


class Assessor:
    """Owns the loaded models; `assess` is safe to call from many threads."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._lock = threading.Lock()

    @classmethod
    def load(cls, settings: Settings | None = None) -> Assessor:
        """Load the bundled models (a few seconds)."""
        return cls(Analyzer(settings))

    @property
    def components(self) -> list[str]:
        """The pipeline's loaded components, in order (readiness reports them)."""
        return self.analyzer.pipeline.component_names

    @property
    def model_version(self) -> str:
        return self.analyzer.pipeline.model_version

    def assess(self, items: Sequence[AssessItem]) -> list[Assessment]:
        """Assessments in input order."""
        work: list[str | dict[str, Any]] = [
            {
                "text": item.text,
                "channel": item.channel,
                "message_id": item.message_id,
                "customer_id": item.customer_id,
                "speaker": item.speaker,
            }
            for item in items
        ]
        with self._lock:
            return list(self.analyzer.assess_many(work, batch_size=max(1, len(work))))
