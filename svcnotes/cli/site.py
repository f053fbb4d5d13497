"""`svcnotes build` and `svcnotes serve`: the static internal site."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from svcnotes.cli.common import open_repo, quick_exit, resolve_today, today_option

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
    """Build with a progress bar on a terminal; print failures and the summary; return the exit code."""
    from svcnotes.site.build import BuildAborted, build_site

    bar = None
    if sys.stdout.isatty():
        bar = click.progressbar(length=1, label="Building", file=sys.stderr)
        bar.__enter__()
        state = {"done": 0}

        def progress(done: int, total: int) -> None:
            bar.length = total  # type: ignore[union-attr]
            bar.update(done - state["done"])  # type: ignore[union-attr]
            state["done"] = done

        options.progress = progress
    try:
        result = build_site(repo, options)
    except BuildAborted as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for failure in result.failures:
        click.echo(f"error: {failure.format()}", err=True)
    click.echo(result.summary())
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
