"""Commands on deadlines and callbacks: due, overdue, escalations, schedule, callback attempt|done|cancel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from svcnotes.cli.common import EXIT_PROBLEMS, emit_rows, fail, format_option, open_repo, resolve_today, today_option
from svcnotes.i18n import ntr, tr
from svcnotes.model.message import exc_message
from svcnotes.model.schema import ATTEMPT_RESULTS, CHANNELS, SEVERITIES

DEADLINE_COLUMNS = [("kind", "kind"), ("id", "id"), ("flag", "flag"), ("due", "due"), ("days_left", "days_left"),
                    ("status", "status"), ("customer", "customer"), ("owner", "owner"), ("what", "what"),
                    ("paused_days", "paused_days"), ("holds", "holds")]
ESCALATION_COLUMNS = [("id", "id"), ("escalate_to", "escalate_to"), ("since", "since"), ("reason", "reason"),
                      ("severity", "severity"), ("status", "status"), ("due", "due"), ("days_open", "days_open"),
                      ("customer", "customer"), ("owner", "owner"), ("what", "title")]
CALLBACK_COLUMNS = [("id", "id"), ("due", "due"), ("kind", "kind"), ("customer", "customer"), ("project", "project"),
                    ("assigned_to", "assigned_to")]


def _headers(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The columns' headers in the chosen language, for the table on screen (CSV and JSON keep the keys)."""
    words = {"kind": tr("Kind"), "id": tr("No."), "flag": tr("Flag"), "due": tr("Due"), "days_left": tr("Days left"),
             "status": tr("Status"), "customer": tr("Customer"), "owner": tr("Owner"), "what": tr("What"),
             "paused_days": tr("Days paused"), "holds": tr("Holds"), "escalate_to": tr("Escalated to"),
             "since": tr("Since"), "reason": tr("Reason"), "severity": tr("Severity"), "days_open": tr("Days open"),
             "project": tr("Project"), "assigned_to": tr("Assigned to")}
    return [(key, words.get(key, head)) for key, head in columns]


def _on_screen(rows: list[dict[str, Any]], config: Any) -> list[dict[str, Any]]:
    """Deadline, escalation and callback rows with every code as its label in the chosen language."""
    from svcnotes.cli.render import enum_text, shown
    from svcnotes.model.schema import KINDS

    flags = {"due_soon": tr("due soon"), "reply_due": tr("reply due"), "due": tr("callback due"),
             "overdue": tr("overdue"), "promise_unkept": tr("promised reply not kept"),
             "gm": enum_text("escalation", "gm"), "gm_office": enum_text("escalation", "gm_office")}
    out = []
    for row in rows:
        kind = str(row["kind"]) if row.get("kind") in KINDS else "complaint" if "escalate_to" in row else "callback"
        fields = KINDS[kind].by_name
        shown_row = dict(row)
        for key in ("status", "customer", "owner", "severity", "assigned_to", "project"):
            if key in row:
                f = fields.get(key) or (fields.get("assigned_to") if key == "owner" and kind == "callback" else
                                        KINDS["complaint"].by_name.get(key))
                shown_row[key] = shown(kind, f, row[key], config)
        if "flag" in row:
            shown_row["flag"] = flags.get(row["flag"], row["flag"])
        if "escalate_to" in row:
            shown_row["escalate_to"] = enum_text("escalation", row["escalate_to"])
            shown_row["reason"] = (tr("severity: {severity}").format(severity=shown_row.get("severity", ""))
                                   if row["escalate_to"] == "gm" else tr("overdue since {day}").format(day=row.get("since")))
        if row.get("kind") in KINDS:
            shown_row["kind"] = enum_text("kind", row["kind"])
            if row["kind"] == "callback":
                shown_row["what"] = enum_text("callback_kind", row.get("what"))
        elif "kind" in row:  # a callback row of schedule: kind is the callback kind
            shown_row["kind"] = enum_text("callback_kind", row["kind"])
        out.append(shown_row)
    return out


def _emit(rows: list[dict[str, Any]], columns: list[tuple[str, str]], fmt: str, config: Any) -> None:
    if fmt == "table":
        emit_rows(_on_screen(rows, config), _headers(columns), fmt)
    else:
        emit_rows(rows, columns, fmt)


