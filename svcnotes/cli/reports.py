"""`svcnotes report NAME`: print one of the department's reports (the site renders the same ones)."""

from __future__ import annotations

from typing import Any

import click

from svcnotes.cli.common import EXIT_USAGE, fail, open_repo, resolve_today, today_option

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
            raise click.BadParameter(str(exc)) from None

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
@click.option("--locale", type=click.Choice(["zh-CN", "en"]), default=None, help="Language (default: organisation.locale).")
@click.pass_context
def report(ctx: click.Context, name: str, month: Any, week: Any, today: Any, fmt: str, locale: str | None) -> None:
    """Print a report: register, monthly (客诉案件统计表), overdue, callbacks, capa, weekly (周报),
    supervision (服务监督报告).

    Example: svcnotes report monthly --month 2026-10 --format md
    """
    from svcnotes.reports import REPORTS
    from svcnotes.reports.render import render

    spec = REPORTS[name]
    given = month or week
    if month is not None and week is not None:
        fail("give --month or --week, not both", EXIT_USAGE)
    if given is not None and given.kind != spec.period:
        takes = f"--{spec.period}" if spec.period else "no period"
        fail(f"report '{name}' takes {takes}, not --{given.kind}", EXIT_USAGE)
    repo = open_repo(ctx)
    result = spec.run(repo.snapshot(), repo.config, given, resolve_today(today))
    click.echo(render(result, fmt, locale or repo.config.locale), nl=False)


COMMANDS = [report]
