"""The Repository: one object for a record repository, one accessor per record kind."""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from svcnotes.model.config import CONFIG_FILE, Config, load_config
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, sort_key
from svcnotes.model.record import Record
from svcnotes.model.schema import FOLDER_KIND, KINDS, Kind
from svcnotes.store import gitops, ids, transaction
from svcnotes.store.frontmatter import decode, parse
from svcnotes.store.loader import build_record, content_digest, read_bytes
from svcnotes.store.stamps import stamp_entry
from svcnotes.store.volumes import Volumes
from svcnotes.store.writer import atomic_write, render_new, render_update, replace_body, sync

RECORDS_DIR = "records"
T = TypeVar("T")
_MISSING: Any = object()


class NotFound(Exception):
    """No record has that id (or alias)."""


class NotARepository(Exception):
    """No svcnotes.toml at or above the given folder."""


class DirtyRecord(Exception):
    """The record file changed on disk since it was read; writing would lose that edit."""


class InvalidRecord(Exception):
    """The record would not be valid; carries the problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.format() for p in problems))
        self.problems = problems


class Rejected(InvalidRecord):
    """The record(s) to be written would not pass `svcnotes validate`; nothing was written."""


# The rules a record must pass before it is written: (repository, records as they would be written,
# paths the write removes) -> problems. The store knows none of them; the workflow layer registers validate's rule set here
# (svcnotes/workflow/__init__.py), so every write path -- new, verbs, import, renumber -- runs it.
WriteCheck = Callable[["Repository", Sequence[Record], Sequence[str]], list[Problem]]
WRITE_CHECKS: list[WriteCheck] = []


def register_write_check(check: WriteCheck) -> WriteCheck:
    """Add a check every write runs first (idempotent)."""
    if check not in WRITE_CHECKS:
        WRITE_CHECKS.append(check)
    return check


@dataclass
class Snapshot:
    """Every record of the repository read once, with the problems found while reading.

    What is derived from the records (the reports' index, per-record memo tables) hangs on the
    snapshot through `derived(key, compute)`, so it is dropped with the snapshot and whenever
    records are added: no derived value outlives the records it was computed from.
    """

    records: dict[str, list[Record]] = field(default_factory=lambda: {k: [] for k in KINDS})
    problems: list[Problem] = field(default_factory=list)
    by_id: dict[str, Record] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    volumes: Volumes = field(default_factory=Volumes)  # records/volumes.csv: the KPIs' monthly denominators
    _derived: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per `key` for this snapshot's records, then the same value until records
        are added (or the snapshot is dropped). The key names the deriving code ('reports.index') and
        every other input the value depends on besides the records (a config, a today)."""
        found = self._derived.get(key, _MISSING)
        if found is _MISSING:
            found = self._derived[key] = compute()
        return found  # type: ignore[no-any-return]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_derived"] = {}  # derived values are recomputed where the snapshot arrives, never shipped
        return state

    def add(self, record: Record) -> None:
        """Add a record (first one wins the id; duplicates are reported by checks)."""
        self.add_all((record,))

    def add_all(self, records: Iterable[Record]) -> None:
        """Add records in turn (first one wins each id); one loop for a whole repository."""
        self._derived.clear()
        by_kind = self.records
        by_id = self.by_id
        aliases = self.aliases
        for record in records:
            by_kind[record.kind].append(record)
            if record.id not in by_id:
                by_id[record.id] = record
            found = record.data.get("aliases")
            if found:
                for alias in found:
                    aliases.setdefault(alias, record.id)

    def find(self, record_id: str) -> Record | None:
        """A record by id or by a former number (alias)."""
        return self.by_id.get(record_id) or self.by_id.get(self.aliases.get(record_id, ""))

    def all(self) -> Iterable[Record]:
        """Every record of every kind."""
        for records in self.records.values():
            yield from records


def read_record(root: Path, rel: str, config: Config, kind: Kind | None = None) -> tuple[Record | None, list[Problem]]:
    """Read and type one record file (relative posix path)."""
    kind = kind or kind_for_path(rel)
    if kind is None:
        return None, [Problem("E201", msg("file is not inside a record folder"), rel, hint=msg("put records under records/<kind>/"))]
    raw, refused = read_bytes(str(root), rel)
    if raw is None:
        assert refused is not None
        return None, [refused]
    text, problem = decode(raw, rel)
    if text is None:
        assert problem is not None
        return None, [problem]
    record, problems = build_record(kind, rel, parse(text, rel), config, content_digest(raw))
    return record, problems


def kind_for_path(rel: str) -> Kind | None:
    """The kind a path belongs to by its folder (records/<folder>/...)."""
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] == RECORDS_DIR:
        return FOLDER_KIND.get(parts[1])
    return None


