"""Data in and out, and the set-up around editing: import, export, doctor, completion."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from svcnotes.cli.common import (
    EXIT_PROBLEMS,
    EXIT_USAGE,
    complete_staff_id,
    fail,
    format_option,
    open_repo,
    resolve_today,
    today_option,
)

IMPORT_KINDS = ("complaint", "customer", "callback")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(IMPORT_KINDS), required=True, help="Record kind the rows become.")
@click.option("--map", "mapping_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML column mapping (see docs/import-examples/); default: one suggested from the header.")
@click.option("--dry-run", is_flag=True, help="Plan and report, write nothing.")
@click.option("--encoding", help="Source encoding (utf-8, gb18030, ...); default: detected.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the rejected rows with their reasons to this CSV file.")
@click.option("--suggest-map", is_flag=True, help="Print a starting mapping for FILE's header and stop.")
@click.option("--as", "actor", shell_complete=complete_staff_id,
              help="Staff id recorded as first responder when the mapping names none (default: your git identity).")
@click.option("--no-commit", is_flag=True, help="Write the files but do not commit them.")
@click.option("--resume", is_flag=True, help="Also commit this file's records that are on disk but not committed yet.")
@click.pass_context
def import_(ctx: click.Context, file: Path, kind: str, mapping_path: Path | None, dry_run: bool, encoding: str | None,
            report_path: Path | None, suggest_map: bool, actor: str | None, no_commit: bool, resume: bool) -> None:
    """Import a CSV or XLSX register as records, in one commit; bad rows are reported and skipped.

    The summary accounts for every row (imported, duplicate, rejected). Running the same import
    again imports nothing new; records it wrote but did not commit are reported, and --resume
    commits them. Exit 1 when every row is rejected, or records are left uncommitted.

    Example: svcnotes import 客诉登记.xlsx --kind complaint --map complaints.toml --report rejected.csv
    """
    from svcnotes.io.importer import ImportAborted, ImportOptions, run_import
    from svcnotes.store.repository import Rejected

    if suggest_map:
        _suggest(file, kind, encoding)
        return
    repo = open_repo(ctx)
    try:
        result = run_import(repo, file, kind, mapping_path, dry_run, encoding, report_path,
                            ImportOptions(actor=actor, commit=not no_commit, resume=resume))
    except ImportAborted as exc:
        for p in exc.problems:
            click.echo(f"error: {p.format()}", err=True)
        ctx.exit(EXIT_USAGE)
        return
    except Rejected as exc:
        for p in exc.problems:
            click.echo(f"error: {p.format()}", err=True)
        click.echo("refused: validate would reject these records; nothing imported", err=True)
        ctx.exit(EXIT_PROBLEMS)
        return
    for p in result.problems:
        click.echo(("warning: " if not p.is_error else "error: ") + p.format(), err=True)
    result.command = " ".join(["svcnotes", "import", str(file), "--kind", kind,
                               *(["--map", str(mapping_path)] if mapping_path else []), "--resume"])
    click.echo(result.summary())
    for row in result.plan.rows("rejected")[:10]:
        click.echo(f"  row {row.row}: rejected: {row.reason}", err=True)
    rejected = len(result.plan.rows("rejected"))
    if rejected > 10 and not report_path:
        click.echo(f"  ... and {rejected - 10} more; pass --report rejected.csv for all of them", err=True)
    if (rejected and rejected == len(result.plan.results)) or (result.pending and not result.resumed):
        ctx.exit(EXIT_PROBLEMS)


def _suggest(file: Path, kind: str, encoding: str | None) -> None:
    from svcnotes.io.suggest import suggest_mapping
    from svcnotes.io.tabular import read_table

    try:
        table = read_table(file, encoding)
    except (OSError, LookupError, ValueError) as exc:
        fail(f"{file}: cannot read the file: {exc}", EXIT_USAGE)
        return
    click.echo(suggest_mapping(table.headers, kind, [r.values for r in table.rows[:200]], file.stem), nl=False)


@click.command()
@click.argument("what")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Output format (default: from --out's suffix, else csv).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file (default: standard output for csv).")
@click.option("--locale", type=click.Choice(["zh-CN", "en"]), default=None, help="Header language (default: the config's).")
@click.option("--period", help="Month (2026-10) or ISO week (2026-W44) for reports that take one.")
@click.option("--include-personal", is_flag=True, help="Also export personal data fields (phones, addresses, reporters).")
@today_option
@click.pass_context
def export(ctx: click.Context, what: str, fmt: str | None, out: Path | None, locale: str | None, period: str | None,
           include_personal: bool, today: Any) -> None:
    """Export a report (register, monthly, overdue, ...) or a record kind to CSV (UTF-8 with BOM) or XLSX.

    XLSX cells are typed: dates are dates and amounts are numbers. Headers are localized.

    Example: svcnotes export register --period 2026-10 --out register-2026-10.xlsx
    """
    from svcnotes.io.export import UnknownExport, export_sheet, to_csv, to_xlsx

    repo = open_repo(ctx)
    fmt = fmt or ("xlsx" if out is not None and out.suffix.lower() == ".xlsx" else "csv")
    if fmt == "xlsx" and out is None:
        raise click.UsageError("XLSX needs --out FILE.xlsx")
    parsed = None
    if period:
        from svcnotes.reports.periods import PeriodError, parse_period

        try:
            parsed = parse_period(period)
        except PeriodError as exc:
            raise click.UsageError(str(exc)) from None
    try:
        sheet = export_sheet(repo.snapshot(), repo.config, what, locale or repo.config.locale, parsed,
                             resolve_today(today), include_personal)
    except UnknownExport as exc:
        raise click.UsageError(str(exc)) from None
    data = to_xlsx(sheet) if fmt == "xlsx" else to_csv(sheet)
    if out is None:
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else click.echo(data.decode("utf-8"), nl=False)
        sys.stdout.flush()
        return
    from svcnotes.io.export import write_file

    write_file(out, data)
    click.echo(f"wrote {out} ({len(sheet.rows)} rows)", err=True)


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

    repo = open_repo(ctx, config_errors=True)  # the doctor reports them as one of its checks
    if fix:
        for line in fix_interrupted(repo, notify=lambda message: click.echo(message, err=True)):
            click.echo(f"fixed: {line}")
        repo.invalidate()
    checks = run_doctor(repo, resolve_today(today), site=not no_site)
    failed = sum(c.failed for c in checks)
    if fmt == "json":
        click.echo(json.dumps({"checks": [c.to_dict() for c in checks], "failed": failed}, ensure_ascii=False, indent=2))
        ctx.exit(EXIT_PROBLEMS if failed else 0)
    marks = {"ok": "ok  ", "fail": "FAIL", "skip": "skip"}
    for check in checks:
        click.echo(f"{marks[check.status]}  {check.name}: {check.detail}")
        if check.failed and check.fix:
            click.echo(f"      fix: {check.fix}")
    click.echo(f"{failed} problem(s) found" if failed else "everything looks fine", err=True)
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
