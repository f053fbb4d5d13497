"""Commands for editors: the language server (`svcnotes lsp`) and the loop of `svcnotes validate --watch`."""

from __future__ import annotations

from typing import Any

import click

from svcnotes.cli.common import emit_problems, open_repo, resolve_today
from svcnotes.i18n import tr


@click.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the default; accepted because "
                                            "some editors always pass it).")
def lsp(stdio: bool) -> None:
    """Run the svcnotes language server: problems and completion in record front matter as you type.

    Your editor starts it and talks to it over stdin/stdout (see docs/editors.md). Problems are
    the ones `svcnotes validate` reports, for the unsaved text; completion offers field names,
    statuses, severities, categories, departments, staff and record ids.

    Example: svcnotes lsp
    """
    from svcnotes.editing.server import serve

    serve()


def watch_validate(ctx: click.Context, paths: list[str] | None, fmt: str, strict: bool, today: Any) -> None:
    """Validate now and again after every change to a record or svcnotes.toml, until Ctrl-C.

    Each run is framed by the begin and end lines the VS Code task's problem matcher waits for.
    """
    from svcnotes.editing.watch import changes
    from svcnotes.store.editor import WATCH_BEGIN, WATCH_END
    from svcnotes.workflow.validation import only_paths, validate_all

    batches = changes(open_repo(ctx, config_errors=True).root)
    next(batches, None)  # watching from now on: an edit saved during a run starts the next one
    while True:
        click.echo(WATCH_BEGIN)
        repo = open_repo(ctx, config_errors=True)  # svcnotes.toml may have changed
        all_problems, count = validate_all(repo, resolve_today(today))
        problems = only_paths(all_problems, paths)
        emit_problems(problems, fmt, strict, summary=False)
        errors = len([p for p in problems if p.is_error or strict])
        click.echo(WATCH_END.format(errors=errors, warnings=len(problems) - errors, records=count)
                   + tr(" (Ctrl-C stops)"))
        if next(batches, None) is None:  # Ctrl-C
            return


COMMANDS = [lsp]
