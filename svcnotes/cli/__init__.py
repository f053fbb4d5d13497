"""The svcnotes command line: click commands that parse, make one core call, and format.

May import anything below it; heavy modules are imported inside commands so --help is fast.
Each area registers its commands in its own module (records, workflow, gitflow, site, io).
"""

from __future__ import annotations

import importlib

import click

from svcnotes import __version__

AREAS = ("records", "workflow", "callbacks", "gitflow", "site", "transfer", "reports", "volumes", "demo", "editing", "keys")


class TransactionalGroup(click.Group):
    """Each command runs in one write transaction (store.transaction): all of its writes and commits
    happen, or none; a refused or failed write is one located error line, exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from svcnotes.store import gitops, transaction

        try:
            with transaction.scope(notify=lambda message: click.echo(message, err=True)):
                return super().invoke(ctx)
        except transaction.TransactionError as exc:
            from svcnotes.i18n import tr

            click.echo(tr("error: {message}").format(message=exc.problem.format()), err=True)
            raise click.exceptions.Exit(1) from None
        except gitops.GitError as exc:  # a git step outside a write (e.g. reading the index): git's words and a hint
            from svcnotes.cli.common import git_refused

            git_refused(str(exc))
            return None


@click.group(cls=TransactionalGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="svcnotes")
@click.option("-C", "--repo", "repo_path", default=".", envvar="SVCNOTES_REPO", type=click.Path(file_okay=False),
              help="Record repository (default: the current folder or a parent with svcnotes.toml).")
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default=None, envvar="SVCNOTES_LANG",
              help="Language of messages (default: LANG when it names zh or en, else organisation.locale).")
@click.pass_context
def cli(ctx: click.Context, repo_path: str, lang: str | None) -> None:
    """svcnotes: customer-service records (customers, complaints, callbacks, notes) as Markdown in git."""
    from svcnotes import i18n

    i18n.choose(lang)
    ctx.ensure_object(dict)
    ctx.obj["repo_path"] = repo_path


for _area in AREAS:
    try:
        _module = importlib.import_module(f"svcnotes.cli.{_area}")
    except ModuleNotFoundError as exc:  # an area not built yet
        if exc.name != f"svcnotes.cli.{_area}":
            raise
        continue
    for _command in getattr(_module, "COMMANDS", ()):
        cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    from svcnotes.cli import common

    common.QUICK_EXIT = True  # a real process, not a test runner: commands may skip the interpreter's teardown
    cli(prog_name="svcnotes")
