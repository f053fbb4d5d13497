"""Commands on git history and pull requests: history, log, register --as-of, check --base,
pr-summary, renumber, audit, ci-setup, hooks."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from svcnotes.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    emit_rows,
    fail,
    format_option,
    jsonable,
    open_repo,
    resolve_today,
    today_option,
)
from svcnotes.i18n import explicit, language, normalise, ntr, tr
from svcnotes.model.message import exc_message


def _event_json(event: Any, config: Any) -> dict[str, Any]:
    from svcnotes.history.queries import staff_of

    return {"commit": event.sha, "author": event.author, "email": event.email, "staff": staff_of(event.email, config),
            "date": event.date.isoformat(), "subject": event.subject, "trailers": event.trailers,
            "pr": event.pr or None, "pr_subject": event.pr_subject or None, "action": event.action,
            "id": event.record_id, "path": event.path, "old_path": event.old_path or None,
            "changes": [{"field": c.field, "old": jsonable(c.old), "new": jsonable(c.new)} for c in event.changes],
            "approvals": [jsonable(a) for a in event.approvals_added]}


def _current(repo: Any, record_id: str) -> Any:
    """The record now holding `record_id` (its own file when the id names one; else via aliases)."""
    from svcnotes.model.schema import kind_of_id
    from svcnotes.store.repository import read_record

    kind = kind_of_id(record_id, repo.config.prefixes)
    if kind is not None:
        try:
            path = repo.store(kind).path_for(record_id)
        except (IndexError, ValueError):
            path = ""
        if path and (repo.root / path).is_file():
            record, _ = read_record(repo.root, path, repo.config)
            if record is not None and record.id == record_id:
                return record
    return repo.snapshot().find(record_id)


def _paths_of(repo: Any, record_id: str, current: Any) -> list[str]:
    """Every file a record may have had: its current file, its former numbers' files, the file of `record_id`."""
    from posixpath import dirname, join

    from svcnotes.model.schema import kind_of_id

    paths: list[str] = []
    if current is not None:
        paths.append(current.path)
        paths += [join(dirname(current.path), f"{alias}.md") for alias in current.data.get("aliases") or ()]
    kind = kind_of_id(record_id, repo.config.prefixes)
    if kind is not None:
        try:
            paths.append(repo.store(kind).path_for(record_id))
        except (IndexError, ValueError):
            pass
    return paths


@click.command()
@click.argument("record_id")
@format_option("text", "json")
@click.option("--no-cache", is_flag=True, help="Ignore and do not write .svcnotes-cache/history/.")
@click.pass_context
def history(ctx: click.Context, record_id: str, fmt: str, no_cache: bool) -> None:
    """A record's timeline from git: who changed which field, when, in which commit and PR.

    Follows renumbering: a former number (alias) finds the record too.

    Example: svcnotes history C-2611-007
    """
    from svcnotes.history.log import record_history

    repo = open_repo(ctx)
    current = _current(repo, record_id)
    found = record_history(repo.root, repo.config, record_id, current.path if current else None,
                           _paths_of(repo, record_id, current), use_cache=not no_cache)
    if not found.events:
        fail(tr("no history for '{id}' (not committed yet, or no such record)").format(id=record_id), EXIT_USAGE)
    events, ids = found.events, found.ids
    if fmt == "json":
        click.echo(json.dumps({"id": current.id if current else record_id, "ids": ids,
                               "events": [_event_json(e, repo.config) for e in events]}, ensure_ascii=False, indent=2))
        return
    shown_id = current.id if current else record_id
    others = [i for i in ids if i != shown_id]
    click.echo(shown_id + (tr(" (also: {ids})").format(ids=", ".join(others)) if len(ids) > 1 else ""))
    for line in history_lines(events, repo.config):
        click.echo(line)


def _action(action: str) -> str:
    return {"created": tr("created"), "changed": tr("changed"), "renamed": tr("renumbered"),
            "deleted": tr("deleted")}.get(action, action)


