"""Data in and out, and the set-up around editing: import, export, doctor, completion."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from svcnotes.cli.common import (
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Progress,
    complete_staff_id,
    fail,
    format_option,
    open_repo,
    resolve_today,
    today_option,
)
from svcnotes.i18n import ntr, tr
from svcnotes.model.message import exc_message, render

IMPORT_KINDS = ("complaint", "customer", "callback")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(IMPORT_KINDS), default=None,
              help="Record kind the rows become (not needed for a file written by `svcnotes export data`).")
@click.option("--map", "mapping_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML column mapping (see docs/import-examples/); default: one suggested from the header.")
@click.option("--dry-run", is_flag=True, help="Plan and report, write nothing.")
@click.option("--encoding", help="Source encoding (utf-8, gb18030, ...); default: detected.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the rejected rows (and conflicts) with their reasons to this CSV file.")
@click.option("--suggest-map", is_flag=True, help="Print a starting mapping for FILE's header and stop.")
@click.option("--as", "actor", shell_complete=complete_staff_id,
              help="Staff id recorded as first responder when the mapping names none (default: your git identity).")
@click.option("--no-commit", is_flag=True, help="Write the files but do not commit them.")
@click.option("--resume", is_flag=True, help="Also commit this file's records that are on disk but not committed yet.")
@click.option("--branch", "branch", metavar="NAME",
              help="Commit the records on a new branch NAME (from HEAD) for review as a pull request; "
                   "your branch, index and files stay as they are.")
@click.pass_context
def import_(ctx: click.Context, file: Path, kind: str | None, mapping_path: Path | None, dry_run: bool,
            encoding: str | None, report_path: Path | None, suggest_map: bool, actor: str | None, no_commit: bool,
            resume: bool, branch: str | None) -> None:
    """Import a CSV or XLSX register as records, or take back a `svcnotes export data` file by id.

    A register (--kind, --map): the summary accounts for every row (imported, duplicate, rejected)
    and running the same import again imports nothing new; records it wrote but did not commit
    are reported, and --resume commits them. Exit 1 when every row is rejected, or records are
    left uncommitted. A data export (workbook or folder): rows update their records in place by
    id, new rows create records, unchanged rows change nothing, and a row whose record changed in
    git since the export is a conflict, never written. One commit either way; a progress count
    shows on a terminal. --branch NAME puts that commit on a new branch NAME instead (refused when
    NAME exists or is invalid); push it and open a pull request.

    Example: svcnotes import 客诉登记.xlsx --kind complaint --map complaints.toml --report rejected.csv
    """
    from svcnotes.io.data import is_data_export

    if not file.exists():
        raise click.UsageError(tr("{path}: no such file or folder").format(path=file))
    if branch is not None and no_commit:
        raise click.UsageError(tr("--branch commits on a new branch: it cannot go with --no-commit"))
    if not suggest_map and is_data_export(file):
        _import_data(ctx, file, dry_run, report_path, no_commit, branch)
        return
    if kind is None:
        raise click.UsageError(tr("--kind is needed: {path} is not a file written by `svcnotes export data` "
                                  "(then give --kind {kinds})").format(path=file, kinds="/".join(IMPORT_KINDS)))
    if file.is_dir():
        raise click.UsageError(tr("{path} is a folder without _svcnotes.csv: give a CSV or XLSX file").format(path=file))
    from svcnotes.io.importer import ImportAborted, ImportOptions, run_import
    from svcnotes.store.repository import Rejected

    if suggest_map:
        _suggest(file, kind, encoding)
        return
    repo = open_repo(ctx)
    progress = Progress(tr("reading rows"))
    writing = Progress(tr("writing records") if not dry_run else tr("checking records"))
    on_branch = None
    try:
        with _on_branch(repo.root, branch, dry_run) as on_branch:
            result = run_import(repo, file, kind, mapping_path, dry_run, encoding, report_path,
                                ImportOptions(actor=actor, commit=not no_commit, resume=resume), progress=progress,
                                writing=writing)
    except ImportAborted as exc:
        progress.end()
        writing.end()
        for p in exc.problems:
            click.echo(tr("error: {message}").format(message=p.format()), err=True)
        ctx.exit(EXIT_USAGE)
        return
    except Rejected as exc:
        progress.end()
        writing.end()
        for p in exc.problems:
            click.echo(tr("error: {message}").format(message=p.format()), err=True)
        click.echo(tr("refused: validate would reject these records; nothing imported"), err=True)
        ctx.exit(EXIT_PROBLEMS)
        return
    progress.end()
    writing.end()
    for p in result.problems:
        click.echo((tr("warning: {message}") if not p.is_error else tr("error: {message}")).format(message=p.format()),
                   err=True)
    result.command = " ".join(["svcnotes", "import", str(file), "--kind", kind,
                               *(["--map", str(mapping_path)] if mapping_path else []), "--resume"])
    click.echo(_import_summary(result))
    _said_branch(on_branch, result.created + result.resumed)
    for row in result.rejected:
        click.echo("  " + tr("row {row}: rejected: {reason}").format(row=row.row, reason=render(row.reason)), err=True)
    rejected = result.counts()["rejected"]
    if rejected > len(result.rejected) and not report_path:
        click.echo("  " + tr("... and {count} more; pass --report rejected.csv for all of them").format(
            count=rejected - len(result.rejected)), err=True)
    if (rejected and rejected == result.total) or (result.pending and not result.resumed):
        ctx.exit(EXIT_PROBLEMS)


def _import_summary(result: Any) -> str:
    """io.importer.ImportResult.summary() in the chosen language: every row accounted for, new customers, the commit."""
    from svcnotes.io.importer import DUPLICATE, IMPORTED, REJECTED

    counts = result.counts()
    waiting = len(result.pending)
    head = (ntr("{source}: {rows} row: {imported} would import, {duplicate} duplicate, {rejected} rejected",
                "{source}: {rows} rows: {imported} would import, {duplicate} duplicate, {rejected} rejected", result.total)
            if result.dry_run else
            ntr("{source}: {rows} row: {imported} imported, {duplicate} duplicate, {rejected} rejected",
                "{source}: {rows} rows: {imported} imported, {duplicate} duplicate, {rejected} rejected", result.total)).format(
        source=result.source, rows=result.total, imported=counts[IMPORTED],
        duplicate=counts[DUPLICATE] - waiting, rejected=counts[REJECTED])
    lines = [head + (tr(", {count} written earlier").format(count=waiting) if waiting else "")]
    if waiting and not result.resumed:
        lines.append(tr("{count} written but not committed: run `{command}` to commit them (or `svcnotes doctor --fix`)")
                     .format(count=format(waiting, ","), command=result.command or "svcnotes import FILE --resume"))
    elif result.resumed:
        lines.append(tr("committed {count} record(s) written earlier but not committed").format(count=format(result.resumed, ",")))
    outcome = result.outcome
    if outcome.customers:
        lines.append((tr("would create {count} customer(s)") if result.dry_run else tr("created {count} customer(s)"))
                     .format(count=outcome.customers))
    if result.created and result.kind != "customer":
        lines.append(tr("records {first} .. {last}").format(first=outcome.first_id, last=outcome.last_id)
                     if result.created > 1 else tr("record {id}").format(id=outcome.first_id))
    if result.commit:
        lines.append(tr("committed {commit}").format(commit=result.commit[:10]))
    if result.report:
        lines.append(tr("rejected rows written to {path}").format(path=result.report))
    return "\n".join(lines)


def _sync_summary(plan: Any, dry_run: bool) -> str:
    """io.sync.SyncPlan.summary() in the chosen language."""
    from svcnotes.io.sync import CONFLICT, CREATE, UNCHANGED, UPDATE

    c = plan.counts()
    rows = sum(c.values())
    if dry_run:
        text = ntr("{created} would create, {updated} would update, {unchanged} unchanged, {conflicts} conflict, "
                   "{rejected} rejected",
                   "{created} would create, {updated} would update, {unchanged} unchanged, {conflicts} conflicts, "
                   "{rejected} rejected", c[CONFLICT])
    else:
        text = ntr("{created} created, {updated} updated, {unchanged} unchanged, {conflicts} conflict, {rejected} rejected",
                   "{created} created, {updated} updated, {unchanged} unchanged, {conflicts} conflicts, {rejected} rejected",
                   c[CONFLICT])
    return tr("{rows}: {counts}").format(
        rows=ntr("{source}: {rows} row", "{source}: {rows} rows", rows).format(source=plan.source, rows=rows),
        counts=text.format(created=c[CREATE], updated=c[UPDATE], unchanged=c[UNCHANGED], conflicts=c[CONFLICT],
                           rejected=c["rejected"]))


@contextlib.contextmanager
def _on_branch(root: Path, branch: str | None, dry_run: bool) -> Iterator[Any]:
    """`import --branch NAME`: the writes commit on the new branch NAME (store.branching); a dry run
    only checks the name."""
    from svcnotes.store import branching

    if branch is None:
        yield None
        return
    if dry_run:
        problem = branching.branch_problem(root, branch)
        if problem is not None:
            raise problem
        yield None
        return
    with branching.on_new_branch(root, branch, notify=lambda message: click.echo(render(message), err=True)) as made:
        yield made


def _said_branch(on_branch: Any, count: int) -> None:
    if on_branch is None:
        return
    if on_branch.commit:
        click.echo(ntr("imported {count} record on branch {branch} (commit {commit}); "
                       "push it and open a pull request: git push -u origin {branch}",
                       "imported {count} records on branch {branch} (commit {commit}); "
                       "push it and open a pull request: git push -u origin {branch}", count).format(
            count=count, branch=on_branch.name, commit=on_branch.commit[:7]))
    else:
        click.echo(tr("nothing to commit: branch {branch} was not created").format(branch=on_branch.name))


def _import_data(ctx: click.Context, file: Path, dry_run: bool, report_path: Path | None, no_commit: bool,
                 branch: str | None = None) -> None:
    """`svcnotes import` of a data export: by id, with conflicts and rejected rows listed."""
    from svcnotes.io.data import DataError
    from svcnotes.io.sync import CONFLICT, CREATE, UPDATE, import_data, report_csv
    from svcnotes.store.repository import DirtyRecord, InvalidRecord

    repo = open_repo(ctx)
    progress = Progress(tr("writing records"))
    on_branch = None
    try:
        with _on_branch(repo.root, branch, dry_run) as on_branch:
            result = import_data(repo, file, dry_run, commit=not no_commit, progress=progress)
    except (DataError, OSError, ValueError) as exc:
        progress.end()
        fail(tr("{path}: cannot read the data export: {error}").format(path=file, error=exc_message(exc)), EXIT_USAGE)
        return
    except InvalidRecord as exc:
        progress.end()
        for p in exc.problems:
            click.echo(tr("error: {message}").format(message=p.format()), err=True)
        fail(tr("nothing imported: the records above would not be valid"), EXIT_PROBLEMS)
        return
    except DirtyRecord as exc:
        progress.end()
        fail(tr("nothing more imported: {error}").format(error=exc), EXIT_PROBLEMS)
        return
    progress.end()
    plan = result.plan
    click.echo(_sync_summary(plan, dry_run))
    if result.commit:
        click.echo(tr("committed {commit}").format(commit=result.commit[:10]))
    _said_branch(on_branch, sum(len(plan.of(kind)) for kind in (CREATE, UPDATE)))
    for item in plan.of(CONFLICT):
        click.echo("  " + tr("{where}: conflict: {id} changed in git since the export; not written").format(
            where=item.row.where, id=item.row.id), err=True)
        for c in item.conflicts:
            click.echo(f"    {c.format()}", err=True)
    for rej in plan.rejected[:10]:
        click.echo("  " + tr("{where}: rejected: {reason}").format(where=render(rej.where), reason=render(rej.reason)), err=True)
    if len(plan.rejected) > 10 and not report_path:
        click.echo("  " + tr("... and {count} more; pass --report rejected.csv for all of them").format(
            count=len(plan.rejected) - 10), err=True)
    if report_path is not None:
        report_path.write_text(report_csv(plan), encoding="utf-8-sig", newline="")
        click.echo(tr("rejected rows and conflicts written to {path}").format(path=report_path))
    if plan.of(CONFLICT) or plan.rejected:
        ctx.exit(EXIT_PROBLEMS)


def _suggest(file: Path, kind: str, encoding: str | None) -> None:
    from svcnotes.io.suggest import suggest_mapping
    from svcnotes.io.tabular import read_table

    try:
        table = read_table(file, encoding)
    except (OSError, LookupError, ValueError) as exc:
        fail(tr("{path}: cannot read the file: {error}").format(path=file, error=exc), EXIT_USAGE)
        return
    sample: list[dict[str, object]] = [dict(r.values) for r in table.rows[:200]]
    click.echo(suggest_mapping(table.headers, kind, sample, file.stem), nl=False)


@click.command()
@click.argument("what")
@click.argument("dest", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Output format (default: from the output's suffix, else csv).")
@click.option("--out", type=click.Path(path_type=Path), help="Output file (default: standard output for csv).")
@click.option("--locale", type=click.Choice(["zh-CN", "en"]), default=None,
              help="Language of headers and values (default: organisation.locale).")
@click.option("--period", help="Month (2026-10) or ISO week (2026-W44) for reports that take one.")
@click.option("--include-personal", is_flag=True, help="Also export personal data fields (phones, addresses, reporters).")
@click.option("--allow-invalid", is_flag=True, help="Export even when records have errors (they are listed as warnings).")
@today_option
@click.pass_context
def export(ctx: click.Context, what: str, dest: Path | None, fmt: str | None, out: Path | None, locale: str | None,
           period: str | None, include_personal: bool, allow_invalid: bool, today: Any) -> None:
    """Export a report or record list for reading, or every record (`data`) for editing and re-import.

    Reports: register, monthly, overdue, callbacks, capa, weekly, supervision. Record lists:
    customer-list, complaint-list, callback-list, note-list. Headers and coded values are in one
    language; XLSX is typed and set up for printing. `data OUT.xlsx` (or OUT/, a folder of CSVs)
    holds every field, nested table and body for `svcnotes import OUT.xlsx`. An invalid
    repository is refused (exit 1) unless --allow-invalid.

    Example: svcnotes export register --period 2026-10 --out register-2026-10.xlsx
    """
    from svcnotes.io.export import DATA, UnknownExport, export_sheet, to_csv, to_xlsx

    out = out or dest
    repo = open_repo(ctx)
    if what == DATA:
        _export_data(ctx, repo, out, allow_invalid)
        return
    fmt = fmt or ("xlsx" if out is not None and out.suffix.lower() == ".xlsx" else "csv")
    if fmt == "xlsx" and out is None:
        raise click.UsageError(tr("XLSX needs --out FILE.xlsx"))
    parsed = None
    if period:
        from svcnotes.reports.periods import PeriodError, parse_period

        try:
            parsed = parse_period(period)
        except PeriodError as exc:
            raise click.UsageError(exc_message(exc)) from None
    try:
        snapshot = repo.snapshot()
        sheet = export_sheet(snapshot, repo.config, what, locale or repo.config.locale, parsed,
                             resolve_today(today), include_personal)
    except UnknownExport as exc:
        raise click.UsageError(exc_message(exc)) from None
    _refuse_invalid(ctx, repo, allow_invalid)
    data = to_xlsx(sheet) if fmt == "xlsx" else to_csv(sheet)
    if out is None:
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else click.echo(data.decode("utf-8"), nl=False)
        sys.stdout.flush()
        return
    from svcnotes.io.export import write_file

    write_file(out, data)
    click.echo(ntr("wrote {path} ({count} row)", "wrote {path} ({count} rows)", len(sheet.rows)).format(
        path=out, count=len(sheet.rows)), err=True)


def _refuse_invalid(ctx: click.Context, repo: Any, allow_invalid: bool) -> None:
    """List the records' errors; exit 1 unless --allow-invalid (an export must not hide bad values as blanks)."""
    from svcnotes.workflow.validation import validate_all

    errors = [p for p in validate_all(repo)[0] if p.is_error]
    if not errors:
        return
    label = tr("warning: {message}") if allow_invalid else tr("error: {message}")
    for p in errors:
        click.echo(label.format(message=p.format()), err=True)
    if not allow_invalid:
        click.echo(tr("export refused: {count} error(s) in the records would be written as empty cells; "
                      "fix them (svcnotes validate) or pass --allow-invalid").format(count=len(errors)), err=True)
        ctx.exit(EXIT_PROBLEMS)


