"""References: customers, complaints, callbacks, notes and staff ids all resolve."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from svcnotes.checks import register
from svcnotes.model.config import Config
from svcnotes.model.fields import Field
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, did_you_mean
from svcnotes.model.schema import KINDS

if TYPE_CHECKING:
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Snapshot


def _ref_fields(kind: str) -> tuple[tuple[Field, tuple[Field, ...]], ...]:
    """The kind's reference fields and objects holding references (with their reference sub-fields)."""
    out = []
    for f in KINDS[kind].fields:
        subs = tuple(sub for sub in f.fields if sub.type == "ref") if f.type == "objects" else ()
        if f.type == "ref" or subs:
            out.append((f, subs))
    return tuple(out)


REF_FIELDS = {kind: _ref_fields(kind) for kind in KINDS}


def iter_refs(record: Record) -> Iterator[tuple[Field, str, Any]]:
    """Every (field, dotted path, value) of a reference field in a record, nested ones included."""
    data = record.data
    for f, subs in REF_FIELDS[record.kind]:
        value = data.get(f.name)
        if value is None:
            continue
        if f.type == "ref":
            yield f, f.name, value
        else:
            for i, entry in enumerate(value):
                for sub in subs:
                    if entry.get(sub.name) is not None:
                        yield sub, f"{f.name}[{i}].{sub.name}", entry[sub.name]


@register(fields={f.name if f.type == "ref" else f"{f.name}[].{sub.name}"
                 for refs in REF_FIELDS.values() for f, subs in refs for sub in (subs or (f,))}, codes=("E204", "E205"))
def check_references_resolve(snap: Snapshot, config: Config) -> list[Problem]:
    """Every reference names an existing record of the right kind, or a staff member."""
    # iter_refs, unrolled: this runs over every record of the repository on each full validate
    ids_by_kind: dict[str, list[str]] = {}  # sorted, so the 'allowed: ...' hint is the same on every run
    out: list[Problem] = []
    staff = config.staff
    by_id = snap.by_id
    aliases = snap.aliases
    for kind, records in snap.records.items():
        refs = REF_FIELDS[kind]
        if not refs:
            continue
        for record in records:
            data = record.data
            for f, subs in refs:
                value = data.get(f.name)
                if value is None:
                    continue
                if f.type == "ref":
                    ref = f.ref
                    if (value not in staff) if ref == "staff" else (
                            (target := by_id.get(value) or by_id.get(aliases.get(value, ""))) is None
                            or target.kind != ref or (ref == "complaint" and f.name == "reopens" and value == record.id)):
                        out += _unresolved(snap, config, record, f, f.name, value, ids_by_kind)
                    continue
                for i, entry in enumerate(value):
                    for sub in subs:
                        found = entry.get(sub.name)
                        if found is None:
                            continue
                        ref = sub.ref
                        if (found not in staff) if ref == "staff" else (
                                (target := by_id.get(found) or by_id.get(aliases.get(found, ""))) is None
                                or target.kind != ref):
                            out += _unresolved(snap, config, record, sub, f"{f.name}[{i}].{sub.name}", found,
                                               ids_by_kind)
    return out


def _unresolved(snap: Snapshot, config: Config, record: Record, f: Field, where: str, value: Any,
                ids_by_kind: dict[str, list[str]]) -> list[Problem]:
    """The problem with one reference the fast loop above found suspect (none if it resolves after all)."""
    line = record.lines.get(where) or record.line(where)
    if f.ref == "staff":
        if value in config.staff:
            return []
        return [Problem("E205", msg("'{value}' is not in the staff directory", value=value), record.path, line, where,
                        did_you_mean(value, config.staff) if config.staff else msg("add [[staff]] entries to svcnotes.toml"))]
    target = snap.find(value)
    if target is None or target.kind != f.ref:
        if f.ref not in ids_by_kind:
            ids_by_kind[f.ref] = sorted({r.id for r in snap.records.get(f.ref, [])})
        others = [i for i in ids_by_kind[f.ref] if i != record.id]  # never suggest the record itself
        return [Problem("E204", msg("no {ref} '{value}'", ref=f.ref, value=value), record.path, line, where,
                        did_you_mean(value, others))]
    if f.ref == "complaint" and where == "reopens" and value == record.id:
        return [Problem("E204", msg("a complaint cannot reopen itself"), record.path, line, where, msg("name the original complaint"))]
    return []