def history_lines(events: list[Any], config: Any) -> Iterable[str]:
    """A record's events, oldest first, as the chosen language reads them: one heading per commit, then
    each change as a sentence with labels and names (the sentences of the site's timelines)."""
    from svcnotes.history.queries import staff_of
    from svcnotes.site.forms import Formatter
    from svcnotes.site.timeline import event_entries

    lang = language()
    fmt = Formatter(lang, config)

    def name_of(author: str, email: str) -> str:
        staff = staff_of(email, config)
        return fmt.staff(staff) if staff else author

    for event in events:
        entry = event_entries(event.kind, [event], lang, author_name=name_of, fmt=fmt)[0]
        who = staff_of(event.email, config) or event.email
        pr = "  " + tr("[PR {pr}: {subject}]").format(pr=event.pr[:10], subject=event.pr_subject) if event.pr else ""
        yield ""
        yield f"{event.date:%Y-%m-%d %H:%M}  {event.sha[:10]}  {event.author} <{event.email}> ({who})  {_action(event.action)}{pr}"
        yield f"    {event.subject}"
        if event.action == "renamed":
            yield "    " + tr("renumbered: {old} -> {new}").format(old=event.old_path, new=event.path)
        for change, said in zip([c for c in event.changes if event.action != "created"], entry["changes"], strict=False):
            yield f"    {said['text']}"
            if change.field == "body":
                yield from (f"      - {line}" for line in change.old[:5])
                yield from (f"      + {line}" for line in change.new[:5])


class _Counted:
    """A history whose iter_events() reports how many commits it has read (log's progress)."""

    def __init__(self, history: Any, progress: Any, total: int) -> None:
        self._history, self._progress, self._total = history, progress, total

    def __getattr__(self, name: str) -> Any:
        return getattr(self._history, name)

    def iter_events(self, *args: Any) -> Iterable[Any]:
        last, done = None, 0
        for event in self._history.iter_events(*args):
            if event.sha != last:
                last, done = event.sha, done + 1
                self._progress(min(done, self._total), self._total)
            yield event


def _ending(rows: Iterable[dict[str, Any]], progress: Any) -> Iterable[dict[str, Any]]:
    yield from rows
    progress.end()


@click.command("log")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Commits on or after this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Commits on or before this day.")
@click.option("--author", default="", help="Staff id, git name or e-mail.")
@click.option("--kind", type=click.Choice(["customer", "complaint", "callback", "note"]), help="Only this record kind.")
@click.option("--field", "field_name", default="", help="Only changes of this field (e.g. status, amount, approvals).")
@click.option("--record", default="", help="Only this record (id or former number).")
@format_option("text", "json", "csv")
@click.pass_context
def log_command(ctx: click.Context, since: Any, until: Any, author: str, kind: str | None, field_name: str,
                record: str, fmt: str) -> None:
    """Audit query across every record's history.

    Example (every status change by zhang.wei in October):
    svcnotes log --author zhang.wei --field status --since 2026-10-01 --until 2026-10-31
    """
    import sys

    from svcnotes.cli.common import Progress
    from svcnotes.history.log import HistoryIndex, open_log
    from svcnotes.history.queries import LogFilter, query
    from svcnotes.store import gitops

    repo = open_repo(ctx)
    history: Any = open_log(repo.root, repo.config) or HistoryIndex()
    progress = Progress(tr("reading history"))
    progress.enabled = progress.enabled and (fmt == "text" or not sys.stdout.isatty())  # streamed rows own a terminal
    if progress.enabled:
        counted = gitops.git(repo.root, "rev-list", "--count", "HEAD", check=False).strip()
        history = _Counted(history, progress, int(counted) if counted.isdigit() else 0)
    rows: Iterable[dict[str, Any]] = query(history, LogFilter(since.date() if since else None,
                                                              until.date() if until else None, author,
                                                              kind or "", field_name, record), repo.config)
    columns = [("date", "date"), ("commit", "commit"), ("staff", "staff"), ("record", "record"),
               ("action", "action"), ("field", "field"), ("old", "old"), ("new", "new"), ("pr", "pr")]
    rows = _ending(rows, progress)
    if fmt == "text":
        rows = [_log_row(r, field_name, repo.config) for r in rows]
        columns = [(key, head) for (key, _), head in zip(columns, (
            tr("Date"), tr("Commit"), tr("Staff"), tr("Record"), tr("Action"), tr("Field"), tr("Before"), tr("After"),
            tr("PR")), strict=True)]
    else:
        columns += [("author", "author"), ("email", "email"), ("subject", "subject")]
    emit_rows(rows, columns, fmt, max_col=50)


