"""Complete front-matter field names and allowed values at a position in a record's text.

Everything offered comes from the one declared schema (svcnotes.model.schema) and the
repository's config and records: field names of the kind (and of entries such as approvals),
statuses, severities, channels, categories and departments, staff ids, customer, complaint and
note ids, true/false. The text may be half-typed, so this reads lines, not YAML.

    for s in complete(text, line=3, column=8, rel="records/complaints/2026/C-2611-007.md", ...):
        print(s.label, s.start, s.insert)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from svcnotes.model.config import Config
from svcnotes.model.fields import Field
from svcnotes.model.schema import Kind
from svcnotes.store.frontmatter import CLOSE, FENCE
from svcnotes.store.repository import kind_for_path

if TYPE_CHECKING:
    from svcnotes.store.repository import Snapshot

MAX_ITEMS = 200  # longer lists (record ids) are narrowed by the typed prefix, cut, and marked incomplete

_KEY_TYPED = re.compile(r"( *)(- +)?([A-Za-z_][\w-]*)?\Z")
_VALUE_TYPED = re.compile(r"( *)(- +)?([A-Za-z_][\w-]*):([ \t]*)(.*)\Z")
_ITEM_TYPED = re.compile(r"( *)- +([^:#]*)\Z")
_TOP_KEY = re.compile(r"([A-Za-z_][\w-]*):")
_ANY_KEY = re.compile(r" *(?:- +)?([A-Za-z_][\w-]*):")


@dataclass(frozen=True)
class Suggestion:
    """One completion: `insert` replaces the line's text from column `start` to the cursor."""

    label: str
    insert: str
    start: int
    kind: str  # "field" or "value"
    detail: str = ""
    doc: str = ""
    order: int = 0


@dataclass(frozen=True)
class Completions:
    """The suggestions at a position; `incomplete` when a long list was cut at MAX_ITEMS."""

    items: list[Suggestion]
    incomplete: bool = False


def front_matter_lines(lines: list[str]) -> range | None:
    """Indexes (0-based) of the front-matter lines between the fences; None without an opening fence."""
    if not lines or not FENCE.match(lines[0]):
        return None
    close = next((i for i in range(1, len(lines)) if CLOSE.match(lines[i])), len(lines))
    return range(1, close)


def _parent(lines: list[str], line: int, fm: range) -> str | None:
    """The top-level key an indented or '- ' line belongs to."""
    for i in range(line - 1, fm.start - 1, -1):
        m = _TOP_KEY.match(lines[i])
        if m:
            return m.group(1)
    return None


def _entry_keys(lines: list[str], line: int, fm: range, dash_indent: int) -> set[str]:
    """Keys already written in the list entry (a '- key: value' block) the cursor line is in."""
    keys: set[str] = set()

    def starts_entry(text: str) -> bool:
        return text[dash_indent:dash_indent + 1] == "-" and not text[:dash_indent].strip()

    up = line
    while up > fm.start and not starts_entry(lines[up]) and lines[up].startswith(" "):
        up -= 1
    down = line + 1
    while down < fm.stop and lines[down].startswith(" ") and not starts_entry(lines[down]):
        down += 1
    for i in range(up, down):
        m = _ANY_KEY.match(lines[i])
        if m and i != line:
            keys.add(m.group(1))
    return keys


def _field_items(fields: tuple[Field, ...], taken: set[str], start: int) -> list[Suggestion]:
    out = []
    for order, f in enumerate(fields):
        if f.name in taken:
            continue
        need = " (required)" if f.required else (f" (required when {', '.join(sorted(f.required_in))})" if f.required_in else "")
        out.append(Suggestion(f.name, f"{f.name}: ", start, "field", f"{f.zh} / {f.en}{need}", f.doc, order))
    return out


