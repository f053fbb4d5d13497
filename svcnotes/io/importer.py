"""Run an import end to end: read the table, plan it, check and write it in batches, one commit.

    result = run_import(repo, Path("complaints.csv"), "complaint", Path("cfpb.toml"),
                        dry_run=False, encoding=None, report_path=None, options=ImportOptions())
    print(result.summary())

Re-running the same import creates nothing: every record keeps the source key of its row under
`imported[].key`, and rows whose key the repository already holds count as duplicates, unless the
record holding it is on disk but not committed (an import with --no-commit, or one that crashed):
those are reported as written but not committed, and `resume=True` commits them. The writes and
the commit are one transaction (store.transaction): a failed or killed import leaves nothing
behind (a kill leaves a journal the next command rolls back). Rows are read, planned, checked and
written in bounded batches (io.batches), so memory does not grow with the file; a row whose record
would break one of validate's rules is rejected alone, and a dry run applies the same rules.
Nothing is added to svcnotes.toml: the staff member running the import (`--as`, default the git
identity) stands in for the first responder when the mapping names none.
"""

from __future__ import annotations

import dataclasses
import itertools
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from svcnotes.io.batches import Outcome, Unreadable, stream_rows
from svcnotes.io.mapping import IMPORT_KINDS, Mapping, load_mapping, parse_mapping
from svcnotes.io.plan import DUPLICATE, IMPORTED, REJECTED, Planner, RowResult
from svcnotes.io.suggest import suggest_mapping
from svcnotes.io.tabular import Row, TableStream, open_table
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem
from svcnotes.model.schema import KINDS
from svcnotes.store import transaction, writer
from svcnotes.workflow.commits import CommitOptions, UnknownActor, commit_change, current_actor

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository

# The staff field the person running the import fills when the mapping leaves it empty, per kind.
ACTOR_FIELDS = {"complaint": "first_responder", "callback": "assigned_to"}


class ImportAborted(Exception):
    """The import cannot start (unreadable file, bad mapping, unknown staff); carries the problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.format() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportOptions:
    """How to import: who stands in as first responder (staff id; default the git identity), commit or not."""

    actor: str | None = None
    commit: bool = True
    resume: bool = False


@dataclass
class ImportResult:
    """What an import did (or, on a dry run, would do): every row counted once."""

    source: str
    kind: str
    outcome: Outcome
    dry_run: bool = False
    commit: str | None = None
    report: Path | None = None
    encoding: str | None = None
    pending: list[str] = field(default_factory=list)  # rows' records on disk but not committed (paths)
    resumed: int = 0  # of those, committed by this run (--resume)
    command: str = ""  # how to run this import again with --resume

    @property
    def problems(self) -> list[Problem]:
        """Problems found while planning (mapping against header, shared rejection reasons)."""
        return self.outcome.problems

    @property
    def total(self) -> int:
        """Rows in the file (blank lines excluded); imported + duplicate + rejected add up to it."""
        return self.outcome.total

    def counts(self) -> dict[str, int]:
        """Rows per outcome: imported (or would be), duplicate, rejected."""
        return dict(self.outcome.counts)

    @property
    def rejected(self) -> list[RowResult]:
        """The first rejected rows (up to 10), in row order; all of them are in the rejects file."""
        return self.outcome.sample

    @property
    def created(self) -> int:
        """Records created by this run (0 on a dry run), customers made by a customer import included."""
        return 0 if self.dry_run else self.outcome.records

    def summary(self) -> str:
        """Lines accounting for every row: imported, duplicate, rejected; new customers; the commit."""
        counts = self.outcome.counts
        verb = "would import" if self.dry_run else "imported"
        waiting = len(self.pending)
        lines = [f"{self.source}: {self.total} rows: {counts[IMPORTED]} {verb}, "
                 f"{counts[DUPLICATE] - waiting} duplicate, {counts[REJECTED]} rejected"
                 + (f", {waiting} written earlier" if waiting else "")]
        if waiting and not self.resumed:
            lines.append(f"{waiting:,} written but not committed: run `{self.command or 'svcnotes import FILE --resume'}` "
                         "to commit them (or `svcnotes doctor --fix`)")
        elif self.resumed:
            lines.append(f"committed {self.resumed:,} record(s) written earlier but not committed")
        if self.outcome.customers:
            lines.append(f"{'would create' if self.dry_run else 'created'} {self.outcome.customers} customer(s)")
        if self.created and self.kind != "customer":
            first, last = self.outcome.first_id, self.outcome.last_id
            lines.append(f"records {first} .. {last}" if self.created > 1 else f"record {first}")
        if self.commit:
            lines.append(f"committed {self.commit[:10]}")
        if self.report:
            lines.append(f"rejected rows written to {self.report}")
        return "\n".join(lines)


def resolve_actor(repo: Repository, actor: str | None) -> str:
    """The staff id to import as: `actor` when given (must be in the staff directory), else the git identity's."""
    if actor:
        if actor not in repo.config.staff:
            from svcnotes.model.problems import did_you_mean

            raise ImportAborted([Problem("I010", msg("'{actor}' is not in the staff directory", actor=actor), "svcnotes.toml",
                                         field="--as", hint=did_you_mean(actor, repo.config.staff) or msg("add a [[staff]] entry"))])
        return actor
    try:
        return current_actor(repo).id
    except UnknownActor as exc:
        raise ImportAborted([Problem("I011", exc.args[0], field="--as", hint=msg("or pass --as STAFF_ID"))]) from None


