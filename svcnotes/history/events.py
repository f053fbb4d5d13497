"""History events: one commit's change to one record, built from commits by `EventBuilder`.

The builder follows a record across renames (`svcnotes renumber`) and re-creation under a new
number that keeps the old one as an alias: each record's events share a *lineage* number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from svcnotes.history.diff import Change
from svcnotes.history.gitread import NULL_SHA, BlobReader, Commit, FileChange
from svcnotes.history.versions import MISSING, Version, VersionReader, diff_versions
from svcnotes.model.config import Config
from svcnotes.store.repository import kind_for_path


@dataclass(slots=True)
class Event:
    """One commit's change to one record: what happened, who did it, and which fields changed."""

    sha: str
    author: str
    email: str
    date: datetime
    subject: str
    trailers: dict[str, str]
    action: str  # created, changed, renamed, deleted
    kind: str
    record_id: str
    old_id: str
    path: str
    old_path: str
    blob: str
    old_blob: str
    lineage: int
    changes: list[Change] = field(default_factory=list)
    approvals_added: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # severity, proposed_by, imported of the new version
    signature: str = ""  # git's %G? (only when read with signatures)
    pr: str = ""
    pr_subject: str = ""

    @property
    def status_change(self) -> tuple[Any, Any] | None:
        """(old, new) status when this commit changed it."""
        for change in self.changes:
            if change.field == "status":
                return change.old, change.new
        return None


def _kind(path: str) -> str:
    parts = path.split("/")
    return {"customers": "customer", "complaints": "complaint", "callbacks": "callback",
            "notes": "note"}.get(parts[1] if len(parts) > 2 else "", "")


def is_record_path(path: str) -> bool:
    """True for a record file: records/<kind folder>/...*.md."""
    return path.endswith(".md") and path.startswith("records/") and _kind(path) != ""


def as_record_change(f: FileChange) -> FileChange | None:
    """The change as it affects records: a record moved or renamed out of records/<kind>/*.md (to attic/,
    to .md.bak, to another kind's folder) is deleted there; a file moved in is created. None: no record."""
    new_is, old_is = is_record_path(f.path), is_record_path(f.old_path)
    if f.status == "R" and old_is and not new_is:
        return FileChange("D", f.old_path, f.old_path, f.old_blob, NULL_SHA)
    if f.status == "R" and new_is and not old_is:
        return FileChange("A", f.path, f.path, NULL_SHA, f.new_blob)
    if f.status == "R" and new_is and _kind(f.path) != _kind(f.old_path):
        return None  # a kind change is a deletion plus a creation: record_changes yields both
    return f if new_is or old_is else None


def record_changes(commits: Iterable[Commit]) -> list[tuple[Commit, FileChange]]:
    """The record files each commit changed (merge commits carry none: each change is its own commit's).

    A record that leaves records/<kind>/*.md by a move or rename is a deletion (E603); only a rename
    between two files of one kind (`svcnotes renumber`) keeps the record."""
    out = []
    for commit in commits:
        if commit.is_merge:
            continue
        for f in commit.files:
            if f.status == "R" and is_record_path(f.path) and is_record_path(f.old_path) \
                    and _kind(f.path) != _kind(f.old_path):
                out.append((commit, FileChange("D", f.old_path, f.old_path, f.old_blob, NULL_SHA)))
                out.append((commit, FileChange("A", f.path, f.path, NULL_SHA, f.new_blob)))
                continue
            g = as_record_change(f)
            if g is not None:
                out.append((commit, g))
    return out


class Content(NamedTuple):
    """What a file change did to a record, from the file's two versions alone."""

    record_id: str
    old_id: str
    aliases: tuple[str, ...]  # of a created record (re-created under a new number, keeping the old)
    changes: list[Change]
    approvals_added: list[dict[str, Any]]
    facts: dict[str, Any]


