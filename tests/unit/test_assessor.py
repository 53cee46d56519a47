"""The shared Assessor: concurrent callers are combined into batches with the same results as alone."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from complaint_radar import Analyzer
from complaint_radar.services.assessment.assessing import AssessItem, Assessor
from complaint_radar.types import Assessment

TEXTS = [
    "快递十天了还没到,到底怎么回事",
    "客服态度太差了,我要投诉",
    "请问我的退款到哪一步了",
    "再不处理我就打12315",
    "The app keeps failing when I pay",
    "谢谢,问题已经解决了",
]


def plain(a: Assessment) -> dict[str, Any]:
    d = a.to_dict()
    d.pop("assessed_at")
    return d


class HeldFirstBatch:
    """Wraps `assess_many`: records batch sizes, and holds the first batch until `waiting` callers queued."""

    def __init__(self, analyzer: Analyzer, fail: bool = False) -> None:
        self.inner = analyzer.assess_many
        self.sizes: list[int] = []
        self.fail = fail
        self.first_started = threading.Event()
        self.assessor: Assessor | None = None
        self.waiting = 0

    def __call__(self, items: Any, batch_size: int | None = None, **kw: Any) -> Iterator[Assessment]:
        items = list(items)
        self.sizes.append(len(items))
        if len(self.sizes) == 1:
            self.first_started.set()
            deadline = time.monotonic() + 30
            while self.assessor is not None and self.assessor.waiting < self.waiting:
                assert time.monotonic() < deadline, "the other callers never queued"
                time.sleep(0.005)
        if self.fail:
            raise RuntimeError("model exploded")
        return self.inner(items, batch_size, **kw)


def run_concurrently(assessor: Assessor, hold: HeldFirstBatch, texts: list[str]) -> list[Any]:
    """The first caller leads; the others arrive while its batch is held."""
    results: list[Any] = [None] * len(texts)
    hold.assessor, hold.waiting = assessor, len(texts) - 1

    def call(i: int) -> None:
        try:
            results[i] = assessor.assess([AssessItem(texts[i], message_id=str(i))])
        except RuntimeError as exc:
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(texts))]
    threads[0].start()
    assert hold.first_started.wait(timeout=30)
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_callers_share_batches_and_get_their_own_results(
    analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = [plain(analyzer.assess(t, message_id=str(i))) for i, t in enumerate(TEXTS)]
    counting = HeldFirstBatch(analyzer)
    monkeypatch.setattr(analyzer, "assess_many", counting)
    results = run_concurrently(Assessor(analyzer), counting, TEXTS)
    assert [plain(r[0]) for r in results] == alone
    assert counting.sizes == [1, len(TEXTS) - 1]


def test_a_failing_batch_fails_its_callers_and_the_next_call_works(
    analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = HeldFirstBatch(analyzer, fail=True)
    monkeypatch.setattr(analyzer, "assess_many", failing)
    assessor = Assessor(analyzer)
    results = run_concurrently(assessor, failing, TEXTS[:3])
    assert all(isinstance(r, RuntimeError) for r in results)
    monkeypatch.undo()
    assert assessor.assess([AssessItem("你好")])[0].text == "你好"
    assert assessor.assess([]) == []


def test_batches_stop_at_max_batch_messages(analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    counting = HeldFirstBatch(analyzer)
    monkeypatch.setattr(analyzer, "assess_many", counting)
    run_concurrently(Assessor(analyzer, max_batch=2), counting, TEXTS)
    assert counting.sizes == [1, 2, 2, 1]