def _log_row(row: dict[str, Any], field_name: str, config: Any) -> dict[str, Any]:
    """One `svcnotes log` row on screen: the action, fields and values in the chosen language."""
    from svcnotes.cli.render import shown
    from svcnotes.model.schema import KINDS

    fields = KINDS[row["kind"]].by_name if row.get("kind") in KINDS else {}
    lang = language()

    def label(name: str) -> str:
        f = fields.get(name.split("[", 1)[0].split(".", 1)[0])
        return f.label(lang) + name[len(f.name):] if f is not None else name

    out = {**row, "action": _action(row["action"]), "staff": row["staff"] or row["email"],
           "field": ", ".join(label(name.strip()) if name.strip() != "..." else "..."
                              for name in str(row.get("field") or "").split(",") if name.strip())}
    if field_name:
        f = fields.get(str(row.get("field")))
        out["old"] = shown(row["kind"], f, row["old"], config) if f is not None else _plain(row["old"])
        out["new"] = shown(row["kind"], f, row["new"], config) if f is not None else _plain(row["new"])
    else:
        out["old"] = out["new"] = ""
    return out


def _plain(value: Any) -> str:
    from svcnotes.history.diff import show

    return show(value)


@click.command("register")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Rebuild the register as it stood on the current branch at the end of this day.")
@format_option("text", "json", "csv")
@click.pass_context
def register_command(ctx: click.Context, as_of: Any, fmt: str) -> None:
    """The complaint tracking register as it stood at the end of a day, from git.

    Example: svcnotes register --as-of 2026-09-30
    """
    from svcnotes.history.queries import snapshot_as_of
    from svcnotes.reports.complaints import tracking_register
    from svcnotes.store import gitops

    repo = open_repo(ctx)
    day = as_of.date()
    snap, sha = snapshot_as_of(repo.root, repo.config, day)
    if sha is None:
        branch = gitops.git(repo.root, "symbolic-ref", "--short", "-q", "HEAD", check=False).strip()
        where = tr("on {branch}").format(branch=branch) if branch else tr("on the checked-out commit (no branch)")
        fail(tr("nothing was committed {where} by the end of {day}").format(where=where, day=day), EXIT_USAGE)
    report = tracking_register(snap, repo.config, None, day)
    locale = language()
    if fmt == "text":
        click.echo(tr("{title} — as of {day} (commit {commit})").format(title=report.title(locale), day=day,
                                                                         commit=sha[:10]))
    columns = [(c.key, c.header(locale) if fmt == "text" else c.key) for c in report.columns]
    rows = [{k: (v(locale) if callable(v) and not isinstance(v, type) else v) for k, v in r.items()} for r in report.rows]
    if fmt == "text":
        from svcnotes.cli.render import labelled_rows

        rows = labelled_rows(report.columns, rows, repo.config, locale)
    emit_rows(rows, columns, fmt, max_col=24)


def _annotation(problem: Any) -> str:
    level = "error" if problem.is_error else "warning"
    where = f"file={problem.path}" if problem.path else ""
    if problem.path and problem.line:
        where += f",line={problem.line}"
    # machine formats stay English, like --format json
    text = problem.format("en").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level} {where},title={problem.code}::{text}" if where else f"::{level} title={problem.code}::{text}"


def _code_quality(problem: Any) -> dict[str, Any]:
    """One problem as a GitLab Code Quality issue (the merge request widget shows it on the line)."""
    import hashlib

    path = problem.path or "svcnotes.toml"
    text = problem.format("en")
    return {"description": text, "check_name": problem.code,
            "fingerprint": hashlib.sha256(f"{problem.code}|{path}|{problem.field}|{problem.message}".encode()).hexdigest(),
            "severity": "major" if problem.is_error else "minor",
            "location": {"path": path, "lines": {"begin": problem.line or 1}}}


