"""`svcnotes renumber ID`: move a record whose number collides to the next free number, in one commit.

The new number keeps the record's month (C-YYMM-...), is never one that existed anywhere in
history (any branch), and the old number stays in `aliases`. Every reference to the old number in
other records (reopens, complaint, follow_up_complaint, ...) follows. `git mv` keeps the rename
visible to history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from svcnotes.model.message import msg
from svcnotes.model.schema import KINDS
from svcnotes.store import gitops, ids, transaction
from svcnotes.store.writer import atomic_write, render_update
from svcnotes.workflow.commits import message

if TYPE_CHECKING:
    from svcnotes.model.problems import Problem
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Repository


class CannotRenumber(Exception):
    """The record cannot be renumbered (not numbered, uncommitted edits, no such record)."""


@dataclass(frozen=True)
class Renumbered:
    """The outcome: old and new number, every file written, and the commit (None with --no-commit)."""

    old_id: str
    new_id: str
    path: str
    references: tuple[str, ...]
    commit: str | None


def next_free(repo: Repository, kind: str, record_id: str) -> str:
    """The next number in the record's month that no file, alias or commit on any branch ever used."""
    k = KINDS[kind]
    prefix = repo.config.prefixes[k.prefix_key]
    yymm = record_id.split("-")[1]
    rel_folder = f"records/{k.folder}/20{yymm[:2]}"
    taken = ids.serials(prefix, yymm, ids.folder_names(repo.root / rel_folder))
    taken |= ids.serials(prefix, yymm, gitops.paths_in_history(repo.root, rel_folder))
    taken |= ids.serials(prefix, yymm, list(repo.snapshot().aliases))
    taken |= ids.serials(prefix, yymm, [record_id])
    return ids.next_number(prefix, date(2000 + int(yymm[:2]), int(yymm[2:]), 1), taken)


def renumber(repo: Repository, record_id: str, commit: bool = True, new_id: str | None = None) -> Renumbered:
    """Renumber `record_id` (id, file name, aliases, every reference) and commit it as one change."""
    snap = repo.snapshot()
    record = snap.by_id.get(record_id)
    if record is None:
        raise CannotRenumber(msg("no record '{id}'", id=record_id))
    kind = KINDS[record.kind]
    if not kind.year_folders:
        raise CannotRenumber(msg("{id} is a {kind}: only numbered records can be renumbered", id=record_id,
                                 kind=kind.named))
    refs = [r for r in snap.all() if r.path != record.path and _refs_to(r, record.kind, record_id)]
    dirty = gitops.dirty_paths(repo.root, [record.path, *(r.path for r in refs)])
    if dirty:
        raise CannotRenumber(msg("{paths} has uncommitted edits; commit them first", paths=", ".join(dirty)))
    store = repo.store(record.kind)
    transaction.ensure(repo.root)  # all or nothing: a failure puts the files and the branch back
    with ids.numbering_lock(repo.root):
        target = new_id or next_free(repo, record.kind, record_id)
        new_path = store.path_for(target)
        if (repo.root / new_path).exists():
            raise CannotRenumber(msg("{path} already exists", path=str(new_path)))
        aliases = [*(record.data.get("aliases") or []), record_id]
        text = (repo.root / record.path).read_text(encoding="utf-8-sig")
        updated = render_update(kind, text, {"id": target, "aliases": aliases})
        rewritten = {other.path: render_update(KINDS[other.kind], (repo.root / other.path).read_text(encoding="utf-8-sig"),
                                               {f.name: target for f in KINDS[other.kind].fields if f.type == "ref"
                                                and f.ref == record.kind and other.data.get(f.name) == record_id})
                     for other in refs}
        repo.check_write(*_typed(repo, {new_path: updated, **rewritten}), removed=[record.path])
        tracked = gitops.is_repo(repo.root) and bool(gitops.git(repo.root, "ls-files", "--", record.path).strip())
        transaction.will_write(repo.root / record.path)
        transaction.will_write(repo.root / new_path)
        (repo.root / new_path).parent.mkdir(parents=True, exist_ok=True)
        (repo.root / record.path).rename(repo.root / new_path)
        atomic_write(repo.root / new_path, updated)
    written = []
    for rel, new_text in rewritten.items():
        atomic_write(repo.root / rel, new_text)
        written.append(rel)
    repo.invalidate()
    sha = None
    paths = [record.path, new_path, *written]
    if commit and tracked:
        text = message(f"{record_id}: renumbered → {target}",
                       {"Svc-Record": target, "Svc-Action": "renumber", "Svc-From": record_id, "Svc-To": target},
                       f"The number {record_id} was taken on another branch; it stays on the record as an alias."
                       + (f"\nReferences updated in: {', '.join(written)}" if written else ""))
        txn = transaction.current()
        sha = txn.commit(paths, text) if txn is not None else gitops.commit(repo.root, paths, text)
    elif tracked:  # --no-commit: the rename is staged, as `git mv` would leave it
        gitops.git(repo.root, "add", "-A", "--", record.path, new_path)
    return Renumbered(record_id, target, new_path, tuple(written), sha)


def _typed(repo: Repository, texts: dict[str, str]) -> tuple[list[Record], list[Problem]]:
    """The records (and reading problems) the texts about to be written at their paths hold."""
    from svcnotes.store.frontmatter import parse
    from svcnotes.store.loader import build_record
    from svcnotes.store.repository import kind_for_path

    records, problems = [], []
    for rel, text in texts.items():
        kind = kind_for_path(rel)
        assert kind is not None
        record, found = build_record(kind, rel, parse(text, rel), repo.config)
        records.append(record)
        problems += found
    return records, problems


def _refs_to(record: Record, kind: str, record_id: str) -> bool:
    data = record.data
    return any(f.type == "ref" and f.ref == kind and data.get(f.name) == record_id
               for f in KINDS[record.kind].fields)
