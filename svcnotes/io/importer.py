"""Run an import end to end: read the table, plan it, create customers and records, one commit.

    result = run_import(repo, Path("complaints.csv"), "complaint", Path("cfpb.toml"),
                        dry_run=False, encoding=None, report_path=None, options=ImportOptions())
    print(result.summary())

Re-running the same import creates nothing: every record keeps the source key of its row under
`imported[].key`, and rows whose key the repository already holds count as duplicates, unless the
record holding it is on disk but not committed (an import with --no-commit, or one that crashed):
those are reported as written but not committed, and `resume=True` commits them. The writes and
the commit are one transaction (store.transaction): a failed import leaves nothing behind.
Nothing is added to svcnotes.toml: the staff member running the import (`--as`, default the git
identity) stands in for the first responder when the mapping names none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from svcnotes.io.mapping import IMPORT_KINDS, Mapping, load_mapping, parse_mapping
from svcnotes.io.plan import DUPLICATE, IMPORTED, REJECTED, ImportPlan, plan_import
from svcnotes.io.suggest import suggest_mapping
from svcnotes.io.tabular import Table, read_table
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem
from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS
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
    """What an import did (or, on a dry run, would do)."""

    plan: ImportPlan
    dry_run: bool = False
    created: list[Record] = field(default_factory=list)
    customers: list[Record] = field(default_factory=list)
    commit: str | None = None
    report: Path | None = None
    encoding: str | None = None
    pending: list[str] = field(default_factory=list)  # rows' records on disk but not committed (paths)
    resumed: int = 0  # of those, committed by this run (--resume)
    command: str = ""  # how to run this import again with --resume

    @property
    def problems(self) -> list[Problem]:
        """Problems found while planning (mapping against header, shared rejection reasons)."""
        return self.plan.problems

    def summary(self) -> str:
        """Lines accounting for every row: imported, duplicate, rejected; new customers; the commit."""
        counts = self.plan.counts()
        verb = "would import" if self.dry_run else "imported"
        waiting = len(self.pending)
        lines = [f"{self.plan.source}: {len(self.plan.results)} rows: {counts[IMPORTED]} {verb}, "
                 f"{counts[DUPLICATE] - waiting} duplicate, {counts[REJECTED]} rejected"
                 + (f", {waiting} written earlier" if waiting else "")]
        if waiting and not self.resumed:
            lines.append(f"{waiting:,} written but not committed: run `{self.command or 'svcnotes import FILE --resume'}` "
                         "to commit them (or `svcnotes doctor --fix`)")
        elif self.resumed:
            lines.append(f"committed {self.resumed:,} record(s) written earlier but not committed")
        new_customers = len(self.plan.customers) if self.dry_run else len(self.customers)
        if new_customers:
            lines.append(f"{'would create' if self.dry_run else 'created'} {new_customers} customer(s)")
        if self.created:
            lines.append(f"records {self.created[0].id} .. {self.created[-1].id}" if len(self.created) > 1
                         else f"record {self.created[0].id}")
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


def load_or_suggest(mapping_path: Path | None, kind: str, table: Table | None = None) -> Mapping:
    """The mapping from `mapping_path`, or one suggested from the table's header when there is none."""
    if mapping_path is not None:
        if not mapping_path.is_file():
            raise ImportAborted([Problem("I002", msg("mapping file not found"), str(mapping_path),
                                         hint=msg("write one with: svcnotes import FILE --kind KIND --suggest-map > "
                                                  "map.toml"))])
        mapping, problems = load_mapping(mapping_path, kind)
    else:
        assert table is not None
        text = suggest_mapping(table.headers, kind, [dict(r.values) for r in table.rows[:200]], Path(table.source).stem)
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