class Repository:
    """A record repository: svcnotes.toml, records/ and (usually) git."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.config, self.config_problems = load_config(self.root)
        self.customers = KindStore(self, KINDS["customer"])
        self.complaints = KindStore(self, KINDS["complaint"])
        self.callbacks = KindStore(self, KINDS["callback"])
        self.notes = KindStore(self, KINDS["note"])
        self._snapshot: Snapshot | None = None
        self._unchecked = 0

    def check_write(self, records: Sequence[Record], reading: Sequence[Problem] = (), removed: Sequence[str] = ()) -> None:
        """Refuse (Rejected, with every located error) to write records validate would reject;
        `reading` are the problems found typing them, `removed` the paths the write deletes."""
        if self._unchecked:
            return
        problems = [p for p in reading if p.is_error]
        for check in WRITE_CHECKS:
            problems += [p for p in check(self, records, removed) if p.is_error]
        if problems:
            raise Rejected(sorted(dict.fromkeys(problems), key=sort_key))

    @contextmanager
    def unchecked(self) -> Iterator[None]:
        """Writes inside skip check_write: for a writer of many records that refer to each other (a
        data export's sync), which must call check_write over all of them itself before committing."""
        self._unchecked += 1
        try:
            yield
        finally:
            self._unchecked -= 1

    @classmethod
    def open(cls, start: Path | str = ".") -> Repository:
        """The repository whose svcnotes.toml is at or above `start`."""
        here = Path(start).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_FILE).is_file():
                return cls(folder)
        raise NotARepository(msg("no {config} in {folder} or any parent folder", config=CONFIG_FILE, folder=str(here)))

    def store(self, kind: str) -> KindStore:
        """The accessor of a kind by name."""
        return {"customer": self.customers, "complaint": self.complaints,
                "callback": self.callbacks, "note": self.notes}[kind]

    def record_files(self, kinds: Iterable[str] = KINDS) -> list[str]:
        """Relative paths of every record file (*.md under records/<folder>/), sorted."""
        return [rel for rel, _size, _mtime in self.scan(kinds)]

    def scan(self, kinds: Iterable[str] = KINDS) -> list[tuple[str, int, int]]:
        """(relative path, size, mtime_ns) of every record file, sorted; one scandir walk, no Path objects.

        Links and odd entries named like records are listed too: reading them reports why they are not records.
        """
        out: list[tuple[str, int, int]] = []
        root = str(self.root)

        def walk(rel_dir: str) -> None:
            try:
                entries = sorted(os.scandir(f"{root}/{rel_dir}"), key=lambda e: e.name)
            except OSError:
                return
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                found = stamp_entry(entry)
                if found is None:
                    walk(f"{rel_dir}/{entry.name}")
                elif found:
                    out.append((f"{rel_dir}/{entry.name}", found[0], found[1]))

        for name in kinds:
            walk(f"{RECORDS_DIR}/{KINDS[name].folder}")
        return out

    def snapshot(self, refresh: bool = False, scan: Any = None) -> Snapshot:
        """Every record, read once per Repository (refresh=True re-reads; `scan`: a store.stamps.Scan
        of the record files made just before, so they are not stat'ed again)."""
        if self._snapshot is None or refresh:
            from svcnotes.store.bulk import load_all

            self._snapshot = load_all(self, scan=scan)
        return self._snapshot

    def invalidate(self) -> None:
        """Forget the cached snapshot after a write."""
        self._snapshot = None


