"""Keyword rules for a custom taxonomy without training data: label → keywords and /regexes/.

Rules file (YAML), e.g.::

    multi_label: true        # optional, default true: every label with a hit; false: the label with most hits
    fallback: other          # optional: the topic when no rule hits (default: none)
    labels:
      刹车: [刹车, 制动, brake, "/刹车(片|盘)?(异响|失灵)/"]
      售后服务: [4s店, 售后, 态度差, dealer]

A plain string is a keyword, matched case-insensitively as a substring; a string between slashes is a
Python regular expression. Both are matched on the normalised text (full-width → half-width, traditional
→ simplified Chinese, lower case), and keywords are normalised the same way, so `剎車` matches `刹车`.
A label's score is 1 − 2^−hits, with hits the number of its distinct patterns found in the text (0.5 for
one, 0.75 for two, …): a rule strength, not a calibrated probability.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from complaint_radar.errors import InputError, ModelError
from complaint_radar.text.normalize import normalize

RULES_FILE = "rules.json"


def _compile(label: str, pattern: str) -> re.Pattern[str]:
    if len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/"):
        try:
            return re.compile(pattern[1:-1], re.IGNORECASE)
        except re.error as exc:
            raise InputError(f"label {label!r}: regular expression {pattern} is invalid ({exc})") from None
    return re.compile(re.escape(normalize(pattern)), re.IGNORECASE)


class KeywordRules:
    """Validated keyword/regex rules per label, in file order."""

    def __init__(
        self,
        labels: Sequence[str],
        patterns: Sequence[Sequence[str]],
        multi_label: bool = True,
        fallback: str | None = None,
    ) -> None:
        self.labels = tuple(labels)
        self.patterns = tuple(tuple(p) for p in patterns)
        self.multi_label = multi_label
        self.fallback = fallback
        if not self.labels:
            raise InputError("the rules define no labels; add a `labels:` mapping of label → keywords")
        if len(set(self.labels)) != len(self.labels):
            raise InputError("the rules repeat a label; give each label once")
        compiled = []
        for label, patterns in zip(self.labels, self.patterns, strict=True):
            if not patterns:
                raise InputError(f"label {label!r} has no keywords; give it at least one")
            each = [_compile(label, p) for p in patterns]
            anything = re.compile("|".join(f"(?:{c.pattern})" for c in each), re.IGNORECASE)
            compiled.append((anything, tuple(each)))
        self._compiled = tuple(compiled)

    @classmethod
    def from_mapping(cls, doc: Any, source: str = "the rules") -> KeywordRules:
        """Rules from a parsed YAML/JSON document (see the module docstring for the shape)."""
        if not isinstance(doc, Mapping):
            raise InputError(f"{source} must be a mapping with a `labels:` key (label → list of keywords)")
        unknown = set(doc) - {"labels", "multi_label", "fallback"}
        if unknown:
            raise InputError(
                f"{source} has unknown keys {sorted(map(str, unknown))}; allowed: labels, multi_label, "
                "fallback"
            )
        labels = doc.get("labels")
        if not isinstance(labels, Mapping) or not labels:
            raise InputError(f"{source} needs a non-empty `labels:` mapping of label → list of keywords")
        names: list[str] = []
        patterns: list[tuple[str, ...]] = []
        for label, values in labels.items():
            items = [values] if isinstance(values, str) else values
            if not isinstance(items, Sequence) or not all(isinstance(v, str | int | float) for v in items):
                raise InputError(f"{source}: label {label!r} must map to a list of keywords or /regexes/")
            names.append(str(label))
            patterns.append(tuple(str(v) for v in items if str(v).strip()))
        multi = doc.get("multi_label", True)
        if not isinstance(multi, bool):
            raise InputError(f"{source}: multi_label must be true or false, got {multi!r}")
        fallback = doc.get("fallback")
        return cls(tuple(names), tuple(patterns), multi, None if fallback is None else str(fallback))

    @classmethod
    def from_yaml(cls, path: Path) -> KeywordRules:
        import yaml

        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"rules file {path} does not exist; check the path") from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise InputError(
                f"rules file {path} is not valid UTF-8 YAML ({' '.join(str(exc).split())})"
            ) from None
        return cls.from_mapping(doc, f"rules file {path}")

    @property
    def all_labels(self) -> tuple[str, ...]:
        """The rule labels, then the fallback label if it is not one of them."""
        extra = (self.fallback,) if self.fallback and self.fallback not in self.labels else ()
        return self.labels + extra

    def hits(self, texts: Sequence[str]) -> np.ndarray:
        """(n, labels) number of distinct patterns of each label found in each text."""
        out = np.zeros((len(texts), len(self.labels)), dtype=np.int64)
        for i, text in enumerate(texts):
            norm = normalize(text)
            for k, (anything, each) in enumerate(self._compiled):
                if anything.search(norm):
                    out[i, k] = sum(1 for p in each if p.search(norm))
        return out

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """(n, all_labels) rule strength 1 − 2^−hits; the fallback column is 1 where nothing hit."""
        hits = self.hits(texts)
        scores = 1.0 - np.power(0.5, hits.astype(np.float64))
        if len(self.all_labels) > len(self.labels):
            scores = np.hstack([scores, (hits.sum(axis=1) == 0).astype(np.float64)[:, None]])
        return scores

    def decide(self, scores: np.ndarray) -> list[tuple[str, ...]]:
        """Multi-label: every label with a hit. Single-label: the label with most hits (ties: the one
        listed first). No hit: the fallback label, or no topic without one."""
        rule_scores = scores[:, : len(self.labels)]
        out: list[tuple[str, ...]] = []
        for row in rule_scores:
            if not (row > 0).any():
                out.append((self.fallback,) if self.fallback else ())
            elif self.multi_label:
                out.append(tuple(label for label, s in zip(self.labels, row, strict=True) if s > 0))
            else:
                out.append((self.labels[int(np.argmax(row))],))
        return out

    def save(self, directory: Path) -> Path:
        doc = {
            "labels": {label: list(p) for label, p in zip(self.labels, self.patterns, strict=True)},
            "multi_label": self.multi_label,
            "fallback": self.fallback,
        }
        path = directory / RULES_FILE
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path) -> KeywordRules:
        path = directory / RULES_FILE
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"cannot read the taxonomy rules {path} ({exc}); build them again with "
                "`complaint-radar taxonomy from-keywords`"
            ) from None
        return cls.from_mapping(doc, str(path))
