"""Split a record file into front matter and body, and parse the front matter safely.

Every scalar is read as a string by libyaml's C BaseLoader (no YAML 1.1 type guessing); the walk
records each key's line in the file and reports duplicate keys, which YAML silently collapses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml's C parser: about 6x faster than the pure-Python one
    from yaml import CBaseLoader as _Loader
except ImportError:  # pragma: no cover - only without libyaml
    from yaml import BaseLoader as _Loader  # type: ignore[assignment]

from svcnotes.model.message import msg
from svcnotes.model.problems import Problem
from svcnotes.store.simpleyaml import simple_yaml

NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# The fences, matched against one line (with or without its line break): the only definition, which
# the language server's completion uses too.
FENCE = re.compile(r"---[ \t]*\r?\n?\Z")
CLOSE = re.compile(r"(---|\.\.\.)[ \t]*\r?\n?\Z")
_MAX_NODES = 50_000
_CLOSE_TAIL = re.compile(r"[ \t]*(?:\n|\Z)")  # after '---' or '...' at a line start: the closing fence
# Line breaks other than LF (str.splitlines splits on them; YAML on some of them).
_ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Anything libyaml may refuse or treat specially (controls, BOM, non-characters): left to libyaml.
_NOT_SIMPLE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


@dataclass
class Parsed:
    """A parsed record file: raw front-matter tree, key lines, body and problems."""

    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    fm_start: int = 1  # file line of the first front-matter line (after the opening fence)
    fm_end: int = 1  # file line of the closing fence
    body_start: int = 0  # file line of the body's first character
    problems: list[Problem] = field(default_factory=list)
    ok: bool = True


def decode(raw: bytes, path: str) -> tuple[str | None, Problem | None]:
    """Decode UTF-8 (BOM allowed); anything else is a located error telling how to convert."""
    if not raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8"), None  # what utf-8-sig gives without a BOM, without its Python wrapper
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        guess = ""
        try:
            raw.decode("gb18030")
            guess = msg(" It looks like GBK/GB18030 (saved by Notepad or Excel).")
        except UnicodeDecodeError:
            pass
        return None, Problem("E002", msg("file is not UTF-8 (byte 0x{byte:02x} at offset {offset}).{guess}",
                                         byte=raw[exc.start], offset=exc.start, guess=guess),
                             path, line, hint=msg("run 'svcnotes fix-encoding {path}' or save the file as UTF-8",
                                                  path=path))


def parse(text: str, path: str) -> Parsed:
    """Parse a record file's text; problems are collected, never raised."""
    out = _parse_lf(text, path)
    return out if out is not None else _parse_lines(text, path)


def split_lf(text: str) -> tuple[int, int, int, int, bool] | None:
    """The usual record file cut at LF, as offsets: the front matter is text[start:end] (its lines with
    their LF, from file line 2), the closing fence's line ends at `rest`, the body starts at `body`
    (after the conventional blank line, when there is one); and whether the front matter holds only
    characters the direct reader takes. None when a fence is missing or str.splitlines could cut
    differently before the body (CR, CRLF, rarer breaks): `parse` then cuts by lines. The history's
    entry-by-entry reader cuts records with this too."""
    first_end = text.find("\n")
    if first_end < 0 or not FENCE.match(text, 0, first_end + 1):
        return None
    pos = first_end
    while True:
        start = text.find("\n---", pos)
        dots = text.find("\n...", pos, start if start >= 0 else len(text))
        if dots >= 0:
            start = dots
        if start < 0:
            return None
        tail = _CLOSE_TAIL.match(text, start + 4)
        if tail is not None:
            break
        pos = start + 1
    rest = tail.end()
    nl = text.find("\n", rest)
    after = len(text) if nl < 0 else nl + 1
    if _ODD_BREAKS.search(text, rest, after):
        return None
    odd = _NOT_SIMPLE.search(text, first_end + 1, start + 1)
    if odd is not None and _ODD_BREAKS.search(text, first_end + 1, start + 1):
        return None
    return first_end + 1, start + 1, rest, after if not text[rest:after].strip() else rest, odd is None


def _parse_lf(text: str, path: str) -> Parsed | None:
    """`parse` for the usual file, split at LF without splitting the body into lines (None: see split_lf)."""
    cut = split_lf(text)
    if cut is None:
        return None
    start, end, rest, body, simple = cut
    yaml_text = text[start:end]
    out = Parsed()
    out.fm_start, out.fm_end = 2, yaml_text.count("\n") + 2
    if rest < len(text):
        out.body = text[body:]
        out.body_start = out.fm_end + 2 if body != rest else out.fm_end + 1
    _parse_yaml(out, yaml_text, path, try_simple=simple)
    return out


