"""Import a data export back by id: create new records, update edited ones, refuse conflicts.

    dataset = read_data(Path("data.xlsx"), repo.config)
    plan = plan_sync(repo.snapshot(), dataset)
    result = apply_sync(repo, plan, CommitOptions())

For each row of the file (see svcnotes.io.data for the layout):
- no record has its id: **create** it with that id (a numbered row with an empty id gets the next number);
- the row is as it was exported (same fingerprint) or equals the record now: **unchanged**, nothing written;
- the row was edited and the record's file is the one exported (same digest): **update** in place;
- the row was edited and the record changed in git since the export: **conflict**, reported field
  by field with both values, never written;
- the row cannot be typed (a bad date, an unknown code): **rejected** with its reason.
Records the file does not mention are left alone; deleting a row deletes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from svcnotes.io.data import BODY, DataRow, DataSet, Rejected, fingerprint
from svcnotes.model.fields import render_scalar
from svcnotes.model.message import joined, label, msg
from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS

CREATE, UPDATE, UNCHANGED, CONFLICT = "create", "update", "unchanged", "conflict"
ORDER = ("customer", "complaint", "note", "callback")  # referenced kinds first


@dataclass(frozen=True)
class FieldConflict:
    """One field edited in the spreadsheet and changed differently in the repository since the export."""

    field: str
    sheet: Any
    repository: Any

    def format(self) -> str:
        """`status: sheet 'closed', repository 'resolved'`."""
        return f"{self.field}: sheet {_show(self.sheet)}, repository {_show(self.repository)}"


def _show(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    text = value if isinstance(value, str) else render_scalar(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return "'" + text.replace("\n", "\\n") + "'"


@dataclass(frozen=True)
class SyncItem:
    """What happens to one row: its outcome, the record it touches and the changes or conflicts."""

    outcome: str
    row: DataRow
    record: Record | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    body: str | None = None
    conflicts: tuple[FieldConflict, ...] = ()


@dataclass
class SyncPlan:
    """Every row of a data export with its outcome; nothing is written by planning."""

    source: str
    items: list[SyncItem] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def of(self, outcome: str) -> list[SyncItem]:
        """The items with one outcome, in file order."""
        return [i for i in self.items if i.outcome == outcome]

    def counts(self) -> dict[str, int]:
        """Rows per outcome (created, updated, unchanged, conflict, rejected); they add up to the rows read."""
        out = {o: len(self.of(o)) for o in (CREATE, UPDATE, UNCHANGED, CONFLICT)}
        out["rejected"] = len(self.rejected)
        return out

    def summary(self, dry_run: bool = False) -> str:
        """`data.xlsx: 509 rows: 509 created, 0 updated, 0 unchanged, 0 conflicts, 0 rejected`."""
        c = self.counts()
        total = sum(c.values())
        verb = ("would create", "would update") if dry_run else ("created", "updated")
        return (f"{self.source}: {total} rows: {c[CREATE]} {verb[0]}, {c[UPDATE]} {verb[1]}, {c[UNCHANGED]} unchanged, "
                f"{c[CONFLICT]} conflict{'s' * (c[CONFLICT] != 1)}, {c['rejected']} rejected")


def _changes(record: Record, row: DataRow) -> tuple[dict[str, Any], str | None]:
    """Fields (None = delete) and body that differ between the record now and the row."""
    changes: dict[str, Any] = {}
    for key in dict.fromkeys([*record.data, *row.data]):
        if key == "id":
            continue
        old, new = record.data.get(key), row.data.get(key)
        if old != new and not (old in (None, [], "") and new in (None, [], "")):
            changes[key] = new
    body = row.body if (row.body or "") != (record.body or "") else None
    return changes, body


def plan_sync(snapshot: Any, dataset: DataSet, progress: Callable[[int], None] | None = None) -> SyncPlan:
    """Decide the outcome of every row of `dataset` against the repository's `snapshot`."""
    plan = SyncPlan(dataset.source, rejected=list(dataset.rejected))
    rows = sorted(dataset.rows, key=lambda r: ORDER.index(r.kind))
    for n, row in enumerate(rows, 1):
        if progress:
            progress(n)
        record = snapshot.by_id.get(row.id) if row.id else None
        if record is not None and record.kind != row.kind:
            plan.rejected.append(Rejected(row.where, msg("'{id}' is a {kind} in the repository, not a {row_kind}", id=row.id,
                                                         kind=KINDS[record.kind].named, row_kind=KINDS[row.kind].named)))
            continue
        kind = KINDS[row.kind]
        missing: list[str] = [label(f.name, f.zh) for f in kind.fields
                              if f.required and row.data.get(f.name) in (None, "", [])
                              and not (f.name == "id" and kind.year_folders and record is None)]
        if missing:
            plan.rejected.append(Rejected(row.where, msg("missing required {fields}", fields=joined(missing))))
            continue
        if record is None:
            plan.items.append(SyncItem(CREATE, row))
            continue
        changes, body = _changes(record, row)
        meta = dataset.meta.get((row.kind, row.id), {})
        edited = meta.get("fingerprint") != fingerprint(row.kind, row.data, row.body)
        if not (changes or body is not None) or not edited:
            plan.items.append(SyncItem(UNCHANGED, row, record))
            continue
        if meta.get("digest") and meta["digest"] != record.digest:
            conflicts = [FieldConflict(k, v, record.data.get(k)) for k, v in changes.items()]
            if body is not None:
                conflicts.append(FieldConflict(BODY, body, record.body))
            plan.items.append(SyncItem(CONFLICT, row, record, conflicts=tuple(conflicts)))
            continue
        plan.items.append(SyncItem(UPDATE, row, record, changes, body))
    return plan