class KindStore:
    """get/list/create/update for one record kind."""

    def __init__(self, repo: Repository, kind: Kind) -> None:
        self.repo = repo
        self.kind = kind

    def list(self) -> list[Record]:
        """Every record of this kind, in path order."""
        return list(self.repo.snapshot().records[self.kind.name])

    def get(self, record_id: str) -> Record:
        """The record with this id or former number; NotFound otherwise."""
        record = self.repo.snapshot().find(record_id)
        if record is None or record.kind != self.kind.name:
            raise NotFound(msg("no {kind} '{id}'", kind=self.kind.named, id=record_id))
        return record

    def path_for(self, record_id: str) -> str:
        """Where a record with this id lives (year folder from YYMM for numbered kinds)."""
        base = f"{RECORDS_DIR}/{self.kind.folder}"
        if self.kind.year_folders:
            yymm = record_id.split("-")[1]
            return f"{base}/20{yymm[:2]}/{record_id}.md"
        return f"{base}/{record_id}.md"

    def allocate_and_write(self, day: date, data: Mapping[str, Any], body: str) -> Record:
        """Allocate the next number for `day`'s month and write the record, under the numbering lock."""
        transaction.ensure(self.repo.root)  # the repository lock first, then the numbering lock
        with ids.numbering_lock(self.repo.root):
            record_id = self._allocator().next(day)
            return self._write_new({**data, "id": record_id}, body)

    def _allocator(self, given: Iterable[str] = ()) -> ids.Allocator:
        """An allocator over every number taken now, in git history, as an alias or `given` (hold the lock)."""
        prefix = self.repo.config.prefixes[self.kind.prefix_key]
        aliases = self._aliases() + list(given)

        def taken_names(yy: str) -> list[str]:
            rel_folder = f"{RECORDS_DIR}/{self.kind.folder}/20{yy}"
            names = ids.folder_names(self.repo.root / rel_folder)
            names += gitops.paths_in_history(self.repo.root, rel_folder)
            return names + aliases

        return ids.Allocator(prefix, taken_names)

    def _aliases(self) -> builtins.list[str]:
        # former numbers are taken even when no file ever had them; scan the files, not a cached snapshot
        prefix = self.repo.config.prefixes[self.kind.prefix_key]
        return ids.mentioned_ids(self.repo.root / RECORDS_DIR / self.kind.folder, prefix)

    def create_many(self, items: Iterable[tuple[Mapping[str, Any], str]]) -> builtins.list[Record]:
        """Write many new records (data, body) at once; numbered kinds are numbered in the given order.

        The fast path of imports: the taken numbers are read once per year (not per record) under
        one numbering lock, files are written without re-reading the repository, and the cached
        snapshot is dropped once at the end. An id given in the data is kept (numbered kinds too: an
        import by id); the batch refuses (InvalidRecord) before writing anything when a given id
        already exists or repeats.
        """
        items = list(items)
        records: builtins.list[Record] = []
        transaction.ensure(self.repo.root)
        given = [str(data["id"]) for data, _ in items if data.get("id")]  # kept as they are (import by id)
        if not self.kind.year_folders or given:
            seen: set[str] = set()
            clashes = []
            for data, _ in items:
                if self.kind.year_folders and not data.get("id"):
                    continue
                rel = self.path_for(str(data["id"]))
                if (self.repo.root / rel).exists() or rel in seen:
                    clashes.append(Problem("E203", msg("'{id}' already exists", id=data['id']), rel, field="id",
                                           hint=msg("choose another id")))
                seen.add(rel)
            if clashes:
                raise InvalidRecord(clashes)
        if not self.kind.year_folders:
            rendered = [self._render(data, body) for data, body in items]
            self._check([(record, problems) for _text, record, problems in rendered])
            try:
                for text, record, _problems in rendered:
                    records.append(self._write_fresh(text, record))
            except BaseException:
                self._remove(records)
                raise
            finally:
                sync()
                self.repo.invalidate()
            return records
        with ids.numbering_lock(self.repo.root):
            allocator = self._allocator(given)
            rendered = [self._render({**data, "id": str(data["id"]) if data.get("id")
                                      else allocator.next(number_date(self.kind.name, data))}, body)
                        for data, body in items]
            self._check([(record, problems) for _text, record, problems in rendered])
            try:
                for text, record, _problems in rendered:
                    records.append(self._write_fresh(text, record))
            except BaseException:
                self._remove(records)  # all or nothing: an interrupted batch leaves no stray files
                raise
            finally:
                sync()
                self.repo.invalidate()
        return records

    def allocator(self, given: Iterable[str] = ()) -> ids.Allocator:
        """An allocator for numbering many new records (hold `ids.numbering_lock` until they are written)."""
        return self._allocator(given)

    def render(self, data: Mapping[str, Any], body: str = "") -> tuple[str, Record, Sequence[Problem]]:
        """A new record as it would be written (data holds its id): its text, the record typed from
        that text, and the problems found typing it. Nothing is written or checked."""
        return self._render(data, body)

    def write_rendered(self, rendered: Iterable[tuple[str, Record]]) -> builtins.list[Record]:
        """Write new records rendered by `render` and checked by the caller (a streaming import checks
        each batch against the repository itself); journalled, not synced (call writer.sync once)."""
        transaction.ensure(self.repo.root)
        written = [self._write_fresh(text, record) for text, record in rendered]
        self.repo.invalidate()
        return written

    def _remove(self, records: builtins.list[Record]) -> None:
        """Delete files this batch wrote (rollback of a failed create_many)."""
        for record in records:
            try:
                (self.repo.root / record.path).unlink()
            except OSError:
                pass

    def _render(self, data: Mapping[str, Any], body: str) -> tuple[str, Record, Sequence[Problem]]:
        """The text of a new record, and the record typed from it (with its reading problems)."""
        rel = self.path_for(str(data["id"]))
        text = render_new(self.kind, data, body)
        record, problems = build_record(self.kind, rel, parse(text, rel), self.repo.config,
                                        content_digest(text.encode("utf-8")))
        return text, record, problems

    def _check(self, typed: Sequence[tuple[Record, Sequence[Problem]]]) -> None:
        """check_write over records typed from the text about to be written."""
        self.repo.check_write([record for record, _ in typed], [p for _, problems in typed for p in problems])

    def _write_fresh(self, text: str, record: Record) -> Record:
        """Write a new file rendered and typed by _render (no second read of the disk)."""
        atomic_write(self.repo.root / record.path, text, durable=False)  # create_many syncs once at the end
        return record

    def create(self, data: Mapping[str, Any], body: str = "") -> Record:
        """Write a new record; numbered kinds get the next number from their date field."""
        if self.kind.year_folders:
            day = number_date(self.kind.name, data)
            return self.allocate_and_write(day, data, body)
        rel = self.path_for(str(data["id"]))
        transaction.ensure(self.repo.root)
        if (self.repo.root / rel).exists():
            raise InvalidRecord([Problem("E203", msg("'{id}' already exists", id=data['id']), rel, field="id",
                                         hint=msg("choose another id"))])
        return self._write_new(data, body)

    def _write_new(self, data: Mapping[str, Any], body: str) -> Record:
        text, typed, problems = self._render(data, body)
        self._check([(typed, problems)])
        rel = typed.path
        atomic_write(self.repo.root / rel, text)
        self.repo.invalidate()
        record, problems = read_record(self.repo.root, rel, self.repo.config, self.kind)
        assert record is not None, problems
        return record

    def update(self, record: Record, changes: Mapping[str, Any], body: str | None = None) -> Record:
        """Write `changes` (field -> value, None deletes) and, when given, a new `body` to a record read earlier.

        Refuses (DirtyRecord) when the file changed since `record` was read.
        """
        transaction.ensure(self.repo.root)
        path = self.repo.root / record.path
        raw = path.read_bytes()
        if record.digest and content_digest(raw) != record.digest:
            raise DirtyRecord(msg("{path} changed on disk since it was read; run the command again", path=record.path))
        text, problem = decode(raw, record.path)
        if text is None:
            raise InvalidRecord([problem] if problem else [])
        had_bom = raw.startswith(b"\xef\xbb\xbf")
        new_text = render_update(self.kind, text, changes)
        if body is not None:
            new_text = replace_body(new_text, body)
        typed, problems = build_record(self.kind, record.path, parse(new_text, record.path), self.repo.config)
        self._check([(typed, problems)])
        atomic_write(path, ("\ufeff" if had_bom else "") + new_text)
        self.repo.invalidate()
        updated, problems = read_record(self.repo.root, record.path, self.repo.config, self.kind)
        assert updated is not None, problems
        return updated


def number_date(kind: str, data: Mapping[str, Any]) -> date:
    """The date whose month numbers a new record (received, due or note time)."""
    key = {"complaint": "received_at", "callback": "due", "note": "at"}[kind]
    value = data.get(key)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise InvalidRecord([Problem("E101", msg("is required to number the record"), field=key, hint=msg("give {key}", key=key))])
