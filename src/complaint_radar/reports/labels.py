"""Bilingual display labels for the codes a report shows (taxonomy codes and report vocabulary)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from complaint_radar.reports.values import ValueKind
from complaint_radar.text.taxonomy import load_taxonomy

Label = tuple[str, str]


@lru_cache(maxsize=1)
def _report_labels() -> dict[str, dict[str, tuple[str, ...]]]:
    raw = yaml.safe_load(
        resources.files("complaint_radar.reports").joinpath("data/labels.yaml").read_text("utf-8")
    )
    return {
        kind: {code: tuple(str(part) for part in entry) for code, entry in table.items()}
        for kind, table in raw.items()
    }


def label(kind: str, code: object) -> Label:
    """(zh, en) of `code` in `kind`: the report's own vocabulary, then the taxonomy, else the code itself."""
    text = "" if code is None else str(code)
    entry = _report_labels().get(kind, {}).get(text)
    if entry is not None:
        return entry[0], entry[1]
    pair = load_taxonomy().labels.get(kind, {}).get(text)
    return pair if pair is not None else (text, text)


def row_label(row: Mapping[str, Any], kind: str, code_field: str) -> Label:
    """The row's own `label_zh` / `label_en` where present, else the display label of its code."""
    zh, en = label(kind, row.get(code_field))
    return str(row.get("label_zh") or zh), str(row.get("label_en") or en)


def bilingual(pair: Label) -> str:
    """'中文 / English', or one of them when both read the same (free values such as product names)."""
    zh, en = pair
    return zh if zh == en or not en else f"{zh} / {en}"


def section_title(key: str) -> Label:
    return label("section", key)


def metric_label(metric: object) -> Label:
    """Label of a target metric such as 'complaint_rate' or 'cause_rate:service_attitude'."""
    name, _, argument = str(metric or "").partition(":")
    zh, en = label("metric", name)
    if not argument:
        return zh, en
    arg_zh, arg_en = label("cause", argument)
    return f"{zh}：{arg_zh}", f"{en}: {arg_en}"


def key_label(key: Mapping[str, Any]) -> Label:
    """Label of an emerging-issue key, e.g. {'cause': 'product_quality', 'product': 'X手机'}."""
    zh_parts, en_parts = [], []
    for dimension, value in key.items():
        dim_zh, dim_en = label("dimension", dimension)
        val_zh, val_en = label(dimension, value)
        zh_parts.append(f"{dim_zh}：{val_zh}")
        en_parts.append(f"{dim_en}: {val_en}")
    return " × ".join(zh_parts), " × ".join(en_parts)


def operations_metric(code: str) -> tuple[str, str, ValueKind]:
    """(zh, en, how the value reads: percent or number) of an operational metric."""
    entry = _report_labels().get("operations", {}).get(code)
    if entry is None:
        return code, code, "number"
    return entry[0], entry[1], "percent" if entry[2] == "percent" else "number"
