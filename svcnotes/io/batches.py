"""Import a table in bounded batches, so memory does not grow with the file.

    outcome = stream_rows(repo, stream, planner, dry_run=False, waiting={})

Phase 1 reads the rows one at a time (io.tabular.TableStream) and plans each (io.plan.Planner):
duplicates and rows that cannot become a record are decided there. A planned record goes to a
spill file on disk; only its sort key (date, row) and where it is in the file stay in memory, with
the Planner's index of source keys, ids and customer names. Rejected rows go to a second spill
file (the rejects file is written from it, in row order, at the end).

Phase 2 takes the planned records in received order (numbers follow the calendar, as before),
`batch_size` at a time (SVCNOTES_IMPORT_BATCH, default 2,000): numbers them, renders them and
checks them with validate's own rules (workflow.validation.problems_in) against the repository
plus the records of earlier batches (an index id -> kind, path, status; not the records). A
record that breaks a rule rejects its row alone, with the located problem as the reason; the
rest of the batch is numbered again without it (no number is skipped) and written. New
customers are written with the first batch that refers to them. A dry run does everything but
the writing, so it reports the same totals and rejects as the real run.

May import: svcnotes.model, svcnotes.store, svcnotes.workflow, svcnotes.io (no click).
"""

from __future__ import annotations

import csv
import heapq
import os
import pickle
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from svcnotes.io.plan import DUPLICATE, IMPORTED, REJECTED, PlannedCustomer, PlannedRecord, Planner, RowResult, sort_key
from svcnotes.io.tabular import BadRow, TableStream
from svcnotes.model.message import joined, msg
from svcnotes.model.problems import Problem
from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository, Snapshot

DEFAULT_BATCH = 2000
SAMPLE = 10  # rejected rows kept in memory to print (the rest are in the rejects file)
Progress = Callable[[int, int], None]


def batch_size() -> int:
    """Records per batch: SVCNOTES_IMPORT_BATCH (tests use a small one), else 2,000."""
    try:
        return max(1, int(os.environ.get("SVCNOTES_IMPORT_BATCH") or DEFAULT_BATCH))
    except ValueError:
        return DEFAULT_BATCH


@dataclass
class Outcome:
    """What a streamed import did (or, dry, would do): every row counted once, and what was written."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {IMPORTED: 0, DUPLICATE: 0, REJECTED: 0})
    sample: list[RowResult] = field(default_factory=list)  # the first rejected rows, by row
    customers: int = 0  # customers created (or, dry, that would be)
    records: int = 0  # records created (or would be)
    first_id: str = ""
    last_id: str = ""
    pending: list[str] = field(default_factory=list)  # duplicates whose records are on disk, not committed
    problems: list[Problem] = field(default_factory=list)


class Unreadable(Exception):
    """The file could not be read past its first rows (a broken workbook, an I/O error); nothing was written."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause) or type(cause).__name__)
        self.cause = cause


class _Spill:
    """Pickled values in a temporary file, read back by offset: what a batch needs, not the file."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="svcnotes-import-")

    def put(self, value: Any) -> int:
        offset = self.file.seek(0, os.SEEK_END)
        pickle.dump(value, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        return offset

    def get(self, offset: int) -> Any:
        self.file.seek(offset)
        return pickle.load(self.file)

    def close(self) -> None:
        self.file.close()


class Rejects:
    """Rejected rows: counted, the first few kept to print, all spilled to disk for the rejects file."""

    def __init__(self) -> None:
        self.spill = _Spill()
        self.index: list[tuple[int, int]] = []
        self._first: list[tuple[int, int, RowResult]] = []  # a max-heap (by -row) of the SAMPLE first rows

    def add(self, result: RowResult) -> None:
        """Keep a rejected row (its cells go to disk)."""
        self.index.append((result.row, self.spill.put((result.row, result.reason, result.cells))))
        item = (-result.row, len(self.index), RowResult(result.row, REJECTED, result.key, result.reason))
        if len(self._first) < SAMPLE:
            heapq.heappush(self._first, item)
        elif item > self._first[0]:
            heapq.heapreplace(self._first, item)

    def sample(self) -> list[RowResult]:
        """The first rejected rows of the file, in row order (without their cells)."""
        return [r for _, _, r in sorted(self._first, key=lambda item: -item[0])]

    def write_csv(self, path: Path, headers: list[str]) -> None:
        """The rejects file: row, outcome, reason, then the row's cells as the file has them; row order."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out, lineterminator="\r\n")
                writer.writerow(["row", "outcome", "reason", *headers])
                for _row, offset in sorted(self.index):
                    row, reason, cells = self.spill.get(offset)
                    writer.writerow([row, REJECTED, reason, *cells])
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()

    def close(self) -> None:
        self.spill.close()


