"""Field-level diffs between two versions of a record (typed by the schema, not text lines)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from itertools import repeat
from typing import Any, NamedTuple, Protocol

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.store.frontmatter import decode, parse
from svcnotes.store.loader import build_record, content_digest
from svcnotes.store.repository import kind_for_path


class Change(NamedTuple):
    """One changed field: dotted path (`approvals[0].by`), old and new typed values.

    For the body, `field` is "body", `old` the removed lines and `new` the added lines.
    """

    field: str
    old: Any
    new: Any

    def describe(self) -> str:
        """`status: registered -> investigating` (or `body: +3 -1 lines`)."""
        if self.field == "body":
            return f"body: +{len(self.new)} -{len(self.old)} lines"
        return f"{self.field}: {show(self.old)} -> {show(self.new)}"


def show(value: Any) -> str:
    """A typed value as short text for a timeline."""
    from svcnotes.model.fields import render_scalar

    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return render_scalar(value)


def parse_blob(raw: bytes, path: str, config: Config) -> Record | None:
    """Type one stored version of a record file (None when it is not a record or cannot be read)."""
    kind = kind_for_path(path)
    if kind is None or not path.endswith(".md"):
        return None
    text, _ = decode(raw, path)
    if text is None:
        return None
    parsed = parse(text, path)
    if not parsed.ok:
        return None
    record, _ = build_record(kind, path, parsed, config, content_digest(raw))
    return record


def diff_values(old: Any, new: Any, where: str, out: list[Change]) -> None:
    """Append the changes between two typed values; lists compare by index, entries by key."""
    if old == new:
        return
    if isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            diff_values(old[i] if i < len(old) else None, new[i] if i < len(new) else None, f"{where}[{i}]", out)
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in [*old, *(k for k in new if k not in old)]:
            diff_values(old.get(key), new.get(key), f"{where}.{key}", out)
        return
    out.append(Change(where, old, new))


class Versioned(Protocol):
    """A record version: a Record, or a history version (versions.Version)."""

    @property
    def data(self) -> Mapping[str, Any]: ...

    @property
    def body(self) -> str: ...


def diff_records(old: Versioned | None, new: Versioned | None) -> list[Change]:
    """Every field that differs between two versions (either may be None: created or deleted)."""
    return diff_data(old.data if old else {}, new.data if new else {}, old.body if old else "", new.body if new else "")


def diff_data(old_data: Mapping[str, Any], new_data: Mapping[str, Any], old_text: str, new_text: str) -> list[Change]:
    """The changed fields between two typed field maps, then the body's removed and added lines."""
    out: list[Change] = []
    if not old_data:  # created (or nothing typed before): every field is new
        out = list(map(Change._make, zip(new_data, repeat(None), new_data.values())))
        if None in new_data.values():
            out = [c for c in out if c.new is not None]
    elif not new_data:
        out = list(map(Change._make, zip(old_data, old_data.values(), repeat(None))))
        if None in old_data.values():
            out = [c for c in out if c.old is not None]
    else:
        for key in [*old_data, *(k for k in new_data if k not in old_data)]:
            before, after = old_data.get(key), new_data.get(key)
            if before != after:  # most fields are unchanged (often the very same object): skip the call
                diff_values(before, after, key, out)
    body = diff_body(old_text, new_text)
    if body is not None:
        out.append(body)
    return out


def diff_body(old_text: str, new_text: str) -> Change | None:
    """The body's removed and added lines (as difflib's SequenceMatcher finds them), None when the lines are equal."""
    if old_text == new_text:
        return None
    old_body = old_text.splitlines()
    new_body = new_text.splitlines()
    if old_body == new_body:
        return None
    removed, added = _changed_lines(old_body, new_body)
    return Change("body", removed, added)


def _changed_lines(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """What SequenceMatcher(None, old, new, autojunk=False) reports as removed and added lines."""
    found = _one_run(old, new)
    if found is not None:
        return found
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed.extend(old[i1:i2])
            added.extend(new[j1:j2])
    return removed, added


def _one_run(old: list[str], new: list[str]) -> tuple[list[str], list[str]] | None:
    """The removed and added lines when the edit is one run between a common prefix P and suffix S and
    SequenceMatcher provably matches exactly P and S; None when that is not certain.

    SequenceMatcher takes the longest matching block (earliest in `old`, then in `new`) and recurses
    on both sides of it. When no line of the removed run X occurs in `new` and no line of the added
    run Y occurs in `old`, no block can touch X or Y, so every block lies in P or S on the side that
    has a run, and the longest is P (when |P| >= |S|, found at the start of both) or S. With runs on
    both sides that is exact. With a run on one side only, the other side is P+S in one piece and S
    could also be found earlier, inside P: that is ruled out when S's first line is not in P. A pure
    append or truncation (no S) is always exact: all of the shorter version is the longest block.
    """
    end = min(len(old), len(new))
    start = 0
    while start < end and old[start] == new[start]:
        start += 1
    tail = 0
    while tail < end - start and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    removed, added = old[start:len(old) - tail], new[start:len(new) - tail]
    if not removed and not added:
        return None
    if not tail and (not removed or not added):
        return removed, added  # lines appended to, or cut from, the end
    if removed and not set(removed).isdisjoint(new) or added and not set(added).isdisjoint(old):
        return None
    if removed and added or start >= tail:
        return removed, added
    whole = old if not removed else new  # the side that is P+S in one piece
    return (removed, added) if whole[start] not in set(whole[:start]) else None
