"""Creating records: defaults a department expects, then one numbered, committed file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from svcnotes.model.fields import CoercionError, coerce_scalar
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem
from svcnotes.model.schema import KINDS
from svcnotes.store.repository import InvalidRecord
from svcnotes.workflow.commits import CommitOptions, commit_change

if TYPE_CHECKING:
    from svcnotes.model.config import Config
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Repository


def coerce_inputs(kind: str, raw: Mapping[str, str], config: Config) -> dict[str, Any]:
    """Typed values from command-line text, by the schema; every bad value reported at once."""
    fields = KINDS[kind].by_name
    out: dict[str, Any] = {}
    problems = []
    for name, text in raw.items():
        f = fields.get(name)
        if f is None:
            problems.append(Problem("E106", msg("unknown field '{name}'", name=name), field=name))
            continue
        try:
            if f.type == "list":
                assert f.item is not None
                out[name] = [coerce_scalar(f.item, part.strip(), config.choices(f.item.choices_from) if f.item.choices_from else ())
                             for part in text.split(",") if part.strip()]
            else:
                out[name] = coerce_scalar(f, text, config.choices(f.choices_from) if f.choices_from else ())
        except CoercionError as exc:
            problems.append(Problem(exc.code, exc.message, field=name, hint=exc.hint))
    if problems:
        raise InvalidRecord(problems)
    return out


def defaults(kind: str, values: Mapping[str, Any], config: Config, today: date, actor: str | None) -> dict[str, Any]:
    """The values a new record starts with, before the user's own."""
    now = datetime.combine(today, datetime.now().time().replace(second=0, microsecond=0))
    if kind == "complaint":
        received = values.get("received_at") or now
        responder = values.get("first_responder") or actor
        return {"status": KINDS[kind].initial_status, "received_at": received,
                "registered_at": today if today >= received.date() else received.date(),
                "first_responder": responder, "owner": values.get("owner") or responder, "currency": config.currency}
    if kind == "callback":
        return {"status": KINDS[kind].initial_status, "assigned_to": actor}
    if kind == "note":
        return {"at": now, "author": actor}
    return {"tier": "normal", "since": today}


def missing_required(kind: str, values: Mapping[str, Any]) -> list[str]:
    """Required fields not yet given (the id of numbered kinds is allocated, so not asked)."""
    k = KINDS[kind]
    return [f.name for f in k.fields if f.required and values.get(f.name) in (None, "", [])
            and not (f.name == "id" and k.year_folders)]


def create_record(repo: Repository, kind: str, values: Mapping[str, Any], body: str, today: date,
                  actor: str | None, options: CommitOptions) -> Record:
    """Create, number, write and commit a new record of `kind`."""
    data = {**defaults(kind, values, repo.config, today, actor), **values}
    missing = missing_required(kind, data)
    if missing:
        raise InvalidRecord([Problem("E101", msg("is required"), field=name, hint=msg("pass --{option}",
                                                                                 option=name.replace('_', '-')))
                             for name in missing])
    from svcnotes.store.repository import Rejected
    from svcnotes.workflow.states import creation_problems

    late = creation_problems(kind, data)
    if late:
        raise Rejected(late)
    if kind == "complaint" and isinstance(data.get("received_at"), date) and not isinstance(data["received_at"], datetime):
        data["received_at"] = datetime.combine(data["received_at"], time(0, 0))
    record = repo.store(kind).create(data, body)
    commit_change(repo, [record.path], f"{record.id}: new {KINDS[kind].en.lower()}",
                  {"Svc-Record": record.id, "Svc-Action": "create", "Svc-To": record.status}, options)
    if kind == "note" and record.get("kind") == "on_site":
        from svcnotes.workflow.callbacks import create_post_service  # callbacks imports intake

        create_post_service(repo, record, today, options)
    return record
