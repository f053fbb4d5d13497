"""The language of the command line's own words: gettext catalogues, Chinese (zh_CN) and English.

Messages are marked `tr("...")`, or `Msg("...", name=value)` for one rendered later (Babel extracts
both keywords; `make messages` also adds every command's help text and click's own messages); the
catalogue is svcnotes/locale/<lang>/LC_MESSAGES/svcnotes.po, compiled to .mo. The language is, first found:

1. `--lang` (or SVCNOTES_LANG);
2. LANGUAGE, LC_ALL, LC_MESSAGES or LANG when it names Chinese (zh…) or English (en…);
3. the record repository's `organisation.locale` (read from svcnotes.toml even before the
   repository is opened, so `--help` and click's usage errors follow it too);
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DOMAIN = "svcnotes"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh-CN", "en")
_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_explicit: str | None = None
_repository: str | None = None
_probe: Path | None = None  # where to look for svcnotes.toml while no repository is open yet
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


def choose(explicit: str | None = None, repo_path: str | os.PathLike[str] | None = None) -> None:
    """Start a command: the --lang value (or None), and forget the previous repository's locale.

    `repo_path` (-C) is where organisation.locale is looked up when neither --lang nor the
    environment decides and no repository has been opened yet (help, usage errors)."""
    global _explicit, _repository, _probe
    _explicit, _repository = normalise(explicit), None
    _probe = Path(repo_path) if repo_path is not None else None


@contextmanager
def command_scope() -> Iterator[None]:
    """One command invocation: the language it chooses (--lang, the repository's locale) is
    forgotten when it ends, so the next command in the same process (a test's CliRunner, the
    language server) starts from the environment again, not from the previous command's choice."""
    global _explicit, _repository, _probe
    saved = (_explicit, _repository, _probe)
    try:
        yield
    finally:
        _explicit, _repository, _probe = saved


def explicit() -> str | None:
    """The language --lang (or SVCNOTES_LANG) asked for, None when neither did."""
    return _explicit


def use_repository_locale(locale: str | None) -> None:
    """The opened repository's organisation.locale (used when neither --lang nor the environment decides)."""
    global _repository, _probe
    _repository, _probe = normalise(locale) or "", None


def _probed_locale(start: Path) -> str:
    """organisation.locale of the svcnotes.toml in `start` or a parent ('' when none or unreadable)."""
    import tomllib

    try:
        here = start.resolve()
    except OSError:
        return ""
    for folder in (here, *here.parents):
        config = folder / "svcnotes.toml"
        if config.is_file():
            try:
                data = tomllib.loads(config.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return ""
            organisation = data.get("organisation")
            locale = organisation.get("locale") if isinstance(organisation, dict) else None
            return normalise(locale if isinstance(locale, str) else None) or ""
    return ""


def language() -> str:
    """The language messages are printed in now: 'zh-CN' or 'en'."""
    global _repository, _probe
    if _explicit:
        return _explicit
    for name in _ENV:
        found = normalise(os.environ.get(name))
        if found:
            return found
    if _repository is None and _probe is not None:
        _repository, _probe = _probed_locale(_probe), None
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


def ntr(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for `count`, in the current language."""
    return _translation(language()).ngettext(singular, plural, count)


def has_translation(message: str, lang: str = "zh-CN") -> bool:
    """True when the catalogue of `lang` translates `message` (tests and the help-text check use it)."""
    catalogue = _translation(lang)
    return isinstance(catalogue, gettext.GNUTranslations) and message in catalogue._catalog  # type: ignore[attr-defined]


class Msg:
    """A message translated when it is shown, not when it is made: the English template (the
    catalogue key) and its fields. `str(msg)` is the current language; `msg.english()` the English
    text, for data that must not change with the language (`--format json`)."""

    __slots__ = ("template", "fields")

    def __init__(self, template: str, /, **fields: Any) -> None:
        self.template = template
        self.fields = fields

    def __str__(self) -> str:
        lang = language()
        return _translation(lang).gettext(self.template).format(
            **{k: v.render(lang) if hasattr(v, "render") else str(v) for k, v in self.fields.items()})

    def english(self) -> str:
        """The message in English (fields that are messages too, in English)."""
        return self.template.format(**{k: v.english() if isinstance(v, Msg) else v for k, v in self.fields.items()})

    def __repr__(self) -> str:
        return f"Msg({self.english()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.template, self.fields) == (other.template, other.fields)

    def __hash__(self) -> int:
        return hash(self.template)


def english(text: object) -> str:
    """A message in English when it is a Msg; anything else as text."""
    return text.english() if isinstance(text, Msg) else str(text)
