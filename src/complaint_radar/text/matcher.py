"""Fast multi-pattern matching: a literal prefilter decides which lexicon regexes can match a text.

Python's regex engine tries every branch of a large alternation at every position, which is slow
for a lexicon of ~1,000 entries. Each entry instead gets the literals one of which it must contain, indexed
by the literal's first two characters (or its only one); the text's own character pairs look up the
few literals that can be present, and only those entries' regexes run.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from complaint_radar.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    regex: re.Pattern[str]
    weight: float


Hit = tuple[int, int, float]


def _alternatives(items: Any) -> set[str] | None:
    """Literals one of which every match of the parsed (sub)pattern `items` contains, or None."""
    best: set[str] | None = None
    run: list[str] = []

    def consider(option: set[str] | None) -> None:
        nonlocal best
        if option and (best is None or _better(option, best)):
            best = option

    for op, av in items:
        if op is sre_c.LITERAL:
            run.append(chr(av))
            continue
        if op is sre_c.AT:
            continue
        consider({"".join(run)} if run else None)
        run = []
        consider(_item_alternatives(op, av))
    consider({"".join(run)} if run else None)
    return best


def _item_alternatives(op: Any, av: Any) -> set[str] | None:
    if op is sre_c.SUBPATTERN:
        return _alternatives(av[-1])
    if op is sre_c.BRANCH:
        options: set[str] = set()
        for branch in av[1]:
            found = _alternatives(branch)
            if not found:
                return None
            options |= found
        return options
    if op is sre_c.IN and all(kind is sre_c.LITERAL for kind, _ in av):
        return {chr(code) for _, code in av}
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:
        return _alternatives(av[2])
    return None


def _better(a: set[str], b: set[str]) -> bool:
    """Longer shortest literal first (rarer in text), then fewer alternatives."""
    return (min(map(len, a)), -len(a)) > (min(map(len, b)), -len(b))


def required_literals(pattern: str) -> set[str] | None:
    """Literals one of which every match of `pattern` contains (the most selective such set), if any."""
    return _alternatives(sre_parse.parse(pattern))


class PatternIndex:
    """All lexicon entries behind one literal prefilter; `scan` returns hits per key."""

    def __init__(self, entries: list[tuple[str, str, float]]) -> None:
        self._entries: list[Entry] = []
        # key: a literal's first two characters (or its only character) -> (literal, entry index)
        self._by_head: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self._always: list[int] = []
        for key, pattern, weight in entries:
            try:
                regex = re.compile(pattern)
            except re.error as exc:
                raise ConfigurationError(
                    f"lexicon entry {key} has an invalid pattern {pattern!r}: {exc}"
                ) from exc
            idx = len(self._entries)
            self._entries.append(Entry(key, regex, weight))
            literals = required_literals(pattern)
            if literals:
                for literal in literals:
                    self._by_head[literal[:2]].append((literal, idx))
            else:
                self._always.append(idx)

        self._heads = frozenset(self._by_head)

    def keys(self) -> set[str]:
        return {e.key for e in self._entries}

    def scan(self, norm: str) -> dict[str, list[Hit]]:
        candidates = set(self._always)
        by_head = self._by_head
        heads = set(norm)
        heads.update(map(str.__add__, norm, norm[1:]))
        for head in heads & self._heads:
            for literal, idx in by_head[head]:
                if len(literal) <= 2 or literal in norm:
                    candidates.add(idx)
        hits: dict[str, list[Hit]] = defaultdict(list)
        for idx in sorted(candidates):
            entry = self._entries[idx]
            for m in entry.regex.finditer(norm):
                if m.end() > m.start():
                    hits[entry.key].append((m.start(), m.end(), entry.weight))
        for found in hits.values():
            found.sort(key=lambda h: (h[0], -h[1]))
        return hits