def _parse_lines(text: str, path: str) -> Parsed:
    """`parse` for any text, split into lines as str.splitlines does (CR, CRLF and rarer breaks)."""
    out = Parsed()
    lines = text.splitlines(keepends=True)
    if not lines or not FENCE.match(lines[0]):
        out.ok = False
        out.problems.append(Problem("E003", msg("no front matter: the file must start with a line '---'"), path, 1,
                                    hint=msg("put the YAML fields between two lines of '---' at the top of the file")))
        return out
    close = next((i for i in range(1, len(lines)) if CLOSE.match(lines[i])), None)
    if close is None:
        out.ok = False
        out.problems.append(Problem("E004", msg("front matter is not closed"), path, 1,
                                    hint=msg("add a line '---' after the last field")))
        return out
    out.fm_start, out.fm_end = 2, close + 1
    rest = lines[close + 1:]
    out.body_start = close + 2 if rest else 0
    if rest and not rest[0].strip():
        rest = rest[1:]  # the conventional blank line after the fence
        out.body_start += 1
    out.body = "".join(rest)
    if not out.body:
        out.body_start = 0
    _parse_yaml(out, "".join(lines[1:close]), path, lines[1:close], try_simple=False)
    return out


def _parse_yaml(out: Parsed, yaml_text: str, path: str, lines: list[str] | None = None, try_simple: bool = True) -> None:
    """Fill `out` from the front-matter text (file line 2 on): the simple layout directly, else libyaml."""
    if "\t" in yaml_text:
        for n, row in enumerate(lines if lines is not None else yaml_text.splitlines(keepends=True), 2):
            indent = row[: len(row) - len(row.lstrip(" \t"))]
            if "\t" in indent:
                out.problems.append(Problem("E008", msg("tab used for indentation"), path, n,
                                            hint=msg("YAML allows only spaces for indentation; replace the tab with "
                                                     "spaces")))
                out.ok = False
                return
    elif try_simple:
        simple = simple_yaml(yaml_text)
        if simple is not None:
            out.data, out.lines = simple
            return
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1
        col = msg(", column {column}", column=mark.column + 1) if mark else ""
        what = exc.problem or str(exc)
        hint = msg("check quoting, indentation and the colon after each key")
        if "'\\t'" in what or "\\t" in what:
            hint = msg("replace tabs with spaces")
        out.problems.append(Problem("E005", msg("YAML syntax error{col}: {what}", col=col, what=what), path, line, hint=hint))
        out.ok = False
        return
    except yaml.YAMLError as exc:
        out.problems.append(Problem("E005", msg("YAML error: {error}", error=str(exc)), path, 2, hint=msg("check the front matter syntax")))
        out.ok = False
        return
    except (RecursionError, ValueError) as exc:  # pragma: no cover - defensive against hostile input
        out.problems.append(Problem("E005", msg("front matter cannot be read: {error}", error=str(exc)), path, 2))
        out.ok = False
        return
    if node is None:
        return
    if not isinstance(node, yaml.MappingNode):
        out.problems.append(Problem("E006", msg("front matter is a {node}, not a set of fields", node=_node_kind(node)),
                                    path, node.start_mark.line + 2,
                                    hint=msg("write one 'field: value' per line")))
        out.ok = False
        return
    walker = _Walker(path)
    out.data = walker.mapping(node, "")
    out.lines = walker.lines
    out.problems.extend(walker.problems)


def _node_kind(node: yaml.Node) -> str:
    return {"ScalarNode": msg("single value"), "SequenceNode": msg("list")}.get(type(node).__name__, msg("structure"))


class _Walker:
    """Turns a composed node tree into dicts/lists/strings, recording lines and problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: dict[str, int] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.stack: set[int] = set()

    def value(self, node: yaml.Node, where: str) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _TooBig
        if isinstance(node, yaml.ScalarNode):
            if not node.style and node.value in NULLS:
                return None
            return node.value
        if id(node) in self.stack:
            self._bad("E009", msg("recursive alias"), where, node, msg("remove the self-referencing anchor"))
            return None
        self.stack.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.value(child, f"{where}[{i}]") for i, child in enumerate(node.value)]
            return self.mapping(node, where + ".")
        finally:
            self.stack.discard(id(node))

    def mapping(self, node: yaml.MappingNode, prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        try:
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self._bad("E009", msg("a field name must be plain text"), prefix.rstrip("."), key_node, msg("write 'name: value'"))
                    continue
                key = key_node.value
                where = prefix + key
                if key == "<<":
                    self._bad("E009", msg("merge keys (<<) are not supported"), where, key_node, msg("write the fields out in full"))
                    continue
                if key in out:
                    first = self.lines.get(where)
                    self._bad("E007", msg("duplicate key '{key}' (first at line {first}); YAML would silently keep "
                                          "only the last", key=key, first=first),
                              where, key_node, msg("remove one of the two lines or merge their values"))
                    continue
                self.lines[where] = key_node.start_mark.line + 2
                out[key] = self.value(value_node, where)
        except _TooBig:
            if prefix == "":
                self._bad("E009", msg("front matter expands to too many values (alias bomb?)"), "", node, msg("remove the aliases"))
                return {}
            raise
        return out

    def _bad(self, code: str, message: str, where: str, node: yaml.Node, hint: str) -> None:
        self.problems.append(Problem(code, message, self.path, node.start_mark.line + 2, where, hint))


class _TooBig(Exception):
    """Raised inside the walk when aliases expand past the node budget."""
