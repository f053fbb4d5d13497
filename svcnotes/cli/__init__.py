"""The svcnotes command line: click commands that parse, make one core call, and format.

May import anything below it; heavy modules are imported inside commands so --help is fast.
Each area registers its commands in its own module (records, workflow, gitflow, site, io).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from svcnotes import __version__
from svcnotes.cli.language import Group, install_click_messages, translate_tree

AREAS = ("records", "workflow", "callbacks", "gitflow", "site", "transfer", "reports", "volumes", "demo", "editing", "keys")


class TransactionalGroup(Group):
    """Each command runs in one write transaction (store.transaction): all of its writes and commits
    happen, or none; a refused or failed write is one located error line, exit 1, never a traceback.

    The language is chosen before click parses anything, so help pages and click's usage errors
    are in it too."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """One invocation; the language it chose is forgotten when it ends (i18n.command_scope)."""
        from svcnotes import i18n

        with i18n.command_scope():
            return super().main(*args, **kwargs)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: object) -> click.Context:
        from svcnotes import i18n

        lang, repo = _root_options(args)
        i18n.choose(lang or os.environ.get("SVCNOTES_LANG"), repo or os.environ.get("SVCNOTES_REPO") or ".")
        return super().make_context(info_name, args, parent, **extra)  # type: ignore[arg-type]

    def invoke(self, ctx: click.Context) -> object:
        from svcnotes.cli.common import end_progress, transaction_progress
        from svcnotes.model.message import render
        from svcnotes.store import gitops, transaction

        try:
            with transaction.scope(notify=lambda message: click.echo(render(message), err=True),
                                   progress=transaction_progress()):
                return super().invoke(ctx)
        except transaction.TransactionError as exc:
            end_progress()
            from svcnotes.i18n import tr

            click.echo(tr("error: {message}").format(message=exc.problem.format()), err=True)
            raise click.exceptions.Exit(1) from None
        except gitops.GitError as exc:  # a git step outside a write (e.g. reading the index): git's words and a hint
            from svcnotes.cli.common import git_refused

            git_refused(str(exc))
            return None
        finally:
            end_progress()


def _root_options(args: list[str]) -> tuple[str | None, str | None]:
    """--lang and -C/--repo from the words before the command name (click has not parsed them yet)."""
    lang = repo = None
    words = iter(args)
    for word in words:
        name, eq, value = word.partition("=")
        if name in ("--lang", "-C", "--repo") and not eq:
            value = next(words, "")
        elif not (eq and name in ("--lang", "--repo")):
            if word.startswith("-C") and len(word) > 2:
                name, value = "-C", word[2:]
            elif word.startswith("-"):
                continue
            else:
                break
        if name == "--lang":
            lang = value
        else:
            repo = value
    return lang, repo


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

    i18n.choose(lang, repo_path)
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
translate_tree(cli)
install_click_messages()


def main() -> None:
    """Console-script entry point."""
    from svcnotes.cli import common

    common.QUICK_EXIT = True  # a real process, not a test runner: commands may skip the interpreter's teardown
    cli(prog_name="svcnotes")
