"""Fast multi-pattern matching: a literal prefilter decides which lexicon regexes can match a text.

Python's regex engine tries every branch of a large alternation at every position, which is slow
for a lexicon of ~1,000 entries. Each entry instead gets the longest literal it must contain; one
pass over the text's characters finds the literals present, and only those entries' regexes run.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections import defaultdict
from dataclasses import dataclass

from complaint_radar.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    regex: re.Pattern[str]
    weight: float


Hit = tuple[int, int, float]


def required_literal(pattern: str) -> str | None:
    """The longest literal every match of `pattern` contains (top-level literal run), if any."""
    best = ""
    run: list[str] = []
    for op, av in sre_parse.parse(pattern):
        if op is sre_c.LITERAL:
            run.append(chr(av))
            continue
        if op is sre_c.AT:
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    if len(run) > len(best):
        best = "".join(run)
    return best or None


class PatternIndex:
    """All lexicon entries behind one literal prefilter; `scan` returns hits per key."""

    def __init__(self, entries: list[tuple[str, str, float]]) -> None:
        self._entries: list[Entry] = []
        self._by_first: dict[str, list[tuple[str, int]]] = defaultdict(list)
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
            literal = required_literal(pattern)
            if literal:
                self._by_first[literal[0]].append((literal, idx))
            else:
                self._always.append(idx)

    def keys(self) -> set[str]:
        return {e.key for e in self._entries}

    def scan(self, norm: str) -> dict[str, list[Hit]]:
        candidates = set(self._always)
        by_first = self._by_first
        for ch in set(norm):
            for literal, idx in by_first.get(ch, ()):
                if idx not in candidates and (len(literal) == 1 or literal in norm):
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
