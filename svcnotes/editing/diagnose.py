"""Diagnose the unsaved text of one record file exactly as `svcnotes validate` would report it.

The text is read, typed and checked inside a copy of the repository's snapshot in which the
file's saved version is replaced by the text, so cross-record rules (references, duplicate ids,
callbacks on close) see the rest of the repository as it is on disk.

    problems = diagnose(text, "records/complaints/2026/C-2611-007.md", snapshot, config, today)
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from svcnotes.model.config import Config
from svcnotes.model.problems import Problem, sort_key
from svcnotes.store.frontmatter import parse
from svcnotes.store.loader import build_record
from svcnotes.store.repository import Snapshot, kind_for_path
from svcnotes.workflow.validation import future_dates, load_rules

if TYPE_CHECKING:
    from svcnotes.model.record import Record


def is_record_path(rel: str) -> bool:
    """True for a Markdown file inside a record folder (records/<kind folder>/...)."""
    return rel.endswith(".md") and kind_for_path(rel) is not None


def read_text(text: str, rel: str, config: Config) -> tuple[Record | None, list[Problem]]:
    """Read and type one record's text (what the store does with the file's bytes)."""
    kind = kind_for_path(rel)
    if kind is None:
        return None, []
    return build_record(kind, rel, parse(text.removeprefix("\ufeff"), rel), config)


def replaced(snapshot: Snapshot, rel: str, record: Record | None, problems: list[Problem]) -> Snapshot:
    """A new snapshot: `snapshot` with the record at `rel` (and its reading problems) replaced.

    Every other record keeps its place (kind by kind, in the loader's path order), so 'first one
    wins' rules such as duplicate ids report the same file as `svcnotes validate` does; a file not
    saved yet goes where the loader would put it.
    """
    out = Snapshot()
    out.problems = [p for p in snapshot.problems if p.path != rel] + problems
    for kind_name, records in snapshot.records.items():
        pending = record if record is not None and record.kind == kind_name else None
        for other in records:
            if pending is not None and (other.path == rel or rel < other.path):
                out.add(pending)
                pending = None
            if other.path != rel:
                out.add(other)
        if pending is not None:
            out.add(pending)
    return out


def registered_checks() -> list[Any]:
    """Every check `svcnotes validate` runs: the store-level ones and the workflow rules."""
    from svcnotes.checks import CHECKS, consistency, identity, references  # noqa: F401  (importing registers)

    load_rules()
    return CHECKS


def diagnose(text: str, rel: str, snapshot: Snapshot, config: Config, today: date | None = None) -> list[Problem]:
    """Every problem `svcnotes validate` would report for `rel` if `text` were saved there.

    Same codes, messages, hints, fields and lines; `today` adds the future-date warnings as
    validate does. Problems of other files and of svcnotes.toml are left out. A rule registered
    as per-record (it has `per_record`) runs on this record alone; the others run over the whole
    repository with this record in place, and their problems elsewhere are dropped.
    """
    if not is_record_path(rel):
        return []
    record, problems = read_text(text, rel, config)
    snap = replaced(snapshot, rel, record, problems)
    found = [p for p in snap.problems if p.path == rel]
    for check in registered_checks():
        per_record = getattr(check, "per_record", None)
        if per_record is None:
            found += [p for p in check(snap, config) if p.path == rel]
        elif record is not None and record.kind in (getattr(check, "kinds", None) or (record.kind,)):
            found += [p for p in per_record(record, config) if p.path == rel]
    if today is not None and record is not None:
        alone = Snapshot()
        alone.add(record)
        found += future_dates(alone, today, config)
    return sorted(found, key=sort_key)
