"""Workflow commands: transition, assign, investigate, propose, approve, resolve, close, reject,
reopen, capa add|done|verify, handover, hold, resume. Each parses, makes one svcnotes.workflow.verbs call, prints.

Exit 1 when the verb is refused (a guard failed, uncommitted edits, unknown git identity, no such
record); exit 2 on bad option values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from svcnotes.cli.common import EXIT_PROBLEMS, EXIT_USAGE, open_repo, resolve_today, today_option
from svcnotes.i18n import tr
from svcnotes.model.message import exc_message


def verb_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--no-commit, --allow-dirty and --today, shared by every verb."""
    func = click.option("--no-commit", is_flag=True, help="Write the file but leave committing to you.")(func)
    func = click.option("--allow-dirty", is_flag=True, help="Include uncommitted edits of the record file in the commit.")(func)
    return today_option(func)


@contextmanager
def refusals(ctx: click.Context, record_id: str = "") -> Iterator[None]:
    """Turn the verbs' domain errors into a clear message and exit status."""
    from svcnotes.store.gitops import GitError
    from svcnotes.store.repository import DirtyRecord, InvalidRecord, NotFound, Rejected
    from svcnotes.workflow.commits import UncommittedEdits, UnknownActor
    from svcnotes.workflow.states import InvalidTransition

    try:
        yield
    except (InvalidTransition, Rejected) as exc:
        click.echo(tr("error: {id}: refused").format(id=record_id), err=True)
        for p in exc.problems:
            click.echo(p.format(), err=True)
        ctx.exit(EXIT_PROBLEMS)
    except InvalidRecord as exc:
        for p in exc.problems:
            click.echo(tr("error: {message}").format(message=p.format().replace('<repository>: ', '')), err=True)
        ctx.exit(EXIT_USAGE)
    except (NotFound, UncommittedEdits, UnknownActor, DirtyRecord, GitError) as exc:
        click.echo(tr("error: {message}").format(message=exc_message(exc)), err=True)
        ctx.exit(EXIT_PROBLEMS)