class KnownIds(dict):  # type: ignore[type-arg]
    """`by_id` of a batch's check snapshot: the batch's records, then the repository's, then stand-ins
    (kind, id, path, status) for the records earlier batches of this import wrote: what the
    cross-record rules look up for a reference, without holding those records."""

    def __init__(self, batch: dict[str, Record], base: dict[str, Record], written: dict[str, tuple[str, str]],
                 path_for: Callable[[str, str], str]) -> None:
        super().__init__(batch)
        self.base = base
        self.written = written
        self.path_for = path_for

    def get(self, key: Any, default: Any = None) -> Any:
        found = dict.get(self, key)
        if found is None:
            found = self.base.get(key)
        if found is None and key in self.written:
            kind, status = self.written[key]
            found = Record(kind, key, self.path_for(kind, key), {"id": key, "status": status} if status else {"id": key})
        return default if found is None else found

    def __getitem__(self, key: Any) -> Any:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None


def check_snapshot(base: Snapshot, records: list[Record], written: dict[str, tuple[str, str]],
                   path_for: Callable[[str, str], str]) -> Snapshot:
    """The repository as the rules see one batch: its records, this batch's, and earlier batches' ids."""
    from svcnotes.store.repository import Snapshot

    snap = Snapshot(records={k: list(v) for k, v in base.records.items()}, problems=[], aliases=base.aliases,
                    volumes=base.volumes)
    for record in records:
        snap.records[record.kind].append(record)
    snap.by_id = KnownIds({r.id: r for r in records}, base.by_id, written, path_for)
    return snap


def _reason(problem: Problem) -> str:
    """A record's problem as a row's reason: code, field, message and hint (the record has no file)."""
    field = f"{problem.field}: " if problem.field else ""
    if problem.hint:
        return msg("{code} {field}{message} ({hint})", code=problem.code, field=field, message=problem.message,
                   hint=problem.hint)
    return msg("{code} {field}{message}", code=problem.code, field=field, message=problem.message)