@click.command()
@click.option("--base", "base_ref", required=True, help="The branch the PR merges into, e.g. origin/main.")
@format_option("text", "json", "github", "gitlab")
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@today_option
@click.pass_context
def check(ctx: click.Context, base_ref: str, fmt: str, strict: bool, today: Any) -> None:
    """The PR gate: validate HEAD, then judge every record the PR changes against the merge base.

    Fails on illegal transitions, edits of closed records, deleted records, numbers colliding with
    the base, approvals not committed by the approver (or lacking role or authority, or by the
    proposer) and approvals the PR voids. Prints GitHub Actions annotations when GITHUB_ACTIONS=true;
    --format gitlab prints a GitLab Code Quality report (JSON).
    Exit 0 when clean, 1 on errors, 2 on a usage or configuration error.

    Example: svcnotes check --base origin/main
    """
    from svcnotes.cli.common import emit_problems
    from svcnotes.history.gate import BadBase, check_pr

    repo = open_repo(ctx)
    try:
        problems, pr = check_pr(repo, base_ref, today=resolve_today(today))
    except BadBase as exc:
        fail(exc_message(exc), EXIT_USAGE)
        return
    if fmt == "text" and os.environ.get("GITHUB_ACTIONS") == "true":
        fmt = "github"
    if fmt == "github":
        for p in problems:
            click.echo(_annotation(p))
        status = EXIT_PROBLEMS if any(p.is_error or strict for p in problems) else EXIT_OK
    elif fmt == "gitlab":
        click.echo(json.dumps([_code_quality(p) for p in problems], ensure_ascii=False, indent=2))
        status = EXIT_PROBLEMS if any(p.is_error or strict for p in problems) else EXIT_OK
    else:
        status = emit_problems(problems, fmt, strict)
    if fmt not in ("json", "gitlab"):
        from svcnotes.doctor import mode_message

        click.echo(ntr("checked {count} changed record against {base} (merge base {commit})",
                       "checked {count} changed records against {base} (merge base {commit})", len(pr.records)).format(
            count=len(pr.records), base=base_ref, commit=pr.merge_base[:10]), err=True)
        click.echo(str(mode_message(pr.config or repo.config, pr.policy_source)), err=True)
    if any(p.code.startswith("C") and p.is_error for p in problems):
        status = EXIT_USAGE
    ctx.exit(status)


@click.command("pr-summary")
@click.option("--base", "base_ref", required=True, help="The branch the PR merges into, e.g. origin/main.")
@click.pass_context
def pr_summary_command(ctx: click.Context, base_ref: str) -> None:
    """A Markdown summary of the PR for a review comment: records, transitions, amounts, approvals needed.

    Written in --lang, else in the repository's organisation.locale.

    Example: svcnotes pr-summary --base origin/main > summary.md
    """
    from svcnotes.history.gate import BadBase, check_pr
    from svcnotes.history.summary import pr_summary

    repo = open_repo(ctx)
    try:
        problems, pr = check_pr(repo, base_ref)
    except BadBase as exc:
        fail(exc_message(exc), EXIT_USAGE)
        return
    config = pr.config or repo.config
    # a comment for the team: --lang, else the repository's language (not the CI runner's LANG)
    lang = explicit() or normalise(config.locale) or normalise(repo.config.locale) or "en"
    click.echo(pr_summary(pr, problems, config, lang), nl=False)


@click.command()
@click.argument("record_id")
@click.option("--no-commit", is_flag=True, help="Rename and rewrite, but leave committing to you.")
@click.pass_context
def renumber(ctx: click.Context, record_id: str, no_commit: bool) -> None:
    """Move a record to the next free number (its old number stays as an alias) and update references.

    Use it when `svcnotes check` reports that another branch already took the number. One commit.

    Example: svcnotes renumber C-2611-008
    """
    from svcnotes.history.renumber import CannotRenumber
    from svcnotes.history.renumber import renumber as do_renumber
    from svcnotes.store.repository import Rejected

    repo = open_repo(ctx)
    try:
        done = do_renumber(repo, record_id, commit=not no_commit)
    except CannotRenumber as exc:
        fail(exc_message(exc), EXIT_USAGE)
        return
    except Rejected as exc:
        fail(tr("{problems}; nothing renumbered").format(problems="; ".join(p.format() for p in exc.problems)),
             EXIT_PROBLEMS)
        return
    click.echo(f"{done.old_id} -> {done.new_id}  {done.path}")
    for path in done.references:
        click.echo("  " + tr("reference updated: {path}").format(path=path))
    if done.commit:
        click.echo(tr("committed {commit}").format(commit=done.commit[:10]), err=True)


