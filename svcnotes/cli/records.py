"""Commands on records: init, new, validate, list, show, schema, fix-encoding."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from svcnotes.cli.common import (
    EXIT_PROBLEMS,
    EXIT_USAGE,
    complete_record_id,
    complete_staff_id,
    emit_problems,
    emit_rows,
    fail,
    format_option,
    open_repo,
    resolve_today,
    today_option,
)
from svcnotes.cli.language import Option
from svcnotes.i18n import language, tr
from svcnotes.model.message import exc_message
from svcnotes.model.schema import KINDS

PLURALS = {"customers": "customer", "complaints": "complaint", "callbacks": "callback", "notes": "note"}


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="客户服务部", help="Organisation name shown on the site.")
@click.option("--locale", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True,
              help="organisation.locale: the language of the site, exports and messages.")
@click.option("--branch", default="main", show_default=True, help="Name of the default branch of a new git repository.")
@click.option("--no-ci-lock", is_flag=True, help="Skip CI's install lock (needs pip's index); `svcnotes ci-setup` writes it later.")
def init(path: Path, name: str, locale: str, branch: str, no_ci_lock: bool) -> None:
    """Create a record repository ready for its first push, which `svcnotes doctor` calls healthy.

    A git repository on --branch, svcnotes.toml, records/ folders, .gitignore, editor schemas and settings,
    the pre-commit hook, CI files with their install lock, and a first commit (when git knows who you are).

    Example: svcnotes init ~/acme-service
    """
    from svcnotes.scaffold import initialise
    from svcnotes.store.init import AlreadyInitialised

    try:
        done = initialise(path, name, locale, branch, lock=not no_ci_lock)
    except AlreadyInitialised as exc:
        fail(tr("{error}; nothing changed").format(error=exc_message(exc)), EXIT_USAGE)
        return
    for item in done.created:
        click.echo(tr("created {path}").format(path=item))
    if done.commit:
        click.echo(tr("committed {commit} on {branch}").format(commit=done.commit[:10], branch=branch))
    for warning in done.warnings:
        click.echo(tr("warning: {message}").format(message=warning), err=True)
    click.echo(tr("Next: edit {config} (staff directory), then: svcnotes -C {path} new customer ...").format(
        config=path / "svcnotes.toml", path=path))


@click.command()
@click.argument("paths", nargs=-1)
@format_option("text", "json")
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("--watch", is_flag=True, help="Keep running: check again whenever a record or svcnotes.toml changes (Ctrl-C stops).")
@click.option("--staged", is_flag=True, help="Check what is staged for the next commit, not the working files (git hooks).")
@click.option("--only", "only_codes", default=None, metavar="CODES",
              help="Report only these problem codes or code prefixes, comma-separated (e.g. E409 for forbidden phrases).")
@today_option
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str, strict: bool, watch: bool, staged: bool,
             only_codes: str | None, today: Any) -> None:
    """Check every record (or only PATHS) and report every problem with file, line, code and hint.

    Exit 0 when clean, 1 when errors were found, 2 on a usage or configuration error.

    Example: svcnotes validate records/complaints/2026
    """
    from svcnotes.workflow.validation import only_paths, validate_all

    if watch:
        from svcnotes.cli.editing import watch_validate

        watch_validate(ctx, list(paths) or None, fmt, strict, today)
        return
    repo = open_repo(ctx, config_errors=True)
    if staged:
        from svcnotes.store.repository import Repository
        from svcnotes.store.staged import staged_tree

        with staged_tree(repo.root) as tree:
            all_problems, count = validate_all(repo if tree == repo.root else Repository(tree), resolve_today(today))
    else:
        all_problems, count = validate_all(repo, resolve_today(today))
    problems = only_paths(all_problems, list(paths) or None)
    if only_codes:
        wanted = tuple(code.strip() for code in only_codes.split(",") if code.strip())
        problems = [p for p in problems if p.code.startswith(wanted) or p.code.startswith("C")]  # config errors always
    status = emit_problems(problems, fmt, strict, summary=bool(problems))
    if any(p.code.startswith("C") and p.is_error for p in problems):
        status = EXIT_USAGE
    if fmt == "text" and not problems:
        click.echo(tr("{count} records, no problems").format(count=count), err=True)
    ctx.exit(status)


def _new_command(kind_name: str) -> click.Command:
    kind = KINDS[kind_name]

    @click.pass_context
    def command(ctx: click.Context, edit: bool, body: str | None, no_commit: bool, today: Any, **values: Any) -> None:
        from svcnotes.model.problems import Problem
        from svcnotes.store.repository import InvalidRecord, Rejected
        from svcnotes.workflow.commits import CommitOptions, UnknownActor, current_actor
        from svcnotes.workflow.intake import coerce_inputs, create_record, defaults, missing_required

        repo = open_repo(ctx)
        raw = {k: v for k, v in values.items() if v is not None}
        try:
            actor = current_actor(repo).id
        except UnknownActor:
            actor = None
        day = resolve_today(today)
        try:
            typed = coerce_inputs(kind_name, raw, repo.config)
            start = {**defaults(kind_name, typed, repo.config, day, actor), **typed}
            if sys.stdin.isatty():
                for name in missing_required(kind_name, start):
                    f = kind.by_name[name]
                    answer = click.prompt(f"{f.label(language())} (--{name.replace('_', '-')})")
                    typed.update(coerce_inputs(kind_name, {name: answer}, repo.config))
            record = create_record(repo, kind_name, typed, body or "", day, actor, CommitOptions(commit=not no_commit))
        except InvalidRecord as exc:
            for p in exc.problems:
                click.echo(tr("error: {message}").format(message=Problem.format(p).replace('<repository>: ', '')), err=True)
            if isinstance(exc, Rejected):
                click.echo(tr("refused: validate would reject this record; nothing written or committed"), err=True)
            ctx.exit(EXIT_PROBLEMS if isinstance(exc, Rejected) else EXIT_USAGE)
            return
        click.echo(f"{record.id}  {record.path}")
        if edit:
            click.edit(filename=str(repo.root / record.path))

    params: list[click.Parameter] = []
    for f in kind.fields:
        if f.type in ("objects",) or (f.name == "id" and kind.year_folders):
            continue
        params.append(FieldOption([f"--{f.name.replace('_', '-')}", f.name], default=None, field=f))
    params += [
        click.Option(["--body"], default=None, help="Markdown body text."),
        click.Option(["--edit"], is_flag=True, help="Open the new file in $EDITOR."),
        click.Option(["--no-commit"], is_flag=True, help="Write the file but do not commit it."),
    ]
    command = today_option(command)
    return click.Command(kind_name, callback=command, params=params + command.__click_params__,  # type: ignore[attr-defined]
                         help=NEW_HELP[kind_name])


class FieldOption(Option):
    """An option of `svcnotes new KIND` for one schema field: its help is the field's label in the
    chosen language (the schema holds both) and the codes it takes."""

    dynamic_help = True  # not a catalogue entry: the labels come from the schema

    def __init__(self, decls: list[str], field: Any, **attrs: Any) -> None:
        super().__init__(decls, **attrs)
        self.field = field

    @property
    def help(self) -> str | None:
        f = self.__dict__.get("field")
        if f is None:
            return self.__dict__.get("help")
        text = f.label(language()) + (f" ({', '.join(f.choices)})" if f.choices else "")
        return text + (tr("; comma-separated") if f.type == "list" else "")

    @help.setter
    def help(self, value: str | None) -> None:
        self.__dict__["help"] = value


NEW_HELP = {
    "complaint": """Create a complaint. Missing required fields are prompted for on a terminal.

    Example: svcnotes new complaint --customer hengda-auto --title '支架尺寸超差' --category product_quality --severity major --channel phone""",
    "customer": """Create a customer. Missing required fields are prompted for on a terminal.

    Example: svcnotes new customer --id hengda-auto --name 恒达汽车零部件有限公司 --tier key""",
    "callback": """Create a callback. Missing required fields are prompted for on a terminal.

    Example: svcnotes new callback --customer hengda-auto --kind periodic --due 2026-12-01""",
    "note": """Create a service note. Missing required fields are prompted for on a terminal.

    Example: svcnotes new note --customer hengda-auto --kind call_in --summary '询问交期'""",
}


@click.group()
def new() -> None:
    """Create a record: svcnotes new complaint|customer|callback|note [options].

    Example: svcnotes new complaint --customer hengda-auto --title '支架尺寸超差' --category product_quality
    """


for _kind in KINDS:
    new.add_command(_new_command(_kind))


def _filters(record: Any, status: str | None, customer: str | None, category: str | None, severity: str | None,
             owner: str | None, since: Any, until: Any) -> bool:
    data = record.data
    day = next((data.get(k) for k in ("received_at", "due", "at", "since") if data.get(k)), None)
    day = day.date() if day is not None and hasattr(day, "hour") else day
    return ((not status or record.status in status.split(","))
            and (not customer or data.get("customer") == customer)
            and (not category or data.get("category") == category)
            and (not severity or data.get("severity") in severity.split(","))
            and (not owner or owner in (data.get("owner"), data.get("first_responder"), data.get("assigned_to"),
                                        data.get("author"), data.get("account_owner")))
            and (not since or (day is not None and day >= since.date()))
            and (not until or (day is not None and day <= until.date())))


DERIVED_LABELS = {"due_date": ("最迟结案", "Due"), "overdue": ("逾期", "Overdue")}  # the site's record.limit, record.overdue

def _check_filter_values(kind: str, filters: dict[str, Any], config: Any) -> None:
    """A filter value no record can have is a typo: say so (exit 2) instead of listing nothing."""
    from svcnotes.model.problems import did_you_mean

    fields = KINDS[kind].by_name
    for name in ("status", "category", "severity"):
        if not filters.get(name) or name not in fields:
            continue
        f = fields[name]
        allowed = config.choices(f.choices_from) if f.choices_from else f.choices
        for value in filters[name].split(","):
            if value not in allowed:
                en = language() == "en"
                raise click.BadParameter(tr("'{value}' is not a {kind} {field} ({hint})").format(
                    value=value, field=f.label("en").lower() if en else f.label("zh-CN"),
                    kind=KINDS[kind].label("en").lower() if en else KINDS[kind].label("zh-CN"),
                    hint=did_you_mean(value, allowed)), param_hint=f"--{name}")


COLUMNS = {
    "complaint": ["id", "status", "received_at", "customer", "category", "severity", "owner", "title"],
    "customer": ["id", "name", "tier", "region", "industry", "account_owner", "agreement_end"],
    "callback": ["id", "status", "due", "kind", "customer", "complaint", "assigned_to", "satisfaction"],
    "note": ["id", "at", "kind", "customer", "author", "summary"],
}


@click.command("list")
@click.argument("kind", type=click.Choice(sorted([*PLURALS, *PLURALS.values()])))
@click.option("--status", help="Only these statuses (comma-separated).")
@click.option("--customer", help="Only this customer id.")
@click.option("--category", help="Only this category.")
@click.option("--severity", help="Only these severities (comma-separated).")
@click.option("--owner", help="Only records owned/assigned/authored by this staff id.", shell_complete=complete_staff_id)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Received/due/at on or after this date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Received/due/at on or before this date.")
@click.option("--overdue", is_flag=True, help="Only overdue complaints/callbacks (see --today).")
@today_option
@format_option("table", "csv", "json", default="table")
@click.pass_context
def list_records(ctx: click.Context, kind: str, fmt: str, overdue: bool, today: Any, **filters: Any) -> None:
    """List records of a kind, filtered.

    Example: svcnotes list complaints --status investigating --overdue
    """
    kind = PLURALS.get(kind, kind)
    repo = open_repo(ctx)
    _check_filter_values(kind, filters, repo.config)
    records = [r for r in repo.store(kind).list() if _filters(r, **filters)]
    rows = [dict(r.data) for r in records]
    columns = list(COLUMNS[kind])
    if overdue or kind in ("complaint", "callback"):
        from svcnotes.workflow.deadlines import annotate

        rows = annotate(kind, records, repo.config, resolve_today(today))
        if overdue:
            rows = [r for r in rows if r.get("overdue")]
        columns[3:3] = ["due_date", "overdue"] if kind == "complaint" else []
    # words on screen follow the language of messages; CSV and JSON are data, the same whatever --lang says
    lang = language() if fmt == "table" else repo.config.locale
    fields = KINDS[kind].by_name
    headers = [(c, fields[c].label(lang) if c in fields else DERIVED_LABELS[c][0 if lang.startswith("zh") else 1])
               for c in columns]
    if fmt == "table":  # words on screen; CSV and JSON keep the codes
        from svcnotes.cli.render import shown

        rows = [{c: shown(kind, fields.get(c), row.get(c), repo.config, lang) for c in columns} for row in rows]
    emit_rows(rows, headers, fmt)


@click.command()
@click.argument("record_id", shell_complete=complete_record_id)
@format_option("text", "json")
@click.pass_context
def show(ctx: click.Context, record_id: str, fmt: str) -> None:
    """Show one record readably (by id or former number).

    Example: svcnotes show C-2611-007
    """
    from svcnotes.cli.common import jsonable
    from svcnotes.cli.render import render_record

    repo = open_repo(ctx)
    record = repo.snapshot().find(record_id)
    if record is None:
        fail(tr("no record '{id}' (try: svcnotes list complaints)").format(id=record_id))
        return
    if fmt == "json":
        click.echo(json.dumps({"id": record.id, "kind": record.kind, "path": record.path, "data": jsonable(dict(record.data)),
                               "body": record.body}, ensure_ascii=False, indent=2))
        return
    click.echo(render_record(record, repo.config))


@click.command()
@click.argument("kind", type=click.Choice(sorted(KINDS)), required=False)
@click.option("--write", is_flag=True, help="Write schemas/*.schema.json, .vscode/settings.json and .vscode/tasks.json "
                                            "into the repository (merged with what is there).")
@click.pass_context
def schema(ctx: click.Context, kind: str | None, write: bool) -> None:
    """Print the JSON Schema (draft 2020-12) of a record kind.

    Example: svcnotes schema complaint > complaint.schema.json
    """
    from svcnotes.model.jsonschema import json_schema

    if write:
        from svcnotes.store.editor import EditorFileError, write_editor_schemas

        repo = open_repo(ctx)
        try:
            written = write_editor_schemas(repo.root, repo.config)
        except EditorFileError as exc:
            fail(tr("{error}; nothing written").format(error=exc_message(exc)), EXIT_USAGE)
        for path in written:
            click.echo(tr("wrote {path}").format(path=path))
        return
    if not kind:
        raise click.UsageError(tr("name a kind (complaint, customer, callback, note) or pass --write"))
    config = None
    try:
        config = open_repo(ctx).config
    except click.UsageError:
        pass
    click.echo(json.dumps(json_schema(kind, config), ensure_ascii=False, indent=2))


@click.command("fix-encoding")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "source", default="gb18030", show_default=True, help="Encoding the files are in.")
def fix_encoding(paths: tuple[Path, ...], source: str) -> None:
    """Convert record files from GBK/GB18030 (or --from) to UTF-8, atomically.

    Example: svcnotes fix-encoding records/complaints/2026/C-2611-007.md
    """
    from svcnotes.store.encoding import EncodingFixError, fix_file

    failed = False
    for path in paths:
        try:
            changed = fix_file(path, source)
        except EncodingFixError as exc:
            click.echo(tr("error: {message}").format(message=f"{path}: {exc_message(exc)}"), err=True)
            failed = True
            continue
        said = tr("converted from {encoding} to UTF-8").format(encoding=source) if changed else tr("already UTF-8, unchanged")
        click.echo(f"{path}: {said}")
    sys.exit(1 if failed else 0)


COMMANDS = [init, new, validate, list_records, show, schema, fix_encoding]