def allowed_values(f: Field, config: Config, snapshot: Snapshot | None) -> list[tuple[str, str]]:
    """(value, detail) pairs a field accepts, in a useful order; [] for free text, numbers and dates."""
    if f.type == "list" and f.item is not None:
        return allowed_values(f.item, config, snapshot)
    if f.type == "enum":
        if f.choices_from:
            labels = getattr(config, f.choices_from)
            return [(v, f"{labels[v][0]} / {labels[v][1]}") for v in config.choices(f.choices_from)]
        return [(v, "") for v in f.choices]
    if f.type == "bool":
        return [("true", ""), ("false", "")]
    if f.type == "ref" and f.ref == "staff":
        return [(sid, " ".join(x for x in (p.name, p.department) if x)) for sid, p in sorted(config.staff.items())]
    if f.type == "ref" and snapshot is not None:
        label = {"customer": "name", "complaint": "title", "note": "summary", "callback": "kind"}.get(f.ref, "id")
        return [(r.id, str(r.data.get(label) or "")) for r in sorted(snapshot.records.get(f.ref, ()), key=lambda r: r.id)]
    return []


def _value_items(f: Field, typed: str, start: int, config: Config, snapshot: Snapshot | None,
                 wrap_list: bool) -> Completions:
    values = allowed_values(f, config, snapshot)
    if len(values) > MAX_ITEMS:  # thousands of record ids: narrow by what is typed, the editor re-asks
        values = [(v, d) for v, d in values if v.lower().startswith(typed.strip().lower())]
    items = [Suggestion(v, f"[{v}]" if wrap_list else v, start, "value", d or f"{f.zh} / {f.en}", f.doc, order)
             for order, (v, d) in enumerate(values[:MAX_ITEMS])]
    return Completions(items, len(values) > MAX_ITEMS)


def complete(text: str, line: int, column: int, rel: str, config: Config, snapshot: Snapshot | None = None,
             kind: Kind | None = None) -> Completions:
    """What may be typed at (line, column) (0-based; column counts characters) of a record's text.

    A field name at the start of a front-matter line (top level, or inside a list entry such
    as `approvals:`), or a value after `field: ` or as a `- ` item of a list field.
    """
    kind = kind or kind_for_path(rel)
    lines = text.splitlines()
    if kind is None:
        return Completions([])
    if line >= len(lines):
        lines += [""] * (line - len(lines) + 1)
    fm = front_matter_lines(lines)
    if fm is None or line not in fm:
        return Completions([])
    before = lines[line][:column]
    value = _VALUE_TYPED.match(before)
    if value:
        indent, dash, key, space, typed = value.groups()
        nested = bool(indent) or bool(dash)
        parent = kind.by_name.get(_parent(lines, line, fm) or "") if nested else None
        f = parent.sub.get(key) if parent is not None else (None if nested else kind.by_name.get(key))
        if f is None or "#" in typed:
            return Completions([])
        wrap = f.type == "list"
        if typed.startswith("["):
            cut = max(typed.rfind("["), typed.rfind(","))
            rest = typed[cut + 1:]
            typed, wrap = rest.lstrip(), False
        elif typed[:1] in ("'", '"'):
            typed = typed[1:]
        found = _value_items(f, typed, column - len(typed), config, snapshot, wrap)
        if not space:  # right after the colon: YAML needs a space before the value
            return Completions([replace(s, insert=" " + s.insert) for s in found.items], found.incomplete)
        return found
    key = _KEY_TYPED.match(before)
    if ":" in before and not _ITEM_TYPED.match(before):
        return Completions([])
    if key and not key.group(1) and not key.group(2):
        taken = {m.group(1) for i in fm if i != line and (m := _TOP_KEY.match(lines[i]))}
        return Completions(_field_items(kind.fields, taken, 0))
    parent = kind.by_name.get(_parent(lines, line, fm) or "")
    if parent is None:
        return Completions([])
    if parent.type == "objects" and key:
        indent, dash, typed = key.groups()
        dash_indent = len(indent) if dash else max(len(indent) - 2, 0)
        taken = _entry_keys(lines, line, fm, dash_indent)
        return Completions(_field_items(parent.fields, taken, column - len(typed or "")))
    item = _ITEM_TYPED.match(before)
    if parent.type == "list" and item:
        typed = item.group(2)
        return _value_items(parent, typed, column - len(typed), config, snapshot, False)
    return Completions([])