def load_or_suggest(mapping_path: Path | None, kind: str, stream: TableStream | None = None) -> Mapping:
    """The mapping from `mapping_path`, or one suggested from the header and first rows when there is none
    (the rows looked at are put back: the stream still yields every row)."""
    if mapping_path is not None:
        if not mapping_path.is_file():
            raise ImportAborted([Problem("I002", msg("mapping file not found"), str(mapping_path),
                                         hint=msg("write one with: svcnotes import FILE --kind KIND --suggest-map > "
                                                  "map.toml"))])
        mapping, problems = load_mapping(mapping_path, kind)
    else:
        assert stream is not None
        sample = list(itertools.islice(stream.items, 200))
        stream.items = itertools.chain(sample, stream.items)
        rows: list[dict[str, object]] = [dict(r.values) for r in sample if isinstance(r, Row)]
        text = suggest_mapping(stream.headers, kind, rows, Path(stream.source).stem)
        mapping, problems = parse_mapping(text, "<suggested mapping>", kind)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise ImportAborted(errors)
    return mapping


def existing_state(repo: Repository) -> tuple[set[str], dict[str, str]]:
    """Source keys already imported (every record's imported[].key) and customer name -> id."""
    snap = repo.snapshot()
    keys = {str(entry["key"]) for record in snap.all() for entry in record.data.get("imported") or ()
            if isinstance(entry, dict) and entry.get("key")}
    customers = {str(r.data["name"]): r.id for r in snap.records["customer"] if r.data.get("name")}
    return keys, customers


def _uncommitted(repo: Repository) -> set[str]:
    """Record files that are untracked or differ from HEAD (one git status, no argument per file)."""
    from svcnotes.store import gitops

    if not gitops.is_repo(repo.root):
        return set()
    out = gitops.git(repo.root, "status", "--porcelain", "-z", "--untracked-files=all", "--", "records", check=False)
    return {entry[3:] for entry in out.split("\0") if len(entry) > 3}


def uncommitted_imports(repo: Repository) -> dict[str, str]:
    """Source key -> path of imported records that are on disk but not committed (untracked or changed)."""
    dirty = _uncommitted(repo)
    if not dirty:
        return {}
    return {str(entry["key"]): record.path for record in repo.snapshot().all() if record.path in dirty
            for entry in record.data.get("imported") or () if isinstance(entry, dict) and entry.get("key")}


def with_customers(repo: Repository, paths: list[str]) -> list[str]:
    """`paths` and the uncommitted customer files their records refer to (written by the same import)."""
    snap = repo.snapshot()
    wanted_paths = set(paths)
    wanted = {str(r.data["customer"]) for r in snap.all() if r.path in wanted_paths and r.data.get("customer")}
    customers = [c.path for c in snap.records["customer"] if c.id in wanted]
    loose = _uncommitted(repo).intersection(customers) if customers else set()
    return [*sorted(loose), *paths]


_UNREADABLE = (OSError, LookupError, ValueError, KeyError, SyntaxError, zipfile.BadZipFile)


def _unreadable(path: Path, exc: BaseException) -> ImportAborted:
    return ImportAborted([Problem("I001", msg("cannot read the file: {error}", error=str(exc)), str(path),
                                  hint=msg("check the path, or pass --encoding (utf-8, gb18030, ...)"))])


