"""What a batch of ingestion did (counts, bad rows, each new item's outcome), and who may watch it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from complaint_radar.customers import CustomerRiskProfile
from complaint_radar.services.intake.ingest_rows import ItemKind
from complaint_radar.services.rows import RowProblem
from complaint_radar.types import Assessment

DEFAULT_SOURCE = "default"


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What one new item did: the customer's profile right after it, and the case it opened or joined."""

    kind: ItemKind
    item_id: str
    customer_id: str | None
    at: datetime
    now: datetime
    line: int
    message_risk: int | None = None
    profile: CustomerRiskProfile | None = None
    case_number: str | None = None
    case_action: str | None = None
    source: str = DEFAULT_SOURCE
    channel: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    dimensions: Mapping[str, Any] = field(default_factory=dict)
    """The item's dimension columns (product, branch, team …; SPEC.md §7.2)."""
    assessment: Assessment | None = None
    case_id: str | None = None
    case_team: str | None = None
    pk: int | None = None

    @property
    def top_signal(self) -> str | None:
        return self.profile.reasons[0].code if self.profile and self.profile.reasons else None


@dataclass
class BatchResult:
    """One batch: counts, bad rows (line and reason), unknown event kinds, and the new items in order."""

    new: int = 0
    duplicates: int = 0
    cases_opened: int = 0
    contacts_attached: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    unknown_kinds: Counter[str] = field(default_factory=Counter)
    items: list[ItemOutcome] = field(default_factory=list)


BatchFinish = Callable[[BatchResult], None]


class BatchObserver(Protocol):
    """Sees every batch with new items inside its transaction: `start_batch` once the batch's customers
    are locked (before any item is processed), and the returned function once all of them are."""

    def start_batch(self, session: Session, customers: frozenset[str], earliest: datetime) -> BatchFinish: ...