class BatchImport:
    """Phase 2 (see the module doc): planned records numbered, checked and written batch by batch."""

    def __init__(self, repo: Repository, kind: str, base: Snapshot, new_customers: dict[str, PlannedCustomer],
                 rejects: Rejects, outcome: Outcome, dry_run: bool, paths: IO[str] | None) -> None:
        self.repo = repo
        self.kind = kind
        self.store = repo.store(kind)
        self.base = base
        self.new_customers = new_customers  # id -> the customer to create with the first record needing it
        self.failed_customers: dict[str, str] = {}  # id -> why it cannot be created
        self.written: dict[str, tuple[str, str]] = {}  # id -> (kind, status) of what earlier batches wrote
        self.rejects = rejects
        self.outcome = outcome
        self.dry_run = dry_run
        self.paths = paths
        self.allocator: Any = None
        self.reasons: Counter[str] = Counter()  # the Planner's: a reason shared by many rows is said once

    def run(self, entries: Iterator[tuple[PlannedRecord, tuple[str, ...]]], total: int, size: int,
            progress: Progress | None) -> None:
        """Check and write every planned record, `size` at a time, in the order given."""
        from svcnotes.store import ids

        kind = KINDS[self.kind]
        if kind.year_folders:
            self.allocator = self.store.allocator(self.given)
        done = 0
        batch: list[tuple[PlannedRecord, tuple[str, ...]]] = []

        def flush() -> None:
            nonlocal done
            self._batch(batch)
            done += len(batch)
            batch.clear()
            if progress is not None:
                progress(done, total)

        lock = ids.numbering_lock(self.repo.root) if kind.year_folders and not self.dry_run else None
        if lock is not None:
            lock.__enter__()
        try:
            for entry in entries:
                batch.append(entry)
                if len(batch) >= size:
                    flush()
            if batch:
                flush()
        finally:
            if lock is not None:
                lock.__exit__(None, None, None)

    given: tuple[str, ...] = ()

    def _batch(self, entries: list[tuple[PlannedRecord, tuple[str, ...]]]) -> None:
        """One batch: render, check, reject the rows whose record breaks a rule, write the rest."""
        from svcnotes.store.repository import InvalidRecord, number_date
        from svcnotes.workflow.validation import problems_in

        pending = list(entries)
        customers_store = self.repo.customers
        while True:
            mark = self.allocator.mark() if self.allocator is not None else None
            pending = [e for e in pending if not self._customer_failed(e)]
            needed = self._customers_for(pending)
            made_customers = [(c, *customers_store.render(c.data, "")) for c in needed]
            made: list[tuple[PlannedRecord, tuple[str, ...], str, Record, Any]] = []
            bad: dict[int, str] = {}
            for planned, cells in pending:
                data = planned.data
                if self.allocator is not None and not data.get("id"):
                    try:
                        data = {**data, "id": self.allocator.next(number_date(self.kind, data))}
                    except InvalidRecord as exc:
                        bad[planned.row] = joined([_reason(p) for p in exc.problems], "; ")
                        continue
                text, record, problems = self.store.render(data, planned.body)
                made.append((planned, cells, text, record, problems))
            records = [m[2] for m in made_customers] + [m[3] for m in made]
            found = [p for m in made_customers for p in m[3] if p.is_error] + [p for m in made for p in m[4] if p.is_error]
            found += [p for p in problems_in(check_snapshot(self.base, records, self.written, self._path_for), records, self.repo.config)
                      if p.is_error]
            for record in records:
                if (self.repo.root / record.path).exists():
                    found.append(Problem("E203", msg("'{id}' already exists", id=record.id), record.path, field="id",
                                         hint=msg("a file of that name is in the repository")))
            by_path: dict[str, list[Problem]] = {}
            for p in found:
                by_path.setdefault(p.path, []).append(p)
            for customer, _text, record, _problems in made_customers:
                if record.path in by_path:
                    self.failed_customers[customer.id] = joined(list(dict.fromkeys(_reason(p) for p in by_path[record.path])), "; ")
            batch_customers = {record.id: record for _c, _t, record, _p in made_customers}
            for planned, _cells, _text, record, problems in made:
                if record.path in by_path:
                    alone = self._alone(record, problems, batch_customers) or by_path[record.path]
                    bad[planned.row] = joined(list(dict.fromkeys(_reason(p) for p in alone)), "; ")
            if not bad and not any(c.id in self.failed_customers for c in needed):
                break
            for planned, cells in pending:
                if planned.row in bad:
                    self._reject(planned, cells, bad[planned.row])
            pending = [e for e in pending if e[0].row not in bad]
            if self.allocator is not None:
                self.allocator.rewind(mark)  # the numbers of this try were not used: hand them out again
        self._write(made_customers, made)

    def _alone(self, record: Record, reading: Any, customers: dict[str, Record]) -> list[Problem]:
        """A rejected record's errors found with no other record of its batch in view (its new customer
        aside), so a row's reason never depends on the batch size (a hint listing ids, say)."""
        from svcnotes.workflow.validation import problems_in

        records = [record] + ([customers[record.data["customer"]]] if record.data.get("customer") in customers else [])
        found = [p for p in reading if p.is_error]
        found += problems_in(check_snapshot(self.base, records, self.written, self._path_for), [record], self.repo.config)
        return [p for p in found if p.is_error and p.path == record.path]

    def _path_for(self, kind: str, record_id: str) -> str:
        return self.repo.store(kind).path_for(record_id)

    def _customer_failed(self, entry: tuple[PlannedRecord, tuple[str, ...]]) -> bool:
        """Reject a row whose new customer cannot be created (True), with that customer's reason."""
        planned, cells = entry
        cid = planned.data.get("customer") if self.kind != "customer" else None
        if cid in self.failed_customers:
            name = self.new_customers[cid].name
            self._reject(planned, cells, msg("customer '{name}' cannot be created: {reason}", name=name, reason=self.failed_customers[cid]))
            return True
        return False

    def _customers_for(self, entries: list[tuple[PlannedRecord, tuple[str, ...]]]) -> list[PlannedCustomer]:
        """The new customers these records refer to that are not written yet (in first-row order)."""
        if self.kind == "customer":
            return []
        wanted = {str(p.data.get("customer")) for p, _ in entries}
        return sorted((self.new_customers[c] for c in wanted if c in self.new_customers and c not in self.written),
                      key=lambda c: c.first_row)

    def _reject(self, planned: PlannedRecord, cells: tuple[str, ...], reason: str) -> None:
        self.rejects.add(RowResult(planned.row, REJECTED, planned.key, reason, cells))
        self.reasons[reason] += 1
        self.outcome.counts[IMPORTED] -= 1
        self.outcome.counts[REJECTED] += 1

    def _write(self, customers: list[Any], made: list[Any]) -> None:
        """Write (unless dry) a checked batch: its new customers, then its records; remember their ids."""
        if not self.dry_run:
            if customers:
                self.repo.customers.write_rendered((text, record) for _c, text, record, _p in customers)
            if made:
                self.store.write_rendered((text, record) for _pl, _cells, text, record, _p in made)
        for _c, _text, record, _p in customers:
            self.written[record.id] = ("customer", "")
            self._path(record.path)
        for _pl, _cells, _text, record, _p in made:
            self.written[record.id] = (record.kind, sys.intern(record.status))
            self._path(record.path)
            self.outcome.first_id = self.outcome.first_id or record.id
            self.outcome.last_id = record.id
        self.outcome.customers += len(customers) if self.kind != "customer" else 0
        self.outcome.records += len(made)
        if self.kind == "customer":
            self.outcome.customers += len(made)

    def _path(self, path: str) -> None:
        if self.paths is not None:
            self.paths.write(path + "\0")


