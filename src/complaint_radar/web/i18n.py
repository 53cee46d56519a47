"""Dashboard text in 简体, 繁體 and English: the message catalogue (data/messages.yaml), code labels, and
the reader's language (a cookie set by the language switch, else the browser's Accept-Language).

繁體 text is converted from 简体 with zhconv, so the catalogue holds two columns: `key: [zh, en]`, the
same layout as the taxonomy's labels (text/data/taxonomy.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
import zhconv

from complaint_radar.errors import ConfigurationError
from complaint_radar.text.taxonomy import load_taxonomy

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
LANGUAGE_NAMES = {"zh-Hans": "简体", "zh-Hant": "繁體", "en": "English"}
DEFAULT_LANGUAGE = "zh-Hans"
LANG_COOKIE = "cr_lang"
_TRADITIONAL_REGIONS = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, tuple[str, str]]:
    """Every UI string by key, as (简体, English)."""
    text = resources.files("complaint_radar.web").joinpath("data/messages.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    bad = [str(key) for key, pair in raw.items() if not (isinstance(pair, list) and len(pair) == 2)]
    if bad:
        raise ConfigurationError(f'web/data/messages.yaml: {", ".join(bad)} must be ["简体", "English"]')
    return {str(key): (str(pair[0]), str(pair[1])) for key, pair in raw.items()}


@lru_cache(maxsize=1)
def _load_conversion_tables() -> None:
    # By its full path: zhconv's loader of the default name leaves the file open (a ResourceWarning).
    zhconv.loaddict(str(resources.files("zhconv").joinpath("zhcdict.json")))


@lru_cache(maxsize=20_000)
def traditional(text: str) -> str:
    _load_conversion_tables()
    return str(zhconv.convert(text, "zh-hant"))


def pick(lang: str, zh: str, en: str) -> str:
    """The text of a (简体, English) pair for `lang`."""
    if lang == "en":
        return en
    return traditional(zh) if lang == "zh-Hant" else zh


@dataclass(frozen=True, slots=True)
class Translator:
    """UI text and code labels in one language; templates call it as `t("key", name=value)`."""

    lang: str

    def __call__(self, key: str, **params: Any) -> str:
        try:
            zh, en = catalogue()[key]
        except KeyError:
            raise ConfigurationError(f"no UI text {key!r} in web/data/messages.yaml") from None
        text = pick(self.lang, zh, en)
        return text.format(**params) if params else text

    def label(self, kind: str, code: str | None) -> str:
        """A code's display label: the taxonomy's (stage, cause, cue, demand …), else the catalogue's
        `code.<kind>.<code>` (states, severities, channels …), else the code itself."""
        if code is None or code == "":
            return "–"
        pair = load_taxonomy().labels.get(kind, {}).get(code) or catalogue().get(f"code.{kind}.{code}")
        return code if pair is None else pick(self.lang, *pair)

    @property
    def html_lang(self) -> str:
        return self.lang


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The reader's language: the cookie when valid, else the best Accept-Language match, else 简体."""
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:  # q=0 means "not acceptable"
            ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith(_TRADITIONAL_REGIONS):
            return "zh-Hant"
        if tag.startswith("zh"):
            return "zh-Hans"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE
