"""Translations of fixed labels made when a template is compiled, not each time a page is rendered.

Every page shows some forty fixed labels (`t("site.skip")`, `t("record.body")`, the sign-off
lines); as calls they cost a Jinja call each on each of 17,000 record pages. `TranslatedLabels`
replaces a call of `t` with one string literal argument by that string's translation in the
build's language while the template is compiled: Jinja then writes the label, escaped, into the
compiled template. A call with arguments (`t("record.days", n=...)`), a computed key
(`t("nav." ~ key)`) or a key the table lacks stays a call, so the page reads the same either way.

The compiled template differs by language, translation table and this module, so its cache folder
is named by all three (`compiled_cache_name`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from jinja2 import Environment
from jinja2.ext import Extension
from jinja2.lexer import TOKEN_DOT, TOKEN_LPAREN, TOKEN_NAME, TOKEN_RPAREN, TOKEN_STRING, Token, TokenStream

from svcnotes.site.context import TRANSLATOR
from svcnotes.site.i18n import STRINGS, normalise_locale


class TranslatedLabels(Extension):
    """`t("key")` -> the literal translation, in the language `environment.label_locale` names."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.extend(label_locale=None)

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        locale = getattr(self.environment, "label_locale", None)
        if not locale:
            return stream
        return _fold(list(stream), STRINGS[normalise_locale(locale)])


def _fold(tokens: list[Token], table: dict[str, str]) -> Iterator[Token]:
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if (tok.type == TOKEN_NAME and tok.value == TRANSLATOR and i + 3 < len(tokens)
                and (i == 0 or tokens[i - 1].type != TOKEN_DOT)
                and tokens[i + 1].type == TOKEN_LPAREN and tokens[i + 2].type == TOKEN_STRING
                and tokens[i + 3].type == TOKEN_RPAREN and tokens[i + 2].value in table):
            yield Token(tok.lineno, TOKEN_STRING, table[tokens[i + 2].value])
            i += 4
            continue
        yield tok
        i += 1


def compiled_cache_name(locale: str) -> str:
    """The compiled-template cache folder of one language: its labels, and this module's way of
    placing them, are inside the compiled code."""
    from svcnotes.store.bulk import source_key

    loc = normalise_locale(locale)
    digest = hashlib.blake2b(json.dumps(STRINGS[loc], sort_keys=True, ensure_ascii=False).encode(), digest_size=6)
    digest.update(source_key("site/jinja_i18n.py").encode())
    return f"{loc}-{digest.hexdigest()}"


def compiled_cache(root: Path, locale: str) -> Path:
    """The compiled-template folder of one language under `root`, with that language's folders of other
    tables or code removed (and compiled files from before the folders were per language): an upgrade
    leaves no dead cache behind. The other language's current folder is kept."""
    name = compiled_cache_name(locale)
    prefix = name.rsplit("-", 1)[0] + "-"
    try:
        for entry in root.iterdir():
            if entry.is_file() and entry.name.startswith("__jinja2_"):
                entry.unlink(missing_ok=True)
            elif entry.is_dir() and entry.name.startswith(prefix) and entry.name != name:
                shutil.rmtree(entry, ignore_errors=True)
    except OSError:  # no cache folder yet, or a read-only one: nothing to tidy
        pass
    return root / name