def stream_rows(repo: Repository, stream: TableStream, planner: Planner, base: Snapshot, *, dry_run: bool,
                waiting: dict[str, str], report_path: Path | None = None, paths: IO[str] | None = None,
                progress: Progress | None = None, writing: Progress | None = None) -> Outcome:
    """Plan, check and (unless `dry_run`) write every row of `stream`; see the module doc.

    `waiting` maps source keys to records on disk but not committed (reported, not counted as
    written); `paths` receives every written path, NUL-terminated, for the commit; `progress` and
    `writing` are called as rows are read and as records are checked and written."""
    outcome = Outcome()
    rejects = Rejects()
    spill = _Spill()
    order: list[tuple[Any, int, int]] = []
    when = planner.sort_field
    try:
        items = iter(stream)
        while True:
            try:  # nothing is written while the file is read: any failure here is the file's
                item = next(items)
            except StopIteration:
                break
            except (OSError, LookupError, ValueError, KeyError, SyntaxError, zipfile.BadZipFile) as exc:
                raise Unreadable(exc) from exc
            outcome.total += 1
            if isinstance(item, BadRow):
                rejects.add(planner.bad_row(item))
                outcome.counts[REJECTED] += 1
            else:
                result, record = planner.row(item)
                outcome.counts[result.outcome] += 1
                if record is not None:
                    order.append((*sort_key(record, when), spill.put((record, result.cells))))
                elif result.outcome == REJECTED:
                    rejects.add(result)
                elif result.key in waiting:
                    outcome.pending.append(waiting[result.key])
            if progress is not None and outcome.total % 100 == 0:
                progress(outcome.total, max(stream.estimate, outcome.total))
        if progress is not None:
            progress(outcome.total, outcome.total)
        order.sort()
        work = BatchImport(repo, planner.kind, base, {c.id: c for c in planner.customers()}, rejects, outcome,
                           dry_run, paths)
        work.given = tuple(planner.given_ids)
        work.reasons = planner.reasons
        entries = (spill.get(offset) for _when, _row, offset in order)
        work.run(entries, len(order), batch_size(), writing)
        outcome.sample = rejects.sample()
        outcome.problems = planner.problems()
        if report_path is not None:
            rejects.write_csv(report_path, planner.file_headers)
    finally:
        spill.close()
        rejects.close()
    return outcome
