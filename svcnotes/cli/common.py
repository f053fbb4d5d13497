"""Shared CLI plumbing: opening the repository, --today, output of problems and rows."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

import click

from svcnotes.i18n import tr, use_repository_locale
from svcnotes.model.message import exc_message, render
from svcnotes.model.text import display_width, fit

if TYPE_CHECKING:
    from svcnotes.model.problems import Problem
    from svcnotes.store.repository import Repository

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def open_repo(ctx: click.Context | None = None, config_errors: bool = False) -> Repository:
    """The Repository for the command's -C/--repo (exit 2 with a hint when there is none).

    An error in svcnotes.toml ends the command with exit 2, every bad key printed with its line
    (`config_errors=True` leaves them to the caller, as `validate` reports them with the rest)."""
    from svcnotes.store.repository import NotARepository, Repository

    ctx = ctx or click.get_current_context()
    path = (ctx.find_root().obj or {}).get("repo_path", ".")
    try:
        repo = Repository.open(path)
    except NotARepository as exc:
        raise click.UsageError(tr("{problem}; run 'svcnotes init DIR' or pass -C DIR").format(problem=exc_message(exc))) from None
    use_repository_locale(repo.config.locale)
    errors = [p for p in repo.config_problems if p.is_error]
    if errors and not config_errors:
        click.echo("\n".join(tr("error: {message}").format(message=p.format()) for p in errors), err=True)
        click.echo(tr("{count} error(s) in svcnotes.toml; fix them first (see docs/config.md)").format(count=len(errors)),
                   err=True)
        ctx.exit(EXIT_USAGE)
    _settle_interrupted(repo)
    return repo


def _settle_interrupted(repo: Repository) -> None:
    """Complete or roll back what a killed write command left (store.transaction), saying which."""
    from svcnotes.store import transaction

    if transaction.pending(repo.root) is None:
        return
    try:
        transaction.recover(repo.root, notify=lambda message: click.echo(render(message), err=True))
    except transaction.TransactionError as exc:
        click.echo(tr("warning: {message}").format(message=exc.problem.format()), err=True)


def today_option(func: Any) -> Any:
    """--today D (default: $SVCNOTES_TODAY, else the real date) for time-dependent commands."""
    return click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
                        help="Pretend today is this date (YYYY-MM-DD); default $SVCNOTES_TODAY or today.")(func)


def resolve_today(value: Any) -> date:
    """The effective 'today' from --today, SVCNOTES_TODAY or the clock."""
    if value is not None:
        return value.date()
    env = os.environ.get("SVCNOTES_TODAY")
    if env:
        try:
            return date.fromisoformat(env)
        except ValueError:
            raise click.UsageError(tr("SVCNOTES_TODAY='{value}' is not a date; write YYYY-MM-DD").format(value=env)) from None
    return date.today()


def format_option(*choices: str, default: str = "text") -> Any:
    """--format with the given choices."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                        help="Output format.")


def emit_problems(problems: Sequence[Problem], fmt: str, strict: bool = False, summary: bool = True) -> int:
    """Print problems as text lines or JSON; return the exit status they imply."""
    errors = [p for p in problems if p.is_error or strict]
    if fmt == "json":
        click.echo(json.dumps({"problems": [p.to_dict() for p in problems], "errors": len(errors),
                               "warnings": len(problems) - len([p for p in problems if p.is_error])},
                              ensure_ascii=False, indent=2))
    else:
        if problems:  # one write: echoing line by line flushes once per problem
            click.echo("\n".join(p.format() if p.is_error else "warning: " + p.format() for p in problems))
        if summary:
            warnings = len([p for p in problems if not p.is_error])
            click.echo(tr("{errors} error(s), {warnings} warning(s)").format(
                errors=len([p for p in problems if p.is_error]), warnings=warnings), err=True)
    return EXIT_PROBLEMS if errors else EXIT_OK


