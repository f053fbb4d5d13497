"""A direct reader for the plain layout svcnotes writes, giving what libyaml + the walk would give.

Nearly every front matter is `key: value` lines, lists of `- key: value` entries, single-quoted
strings and literal blocks (`|`, `|-`). `simple_yaml` reads exactly that subset line by line, about
five times faster than composing a libyaml node tree, and returns None for anything else (flow
collections other than `[]`, anchors, tags, double quotes with escapes, multi-line plain or quoted
scalars, comments after a value, duplicate or merge keys, unusual indentation ...), which the
caller then hands to libyaml. Whenever it answers, the answer equals frontmatter's libyaml path:
the same dict of strings/None/lists/dicts and the same key lines (tests/store/test_simpleyaml.py
compares both on generated and real files). Callers must first rule out tabs, line breaks other
than LF and characters YAML refuses.
"""

from __future__ import annotations

import re
from typing import Any

NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# A key libyaml reads as a plain single-line key; the value after ': ' without edge spaces.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,200}):(?: +(.*?))? *\Z")
# First characters that make a scalar something other than plain text (quotes, blocks, flow, tags ...).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# keys _KEY has accepted, each mapped to one shared string: most lines then need no regex, and
# records share their key strings (less memory, smaller caches)
_PLAIN_KEYS: dict[str, str] = {}
_PATHS: dict[str, str] = {}  # 'approvals[0].by' and the like, shared the same way
_SINGLE = re.compile(r"'((?:[^']|'')*)'\Z")
_DOUBLE = re.compile(r'"([^"\\]*)"\Z')


class _NotSimple(Exception):
    """The text is outside the subset: the caller uses libyaml."""


def scalar(text: str) -> Any:
    """The value of a one-line scalar after a key or '- ' (None for YAML nulls)."""
    first = text[0]
    if first in _INDICATORS:
        if first == "'":
            m = _SINGLE.match(text)
            if m:
                return m.group(1).replace("''", "'")
        elif first == '"':
            m = _DOUBLE.match(text)
            if m:
                return m.group(1)
        elif text == "[]":
            return []
        raise _NotSimple
    if ": " in text or " #" in text or text[-1] == ":":
        raise _NotSimple
    return None if text in NULLS else text


def simple_yaml(text: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    """(data, key lines) of front-matter text in the simple layout, or None to use libyaml.

    Lines are numbered as in the record file, whose front matter starts on line 2.
    """
    try:
        return _Reader(text.split("\n")).read()
    except _NotSimple:
        return None


class _Reader:
    """One pass over the lines; any line that does not fit what may come next raises _NotSimple."""

    def __init__(self, rows: list[str]) -> None:
        self.rows = rows
        self.data: dict[str, Any] = {}
        self.lines: dict[str, int] = {}

    def read(self) -> tuple[dict[str, Any], dict[str, int]]:
        rows, data, lines = self.rows, self.data, self.lines
        i, n = 0, len(rows)
        while i < n:
            row = rows[i]
            key, sep, value = row.partition(": ")
            known = _PLAIN_KEYS.get(key) if sep else None
            if known is not None:  # the common line, without a regex
                key = known
                value = value.strip(" ")
            else:
                if not row or row[0] == "#" or (row[0] == " " and _blank(row)):
                    i += 1
                    continue
                m = _KEY.match(row)
                if m is None or row[0] == "-":
                    raise _NotSimple
                key, value = m.group(1), m.group(2)
                if len(_PLAIN_KEYS) < 10_000:
                    key = _PLAIN_KEYS.setdefault(key, key)
            if key in data or key == "<<":
                raise _NotSimple
            lines[key] = i + 2
            i += 1
            if value:
                if value[0] not in _INDICATORS and ": " not in value and " #" not in value and value[-1] != ":":
                    data[key] = None if value in NULLS else value
                elif value == "|" or value == "|-":
                    data[key], i = self.literal(i, value == "|")
                else:
                    data[key] = scalar(value)
                continue
            j = _next_row(rows, i)
            if j < n and rows[j][:1] in ("-", " "):
                data[key], i = self.sequence(key, j)
            else:
                data[key] = None
        return data, lines

    def literal(self, i: int, clip: bool) -> tuple[str, int]:
        """A literal block scalar of top-level key: its text and the row after it."""
        rows, n = self.rows, len(self.rows)
        block: list[str] = []
        indent = 0
        while i < n:
            row = rows[i]
            if not row:
                block.append("")
                i += 1
                continue
            stripped = row.lstrip(" ")
            width = len(row) - len(stripped)
            if not stripped:
                raise _NotSimple  # whitespace-only lines: indentation rules too subtle to repeat here
            if not indent:
                if not width:
                    raise _NotSimple  # empty block
                indent = width
            if width < indent:
                if width:
                    raise _NotSimple
                break
            block.append(row[indent:])
            i += 1
        while block and not block[-1]:
            block.pop()
        value = "\n".join(block)
        return (value + "\n" if clip and value else value), i

    def sequence(self, key: str, i: int) -> tuple[list[Any], int]:
        """A block sequence (items '- ' at one indentation) of scalars or of one-level entries."""
        rows, n, lines = self.rows, len(self.rows), self.lines
        first = rows[i]
        indent = len(first) - len(first.lstrip(" "))
        dash = " " * indent + "- "
        inner = " " * (indent + 2)
        items: list[Any] = []
        while i < n:
            row = rows[i]
            if not row or row[0] == "#" or _blank(row) or row.lstrip(" ")[:1] == "#":
                i += 1
                continue
            if not row.startswith(dash):
                if row[0] == " " or row[0] == "-":
                    raise _NotSimple
                break  # the next top-level key
            content = row[indent + 2:]
            if not content or content[0] == " ":
                raise _NotSimple
            m = _KEY.match(content)
            if m is None:
                items.append(scalar(content.rstrip(" ")))
                i += 1
                continue
            where = f"{key}[{len(items)}]."
            entry: dict[str, Any] = {}
            while True:
                sub, value = m.group(1), m.group(2)
                if sub in entry or sub == "<<":
                    raise _NotSimple
                if len(_PLAIN_KEYS) < 10_000:
                    sub = _PLAIN_KEYS.setdefault(sub, sub)
                path = where + sub
                lines[_PATHS.setdefault(path, path) if len(_PATHS) < 10_000 else path] = i + 2
                entry[sub] = scalar(value) if value else None
                i = _next_row(rows, i + 1)
                if i >= n or not rows[i].startswith(inner):
                    break
                m = _KEY.match(rows[i], indent + 2)
                if m is None or rows[i][indent + 2] in " -":
                    raise _NotSimple
            items.append(entry)
        return items, i


def _blank(row: str) -> bool:
    return not row.strip(" ")


def _next_row(rows: list[str], i: int) -> int:
    """The index of the next row that is not blank or a comment (len(rows) if none)."""
    n = len(rows)
    while i < n:
        row = rows[i]
        if row and not _blank(row) and row.lstrip(" ")[0] != "#":
            return i
        i += 1
    return i
