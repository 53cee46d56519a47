"""Assess messages on demand (the API, live ingestion): one shared Analyzer, concurrent callers combined.

The pipeline keeps small caches that are not safe for concurrent writers, and assessing is CPU-bound
Python (the GIL serialises it anyway), so one batch runs at a time. Callers that arrive while a batch
runs queue up, and the next batch takes all of them at once (up to `max_batch` messages): a message
costs much less inside a batch than alone, so under concurrent load throughput rises instead of
requests waiting their turn one by one. Results do not depend on how messages were batched.

No thread is started for this: the caller whose request comes first in the queue runs the batches
(`leader`) until its own result is in, then hands the queue to the next waiting caller (FIFO, so no
request waits behind a stream of later ones).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
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


@dataclass(eq=False)
class _Request:
    items: Sequence[AssessItem]
    woken: threading.Event = field(default_factory=threading.Event)
    results: list[Assessment] | None = None
    error: BaseException | None = None

    @property
    def answered(self) -> bool:
        return self.results is not None or self.error is not None


class Assessor:
    """Owns the loaded models; `assess` is safe to call from many threads at once."""

    def __init__(self, analyzer: Analyzer, *, max_batch: int | None = None) -> None:
        self.analyzer = analyzer
        self.max_batch = max_batch or analyzer.settings.batch_size
        self._queue: deque[_Request] = deque()
        self._mutex = threading.Lock()
        self._leading = False

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

    @property
    def waiting(self) -> int:
        """Requests queued for the next batch."""
        with self._mutex:
            return len(self._queue)

    def assess(self, items: Sequence[AssessItem]) -> list[Assessment]:
        """Assessments in input order."""
        if not items:
            return []
        mine = _Request(items)
        with self._mutex:
            self._queue.append(mine)
            lead = not self._leading
            self._leading = True
        if not lead:
            mine.woken.wait()  # answered, or handed the lead
        if not mine.answered:
            self._lead_until(mine)
        if mine.error is not None:
            raise mine.error
        assert mine.results is not None
        return mine.results

    def _lead_until(self, mine: _Request) -> None:
        """Run batches from the head of the queue until `mine` is answered, then pass the lead on."""
        while not mine.answered:
            with self._mutex:
                group = [self._queue.popleft()]
                size = len(group[0].items)
                while self._queue and size + len(self._queue[0].items) <= self.max_batch:
                    size += len(self._queue[0].items)
                    group.append(self._queue.popleft())
            self._run(group)
        with self._mutex:
            if self._queue:
                self._queue[0].woken.set()  # not answered: it leads now
            else:
                self._leading = False

    def _run(self, group: list[_Request]) -> None:
        work: list[str | dict[str, Any]] = [
            {
                "text": item.text,
                "channel": item.channel,
                "message_id": item.message_id,
                "customer_id": item.customer_id,
                "speaker": item.speaker,
            }
            for request in group
            for item in request.items
        ]
        try:
            results = list(self.analyzer.assess_many(work, batch_size=len(work)))
        except BaseException as exc:  # every caller in the batch gets the error; the queue goes on
            for request in group:
                request.error = exc
                request.woken.set()
            return
        start = 0
        for request in group:
            request.results = results[start : start + len(request.items)]
            start += len(request.items)
            request.woken.set()
