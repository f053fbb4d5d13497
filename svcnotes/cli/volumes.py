"""`svcnotes volumes`: the monthly shipments, deliveries and service jobs the KPIs divide by."""

from __future__ import annotations

from pathlib import Path

import click

from svcnotes.cli.common import EXIT_PROBLEMS, emit_problems, open_repo
from svcnotes.i18n import tr


@click.group("volumes")
def volumes() -> None:
    """Monthly volumes (records/volumes.csv): shipments, deliveries, service jobs per month."""


@volumes.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", help="Worksheet of an .xlsx file (default: the first).")
@click.option("--no-commit", is_flag=True, help="Write records/volumes.csv but do not commit it.")
@click.option("--allow-dirty", is_flag=True, help="Include uncommitted edits of records/volumes.csv in the commit.")
@click.pass_context
def import_command(ctx: click.Context, file: Path, sheet: str | None, no_commit: bool, allow_dirty: bool) -> None:
    """Merge a spreadsheet's months into records/volumes.csv and commit it; any bad cell refuses the
    whole file (located errors, exit 1, nothing written).

    Example: svcnotes volumes import 出货统计.xlsx
    """
    from svcnotes.io.volumes import VolumeImportRefused, import_volumes
    from svcnotes.workflow.commits import CommitOptions, UncommittedEdits

    repo = open_repo(ctx)
    try:
        done = import_volumes(repo, file, CommitOptions(commit=not no_commit, allow_dirty=allow_dirty), sheet)
    except VolumeImportRefused as exc:
        emit_problems(exc.problems, "text")
        ctx.exit(EXIT_PROBLEMS)
        return
    except UncommittedEdits as exc:
        raise click.ClickException(str(exc)) from None
    for p in done.warnings:
        click.echo(tr("warning: {message}").format(message=p.format()), err=True)
    where = tr(" (commit {commit})").format(commit=done.commit[:10]) if done.commit else ""
    click.echo(tr("{count} month(s) in records/volumes.csv: {months}").format(
        count=len(done.months), months=", ".join(done.months) or tr("none")) + where)


@volumes.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Print the recorded volumes, one month a line (blank: not recorded).

    Example: svcnotes volumes list
    """
    from svcnotes.store.volumes import load_volumes, render_volumes

    repo = open_repo(ctx)
    table = load_volumes(repo.root)
    click.echo(render_volumes(table.months), nl=False)
    if table.problems:
        ctx.exit(emit_problems(list(table.problems), "text"))


COMMANDS = [volumes]