def _read(path: Path, encoding: str | None, mapping: Mapping | None) -> Table:
    try:
        expect = [(c, *mapping.headers.get(c, ())) for c in sorted(mapping.used_columns())] if mapping else []
        return read_table(path, encoding or (mapping.encoding if mapping else None), mapping.sheet if mapping else None,
                          mapping.header_row if mapping else None, mapping.delimiter if mapping else None, expect)
    except (OSError, LookupError, ValueError) as exc:
        raise ImportAborted([Problem("I001", msg("cannot read the file: {error}", error=str(exc)), str(path),
                                     hint=msg("check the path, or pass --encoding (utf-8, gb18030, ...)"))]) from None


def run_import(repo: Repository, path: Path, kind: str, mapping_path: Path | None, dry_run: bool = False,
               encoding: str | None = None, report_path: Path | None = None,
               options: ImportOptions = ImportOptions(),
               progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import `path` as records of `kind` into `repo` in one commit; bad rows are reported, never fatal.

    `progress(done, total)` is called as rows are planned (the CLI draws it on a terminal)."""
    if kind not in IMPORT_KINDS:
        raise ImportAborted([Problem("I003", msg("cannot import '{kind}' records", kind=kind), hint=msg("use one of {import_kinds}",
                                                                                         import_kinds=', '.join(IMPORT_KINDS)))])
    if not path.is_file():
        raise ImportAborted([Problem("I001", msg("file not found"), str(path), hint=msg("check the path"))])
    mapping = load_or_suggest(mapping_path, kind) if mapping_path is not None else None
    table = _read(path, encoding, mapping)
    mapping = mapping or load_or_suggest(None, kind, table)
    actor_field = ACTOR_FIELDS.get(kind)
    mapped = mapping.targets() - set(mapping.defaults)
    if actor_field and actor_field not in mapped and not str(mapping.defaults.get(actor_field) or "").strip():
        # an unset or empty default (as --suggest-map writes it) means: the importing staff member
        mapping = dataclasses.replace(mapping, defaults={**mapping.defaults, actor_field: resolve_actor(repo, options.actor)})
    keys, customers = existing_state(repo)
    total = table.total
    plan = plan_import(table, mapping, kind, keys, customers=customers, config=repo.config, source=table.source,
                       progress=(lambda n: progress(n, total)) if progress else None, ids=repo.snapshot().by_id)
    result = ImportResult(plan, dry_run=dry_run, encoding=table.encoding)
    waiting = uncommitted_imports(repo)
    if waiting:
        result.pending = [waiting[r.key] for r in plan.results if r.outcome == DUPLICATE and r.key in waiting]
    if report_path is not None:
        report_path.write_text(plan.rejected_csv(), encoding="utf-8-sig", newline="")
        result.report = report_path
    if dry_run:
        return result
    return _apply(repo, plan, kind, result, options)


def _apply(repo: Repository, plan: ImportPlan, kind: str, result: ImportResult, options: ImportOptions) -> ImportResult:
    """Create the planned customers and records and commit them together."""
    if kind != "customer" and plan.customers:
        result.customers = repo.customers.create_many((c.data, "") for c in plan.customers)
    try:
        created = repo.store(kind).create_many((r.data, r.body) for r in plan.records)
    except BaseException:
        repo.customers._remove(result.customers)  # all or nothing: no stray customer files either
        raise
    if kind == "customer":
        result.customers, result.created = created, []
    else:
        result.created = created
    paths = [r.path for r in (*result.customers, *result.created)]
    if options.resume and result.pending and options.commit:
        paths += with_customers(repo, result.pending)
        result.resumed = len(result.pending)
    if paths:
        counts = plan.counts()
        noun = KINDS[kind].en.lower()
        result.commit = commit_change(
            repo, paths, f"import {len(created) + result.resumed} {noun}(s) from {plan.source}",
            {"Svc-Action": "import", "Svc-Import-Source": plan.source,
             "Svc-Import-Rows": f"{counts[IMPORTED]} imported, {counts[DUPLICATE]} duplicate, {counts[REJECTED]} rejected",
             "Svc-Import-Customers": str(len(result.customers)) if kind != "customer" else ""},
            CommitOptions(commit=options.commit))
        if result.commit is None:
            result.resumed = 0
    return result