def _export_data(ctx: click.Context, repo: Any, out: Path | None, allow_invalid: bool) -> None:
    """`svcnotes export data OUT`: the lossless workbook (OUT.xlsx) or folder of CSVs (OUT/)."""
    from svcnotes.io.data import data_tables, to_data_xlsx, unwritable, write_data_csv
    from svcnotes.io.export import write_file

    if out is None:
        raise click.UsageError(tr("export data needs where to write: svcnotes export data OUT.xlsx (or OUT/ for CSV files)"))
    if out.suffix.lower() == ".csv":
        raise click.UsageError(tr("a data export is several tables: give a folder for the CSV files (e.g. {folder}/) "
                                  "or an .xlsx file").format(folder=out.with_suffix("")))
    _refuse_invalid(ctx, repo, allow_invalid)
    from svcnotes.store import gitops

    head = gitops.git(repo.root, "rev-parse", "HEAD", check=False).strip() if gitops.is_repo(repo.root) else ""
    tables = data_tables(repo.snapshot(), head if len(head) == 40 else "")
    records = sum(len(t.rows) for t in tables if "." not in t.name and not t.name.startswith("_"))
    if out.suffix.lower() in (".xlsx", ".xlsm"):
        bad_cells = unwritable(tables)
        if bad_cells:
            fail(tr("{count} cell(s) cannot be kept exactly in an .xlsx file, e.g. {example}; "
                    "export to a folder of CSV files instead: svcnotes export data {folder}/").format(
                count=len(bad_cells), example=bad_cells[0], folder=out.with_suffix("")))
        write_file(out, to_data_xlsx(tables))
    else:
        write_data_csv(tables, out)
    click.echo(tr("wrote {path}: {records} records in {tables} tables (every field and body; "
                  "edit, then svcnotes import {path})").format(path=out, records=records, tables=len(tables) - 1), err=True)


