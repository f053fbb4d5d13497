"""`svcnotes demo DIR`: a record repository with a real history, replayed from the bundled records."""

from __future__ import annotations

from pathlib import Path

import click


def bundled_source() -> Path:
    """The bundled demo (svcnotes.toml + records/) of a source checkout: the package's parent folder."""
    import svcnotes

    return Path(svcnotes.__file__).resolve().parent.parent


@click.command("demo")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from", "source", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Replay the records of this repository (default: the bundled demo of a source checkout).")
@click.option("--limit", type=click.IntRange(min=1), help="Replay only the first N complaints (and what belongs to them).")
@click.option("--tz", default="+0800", show_default=True, help="UTC offset of the recorded times.")
def demo(directory: Path, source: Path | None, limit: int | None, tz: str) -> None:
    """Create a record repository in DIRECTORY by replaying the demo records as a year of work.

    Every record arrives through the workflow verbs, committed by the staff member who did it on
    the recorded date; approved resolutions are merged from branches with --no-ff.

    Example: svcnotes demo .demo-repo
    """
    from svcnotes.cli.common import Progress
    from svcnotes.history.replay import ReplayError, replay
    from svcnotes.i18n import tr
    from svcnotes.model.message import exc_message

    source = source or bundled_source()
    if not (source / "svcnotes.toml").is_file() or not (source / "records").is_dir():
        raise click.ClickException(tr("{path} has no svcnotes.toml and records/ to replay; pass --from PATH").format(path=source))

    try:
        with Progress(tr("Replaying")) as progress:
            report = replay(source, directory, limit=limit, tz=tz, progress=progress)
    except ReplayError as exc:
        raise click.ClickException(exc_message(exc)) from None
    for rid, reason in sorted(report.failures.items()):
        click.echo(tr("{id}: written in its final state: {reason}").format(id=rid, reason=reason), err=True)
    click.echo(tr("Replayed {exact} of {records} records in {commits} commits ({merges} merges) in {seconds} s into {path}")
               .format(exact=report.exact, records=report.records, commits=report.commits, merges=report.merges,
                       seconds=f"{report.seconds:.1f}", path=directory))


COMMANDS = [demo]
