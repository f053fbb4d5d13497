"""Atomic, minimal-diff writes of record files.

A new record is emitted in schema order. An update re-emits only the top-level keys that changed
and splices them in place of their old lines, so comments, key order, quoting and the body a
person wrote survive byte for byte and pull-request diffs stay small. ruamel.yaml emits the YAML
(quoting whatever would otherwise be misread); it is never used to read the repository.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from svcnotes.model.fields import render_scalar
from svcnotes.model.schema import Kind
from svcnotes.store import transaction
from svcnotes.store.frontmatter import parse

if TYPE_CHECKING:  # ruamel is imported on the first write: commands that only read never load it
    from ruamel.yaml import YAML

# Strings YAML 1.1 tools would read as something else (booleans, nulls, numbers, dates): quote them.
_AMBIGUOUS = re.compile(
    r"(?i:y|n|yes|no|on|off|true|false|null|~)\Z|[-+]?(\d[\d_]*)?\.?\d[\d_]*([eE][-+]?\d+)?\Z|"
    r"0[xob][0-9a-f_]+\Z|[-+]?\.(inf|nan)\Z|\d{4}-\d\d?-\d\d?([Tt ].*)?\Z|\d+(:[0-5]?\d)+(\.\d*)?\Z|=\Z|<<\Z"
)
_BLOCK_SAFE = re.compile(r"[^\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u2028\u2029\ud800-\udfff]*\Z")


class _Plain(str):
    """Text of a typed value (date, number, bool) emitted without quotes."""


def _yaml() -> YAML:
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import ScalarNode

    y = YAML()
    y.width = 1_000_000
    y.indent(mapping=2, sequence=4, offset=2)
    y.allow_unicode = True

    def plain(representer: Any, data: _Plain) -> Any:
        tag = representer.dumper.resolver.resolve(ScalarNode, str(data), (True, False))
        return representer.represent_scalar(tag, str(data))

    y.representer.add_representer(_Plain, plain)
    return y


_EMITTER: YAML | None = None


def _to_yaml(value: Any) -> Any:
    """Typed value -> what ruamel should emit."""
    from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

    if isinstance(value, (bool, int, Decimal, date)):
        return _Plain(render_scalar(value))
    if isinstance(value, str):
        if "\n" in value.rstrip("\n") and _block_safe(value):
            return LiteralScalarString(value)
        if _AMBIGUOUS.match(value):
            return SingleQuotedScalarString(value)
        return value
    if isinstance(value, list):
        return [_to_yaml(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _to_yaml(v) for k, v in value.items() if v is not None}
    return str(value)


def _block_safe(value: str) -> bool:
    """True when a multi-line string can be written as a literal block and read back unchanged."""
    if not _BLOCK_SAFE.match(value) or value[:1] in (" ", "\t", "\n") or "\r" in value:
        return False
    return all(line == line.rstrip(" \t") for line in value.split("\n")) and not value.endswith("\n\n")


def emit(fields: Mapping[str, Any]) -> str:
    """Emit a mapping of typed values as YAML text (keys in the given order, None skipped)."""
    global _EMITTER
    if _EMITTER is None:
        _EMITTER = _yaml()
    buf = io.StringIO()
    data = {k: _to_yaml(v) for k, v in fields.items() if v is not None and v != []}
    if data:
        _EMITTER.dump(data, buf)
    return buf.getvalue()


# Plain scalars the fast emitter writes as they are: no indicator first, no ': ' or ' #', no edge spaces.
_PLAIN_SAFE = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^\n\r\t]*[^\s:])?\Z")
_QUOTABLE = re.compile(r"[\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*\Z")


def _fast_scalar(value: Any) -> str | None:
    """One scalar as YAML text, or None when only ruamel should write it (multi-line, odd characters)."""
    if isinstance(value, (bool, int, Decimal, date)):
        return render_scalar(value)
    if not isinstance(value, str) or not _QUOTABLE.match(value):
        return None
    if (_PLAIN_SAFE.match(value) and ": " not in value and " #" not in value and value.isprintable()
            and not _AMBIGUOUS.match(value)):
        return value
    return "'" + value.replace("'", "''") + "'"


def _fast_item(key: str, value: Any) -> str | None:
    """A top-level key in the layout ruamel uses (sequence indent 4, offset 2), or None to defer to ruamel."""
    if not isinstance(value, list):
        text = _fast_scalar(value)
        return None if text is None else f"{key}: {text}\n"
    lines = [f"{key}:\n"]
    for item in value:
        if isinstance(item, Mapping):
            entries = [(k, _fast_scalar(v)) for k, v in item.items() if v is not None]
            if not entries or any(text is None or isinstance(item[k], list) for k, text in entries):
                return None
            lines += [f"  - {k}: {t}\n" if i == 0 else f"    {k}: {t}\n" for i, (k, t) in enumerate(entries)]
        else:
            text = _fast_scalar(item)
            if text is None:
                return None
            lines.append(f"  - {text}\n")
    return "".join(lines)


def emit_fast(fields: Mapping[str, Any]) -> str:
    """Like `emit`, much faster for the common flat values (imports write thousands of files).

    Scalars, lists of scalars and lists of flat entries are written directly in ruamel's layout;
    any other key (multi-line text, nested lists, unusual characters) is handed to ruamel.
    """
    out = []
    for key, value in fields.items():
        if value is None or value == []:
            continue
        text = _fast_item(key, value)
        out.append(text if text is not None else emit({key: value}))
    return "".join(out)


def ordered(kind: Kind, data: Mapping[str, Any]) -> dict[str, Any]:
    """Data ordered by the schema, unknown keys last in their own order."""
    out = {f.name: data[f.name] for f in kind.fields if f.name in data}
    out.update({k: v for k, v in data.items() if k not in out})
    return out


def render_new(kind: Kind, data: Mapping[str, Any], body: str = "") -> str:
    """The full text of a new record file."""
    text = "---\n" + emit_fast(ordered(kind, data)) + "---\n"
    if body:
        text += "\n" + body
    return text


def render_update(kind: Kind, old_text: str, changes: Mapping[str, Any]) -> str:
    """Apply `changes` (field -> new typed value, None deletes) to a file's text, touching only those keys."""
    parsed = parse(old_text, "")
    if not parsed.ok:
        raise ValueError("cannot update a record whose front matter does not parse")
    newline = "\r\n" if "\r\n" in old_text.split("\n", 1)[0] + "\n" else "\n"
    lines = old_text.splitlines(keepends=True)
    top = sorted((line, key) for key, line in parsed.lines.items() if "." not in key and "[" not in key)
    spans: dict[str, tuple[int, int]] = {}
    for i, (line, key) in enumerate(top):
        end = top[i + 1][0] if i + 1 < len(top) else parsed.fm_end
        last = end - 1
        while last > line and (not lines[last - 1].strip() or lines[last - 1].startswith("#")):
            last -= 1  # leave trailing blank and comment lines to the next key
        spans[key] = (line, last)
    replacements: list[tuple[int, int, str]] = []
    inserts: dict[int, list[str]] = {}
    order = [f.name for f in kind.fields]
    for key, value in changes.items():
        block = emit({key: value}).replace("\n", newline)
        if key in spans:
            first, last = spans[key]
            replacements.append((first, last, block))
        elif value is not None and value != []:
            at = _insert_line(key, order, spans, parsed.fm_end)
            inserts.setdefault(at, []).append(block)
            inserts[at].sort(key=lambda b: order.index(b.split(":", 1)[0]) if b.split(":", 1)[0] in order else len(order))
    for first, last, block in sorted(replacements, reverse=True):
        lines[first - 1:last] = [block]
    # insert after replacements, bottom first; line numbers refer to the original text
    shift_points = sorted(replacements)
    for at in sorted(inserts, reverse=True):
        offset = sum((1 - (last - first + 1)) for first, last, _ in shift_points if last < at)
        lines[at - 1 + offset:at - 1 + offset] = inserts[at]
    return "".join(lines)


