"""`svcnotes report NAME`: print one of the department's reports (the site renders the same ones)."""

from __future__ import annotations

from typing import Any

import click

from svcnotes.cli.common import EXIT_USAGE, fail, open_repo, resolve_today, today_option
from svcnotes.i18n import language, tr
from svcnotes.model.message import exc_message

REPORT_NAMES = ("register", "monthly", "overdue", "callbacks", "capa", "weekly", "supervision")


def _period(parse_name: str) -> Any:
    """A click callback turning --month/--week text into a Period (bad text: a usage error)."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        if value is None:
            return None
        from svcnotes.reports import periods

        try:
            return getattr(periods, parse_name)(value)
        except periods.PeriodError as exc:
            raise click.BadParameter(exc_message(exc)) from None

    return callback


@click.command("report")
@click.argument("name", type=click.Choice(REPORT_NAMES))
@click.option("--month", callback=_period("parse_month"), metavar="YYYY-MM",
              help="Month of a monthly report (default: the month containing today).")
@click.option("--week", callback=_period("parse_week"), metavar="YYYY-Www",
              help="ISO week of the weekly report (default: the week containing today).")
@today_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "md"]), default="table", show_default=True,
              help="Output format.")
@click.option("--locale", type=click.Choice(["zh-CN", "en"]), default=None,
              help="Language of the report (default: the language of messages, see --lang).")
@click.pass_context
def report(ctx: click.Context, name: str, month: Any, week: Any, today: Any, fmt: str, locale: str | None) -> None:
    """Print a report: register, monthly (complaint statistics), overdue, callbacks, capa, weekly, supervision.

    Coded values are shown by their labels in tables and Markdown; CSV and JSON keep the codes.

    Example: svcnotes report monthly --month 2026-10 --format md
    """
    from svcnotes.reports import REPORTS
    from svcnotes.reports.render import render

    spec = REPORTS[name]
    given = month or week
    if month is not None and week is not None:
        fail(tr("give --month or --week, not both"), EXIT_USAGE)
    if given is not None and given.kind != spec.period:
        takes = f"--{spec.period}" if spec.period else tr("no period")
        fail(tr("report '{name}' takes {takes}, not --{given}").format(name=name, takes=takes, given=given.kind), EXIT_USAGE)
    repo = open_repo(ctx)
    result = spec.run(repo.snapshot(), repo.config, given, resolve_today(today))
    # words for people follow the language of messages; CSV and JSON (data) stay as organisation.locale has them
    locale = locale or (language() if fmt in ("table", "md") else repo.config.locale)
    if fmt in ("table", "md"):  # words for people; CSV and JSON keep the codes
        from dataclasses import replace

        from svcnotes.cli.render import labelled_rows

        result = replace(result, rows=tuple(labelled_rows(result.columns, result.rows, repo.config, locale)))
    click.echo(render(result, fmt, locale), nl=False)


COMMANDS = [report]