class ContentReader:
    """Reads and types the versions file changes need (blobs through one `cat-file`), remembering them."""

    def __init__(self, config: Config) -> None:
        self.versions = VersionReader(config)

    def contents(self, changes: Sequence[FileChange], blobs: BlobReader) -> list[Content]:
        """The content of each change, in order."""
        got: dict[tuple[str, str], Version | None] = {}
        missing: list[tuple[str, str, tuple[str, str] | None]] = []  # blob, path, the version it changed
        for f in changes:
            base = None
            for blob, path in ((f.old_blob, f.old_path) if f.status != "A" else ("", ""),
                               (f.new_blob, f.path) if f.status != "D" else ("", "")):
                if path and (blob, path) not in got:
                    found = self.versions.cached(blob, path)
                    got[(blob, path)] = None if found is MISSING else found  # type: ignore[assignment]
                    if found is MISSING:
                        missing.append((blob, path, base))
                # the new version is typed against the old one when both are of one kind
                base = (blob, path) if path and (path == f.path or kind_for_path(path) is kind_for_path(f.path)) \
                    else None
        against: dict[tuple[str, str], tuple[tuple[str, str], list[str]]] = {}  # version -> base, keys changed
        if missing:
            raw = blobs.read(blob for blob, _, _ in missing)
            for blob, path, base in missing:  # in order: a base is typed before the versions built on it
                if blob not in raw:
                    got[(blob, path)] = None
                    continue
                got[(blob, path)], changed = self.versions.read_against(raw[blob], blob, path,
                                                                        got[base] if base else None)
                if changed is not None and base:
                    against[(blob, path)] = base, changed
        out = []
        for f in changes:
            old = got[(f.old_blob, f.old_path)] if f.status != "A" else None
            new = got[(f.new_blob, f.path)] if f.status != "D" else None
            same_kind = f.path == f.old_path or kind_for_path(f.path) is kind_for_path(f.old_path)
            base, changed = against.get((f.new_blob, f.path), (None, None))
            out.append(Content(new.id if new else old.id if old else PurePosixPath(f.path).stem, old.id if old else "",
                               tuple(new.data.get("aliases") or ()) if new is not None and f.status == "A" else (),
                               diff_versions(old, new, same_kind, changed if base == (f.old_blob, f.old_path) else None),
                               _approvals_added(old, new), _facts(new or old, old)))
        return out


class EventBuilder:
    """Turns commits into events, keeping lineage state so it can continue incrementally."""

    def __init__(self, root: Path, config: Config, lineage_of: dict[tuple[str, str], int] | None = None,
                 path_lineage: dict[str, int] | None = None, next_lineage: int = 0) -> None:
        self.root = root
        self.config = config
        self.lineage_of = {} if lineage_of is None else lineage_of
        self.path_lineage = {} if path_lineage is None else path_lineage
        self.next_lineage = next_lineage
        self.reader = ContentReader(config)

    def events(self, commits: Iterable[Commit]) -> list[Event]:
        """Events of `commits` (oldest first), blobs read by one git process."""
        out: list[Event] = []
        with BlobReader(self.root) as blobs:
            batch: list[Commit] = []
            for commit in commits:
                batch.append(commit)
                if len(batch) >= 1000:
                    out.extend(self.batch(batch, blobs))
                    batch = []
            out.extend(self.batch(batch, blobs))
        return out

    def batch(self, commits: list[Commit], blobs: BlobReader) -> list[Event]:
        """Events of some commits (oldest first), reading the blob versions not yet seen through `blobs`."""
        changes = record_changes(commits)
        contents = self.reader.contents([f for _, f in changes], blobs)
        out: list[Event] = []
        told: dict[str, tuple[str, dict[str, str]]] = {}  # sha -> subject, trailers (computed once per commit)
        for (commit, f), c in zip(changes, contents, strict=True):
            said = told.get(commit.sha)
            if said is None:
                said = told[commit.sha] = (commit.subject, commit.trailers)
            lineage = self.lineage(f, c.aliases)
            out.append(Event(
                commit.sha, commit.author, commit.email, commit.date, said[0], said[1], ACTIONS.get(f.status, "changed"),
                _kind(f.path), c.record_id, c.old_id, f.path, f.old_path if f.status != "A" else "",
                f.new_blob if f.status != "D" else "", f.old_blob if f.status != "A" else "", lineage,
                c.changes, c.approvals_added, c.facts, commit.signature))
        return out

    def lineage(self, f: FileChange, aliases: tuple[str, ...]) -> int:
        """The lineage a change belongs to (a new one for a new record), remembered for later changes."""
        lineage = None
        if f.status != "A":
            lineage = self.lineage_of.get((f.old_path, f.old_blob), self.path_lineage.get(f.old_path))
        else:
            for alias in aliases:
                # a record re-created under a new number that keeps the old one as an alias
                cand = self.path_lineage.get(str(PurePosixPath(f.path).with_name(f"{alias}.md")))
                if cand is not None:
                    lineage = cand
                    break
        if lineage is None:
            lineage = self.next_lineage
            self.next_lineage += 1
        if f.status != "D":
            self.lineage_of[(f.path, f.new_blob)] = lineage
            self.path_lineage[f.path] = lineage
        return lineage