def cell(value: Any) -> str:
    """A value as table/CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        from svcnotes.model.fields import render_scalar

        return render_scalar(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def emit_rows(rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]], fmt: str, max_col: int = 40) -> None:
    """Print rows as an aligned table (CJK-aware), CSV or JSON. columns = [(key, header)].

    JSON and CSV are written row by row as `rows` yields them (the same text as one json.dumps of
    the whole list), so a long query never holds every row in memory."""
    if fmt == "json":
        keys = [(k, "    " + _json_str(k) + ": ") for k, _ in columns]
        out: list[str] = []
        size = 0
        for r in rows:
            item = _json_row([(head, _jsonable(r.get(k))) for k, head in keys])
            out.append(("[\n  " if not out and not size else ",\n  ") + item)
            if len(out) >= 512:
                size += len(out)
                click.echo("".join(out), nl=False)
                out.clear()
        click.echo("".join(out) + ("[]" if not out and not size else "\n]"))
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([h for _, h in columns])
        for r in rows:
            writer.writerow([cell(r.get(k)) for k, _ in columns])
            if buf.tell() > 1 << 16:
                click.echo(buf.getvalue(), nl=False)
                buf.seek(0)
                buf.truncate()
        click.echo(buf.getvalue(), nl=False)
        return
    rows = list(rows)
    texts = [[_on_screen(r.get(k)) for k, _ in columns] for r in rows]
    widths = [min(max([display_width(h)] + [display_width(t[i]) for t in texts]), max_col) for i, (_, h) in enumerate(columns)]
    click.echo("  ".join(fit(h, w) for (_, h), w in zip(columns, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for t in texts:
        click.echo("  ".join(fit(v, w) for v, w in zip(t, widths, strict=True)).rstrip())
    if not rows:
        click.echo(tr("(none)"), err=True)


def _on_screen(value: Any) -> str:
    """A table cell for people: booleans in the chosen language (CSV keeps yes/no)."""
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    return cell(value)


_json_str = json.encoder.encode_basestring  # type: ignore[attr-defined]  # what json.dumps(ensure_ascii=False) uses


def _json_row(items: list[tuple[str, Any]]) -> str:
    """One row as json.dumps(row, ensure_ascii=False, indent=2) writes it inside a list (indented
    by 2); flat rows of text, whole numbers, booleans and nulls without the general encoder."""
    parts = []
    for head, v in items:
        if v is None:
            parts.append(head + "null")
        elif v is True:
            parts.append(head + "true")
        elif v is False:
            parts.append(head + "false")
        elif type(v) is str:
            parts.append(head + _json_str(v))
        elif type(v) is int:
            parts.append(head + int.__repr__(v))
        else:
            text = json.dumps(v, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            parts.append(head + text)
    return "{\n" + ",\n".join(parts) + "\n  }" if parts else "{}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    return value


class Progress:
    """The one progress display of the command line: `label 1,200/6,623` redrawn in place on stderr
    for a long command, only when stderr is a terminal (silent in pipes, CI logs and tests).

    The API other code relies on (keep it small and stable):

        progress = Progress(tr("reading rows"))   # enabled=None: when stderr is a terminal
        progress(done, total)                    # the core calls this as it goes; total 0: not known
        progress.end()                           # or leave a `with Progress(...)` block

    Every Progress draws on the same stderr line: a later one (the write transaction's
    'writing files', see transaction_progress) overwrites an earlier one, and `end()` of any
    finishes the line so what follows starts on its own."""

    def __init__(self, label: str, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = _stderr_is_terminal() if enabled is None else enabled
        self.shown = -1

    def __call__(self, done: int, total: int = 0) -> None:
        if not self.enabled or total < 0:
            return
        if total == 0:  # how many is not known: a count, redrawn at most every 100
            if done // 100 != self.shown or _LINE["owner"] is not self:
                self.shown = done // 100
                self._draw(f"{self.label} {done:,}")
            return
        step = max(1, total // 100)
        if done == total or done // step != self.shown or _LINE["owner"] is not self:
            self.shown = done // step
            self._draw(f"{self.label} {done:,}/{total:,}")

    def _draw(self, text: str) -> None:
        width = display_width(text)
        pad = " " * max(0, _LINE["width"] - width)  # a shorter text than the last one wipes its tail
        click.echo(f"\r{text}{pad}", err=True, nl=False)
        _LINE["width"], _LINE["owner"] = width, self

    def end(self) -> None:
        """Finish the line (if anything was drawn) so the summary starts on its own."""
        end_progress()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()


_LINE: dict[str, Any] = {"width": 0, "owner": None}


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def end_progress() -> None:
    """Finish the progress line if one is drawn (every command's end does, see svcnotes.cli)."""
    if _LINE["width"]:
        click.echo("", err=True)
    _LINE["width"], _LINE["owner"] = 0, None


def transaction_progress() -> Callable[[str, int, int], None]:
    """A progress hook for one command's write transaction (store.transaction.ProgressHook), drawn as a Progress."""
    bars: dict[str, Progress] = {}

    def hook(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = Progress(tr("committing files") if stage == "commit" else tr("writing files"))
        bars[stage](done, total)

    return hook


def jsonable(value: Any) -> Any:
    """Typed values (Decimal, dates) as JSON-ready data."""
    return _jsonable(value)


def fail(message: str, code: int = EXIT_PROBLEMS) -> NoReturn:
    """Print an error to stderr and exit with `code`."""
    click.echo(tr("error: {message}").format(message=message), err=True)
    sys.exit(code)




def git_refused(message: str) -> NoReturn:
    """A git step outside a write failed (a write's refusal is store.transaction's G006 line): print git's own
    message and what to do, exit 1 (never a traceback)."""
    lines = [line for line in message.splitlines() if line.strip()] or ["git failed without a message"]
    hint = tr("hint: git (or a git hook, such as svcnotes' pre-commit validation) stopped it; "
              "fix what git says above, then run the command again. See what is pending with: git status")
    click.echo("\n".join([tr("error: git failed:"), *(f"  {line}" for line in lines), hint]), err=True)
    sys.exit(EXIT_PROBLEMS)


def _completion_repo(ctx: click.Context) -> Repository | None:
    """The repository for shell completion, or None (completion must never fail or print)."""
    from svcnotes.store.repository import Repository

    try:
        return Repository.open((ctx.find_root().params or {}).get("repo_path") or os.environ.get("SVCNOTES_REPO") or ".")
    except Exception:  # noqa: BLE001 - no repository here: complete nothing
        return None


def complete_record_id(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """shell_complete callback: record ids (complaints, callbacks, notes, customers) starting with `incomplete`."""
    repo = _completion_repo(ctx)
    if repo is None:
        return []
    from svcnotes.model.schema import FOLDER_KIND

    ids = []
    for rel in repo.record_files():
        stem = rel.rsplit("/", 1)[-1][:-3]
        if stem.startswith(incomplete) and rel.split("/")[1] in FOLDER_KIND:
            ids.append(stem)
    return sorted(ids)[:200]


def complete_staff_id(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """shell_complete callback: staff ids from svcnotes.toml, with the person's name as help."""
    from click.shell_completion import CompletionItem

    repo = _completion_repo(ctx)
    if repo is None:
        return []
    return [CompletionItem(s.id, help=s.name) for s in repo.config.staff.values() if s.id.startswith(incomplete)]


QUICK_EXIT = False  # set by the console entry point only (never under click's CliRunner)


def quick_exit(code: int) -> None:
    """Exit with `code`; in a real `svcnotes` process without the teardown of every object.

    A large build leaves a few hundred thousand objects whose one-by-one release took longer
    than a small rebuild. Call it only when every file is written and closed: stdout and stderr
    are flushed, atexit handlers and finalizers do not run."""
    if QUICK_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