@dataclass
class SyncResult:
    """What applying a plan wrote: the records created and updated, and the commit."""

    plan: SyncPlan
    created: list[Record] = field(default_factory=list)
    updated: list[Record] = field(default_factory=list)
    commit: str | None = None


def apply_sync(repo: Any, plan: SyncPlan, commit: Callable[[list[str], str, dict[str, str]], str | None],
               progress: Callable[[int], None] | None = None) -> SyncResult:
    """Create and update the planned records, validate the outcome as one, then `commit` the paths.

    The records of one export refer to each other (a closed complaint and its callback), so they are
    written together and the store's write checks run once over all of them; when those refuse
    (Rejected) or anything fails, created files are removed and updated ones restored: all or nothing.
    """
    result = SyncResult(plan)
    originals: dict[str, bytes] = {}
    done = 0
    try:
        with repo.unchecked():
            for kind in ORDER:
                creates = [i.row for i in plan.of(CREATE) if i.row.kind == kind]
                if creates:
                    result.created += repo.store(kind).create_many(
                        ({k: v for k, v in r.data.items() if not (k == "id" and not v)}, r.body) for r in creates)
                    done += len(creates)
                    if progress:
                        progress(done)
            for item in plan.of(UPDATE):
                assert item.record is not None
                originals[item.record.path] = (repo.root / item.record.path).read_bytes()
                result.updated.append(repo.store(item.row.kind).update(item.record, item.changes, item.body))
                done += 1
                if progress:
                    progress(done)
        repo.invalidate()
        repo.check_write([*result.created, *result.updated])
    except BaseException:
        for kind in KINDS:
            repo.store(kind)._remove([r for r in result.created if r.kind == kind])
        for rel, raw in originals.items():
            (repo.root / rel).write_bytes(raw)
        repo.invalidate()
        raise
    paths = [r.path for r in (*result.created, *result.updated)]
    if paths:
        c = plan.counts()
        result.commit = commit(paths, f"import {len(result.created)} new and {len(result.updated)} updated record(s) "
                                      f"from {plan.source}",
                               {"Svc-Action": "import", "Svc-Import-Source": plan.source,
                                "Svc-Import-Rows": f"{c[CREATE]} created, {c[UPDATE]} updated, {c[UNCHANGED]} unchanged, "
                                                   f"{c[CONFLICT]} conflicts, {c['rejected']} rejected"})
    return result


def import_data(repo: Any, path: Any, dry_run: bool = False, commit: bool = True,
                progress: Callable[[int, int], None] | None = None) -> SyncResult:
    """Read a data export, plan it against `repo` and (unless `dry_run`) apply it in one commit."""
    from svcnotes.io.data import read_data
    from svcnotes.workflow.commits import CommitOptions, commit_change

    dataset = read_data(path, repo.config)
    total = len(dataset.rows)
    plan = plan_sync(repo.snapshot(), dataset)
    if dry_run:
        return SyncResult(plan)
    writes = len(plan.of(CREATE)) + len(plan.of(UPDATE))

    def committer(paths: list[str], subject: str, trailers: dict[str, str]) -> str | None:
        return commit_change(repo, paths, subject, trailers, CommitOptions(commit=commit))

    return apply_sync(repo, plan, committer, (lambda n: progress(n, writes)) if progress and total else None)


def report_csv(plan: SyncPlan) -> str:
    """The rejected rows and the conflicts as CSV text: where, outcome, record, reason."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["where", "outcome", "record", "reason"])
    for item in plan.of(CONFLICT):
        writer.writerow([item.row.where, CONFLICT, item.row.id,
                         "changed in git since the export: " + "; ".join(c.format() for c in item.conflicts)])
    for rej in plan.rejected:
        writer.writerow([rej.where, "rejected", "", rej.reason])
    return out.getvalue()