ACTIONS = {"A": "created", "D": "deleted", "R": "renamed"}


def _facts(record: Version | None, old: Version | None = None) -> dict[str, Any]:
    if record is None:
        return {}
    facts = {"severity": record.data.get("severity"), "proposed_by": record.data.get("proposed_by"),
             "imported": bool(record.data.get("imported")), "status": record.data.get("status"),
             "currency": record.data.get("currency")}
    verified = _capa_verified(old, record)
    if verified:
        facts["capa_verified"] = verified
    return facts


def _capa_verified(old: Version | None, new: Version | None) -> list[str]:
    """verified_by of each CAPA entry this version marks verified (the claimed verifiers)."""
    if new is None or old is new:
        return []
    before = list(old.data.get("capa") or ()) if old is not None else []
    out = []
    for i, entry in enumerate(new.data.get("capa") or ()):
        if not isinstance(entry, dict) or entry.get("status") != "verified":
            continue
        prior = before[i] if i < len(before) and isinstance(before[i], dict) else {}
        if prior.get("status") != "verified" or prior.get("verified_by") != entry.get("verified_by"):
            out.append(str(entry.get("verified_by") or ""))
    return out


def _approvals_added(old: Version | None, new: Version | None) -> list[dict[str, Any]]:
    if old is not None and new is not None and old.data.get("approvals") is new.data.get("approvals"):
        return []  # the same entry (typed once): nothing added
    before = list(old.data.get("approvals") or ()) if old else []
    after = list(new.data.get("approvals") or ()) if new else []
    return [dict(a) for a in after if a not in before]


def pr_merges(parents: dict[str, tuple[str, ...]], head: str, known: dict[str, str] | None = None,
              seen: set[str] | None = None) -> dict[str, str]:
    """commit -> the first merge on HEAD's first-parent chain that brought it in ('' = directly on it).

    `parents` maps commits to their parents; the walk stops at commits outside it. `known`/`seen`
    continue an earlier computation (every ancestor of the old HEAD is in `seen`).
    """
    pr_of = dict(known or {})
    seen = set(seen or ())
    chain: list[str] = []
    sha: str | None = head
    while sha and sha not in seen and sha in parents:
        chain.append(sha)
        sha = parents[sha][0] if parents[sha] else None
    for sha in reversed(chain):
        seen.add(sha)
        pr_of[sha] = ""
        stack = list(parents[sha][1:])
        while stack:
            other = stack.pop()
            if other in seen or other not in parents:
                continue
            seen.add(other)
            pr_of[other] = sha
            stack.extend(parents[other])
    return pr_of
