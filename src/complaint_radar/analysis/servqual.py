"""SERVQUAL (SPEC.md §7.8): gap = perception − expectation per item (7-point scales), averaged per dimension,
optionally importance-weighted; negative gaps ranked; the complaint share of each dimension via causes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from complaint_radar.analysis.codes import analysis_codes
from complaint_radar.errors import InputError

SCALE = (1.0, 7.0)


def check_answer(
    item: Any, dimension: Any, expectation: Any, perception: Any, importance: Any = None
) -> tuple[str, str, float, float, float | None]:
    """One checked `survey_servqual` answer; InputError saying what is wrong otherwise."""
    dimensions = analysis_codes().servqual
    if not isinstance(item, str) or not item.strip():
        raise InputError("a SERVQUAL answer needs an `item` (the question id, e.g. Q7)")
    if dimension not in dimensions:
        raise InputError(f"SERVQUAL dimension {dimension!r} is not one of {', '.join(dimensions)}")
    values = []
    for name, raw in (("expectation", expectation), ("perception", perception)):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise InputError(f"SERVQUAL {name} {raw!r} is not a number from 1 to 7") from None
        if not SCALE[0] <= value <= SCALE[1]:
            raise InputError(f"SERVQUAL {name} {value:g} is outside the 7-point scale (1 to 7)")
        values.append(value)
    weight: float | None = None
    if importance is not None:
        try:
            weight = float(importance)
        except (TypeError, ValueError):
            raise InputError(f"SERVQUAL importance {importance!r} is not a number") from None
        if weight < 0:
            raise InputError("SERVQUAL importance must be 0 or more")
    return item.strip(), str(dimension), values[0], values[1], weight


def servqual_gaps(answers: pd.DataFrame, cause_counts: Mapping[str, float] | None = None) -> dict[str, Any]:
    """`answers`: `item, dimension, expectation, perception, importance` (importance may be null).

    Dimension gap = mean of its items' gaps; `weighted_gap` = gap × the dimension's share of the total
    mean importance (null without importance answers). `complaint_share`: share of `cause_counts`
    (complaint items per cause) whose cause maps to the dimension.
    """
    codes = analysis_codes()
    total_causes = float(sum((cause_counts or {}).values()))
    if answers.empty:
        items_out: list[dict[str, Any]] = []
        dims: dict[str, dict[str, Any]] = {}
    else:
        answers = answers.assign(gap=answers["perception"] - answers["expectation"])
        item_table = answers.groupby(["dimension", "item"], sort=True).agg(
            expectation=("expectation", "mean"),
            perception=("perception", "mean"),
            gap=("gap", "mean"),
            responses=("gap", "count"),
        )
        items_out = [
            {
                "item": str(r["item"]),
                "dimension": str(r["dimension"]),
                "expectation": round(float(r["expectation"]), 3),
                "perception": round(float(r["perception"]), 3),
                "gap": round(float(r["gap"]), 3),
                "responses": int(r["responses"]),
            }
            for r in item_table.reset_index().to_dict(orient="records")
        ]
        dim_table = item_table.groupby("dimension").agg(
            expectation=("expectation", "mean"),
            perception=("perception", "mean"),
            gap=("gap", "mean"),
            items=("gap", "count"),
            responses=("responses", "sum"),
        )
        importance = answers.dropna(subset=["importance"]).groupby("dimension")["importance"].mean()
        total_importance = float(importance.sum()) if len(importance) else 0.0
        weights = (
            {str(k): float(v) / total_importance for k, v in importance.items()} if total_importance else {}
        )
        dims = {}
        for r in dim_table.reset_index().to_dict(orient="records"):
            dim = str(r["dimension"])
            gap = float(r["gap"])
            dims[dim] = {
                "expectation": round(float(r["expectation"]), 3),
                "perception": round(float(r["perception"]), 3),
                "gap": round(gap, 3),
                "weighted_gap": round(gap * weights[dim], 4) if dim in weights else None,
                "items": int(r["items"]),
                "responses": int(r["responses"]),
            }
    dimensions = []
    for code, category in codes.servqual.items():
        mapped = sum(float(v) for c, v in (cause_counts or {}).items() if c in category.causes)
        block = dims.get(
            code,
            {
                "expectation": None,
                "perception": None,
                "gap": None,
                "weighted_gap": None,
                "items": 0,
                "responses": 0,
            },
        )
        dimensions.append(
            {
                "dimension": code,
                "label_zh": category.zh,
                "label_en": category.en,
                **block,
                "complaint_share": None if total_causes == 0 else round(mapped / total_causes, 4),
            }
        )
    negative = sorted((i for i in items_out if i["gap"] < 0), key=lambda i: (i["gap"], i["item"]))
    return {
        "dimensions": dimensions,
        "items": items_out,
        "negative_gaps_ranked": [
            {"item": i["item"], "dimension": i["dimension"], "gap": i["gap"]} for i in negative
        ],
    }
