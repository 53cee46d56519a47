"""Length-preserving normalisation: full-width→half-width, traditional→simplified, lower case.

Every output character stands for exactly one input character, so an offset found in the normalised
text is also an offset into the original text (SPEC.md evidence spans stay on the text as received).
Emoji and repeated punctuation are kept: they are signals, not noise.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], frozenset[str], frozenset[str]]:
    # zhconv ships the MediaWiki conversion tables as JSON; read them directly (its own loader
    # leaves the file handle open).
    with resources.files("zhconv").joinpath("zhcdict.json").open("rb") as fh:
        dicts = json.load(fh)
    table: dict[int, str] = {}
    for src, dst in dicts["zh2Hans"].items():
        if len(src) == 1 and len(dst) == 1 and src != dst:
            table[ord(src)] = dst
    # Full-width ASCII block and the ideographic space.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0).lower()
    table[0x3000] = " "
    for extra, plain in {"“": '"', "”": '"', "‘": "'", "’": "'", "～": "~", "—": "-"}.items():
        table[ord(extra)] = plain
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    trad_only = frozenset(ch for ch in dicts["TRADONLY"] if len(ch) == 1)
    simp_only = frozenset(ch for ch in dicts["SIMPONLY"] if len(ch) == 1)
    return table, trad_only, simp_only


def normalize(text: str) -> str:
    """Return a matching form of `text` with exactly the same length."""
    table = _tables()[0]
    out = text.translate(table)
    if len(out) != len(text):  # pragma: no cover - every table value is one character
        raise AssertionError("normalisation must preserve length")
    if not out.isascii() and _NEEDS_FOLD.search(out):
        out = "".join(_fold_char(ch) for ch in out)
    return out


# Characters that NFKC or lower-casing may still change after the table: not ASCII, not CJK.
_NEEDS_FOLD = re.compile(r"[^\x00-\x7f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch


def traditional_only_chars() -> frozenset[str]:
    return _tables()[1]


def simplified_only_chars() -> frozenset[str]:
    return _tables()[2]
