"""Help pages and click's own messages in the chosen language (svcnotes.i18n).

Commands are written as plain click commands with English docstrings and `help=` texts; the one
call `translate_tree(cli)` turns every command, group, option and argument of the tree into its
translating subclass here, which looks its help text up in the catalogue when the help page is
formatted, not when the module is imported (the language is only known once `--lang`, LANG or
organisation.locale has been read). The English text is the catalogue key: `make messages` walks
the same tree (the .ci/messages.py step) to extract them. `install_click_messages()` routes click's
own gettext calls ('Missing argument', 'No such option', 'Usage:', ...) to the same catalogue.

A help text that is not in the catalogue is shown in English; tests/cli/test_i18n_help.py fails
when any is missing from the Chinese one.
"""

from __future__ import annotations

import gettext
import inspect
import re
import sys
from collections.abc import Iterator
from typing import Any

import click

from svcnotes.i18n import language, ntr, tr
from svcnotes.model.text import display_width


def _translated(raw: str | None) -> str | None:
    return tr(inspect.cleandoc(raw)) if raw else raw


class _HelpText:
    """Mixin: `help` (and a command's short help and epilog) are translated each time they are read."""

    __slots__ = ()  # the same object layout as click's classes: commands made by click's decorators take these

    @property
    def help(self) -> str | None:
        return _translated(self.__dict__.get("help"))

    @help.setter
    def help(self, value: str | None) -> None:
        self.__dict__["help"] = value


_WIDE = "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_TOKEN = re.compile(f"[{_WIDE}]|[^\\s{_WIDE}]+|\\s+")
_NO_LINE_START = set("，。；：、！？）》」』】”’")


def wrap(text: str, width: int) -> list[str]:
    """One paragraph in lines of at most `width` display columns: Chinese breaks between any two
    characters (never before closing punctuation), other text between words."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(" ".join(text.split("\n")) if not _has_wide(text) else _join_lines(text)):
        if token.isspace():
            if line and display_width(line) < width:
                line += " "
            continue
        if line and display_width(line + token) > width and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _has_wide(text: str) -> bool:
    return re.search(f"[{_WIDE}]", text) is not None


def _join_lines(text: str) -> str:
    """A paragraph's lines joined as one: a space between two words, nothing beside a Chinese character."""
    parts = [line.strip() for line in text.split("\n")]
    out = parts[0] if parts else ""
    for part in parts[1:]:
        wide = (out and re.match(f"[{_WIDE}]", out[-1])) or (part and re.match(f"[{_WIDE}]", part[0]))
        out += ("" if wide else " ") + part
    return out