def _no_commit(func: Any) -> Any:
    func = click.option("--no-commit", is_flag=True, help="Write the file but do not commit it.")(func)
    return click.option("--allow-dirty", is_flag=True, help="Include uncommitted edits of the file in the commit.")(func)


def _at_option(func: Any) -> Any:
    return click.option("--at", type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]), default=None,
                        help="When (YYYY-MM-DD HH:MM); default now on --today's date.")(func)


def _when(at: Any, today: Any) -> datetime:
    if at is not None:
        return at
    return datetime.combine(resolve_today(today), datetime.now().time().replace(second=0, microsecond=0))


def _run(action: Callable[[], Any]) -> Any:
    """Run a core call, turning its expected refusals into one `error:` line and exit 1."""
    from svcnotes.store.repository import DirtyRecord, InvalidRecord, NotFound
    from svcnotes.workflow.callbacks import CallbackError
    from svcnotes.workflow.commits import UncommittedEdits, UnknownActor

    try:
        return action()
    except InvalidRecord as exc:
        fail(tr("; ").join(p.format().replace("<repository>: ", "") for p in exc.problems), EXIT_PROBLEMS)
    except (CallbackError, NotFound, UnknownActor, UncommittedEdits, DirtyRecord) as exc:
        fail(exc_message(exc), EXIT_PROBLEMS)


def _options(no_commit: bool, allow_dirty: bool) -> Any:
    from svcnotes.workflow.commits import CommitOptions

    return CommitOptions(commit=not no_commit, allow_dirty=allow_dirty)


def _deadline_command(name: str, doc: str) -> click.Command:
    @click.pass_context
    def command(ctx: click.Context, today: Any, fmt: str) -> None:
        from svcnotes.workflow import deadlines

        repo = open_repo(ctx)
        snap, day = repo.snapshot(), resolve_today(today)
        if name == "escalations":
            rows = deadlines.escalation_rows(snap.records["complaint"], repo.config, day)
            _emit(rows, ESCALATION_COLUMNS, fmt, repo.config)
            return
        build = deadlines.due_rows if name == "due" else deadlines.overdue_rows
        _emit(build(snap.records["complaint"], snap.records["callback"], repo.config, day), DEADLINE_COLUMNS, fmt,
              repo.config)

    command = format_option("table", "csv", "json", default="table")(command)
    return click.command(name, help=doc)(today_option(command))


due = _deadline_command("due", """Complaints due soon (limit within deadlines.due_soon_days, or a promised reply
falling due) and callbacks due, as of --today.

Example: svcnotes due --today 2026-10-12""")
overdue = _deadline_command("overdue", """What is late: complaints past their limit, promised reply times passed
unkept (whatever the status), callbacks past due; on-hold pauses are shown.

Example: svcnotes overdue --today 2026-11-30 --format csv""")
escalations = _deadline_command("escalations", """Open escalations: major and critical complaints to the general
manager from registration, overdue complaints to the GM office.

Example: svcnotes escalations --today 2026-11-30""")