def _run(ctx: click.Context, record_id: str, verb: str, *args: Any, no_commit: bool = False,
         allow_dirty: bool = False, today: Any = None, typed: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """Open the repository, coerce `typed` option text by the schema, call verbs.<verb>, report."""
    from svcnotes.workflow import verbs
    from svcnotes.workflow.commits import CommitOptions
    from svcnotes.workflow.intake import coerce_inputs

    repo = open_repo(ctx)
    options = CommitOptions(commit=not no_commit, allow_dirty=allow_dirty)
    with refusals(ctx, record_id):
        if typed is not None:
            args = (*args, coerce_inputs("complaint", {k: v for k, v in typed.items() if v is not None}, repo.config))
        outcome = getattr(verbs, verb)(repo, record_id, *args, options=options, today=resolve_today(today), **kwargs)
        click.echo(outcome.subject + (f"  [{outcome.commit[:10]}]" if outcome.commit else "  " + tr("(not committed)")))
        for extra in outcome.created:
            click.echo(tr("created {path}").format(path=f"{extra.id}  {extra.path}"))
        return outcome


@click.command("transition")
@click.argument("record_id")
@click.argument("state")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE", help="Set a field on the way (repeatable).")
@verb_options
@click.pass_context
def transition_cmd(ctx: click.Context, record_id: str, state: str, sets: tuple[str, ...], **opts: Any) -> None:
    """Move a complaint to STATE, checking that state's guards.

    Example: svcnotes transition C-2611-007 investigating
    """
    bad = [s for s in sets if "=" not in s]
    if bad:
        raise click.UsageError(tr("--set {value}: write FIELD=VALUE").format(value=bad[0]))
    typed = dict(s.split("=", 1) for s in sets)
    _run(ctx, record_id, "transition_to", state, typed=typed, **opts)


@click.command()
@click.argument("record_id")
@click.option("--to", "to", required=True, help="Staff id who takes the case.")
@click.option("--note", default="", help="Why (default: 'assigned by <you>').")
@verb_options
@click.pass_context
def assign(ctx: click.Context, record_id: str, to: str, note: str, **opts: Any) -> None:
    """Assign a complaint to a staff member (recorded as a hand-over).

    Example: svcnotes assign C-2611-007 --to li.na
    """
    _run(ctx, record_id, "assign", to, note=note, **opts)


@click.command()
@click.argument("record_id")
@verb_options
@click.pass_context
def investigate(ctx: click.Context, record_id: str, **opts: Any) -> None:
    """Start investigating a registered complaint (registered → investigating).

    Example: svcnotes investigate C-2611-007
    """
    _run(ctx, record_id, "investigate", **opts)


@click.command()
@click.argument("record_id")
@click.option("--cause-class", type=click.Choice(["quality", "non_quality"]),
              help="Cause class: quality (a quality defect) or non_quality.")
@click.option("--cause-analysis", help="Cause analysis.")
@click.option("--responsible-dept", help="Responsible department (department id).")
@click.option("--countermeasure", help="Countermeasure.")
@click.option("--resolution", help="Resolution: return, rework, exchange, allowance, compensation, repair, explanation.")
@click.option("--amount", help="Amount of the complaint's loss, e.g. 4800 or 350.50.")
@click.option("--currency", help="Currency (default from svcnotes.toml).")
@click.option("--improvement-tracked", type=click.Choice(["true", "false"]), help="Track CAPA (default: true for quality causes).")
@verb_options
@click.pass_context
def propose(ctx: click.Context, record_id: str, no_commit: bool, allow_dirty: bool, today: Any, **values: Any) -> None:
    """Propose the handling and amount (→ proposed).

    Example: svcnotes propose C-2611-007 --cause-class quality --cause-analysis '模具磨损' --responsible-dept manufacturing
    --countermeasure '更换模具' --resolution allowance --amount 4800
    """
    _run(ctx, record_id, "propose", typed=values, no_commit=no_commit, allow_dirty=allow_dirty, today=today)


@click.command()
@click.argument("record_id")
@verb_options
@click.pass_context
def approve(ctx: click.Context, record_id: str, **opts: Any) -> None:
    """Approve the proposed resolution and amount as yourself (your role must cover it; not your own proposal).

    Example: svcnotes approve C-2611-007
    """
    _run(ctx, record_id, "approve", **opts)


@click.command()
@click.argument("record_id")
@click.option("--told-via", required=True, help="How the customer was told: phone, email, visit, letter, web, on_site.")
@click.option("--result", required=True, help="The result: what the customer was told.")
@click.option("--told-at", help="When (YYYY-MM-DD HH:MM; default now).")
@click.option("--customer-reply", help="The reply to the customer (checked for forbidden phrases).")
@click.option("--resolution-letter", help="The resolution letter (checked for forbidden phrases).")
@verb_options
@click.pass_context
def resolve(ctx: click.Context, record_id: str, no_commit: bool, allow_dirty: bool, today: Any, **values: Any) -> None:
    """Record that the customer was told the result (→ resolved); creates the post-resolution callback.

    Example: svcnotes resolve C-2611-007 --told-via phone --result '同意折让 4800 元'
    """
    _run(ctx, record_id, "resolve", typed=values, no_commit=no_commit, allow_dirty=allow_dirty, today=today)


@click.command()
@click.argument("record_id")
@click.option("--accepted/--not-accepted", default=None, help="Did the customer accept the result?")
@click.option("--callback-waived", metavar="REASON", help="Close without the post-resolution callback, for this reason.")
@verb_options
@click.pass_context
def close(ctx: click.Context, record_id: str, accepted: bool | None, callback_waived: str | None, **opts: Any) -> None:
    """Close a resolved complaint.

    Example: svcnotes close C-2611-007 --accepted
    """
    if accepted is None:
        raise click.UsageError(tr("say whether the customer accepted: --accepted or --not-accepted"))
    _run(ctx, record_id, "close", accepted, callback_waived, **opts)
    if not accepted:
        click.echo(tr("The customer did not accept: open a new complaint with: svcnotes reopen {id}").format(id=record_id))


@click.command()
@click.argument("record_id")
@click.option("--reason", required=True, help="Why the complaint is groundless (not established).")
@verb_options
@click.pass_context
def reject(ctx: click.Context, record_id: str, reason: str, **opts: Any) -> None:
    """End a groundless complaint as not established.

    Example: svcnotes reject C-2611-007 --reason '客户使用不当，非产品问题'
    """
    _run(ctx, record_id, "reject", reason, **opts)


@click.command()
@click.argument("record_id")
@click.option("--note", default="", help="Why the customer did not accept.")
@verb_options
@click.pass_context
def reopen(ctx: click.Context, record_id: str, note: str, **opts: Any) -> None:
    """Open a NEW complaint that reopens a closed or not_established one (the original stays as it is).

    Example: svcnotes reopen C-2611-007 --note '客户不接受折让金额'
    """
    _run(ctx, record_id, "reopen", note=note, **opts)


@click.command()
@click.argument("record_id")
@click.option("--to", "to", required=True, help="Staff id who takes the case over.")
@click.option("--note", required=True, help="The written hand-over: state of the case, what is promised.")
@verb_options
@click.pass_context
def handover(ctx: click.Context, record_id: str, to: str, note: str, **opts: Any) -> None:
    """Hand a case you own over to someone else, in writing (the first-responder rule).

    Example: svcnotes handover C-2611-007 --to li.na --note '已答复客户周五前给方案'
    """
    _run(ctx, record_id, "handover", to, note, **opts)


@click.group()
def capa() -> None:
    """Corrective and preventive actions (CAPA): add, done, verify."""


@capa.command("add")
@click.argument("record_id")
@click.option("--action", required=True, help="The action.")
@click.option("--owner", required=True, help="Staff id responsible.")
@click.option("--due", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Due date YYYY-MM-DD.")
@verb_options
@click.pass_context
def capa_add(ctx: click.Context, record_id: str, action: str, owner: str, due: Any, **opts: Any) -> None:
    """Add a CAPA to a complaint.

    Example: svcnotes capa add C-2611-007 --action '模具点检纳入日检' --owner zhao.min --due 2026-12-15
    """
    _run(ctx, record_id, "capa_add", action, owner, due.date(), **opts)


@capa.command("done")
@click.argument("record_id")
@click.argument("number", type=click.IntRange(min=1))
@verb_options
@click.pass_context
def capa_done(ctx: click.Context, record_id: str, number: int, **opts: Any) -> None:
    """Mark CAPA NUMBER (1 = first) done.

    Example: svcnotes capa done C-2611-007 1
    """
    _run(ctx, record_id, "capa_done", number, **opts)


@capa.command("verify")
@click.argument("record_id")
@click.argument("number", type=click.IntRange(min=1))
@verb_options
@click.pass_context
def capa_verify(ctx: click.Context, record_id: str, number: int, **opts: Any) -> None:
    """Verify CAPA NUMBER is effective (quality department only).

    Example: svcnotes capa verify C-2611-007 1
    """
    _run(ctx, record_id, "capa_verify", number, **opts)


@click.command()
@click.argument("record_id")
@click.option("--reason", required=True, help="What the case waits for (e.g. the customer is still testing).")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day of the hold (default today).")
@verb_options
@click.pass_context
def hold(ctx: click.Context, record_id: str, reason: str, start: Any, **opts: Any) -> None:
    """Put a complaint on hold while it waits on the customer: the deadline clock pauses (at most deadlines.max_hold_days).

    Example: svcnotes hold C-2611-007 --reason '客户加工中未确定'
    """
    _run(ctx, record_id, "hold", reason, start=start.date() if start else None, **opts)


@click.command()
@click.argument("record_id")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day of the hold (default today).")
@verb_options
@click.pass_context
def resume(ctx: click.Context, record_id: str, end: Any, **opts: Any) -> None:
    """End the running hold of a complaint: the deadline clock runs again.

    Example: svcnotes resume C-2611-007
    """
    _run(ctx, record_id, "resume", end=end.date() if end else None, **opts)


COMMANDS = [transition_cmd, assign, investigate, propose, approve, resolve, close, reject, reopen, handover, capa, hold,
            resume]
