"""Emerging issues over the store (SPEC.md §7.5): detect as of a day, store (update, never duplicate), list,
change status (audited), attach root-cause records (SPEC.md §7.6).

Detection reads one row per message × cause of the detector's look-back window from the cube (SQL), plus
the daily message volume, and runs `analysis.emerging.detect_emerging` (and `analysis.clusters` for
negative messages no cause explains). Each detection continues the stored issue it shares keys or
messages with (`analysis.issues.match_known`), else opens a new one with status `new`. People move an
issue through `new → investigating → actioned | dismissed`; every change is in the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar.analysis.clusters import emerging_clusters
from complaint_radar.analysis.emerging import DetectorConfig, detect_emerging_over
from complaint_radar.analysis.issues import EmergingIssue, KnownIssue, match_known
from complaint_radar.analysis.rootcause import check_record
from complaint_radar.errors import InputError, NotFoundError
from complaint_radar.services.analysis.cube import CubeSource
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.services.analysis.status import change_status
from complaint_radar.store import Issue, IssueKey, RootCauseRecord, append_audit, audit_trail
from complaint_radar.store.columns import utcnow

ISSUE_ENTITY = "issue"
STATUSES = ("new", "investigating", "actioned", "dismissed")
EXAMPLES = 5
UNEXPLAINED_LIMIT = 20_000
"""Most unexplained negative messages (newest first) clustered per run: clustering is for the tail."""
_KEY_COLUMNS = ("cause", "product", "branch", "region")


def key_hash(key: Mapping[str, Any]) -> str:
    """SHA-256 of the key as canonical JSON: the same key always has the same hash."""
    text = json.dumps({str(k): str(v) for k, v in sorted(key.items())}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def detect(cube: CubeSource, as_of: date, config: DetectorConfig | None = None) -> list[EmergingIssue]:
    """Emerging issues as of `as_of` over the whole store (no filters), strongest first: keys of causes ×
    product / branch / region, and growing clusters of negative messages no cause explains."""
    return detect_over(cube, [as_of], config)[as_of]


def detect_over(
    cube: CubeSource, days: Sequence[date], config: DetectorConfig | None = None
) -> dict[date, list[EmergingIssue]]:
    """`detect` as of each of `days` (what a daily schedule would have found), reading the items once;
    clusters of unexplained messages are looked for as of the last day only."""
    cfg = config or DetectorConfig()
    ordered = sorted(set(days))
    scope = Scope(ordered[0] - timedelta(days=cfg.lookback_days), ordered[-1])
    volume = cube.daily_volume(scope).rename(columns={"messages": "volume"})
    items = cube.items(scope)
    found: dict[date, list[EmergingIssue]] = (
        {day: [] for day in ordered}
        if items.empty
        else detect_emerging_over(items, ordered, cfg, volume=volume)
    )
    last = ordered[-1]
    unexplained = cube.unexplained(
        scope.shifted(last - timedelta(days=cfg.lookback_days), last), UNEXPLAINED_LIMIT
    )
    if len(unexplained):
        found[last] = [*found[last], *emerging_clusters(unexplained, last, detector=cfg, volume=volume)]
    return {day: sorted(issues, key=lambda issue: -issue.score) for day, issues in found.items()}


@dataclass(frozen=True, slots=True)
class DetectionRun:
    as_of: date
    detected: int
    opened: list[int]
    updated: list[int]


def store_detections(session: Session, detections: Sequence[EmergingIssue], as_of: date) -> DetectionRun:
    """Open or update stored issues for `detections` (a growing issue is updated, never duplicated)."""
    known_rows = list(session.scalars(select(Issue).where(Issue.window_end >= as_of - timedelta(days=60))))
    known = [
        KnownIssue(
            id=row.id,
            key=dict(row.key),
            window_start=row.window_start,
            window_end=row.window_end,
            merged_keys=tuple(dict(k) for k in row.merged_keys or ()),
            item_ids=frozenset(row.example_ids or ()),
            status=row.status,
        )
        for row in known_rows
    ]
    by_id: dict[Hashable, Issue] = {row.id: row for row in known_rows}
    opened: list[int] = []
    updated: list[int] = []
    for match in match_known(detections, known):
        d = match.detection
        row = by_id.get(match.known.id) if match.known is not None else _by_key(session, d)
        if row is None:
            row = Issue(
                key_hash=key_hash(d.key),
                key=dict(d.key),
                kind="cluster" if "cluster" in d.key else "key",
                status="new",
                first_detected=as_of,
                detections=0,
                **{c: d.key.get(c) for c in _KEY_COLUMNS},
            )
            session.add(row)
        row.window_start = min(match.window_start, row.window_start or match.window_start)
        row.window_end = max(match.window_end, row.window_end or match.window_end)
        row.observed = int(d.observed)
        row.expected = float(d.expected)
        row.p_value = d.p_value
        row.ratio = d.ratio
        row.merged_keys = [dict(k) for k in match.merged_keys]
        row.top_terms = list(d.top_terms)
        row.example_ids = [_plain(i) for i in d.item_ids[:50]]
        row.last_detected = max(as_of, row.last_detected or as_of)
        row.detections = (row.detections or 0) + 1
        row.updated_at = utcnow()
        session.flush()
        (updated if row.detections > 1 else opened).append(row.id)
        for key in (row.key, *row.merged_keys):
            _remember_key(session, key, row.id)
    return DetectionRun(as_of, len(detections), opened, updated)


def _by_key(session: Session, detection: EmergingIssue) -> Issue | None:
    hashes = [key_hash(k) for k in detection.all_keys()]
    issue_id = session.scalar(select(IssueKey.issue_id).where(IssueKey.key_hash.in_(hashes)).limit(1))
    return None if issue_id is None else session.get(Issue, issue_id)


def _remember_key(session: Session, key: Mapping[str, Any], issue_id: int) -> None:
    digest = key_hash(key)
    if session.get(IssueKey, digest) is None:
        session.add(IssueKey(key_hash=digest, issue_id=issue_id))
        session.flush()


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, int) or str(value).isdigit() else str(value)


def issue_dict(row: Issue, cube: CubeSource | None = None, *, examples: int = EXAMPLES) -> dict[str, Any]:
    """The report's `emerging_issues[]` shape (texts of the first examples when `cube` is given)."""
    ids = list(row.example_ids or [])[:examples]
    texts = cube.example_texts(ids) if cube is not None else {}
    return {
        "id": row.id,
        "key": dict(row.key),
        "window_start": row.window_start.isoformat(),
        "window_end": row.window_end.isoformat(),
        "observed": row.observed,
        "expected": round(row.expected, 3),
        "p_value": row.p_value,
        "ratio": None if row.ratio is None else round(row.ratio, 3),
        "status": row.status,
        "first_detected": row.first_detected.isoformat(),
        "last_detected": row.last_detected.isoformat(),
        "detections": row.detections,
        "merged_keys": list(row.merged_keys or []),
        "top_terms": list(row.top_terms or []),
        "examples": [texts.get(i, {"message_id": str(i)}) for i in ids],
    }


