"""Root-cause records (SPEC.md §7.6): fishbone (six categories, evidence links), 5 whys, qualitative notes.

`check_record(kind, record)` returns the record normalised, or raises InputError saying what to fix.
Evidence is a list of links `{"kind": "message" | "case", "id": "..."}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from complaint_radar.errors import InputError
from complaint_radar.types import FishboneCategory

KINDS = ("fishbone", "five_whys", "note")
WHYS_MIN, WHYS_MAX = 3, 7
NOTE_SOURCES = ("interview", "focus_group", "observation", "survey", "data", "other")
_EVIDENCE_KINDS = ("message", "case", "event", "issue")
_MAX_TEXT = 4000


def check_record(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    if kind not in KINDS:
        raise InputError(f"root-cause record kind {kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(record, Mapping):
        raise InputError("a root-cause record is a JSON object")
    if kind == "fishbone":
        return _fishbone(record)
    if kind == "five_whys":
        return _five_whys(record)
    return _note(record)


def _text(record: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = record.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(f"`{name}` is required")
        return None
    if not isinstance(value, str):
        raise InputError(f"`{name}` must be text")
    if len(value) > _MAX_TEXT or "\x00" in value:
        raise InputError(f"`{name}` is longer than {_MAX_TEXT} characters or holds a NUL")
    return value.strip()


def _evidence(value: Any, where: str) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{where}.evidence must be a list of {{'kind': 'message'|'case', 'id': ...}}")
    links = []
    for i, link in enumerate(value):
        if (
            not isinstance(link, Mapping)
            or link.get("kind") not in _EVIDENCE_KINDS
            or not str(link.get("id") or "").strip()
        ):
            raise InputError(
                f"{where}.evidence[{i}] must be {{'kind': one of {', '.join(_EVIDENCE_KINDS)}, 'id': '...'}}"
            )
        links.append({"kind": str(link["kind"]), "id": str(link["id"]).strip()})
    return links


def _fishbone(record: Mapping[str, Any]) -> dict[str, Any]:
    problem = _text(record, "problem")
    causes = record.get("causes")
    if not isinstance(causes, list) or not causes:
        raise InputError("a fishbone needs `causes`: a list of {category, cause, evidence}")
    categories = [c.value for c in FishboneCategory]
    checked = []
    for i, cause in enumerate(causes):
        if not isinstance(cause, Mapping):
            raise InputError(f"causes[{i}] must be an object")
        if cause.get("category") not in categories:
            raise InputError(
                f"causes[{i}].category {cause.get('category')!r} is not one of {', '.join(categories)}"
            )
        checked.append(
            {
                "category": str(cause["category"]),
                "cause": _text(cause, "cause"),
                "evidence": _evidence(cause.get("evidence"), f"causes[{i}]"),
            }
        )
    by_category = {c: [x for x in checked if x["category"] == c] for c in categories}
    return {"problem": problem, "causes": checked, "by_category": by_category}


def _five_whys(record: Mapping[str, Any]) -> dict[str, Any]:
    problem = _text(record, "problem")
    whys = record.get("whys")
    if not isinstance(whys, list) or not WHYS_MIN <= len(whys) <= WHYS_MAX:
        raise InputError(f"a 5-whys record needs `whys`: {WHYS_MIN} to {WHYS_MAX} ordered answers")
    answers = [_text({"why": w}, "why") for w in whys]
    linked = record.get("linked_cases") or []
    if not isinstance(linked, list) or not all(isinstance(c, str) and c.strip() for c in linked):
        raise InputError("`linked_cases` must be a list of case numbers")
    return {
        "problem": problem,
        "whys": answers,
        "root_cause": _text(record, "root_cause"),
        "verifier": _text(record, "verifier"),
        "evidence": _evidence(record.get("evidence"), "record"),
        "linked_cases": [c.strip() for c in linked],
    }


def _note(record: Mapping[str, Any]) -> dict[str, Any]:
    source = record.get("source", "other")
    if source not in NOTE_SOURCES:
        raise InputError(f"note source {source!r} is not one of {', '.join(NOTE_SOURCES)}")
    return {
        "text": _text(record, "text"),
        "source": source,
        "evidence": _evidence(record.get("evidence"), "record"),
    }
