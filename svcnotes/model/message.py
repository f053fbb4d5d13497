"""A problem's words in either language: `msg(template, **params)` is the English text (a str, which
`--format json`, the validation cache and every comparison see) that also keeps its template and
parameters, so `Problem.format()` can render it in the user's language from the gettext catalogue.

Babel extracts the keyword `msg` (babel.cfg, `make messages`). Parameters are record values, codes,
paths and numbers: they are never translated, except a parameter that is itself a `msg(...)`.
May import svcnotes.i18n (standard library only) and nothing else of svcnotes.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from svcnotes import i18n

_CJK, _PUNCTUATION = "\u3400-\u9fff", "（）：；，。？"
_SPACE_BY_CJK_PUNCTUATION = re.compile(f"(?<=[{_PUNCTUATION}])[ ]+(?=[{_CJK}{_PUNCTUATION}])|"
                                       f"(?<=[{_CJK}{_PUNCTUATION}])[ ]+(?=[{_PUNCTUATION}])")


class Message(str):
    """English text that remembers the template and parameters it was made from."""

    template: str
    params: dict[str, Any]

    def __reduce__(self) -> tuple[Any, ...]:
        # the validation cache pickles problems: the English text, the template and the parameters
        return (_restore, (str(self), self.template, self.params))

    def render(self, lang: str) -> str:
        """This message in `lang` ('zh-CN' or 'en'); English where the catalogue has no entry."""
        if lang == "en":
            return str(self)
        text = i18n.gettext_in(lang, self.template)
        if not self.params:
            return text
        params = {k: v.render(lang) if isinstance(v, Message) else v for k, v in self.params.items()}
        try:
            text = text.format(**params)
        except (KeyError, IndexError, ValueError):  # a broken catalogue entry must not hide the problem
            return str(self)
        # no space between full-width punctuation and Chinese text ("approved（已核决）的客诉")
        return _SPACE_BY_CJK_PUNCTUATION.sub("", text) if lang == "zh-CN" else text


def _restore(text: str, template: str, params: dict[str, Any]) -> Message:
    made = str.__new__(Message, text)
    made.template, made.params = template, params
    return made


def msg(template: str, /, **params: Any) -> Message:
    """The English message `template.format(**params)` (no formatting without params), renderable in
    the user's language; the template is the catalogue key."""
    return _restore(template.format(**params) if params else template, template, params)


class Label(Message):
    """A name the schema already holds in both languages (a record kind, a field's label)."""

    zh: str

    def __reduce__(self) -> tuple[Any, ...]:
        return (label, (str(self), self.zh))

    def render(self, lang: str) -> str:
        """The Chinese name for 'zh-CN', else the English one."""
        return self.zh if lang == "zh-CN" else str(self)


@functools.lru_cache(maxsize=256)
def label(en: str, zh: str) -> Label:
    """The schema's own English and Chinese name of a thing, as a message parameter."""
    made = str.__new__(Label, en)
    made.template, made.params, made.zh = en, {}, zh
    return made


def joined(parts: list[str], sep: str = ", ") -> str:
    """`parts` joined by `sep`, each part still rendered in the reader's language."""
    if not any(isinstance(p, Message) for p in parts):
        return sep.join(parts)
    return _restore(sep.join(parts), sep.join(f"{{p{i}}}" for i in range(len(parts))),
                    {f"p{i}": p for i, p in enumerate(parts)})


def render(text: object, lang: str | None = None) -> str:
    """`text` in `lang` (default: the current language) if it is a `msg(...)`; other text as it is (an
    i18n.Msg in the current language)."""
    if not isinstance(text, Message):
        return text if isinstance(text, str) else str(text)
    return text.render(lang or i18n.language())


def reason(exc: BaseException) -> str:
    """What an exception says: the `msg(...)` the core raised it with (English, renderable), else its text."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Message):
        return exc.args[0]
    return str(exc)


def exc_message(exc: BaseException, lang: str | None = None) -> str:
    """What an exception says, in `lang` (default: the current language) when the core raised it
    with a `msg(...)`; any other exception's text as it is."""
    return render(reason(exc), lang)