@click.command()
@click.option("--through", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Create callbacks due up to this date.")
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Create callbacks due from this date (default: --today).")
@today_option
@_no_commit
@format_option("table", "csv", "json", default="table")
@click.pass_context
def schedule(ctx: click.Context, through: Any, since: Any, today: Any, no_commit: bool, allow_dirty: bool,
             fmt: str) -> None:
    """Create the periodic callbacks of delivered projects (monthly in year one, quarterly after) and the
    next-year-needs callbacks, due up to --through. Running it twice creates nothing new.

    Example: svcnotes schedule --through 2026-12-31
    """
    from svcnotes.workflow.callbacks import schedule as run

    repo = open_repo(ctx)
    created = _run(lambda: run(repo, through.date(), resolve_today(today), _options(no_commit, allow_dirty),
                               since.date() if since else None))
    _emit([{"id": r.id, **r.data} for r in created], CALLBACK_COLUMNS, fmt, repo.config)
    click.echo(ntr("{count} callback created", "{count} callbacks created", len(created)).format(count=len(created)),
               err=True)


@click.group()
def callback() -> None:
    """Work a callback: attempt, done, cancel."""


@callback.command()
@click.argument("record_id")
@click.option("--result", type=click.Choice(ATTEMPT_RESULTS), required=True, help="How the attempt went.")
@_at_option
@click.option("--note", default="", help="What happened.")
@today_option
@_no_commit
@click.pass_context
def attempt(ctx: click.Context, record_id: str, result: str, at: Any, note: str, today: Any, no_commit: bool,
            allow_dirty: bool) -> None:
    """Log a contact attempt; enough no_answer/busy attempts at different times of day make the callback
    unreachable and hand it to another rep.

    Example: svcnotes callback attempt CB-2611-003 --result no_answer --at "2026-11-10 09:30"
    """
    from svcnotes.workflow.callbacks import attempt as run

    repo = open_repo(ctx)
    before = _run(lambda: repo.callbacks.get(record_id))
    record = _run(lambda: run(repo, record_id, result, _when(at, today), note, _options(no_commit, allow_dirty)))
    from svcnotes.cli.render import enum_text, shown
    from svcnotes.model.schema import KINDS

    line = tr("{id}: attempt logged: {result} ({count} in all)").format(
        id=record.id, result=enum_text("attempt_result", result), count=len(record.get("attempts", [])))
    if record.status != before.status:
        line += tr("; {before} → {after}").format(before=enum_text("callback_status", before.status),
                                                  after=enum_text("callback_status", record.status))
        if record.get("assigned_to") != before.get("assigned_to"):
            line += tr(", handed over to {person}").format(
                person=shown("callback", KINDS["callback"].by_name["assigned_to"], record.get("assigned_to"), repo.config))
    click.echo(line)


@callback.command()
@click.argument("record_id")
@click.option("--channel", type=click.Choice(CHANNELS), default="phone", show_default=True)
@click.option("--satisfaction", type=click.IntRange(1, 5), default=None, help="1 (very dissatisfied) to 5.")
@click.option("--comments", default="", help="The customer's comments (required at satisfaction 2 or below).")
@click.option("--follow-up", is_flag=True, help="Follow-up is needed.")
@click.option("--open-complaint", is_flag=True, help="Open a linked complaint for the customer in the same commit.")
@click.option("--title", default=None, help="Title of the complaint --open-complaint opens.")
@click.option("--category", default=None, help="Category of that complaint (default: other).")
@click.option("--severity", type=click.Choice(SEVERITIES), default=None, help="Severity of that complaint (default: normal).")
@_at_option
@today_option
@_no_commit
@click.pass_context
def done(ctx: click.Context, record_id: str, channel: str, satisfaction: int | None, comments: str, follow_up: bool,
         open_complaint: bool, title: str | None, category: str | None, severity: str | None, at: Any, today: Any,
         no_commit: bool, allow_dirty: bool) -> None:
    """Record a completed callback: channel, satisfaction and comments.

    Example: svcnotes callback done CB-2611-003 --satisfaction 2 --comments "交期又延误" --open-complaint
    """
    from svcnotes.workflow.callbacks import done as run

    repo = open_repo(ctx)
    extra = {"title": title, "category": category, "severity": severity} if open_complaint else None
    record = _run(lambda: run(repo, record_id, channel, satisfaction, comments, follow_up, at=_when(at, today),
                              today=resolve_today(today), open_complaint=extra,
                              options=_options(no_commit, allow_dirty)))
    line = tr("{id}: done").format(id=record.id)
    if record.get("follow_up_complaint"):
        line += tr("; opened complaint {id}").format(id=record.get("follow_up_complaint"))
    click.echo(line)


@callback.command()
@click.argument("record_id")
@click.option("--reason", required=True, help="Why the callback is cancelled.")
@_no_commit
@click.pass_context
def cancel(ctx: click.Context, record_id: str, reason: str, no_commit: bool, allow_dirty: bool) -> None:
    """Cancel a scheduled or unreachable callback, with a reason.

    Example: svcnotes callback cancel CB-2611-003 --reason "客户已停产"
    """
    from svcnotes.workflow.callbacks import cancel as run

    repo = open_repo(ctx)
    record = _run(lambda: run(repo, record_id, reason, _options(no_commit, allow_dirty)))
    click.echo(tr("{id}: cancelled").format(id=record.id))


COMMANDS = (due, overdue, escalations, schedule, callback)
