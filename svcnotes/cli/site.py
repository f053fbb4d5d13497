"""`svcnotes build` and `svcnotes serve`: the static internal site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from svcnotes.cli.common import Progress, open_repo, quick_exit, resolve_today, today_option
from svcnotes.i18n import tr
from svcnotes.model.message import exc_message, render

_locale = click.option("--locale", type=click.Choice(["zh-CN", "en"]), default=None,
                       help="Site language (default: organisation.locale in svcnotes.toml).")
_redact = click.option("--redact", is_flag=True,
                       help="A redacted edition: every declared contact name, phone, e-mail, address and reporter is masked "
                            "wherever it appears (bodies, titles, history, search), and every page says so.")
_history = click.option("--no-history", "no_history", is_flag=True, help="Skip the git history timelines (faster).")


def _options(out: str, locale: str | None, redact: bool, today: Any, strict: bool, no_history: bool,
             live_reload: bool = False) -> Any:
    from svcnotes.site.build import BuildOptions

    return BuildOptions(out=Path(out), today=resolve_today(today), locale=locale, redact=redact, strict=strict,
                        history=not no_history, live_reload=live_reload)


def run_build(repo: Any, options: Any) -> int:
    """Build with a progress count on a terminal (stderr); print failures and the summary; return the exit code."""
    from svcnotes.site.build import BuildAborted, build_site
    from svcnotes.store.lock import LockTimeout

    progress = Progress(tr("building pages"))
    options.progress = progress if progress.enabled else None

    def notify(message: str) -> None:
        progress.end()
        click.echo(render(message), err=True)

    options.notify = notify
    try:
        result = build_site(repo, options)
    except (BuildAborted, LockTimeout) as exc:
        progress.end()
        click.echo(tr("error: {message}").format(message=exc_message(exc)), err=True)
        return 1
    progress.end()
    for warning in result.warnings:
        click.echo(tr("warning: {message}").format(message=warning), err=True)
    for failure in result.failures:
        click.echo(tr("error: {message}").format(message=failure.format()), err=True)
    click.echo(tr("Built {pages} pages from {records} records in {seconds} s").format(
        pages=f"{result.pages:,}", records=f"{result.records:,}", seconds=f"{result.seconds:.1f}"))
    return 1 if result.failures and options.strict else 0


@click.command("build")
@click.option("--out", default="site", show_default=True, type=click.Path(file_okay=False), help="Output folder.")
@_locale
@_redact
@today_option
@click.option("--strict", is_flag=True, help="Stop at the first page that fails (exit 1).")
@_history
def build_command(out: str, locale: str | None, redact: bool, today: Any, strict: bool, no_history: bool) -> None:
    """Build the static site from the record repository.

    Example: svcnotes build --out site --locale en --redact
    """
    repo = open_repo()
    out_path = Path(out) if Path(out).is_absolute() else Path.cwd() / out
    quick_exit(run_build(repo, _options(str(out_path), locale, redact, today, strict, no_history)))


@click.command("serve")
@click.option("--port", default=8000, show_default=True, type=int, help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--out", default="site", show_default=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--no-build", is_flag=True, help="Serve the existing output; rebuild only when something changes.")
@_locale
@_redact
@today_option
@_history
def serve_command(port: int, out: str, no_build: bool, locale: str | None, redact: bool, today: Any, no_history: bool) -> None:
    """Serve the site on 127.0.0.1, rebuilding and reloading the browser when records change.

    Example: svcnotes serve --port 8000
    """
    from svcnotes.site.serve import serve
    from svcnotes.store.repository import Repository

    root = open_repo().root
    out_path = Path(out) if Path(out).is_absolute() else Path.cwd() / out
    options = _options(str(out_path), locale, redact, today, False, no_history, live_reload=True)
    # A fresh Repository per rebuild: svcnotes.toml may have changed too.
    serve(Path(root), out_path, port=port, build_first=not no_build,
          rebuild=lambda: run_build(Repository.open(root), options), echo=lambda m: click.echo(m))


COMMANDS = [build_command, serve_command]