def list_issues(
    session: Session,
    *,
    status: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    filters: Mapping[str, Sequence[str]] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Issue]:
    """Stored issues, most recently detected first; `since`/`until` keep those whose window overlaps."""
    statement = select(Issue)
    if status:
        statement = statement.where(Issue.status.in_(status))
    if since is not None:
        statement = statement.where(Issue.window_end >= since)
    if until is not None:
        statement = statement.where(Issue.window_start <= until)
    for name, values in (filters or {}).items():
        if name in _KEY_COLUMNS and values:
            column = getattr(Issue, name)
            statement = statement.where(column.in_(values) | column.is_(None))
    statement = statement.order_by(Issue.last_detected.desc(), Issue.observed.desc(), Issue.id)
    return list(session.scalars(statement.limit(limit).offset(offset)))


def get_issue(session: Session, issue_id: int) -> Issue:
    row = session.get(Issue, issue_id)
    if row is None:
        raise NotFoundError(f"issue {issue_id} not found; list issues with `complaint-radar issues list`")
    return row


def set_status(
    session: Session, issue_id: int, status: str, *, actor: str, role: str | None, reason: str | None
) -> Issue:
    """Move an issue to `status`; the change is audited (who, when, old → new, why)."""
    if status not in STATUSES:
        raise InputError(f"issue status {status!r} is not one of {', '.join(STATUSES)}")
    row = get_issue(session, issue_id)
    change_status(session, row, status, entity_type=ISSUE_ENTITY, actor=actor, role=role, reason=reason)
    return row


def issue_history(session: Session, issue_id: int) -> list[dict[str, Any]]:
    return [
        {
            "at": e.occurred_at.isoformat(),
            "action": e.action,
            "actor": e.actor,
            "role": e.role,
            "old": e.old_values,
            "new": e.new_values,
            "reason": e.reason,
        }
        for e in audit_trail(session, ISSUE_ENTITY, str(issue_id))
    ]


def add_root_cause(
    session: Session, issue_id: int, kind: str, record: Mapping[str, Any], *, author: str, role: str | None
) -> RootCauseRecord:
    """Attach a checked fishbone, 5-whys or note to an issue (audited)."""
    get_issue(session, issue_id)
    checked = check_record(kind, record)
    row = RootCauseRecord(issue_id=issue_id, kind=kind, record=checked, author=author)
    session.add(row)
    session.flush()
    append_audit(
        session,
        entity_type=ISSUE_ENTITY,
        entity_id=str(issue_id),
        action=f"root_cause_{kind}",
        actor=author,
        role=role,
        new_values={"root_cause_id": row.id},
    )
    return row


def root_causes(session: Session, issue_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(RootCauseRecord).where(RootCauseRecord.issue_id == issue_id).order_by(RootCauseRecord.id)
    )
    return [root_cause_dict(r) for r in rows]


def root_cause_dict(row: RootCauseRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "issue_id": row.issue_id,
        "kind": row.kind,
        "record": row.record,
        "author": row.author,
        "created_at": row.created_at.isoformat(),
    }
