"""What the file services share about rows: the bad-row record, the report, callbacks, the text check."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    reason: str


ProgressCallback = Callable[[int], None]
ProblemCallback = Callable[[RowProblem], None]


@dataclass
class FileReport:
    rows: int = 0
    invalid: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    def add_problem(self, problem: RowProblem, on_problem: ProblemCallback | None) -> None:
        """Count one bad row and pass it on to the caller's callback."""
        self.invalid += 1
        self.problems.append(problem)
        if on_problem:
            on_problem(problem)


def is_missing(value: Any) -> bool:
    """An absent cell: None or a float nan."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def text_problem(value: Any) -> str | None:
    """Why a cell cannot be assessed as text, or None when it can."""
    if is_missing(value):
        return "missing text"
    if not isinstance(value, str):
        return f"non-text input ({type(value).__name__})"
    if not value.strip():
        return "empty text"
    return None