class HelpFormatter(click.HelpFormatter):
    """click's help formatter measuring display columns, so Chinese help lines up and wraps at the width."""

    def write_text(self, text: str) -> None:
        if not _has_wide(text):
            super().write_text(text)
            return
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 11)
        paragraphs = text.split("\n\n")
        for i, paragraph in enumerate(paragraphs):
            if i:
                self.write("\n")
            if paragraph.startswith("\b"):
                self.write("".join(f"{indent}{line}\n" for line in paragraph.splitlines()[1:]))
                continue
            self.write("".join(f"{indent}{line}\n" for line in wrap(paragraph, width)))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        if not any(_has_wide(first + second) for first, second in rows):
            super().write_dl(rows, col_max, col_spacing)
            return
        first_col = min(max((display_width(first) for first, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(second, max(self.width - first_col - 2, 10))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class Context(click.Context):
    """click's context with the display-width help formatter."""

    formatter_class = HelpFormatter


class Command(click.Command, _HelpText):
    """A click command whose help, usage words and short help follow the chosen language."""

    __slots__ = ()
    context_class = Context

    @property
    def short_help(self) -> str | None:
        return _translated(self.__dict__.get("short_help"))

    @short_help.setter
    def short_help(self, value: str | None) -> None:
        self.__dict__["short_help"] = value

    @property
    def epilog(self) -> str | None:
        return _translated(self.__dict__.get("epilog"))

    @epilog.setter
    def epilog(self, value: str | None) -> None:
        self.__dict__["epilog"] = value

    @property
    def options_metavar(self) -> str | None:
        return _translated(self.__dict__.get("options_metavar"))

    @options_metavar.setter
    def options_metavar(self, value: str | None) -> None:
        self.__dict__["options_metavar"] = value

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """click's -h/--help option, its help looked up when shown (click makes it once and keeps it)."""
        option = super().get_help_option(ctx)
        if option is not None and not isinstance(option, Option):
            _swap(option, click.Option, Option)
            option.help = "Show this message and exit."  # the catalogue key, whatever language made it
        return option

    def get_short_help_str(self, limit: int = 45) -> str:
        """click's short help in English; in Chinese the first sentence, cut to `limit` columns."""
        if language() == "en" or self.__dict__.get("short_help") or not self.help:
            return super().get_short_help_str(limit)
        first = self.help.split("\n\n", 1)[0].replace("\n", "")
        first = re.split(r"(?<=[。；：])", first, maxsplit=1)[0].rstrip("。；：")
        return _fit(first, max(limit, 10))


class Group(Command, click.Group):
    """A click group whose help follows the chosen language (and that makes translating subcommands)."""

    __slots__ = ()

    @property
    def subcommand_metavar(self) -> str:
        return _translated(self.__dict__.get("subcommand_metavar")) or ""

    @subcommand_metavar.setter
    def subcommand_metavar(self, value: str) -> None:
        self.__dict__["subcommand_metavar"] = value


class Option(click.Option, _HelpText):
    """A click option whose help text, and metavar when it is a word (TEXT, PATH), follow the chosen language."""

    __slots__ = ()

    def make_metavar(self, ctx: click.Context) -> str:
        return _metavar(super().make_metavar(ctx))


class Argument(click.Argument, _HelpText):
    """A click argument whose metavar (RECORD_ID, PATH) follows the chosen language."""

    __slots__ = ()

    def make_metavar(self, ctx: click.Context) -> str:
        return _metavar(super().make_metavar(ctx))


def _metavar(text: str) -> str:
    """'RECORD_ID', '[PATH]', 'PATHS...' with the word translated; '[zh-CN|en]' and dates as they are."""
    match = re.fullmatch(r"(\[?)([A-Z][A-Z_ ]*)(\]?)((?:\.\.\.)?)", text)
    if not match or language() == "en":
        return text
    head, word, tail, dots = match.groups()
    return f"{head}{tr(word)}{tail}{dots}"


def _fit(text: str, width: int) -> str:
    """`text` cut to `width` display columns, with '…' when cut."""
    if display_width(text) <= width:
        return text
    out = ""
    for char in text:
        if display_width(out + char) > width - 1:
            break
        out += char
    return out + "…"


def walk(command: click.Command) -> Iterator[click.Command]:
    """`command` and every command below it."""
    yield command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from walk(command.commands[name])


def _swap(obj: Any, plain: type, translating: type) -> None:
    """Give `obj` (a click command or parameter made by click's decorators) the translating class."""
    if isinstance(obj, translating):
        return
    cls = type(obj)
    obj.__class__ = translating if cls is plain else type(f"Tr{cls.__name__}", (cls, translating), {"__slots__": ()})


def translate_tree(root: click.Command) -> None:
    """Make every command and parameter under `root` translate its help when shown (see the module docstring)."""
    for command in walk(root):
        if isinstance(command, click.Group):
            _swap(command, click.Group, Group)
        else:
            _swap(command, click.Command, Command)
        for param in command.params:
            if isinstance(param, click.Option):
                _swap(param, click.Option, Option)
            elif isinstance(param, click.Argument):
                _swap(param, click.Argument, Argument)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return ntr(singular, plural, count)


def install_click_messages() -> None:
    """Route click's own gettext calls (usage errors, 'Usage:', 'Show this message and exit.') to tr()."""
    import click.shell_completion  # noqa: F401 - loaded now so its messages are routed too
    import click.termui  # noqa: F401

    for name, module in list(sys.modules.items()):
        if name != "click" and not name.startswith("click."):
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = tr  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = _ngettext  # type: ignore[attr-defined]


def help_texts(root: click.Command) -> Iterator[str]:
    """Every English help text of the tree as the catalogue keys it (what `make messages` extracts):
    commands' docstrings, options' help, and the words of metavars (RECORD_ID, TEXT, PATH)."""
    seen: set[str] = set()
    for command in walk(root):
        texts: list[Any] = [command.__dict__.get(name) for name in ("help", "short_help", "epilog", "options_metavar",
                                                                   "subcommand_metavar")]
        ctx = click.Context(command)
        for param in command.params:
            if getattr(param, "dynamic_help", False):
                continue
            texts.append(param.__dict__.get("help"))
            base = click.Option if isinstance(param, click.Option) else click.Argument
            if isinstance(param, click.Option) and (param.is_flag or param.count):
                continue
            match = re.fullmatch(r"\[?([A-Z][A-Z_ ]*)\]?(?:\.\.\.)?", base.make_metavar(param, ctx))  # type: ignore[arg-type]
            if match:
                texts.append(match.group(1))
        for text in texts:
            if isinstance(text, str) and text:
                key = inspect.cleandoc(text)
                if key not in seen:
                    seen.add(key)
                    yield key