@click.command()
@click.option("--no-site", is_flag=True, help="Skip the site build check (the slowest).")
@click.option("--fix", is_flag=True, help="First settle half-done writes: roll back or complete a killed command, "
              "commit imported records left uncommitted.")
@format_option("text", "json")
@today_option
@click.pass_context
def doctor(ctx: click.Context, no_site: bool, fix: bool, fmt: str, today: Any) -> None:
    """Check the set-up: git identity is a staff member, config valid, hooks, editor schemas, site builds.

    Each failed check prints its fix. Exit 1 when any check fails.

    Example: svcnotes doctor
    """
    from svcnotes.doctor import fix_interrupted, run_doctor
    from svcnotes.model.message import render

    repo = open_repo(ctx, config_errors=True)  # the doctor reports them as one of its checks
    if fix:
        for line in fix_interrupted(repo, notify=lambda message: click.echo(render(message), err=True)):
            click.echo(tr("fixed: {what}").format(what=render(line)))
        repo.invalidate()
    checks = run_doctor(repo, resolve_today(today), site=not no_site)
    failed = sum(c.failed for c in checks)
    if fmt == "json":
        click.echo(json.dumps({"checks": [c.to_dict() for c in checks], "failed": failed}, ensure_ascii=False, indent=2))
        ctx.exit(EXIT_PROBLEMS if failed else 0)
    from svcnotes.model.text import display_width, fit

    marks = {"ok": tr("ok"), "fail": tr("FAIL"), "skip": tr("skip")}
    width = max(display_width(m) for m in marks.values())
    for check in checks:
        click.echo(f"{fit(marks[check.status], width)}  " + tr("{name}: {detail}").format(name=check.title,
                                                                                   detail=render(check.detail)))
        if check.failed and check.fix:
            click.echo("      " + tr("fix: {fix}").format(fix=render(check.fix)))
    click.echo(tr("{count} problem(s) found").format(count=failed) if failed else tr("everything looks fine"), err=True)
    ctx.exit(EXIT_PROBLEMS if failed else 0)


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell-completion script for bash, zsh or fish (commands, options, record and staff ids).

    Example: svcnotes completion bash > ~/.svcnotes-complete.bash   # then source it from ~/.bashrc
    """
    from click.shell_completion import get_completion_class

    from svcnotes.cli import cli

    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(cli, {}, "svcnotes", "_SVCNOTES_COMPLETE").source())


COMMANDS = [import_, export, doctor, completion]