def replace_body(text: str, body: str) -> str:
    """A record file's text with its Markdown body replaced (front matter untouched; as render_new lays it out)."""
    parsed = parse(text, "")
    if not parsed.ok:
        raise ValueError("cannot replace the body of a record whose front matter does not parse")
    lines = text.splitlines(keepends=True)
    head = "".join(lines[:parsed.fm_end])
    newline = "\r\n" if head.endswith("\r\n") else "\n"
    return head + (newline + body if body else "")


def _insert_line(key: str, order: list[str], spans: dict[str, tuple[int, int]], fm_end: int) -> int:
    """The line before which a new key goes: after the nearest preceding schema key present."""
    if key in order:
        for prev in reversed(order[: order.index(key)]):
            if prev in spans:
                return spans[prev][1] + 1
        for nxt in order[order.index(key) + 1:]:
            if nxt in spans:
                return spans[nxt][0]
    return fm_end


def atomic_write(path: Path, text: str, durable: bool = True) -> None:
    """Write `text` to `path` via a temporary file and rename: never a half-written record.

    durable=False skips the fsync; a batch writer then syncs once at the end (see `sync`).
    """
    transaction.will_write(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None:  # a failed write names no file: name it
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def sync() -> None:
    """Flush every written file to disk once, after a batch of `atomic_write(..., durable=False)`."""
    if hasattr(os, "sync"):
        os.sync()
