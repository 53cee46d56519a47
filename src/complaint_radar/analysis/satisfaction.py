"""Satisfaction surveys (SPEC.md §7.7): CSAT 1–5, NPS 0–10, response rates, post-resolution CSAT."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from complaint_radar.analysis.calendar import Granularity, period_of

SATISFIED_MIN = 4
"""CSAT 4 or 5 counts as satisfied."""


def _ratio(part: float, whole: float | None) -> float | None:
    return None if not whole else round(part / whole, 4)


def _series(answers: pd.DataFrame, granularity: Granularity, summary: Any) -> list[dict[str, Any]]:
    if answers.empty:
        return []
    labels = answers["day"].map(lambda d: period_of(d, granularity)[0])
    return [
        {"period": str(label), **summary(group["value"])}
        for label, group in answers.groupby(labels, sort=True)
    ]


def csat_summary(
    answers: pd.DataFrame, granularity: Granularity, surveys_sent: float | None = None
) -> dict[str, Any]:
    """`answers`: `day, value` (1–5). Mean, responses, share satisfied (≥ 4), response rate, series."""

    def block(values: pd.Series) -> dict[str, Any]:
        n = int(values.count())
        return {"mean": None if n == 0 else round(float(values.mean()), 3), "responses": n}

    values = answers["value"] if not answers.empty else pd.Series(dtype="float64")
    n = int(values.count())
    return {
        **block(values),
        "surveys_sent": surveys_sent,
        "response_rate": _ratio(n, surveys_sent),
        "share_satisfied": _ratio(float((values >= SATISFIED_MIN).sum()), n),
        "series": _series(answers, granularity, block),
    }


def nps_block(values: pd.Series) -> dict[str, Any]:
    """NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100; shares of each group."""
    n = int(values.count())
    if n == 0:
        return {"score": None, "promoters": None, "passives": None, "detractors": None, "responses": 0}
    promoters = float((values >= 9).sum()) / n
    detractors = float((values <= 6).sum()) / n
    return {
        "score": round((promoters - detractors) * 100, 2),
        "promoters": round(promoters, 4),
        "passives": round(1 - promoters - detractors, 4),
        "detractors": round(detractors, 4),
        "responses": n,
    }


def nps_summary(
    answers: pd.DataFrame, granularity: Granularity, surveys_sent: float | None = None
) -> dict[str, Any]:
    values = answers["value"] if not answers.empty else pd.Series(dtype="float64")
    return {
        **nps_block(values),
        "surveys_sent": surveys_sent,
        "response_rate": _ratio(int(values.count()), surveys_sent),
        "series": _series(answers, granularity, nps_block),
    }


def post_resolution(answers: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """`answers`: `team, causes (list), csat` of followed-up cases; mean CSAT by team and by cause."""
    if answers.empty:
        return {"by_team": [], "by_cause": []}
    by_team = [
        {"team": str(team), "mean": round(float(g["csat"].mean()), 3), "responses": int(g["csat"].count())}
        for team, g in answers.fillna({"team": "(none)"}).groupby("team", sort=True)
    ]
    exploded = answers.explode("causes").dropna(subset=["causes"])
    by_cause = [
        {"cause": str(cause), "mean": round(float(g["csat"].mean()), 3), "responses": int(g["csat"].count())}
        for cause, g in exploded.groupby("causes", sort=True)
    ]
    by_cause.sort(key=lambda r: (r["mean"], r["cause"]))
    return {"by_team": by_team, "by_cause": by_cause}


def day_frame(rows: Sequence[tuple[date, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["day", "value"]) if rows else pd.DataFrame({"day": [], "value": []})