@click.command()
@format_option("text", "json")
@click.pass_context
def audit(ctx: click.Context, fmt: str) -> None:
    """Replay main's history and report every rule breach that ever landed, with commit, PR and actor.

    Each change is judged by the svcnotes.toml that held when it landed: illegal transitions, edits of
    closed records, deletions, forged approvals (signed mode: by signature), what merge commits changed
    beyond their parents, policy changes without an admin. Exit 1 when anything was found.

    Example: svcnotes audit
    """
    from svcnotes.doctor import mode_message
    from svcnotes.history.audit import audit_repository

    repo = open_repo(ctx)
    result = audit_repository(repo.root, repo.config)
    findings = result.findings
    if fmt == "json":
        mode = "signed" if result.signed else "unsigned"
        click.echo(json.dumps([{**p.to_dict(), "commit": None, "landed_in": None, "direct_push": None, "actor": None,
                                "mode": mode} for p in result.problems]
                              + [{**f.problem.to_dict(), "commit": f.commit, "landed_in": f.landed_in,
                                  "direct_push": f.direct, "actor": f.actor, "mode": mode} for f in findings],
                              ensure_ascii=False, indent=2))
    else:
        for p in result.problems:
            click.echo(p.format())
        for f in findings:
            click.echo(f.problem.format())
        click.echo(ntr("{count} finding in the history of {name}", "{count} findings in the history of {name}",
                       len(findings)).format(count=len(findings), name=repo.root.name), err=True)
        click.echo(str(mode_message(replace(repo.config, signed_approvals=result.signed), tr("svcnotes.toml at HEAD"))),
                   err=True)
    failed = any(f.problem.is_error for f in findings) or any(p.is_error for p in result.problems)
    ctx.exit(EXIT_PROBLEMS if failed else EXIT_OK)


@click.command("ci-setup")
@click.option("--force", is_flag=True, help="Replace CI files that a person edited, too.")
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing; exit 1 when a generated file (CODEOWNERS, workflows, the install lock) is out of date.")
@click.option("--wheelhouse", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the dependency wheels pip downloads for hashing here (e.g. a local mirror).")
@click.pass_context
def ci_setup(ctx: click.Context, force: bool, check_only: bool, wheelhouse: Path | None) -> None:
    """Write the CI files: workflows running the PR gate, CODEOWNERS, pre-commit config, and CI's install lock.

    The lock is .svcnotes/ci/: a wheel of this svcnotes and a hash-locked requirements file (dependency
    hashes via pip download). Files svcnotes wrote are regenerated (CODEOWNERS follows the staff
    directory); files a person edited are kept unless --force. See docs/ci.md.

    Example: svcnotes ci-setup
    """
    from svcnotes.history.ci_files import stale_ci_files, write_ci_files, write_lock
    from svcnotes.history.ci_lock import LockFailed, build_lock

    repo = open_repo(ctx)
    if check_only:
        from svcnotes.doctor import ci_finding

        stale = stale_ci_files(repo.root, repo.config)
        for what in stale:
            click.echo(tr("{what}: run svcnotes ci-setup and commit the result").format(what=ci_finding(what)))
        ctx.exit(EXIT_PROBLEMS if stale else EXIT_OK)
    written = write_ci_files(repo.root, repo.config, force)
    try:
        written += write_lock(repo.root, build_lock(wheelhouse))
    except LockFailed as exc:
        for item in written:
            click.echo(_written(item))
        fail(tr("could not lock CI's dependencies: pip download said: {error} "
                "(pip needs its package index, or PIP_FIND_LINKS/PIP_NO_INDEX for a local wheelhouse)").format(error=exc))
    for item in written:
        click.echo(_written(item))


def _written(item: Any) -> str:
    """One line of ci-setup's report: what it did to a file."""
    return {"created": tr("created {path}"), "updated": tr("updated {path}"), "replaced": tr("replaced {path}"),
            "kept": tr("kept {path}"), "unchanged": tr("unchanged {path}"),
            "removed": tr("removed {path}")}[item.action].format(path=item.path)


@click.group()
def hooks() -> None:
    """Plain git hooks for people who don't use pre-commit.

    Example: svcnotes hooks install
    """


@hooks.command("install")
@click.option("--force", is_flag=True, help="Replace a pre-commit hook not written by svcnotes.")
@click.pass_context
def hooks_install(ctx: click.Context, force: bool) -> None:
    """Install .git/hooks/pre-commit running `svcnotes validate`.

    Example: svcnotes hooks install
    """
    from svcnotes.history.ci_files import HookExists, install_hooks

    repo = open_repo(ctx)
    try:
        written = install_hooks(repo.root, force)
    except HookExists as exc:
        fail(exc_message(exc), EXIT_USAGE)
        return
    for path in written:
        click.echo(tr("installed {path}").format(path=path))


COMMANDS = [history, log_command, register_command, check, pr_summary_command, renumber, audit, ci_setup, hooks]