def _open(path: Path, encoding: str | None, mapping: Mapping | None) -> TableStream:
    try:
        expect = [(c, *mapping.headers.get(c, ())) for c in sorted(mapping.used_columns())] if mapping else []
        return open_table(path, encoding or (mapping.encoding if mapping else None), mapping.sheet if mapping else None,
                          mapping.header_row if mapping else None, mapping.delimiter if mapping else None, expect)
    except _UNREADABLE as exc:
        raise _unreadable(path, exc) from None


def run_import(repo: Repository, path: Path, kind: str, mapping_path: Path | None, dry_run: bool = False,
               encoding: str | None = None, report_path: Path | None = None,
               options: ImportOptions = ImportOptions(),
               progress: Callable[[int, int], None] | None = None,
               writing: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import `path` as records of `kind` into `repo` in one commit; a bad row is rejected alone, never fatal.

    The file is read, planned, checked and written in batches (io.batches): memory does not grow
    with the file. A dry run runs the very same rules and reports the same totals and rejects.
    `progress(done, total)` is called as rows are read, `writing(done, total)` as records are
    checked and written (the CLI draws them on a terminal)."""
    if kind not in IMPORT_KINDS:
        raise ImportAborted([Problem("I003", msg("cannot import '{kind}' records", kind=kind), hint=msg("use one of {import_kinds}",
                                                                                         import_kinds=', '.join(IMPORT_KINDS)))])
    if not path.is_file():
        raise ImportAborted([Problem("I001", msg("file not found"), str(path), hint=msg("check the path"))])
    mapping = load_or_suggest(mapping_path, kind) if mapping_path is not None else None
    stream = _open(path, encoding, mapping)
    mapping = mapping or load_or_suggest(None, kind, stream)
    actor_field = ACTOR_FIELDS.get(kind)
    mapped = mapping.targets() - set(mapping.defaults)
    if actor_field and actor_field not in mapped and not str(mapping.defaults.get(actor_field) or "").strip():
        # an unset or empty default (as --suggest-map writes it) means: the importing staff member
        mapping = dataclasses.replace(mapping, defaults={**mapping.defaults, actor_field: resolve_actor(repo, options.actor)})
    if not dry_run:
        transaction.ensure(repo.root)  # the repository lock from here: nobody writes between planning and writing
    base = repo.snapshot()
    keys, customers = existing_state(repo)
    planner = Planner(mapping, kind, stream.headers, keys, customers=customers, config=repo.config,
                      source=stream.source, ids=base.by_id)
    waiting = uncommitted_imports(repo)
    resume_paths = []
    result = ImportResult(stream.source, kind, Outcome(), dry_run=dry_run, encoding=stream.encoding)
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogateescape", prefix="svcnotes-paths-") as paths:
        try:
            result.outcome = stream_rows(repo, stream, planner, base, dry_run=dry_run, waiting=waiting,
                                         report_path=report_path, paths=None if dry_run else paths,
                                         progress=progress, writing=writing)
        except Unreadable as exc:  # a file unreadable past its first rows; nothing was written yet
            raise _unreadable(path, exc) from None
        result.pending = result.outcome.pending
        result.report = report_path
        if dry_run:
            return result
        writer.sync()
        if options.resume and result.pending and options.commit:
            resume_paths = with_customers(repo, result.pending)
            result.resumed = len(result.pending)
        return _commit(repo, result, paths, resume_paths, options)


def _commit(repo: Repository, result: ImportResult, paths: IO[str], resume_paths: list[str],
            options: ImportOptions) -> ImportResult:
    """Commit what the import wrote (paths spilled to a file) and the records it resumes, as one commit."""
    if not (result.outcome.records or resume_paths):
        return result

    def every_path() -> Iterator[str]:
        paths.seek(0)
        rest = ""
        while chunk := paths.read(1 << 16):
            *done, rest = (rest + chunk).split("\0")
            yield from done
        yield from resume_paths

    counts = result.outcome.counts
    noun = KINDS[result.kind].en.lower()
    result.commit = commit_change(
        repo, every_path(), f"import {result.outcome.records + result.resumed} {noun}(s) from {result.source}",
        {"Svc-Action": "import", "Svc-Import-Source": result.source,
         "Svc-Import-Rows": f"{counts[IMPORTED]} imported, {counts[DUPLICATE]} duplicate, {counts[REJECTED]} rejected",
         "Svc-Import-Customers": str(result.outcome.customers) if result.kind != "customer" else ""},
        CommitOptions(commit=options.commit))
    if result.commit is None:
        result.resumed = 0
    return result
