"""The language of the command line's own words: gettext catalogues, Chinese (zh_CN) and English.

Messages are marked `tr("...")` (Babel extracts that keyword: `make messages`); the catalogue is
svcnotes/locale/<lang>/LC_MESSAGES/svcnotes.po, compiled to .mo. The language is, first found:

1. `--lang` (or SVCNOTES_LANG);
2. LANGUAGE, LC_ALL, LC_MESSAGES or LANG when it names Chinese (zh…) or English (en…);
3. the record repository's `organisation.locale`;
4. English.

Problem messages and hints are marked `msg("...")` (svcnotes.model.message) and rendered in this
language by `Problem.format()`. Error codes, the path, line, code and field of a problem line
(`path:line: CODE field: …`, which editors and CI parse), `--format json`, record data and the
validation cache are never translated. Standard library only; may be imported by the CLI, by doctor
and by svcnotes.model.message.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "svcnotes"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh-CN", "en")
_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_explicit: str | None = None
_repository: str | None = None
_cache: dict[str, gettext.NullTranslations] = {}


def normalise(value: str | None) -> str | None:
    """'zh_CN.UTF-8', 'zh-TW', 'zh' -> 'zh-CN'; 'en_US.UTF-8' -> 'en'; anything else (C, POSIX, '') -> None."""
    if not value:
        return None
    head = value.split(":")[0].split(".")[0].replace("_", "-").lower()
    if head.startswith("zh"):
        return "zh-CN"
    if head.startswith("en"):
        return "en"
    return None


def choose(explicit: str | None = None) -> None:
    """Start a command: the --lang value (or None), and forget the previous repository's locale."""
    global _explicit, _repository
    _explicit, _repository = normalise(explicit), None


def use_repository_locale(locale: str | None) -> None:
    """The opened repository's organisation.locale (used when neither --lang nor the environment decides)."""
    global _repository
    _repository = normalise(locale)


def language() -> str:
    """The language messages are printed in now: 'zh-CN' or 'en'."""
    if _explicit:
        return _explicit
    for name in _ENV:
        found = normalise(os.environ.get(name))
        if found:
            return found
    return _repository or "en"


def _translation(lang: str) -> gettext.NullTranslations:
    if lang not in _cache:
        code = lang.replace("-", "_")
        _cache[lang] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)
    return _cache[lang]


def gettext_in(lang: str, message: str) -> str:
    """`message` in `lang` ('zh-CN' or 'en'), the English text when the catalogue has none."""
    return _translation(lang).gettext(message)


def tr(message: str) -> str:
    """`message` in the current language (the English text is the catalogue key and the fallback)."""
    return _translation(language()).gettext(message)
