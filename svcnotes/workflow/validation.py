"""`validate`: every registered check (store-level and workflow rules) over a repository."""

from __future__ import annotations

import importlib
from datetime import date, datetime
from typing import TYPE_CHECKING

from svcnotes.checks import run_checks
from svcnotes.model.problems import Problem, Severity, sort_key

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository, Snapshot

# Workflow modules that register checks when imported.
RULE_MODULES = ("svcnotes.workflow.rules", "svcnotes.workflow.callback_rules")


def load_rules() -> None:
    """Import every module that registers workflow checks."""
    for name in RULE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def future_dates(snapshot: Snapshot, today: date) -> list[Problem]:
    """Warn about events dated after today (received, registered, told, closed, done, note time)."""
    out = []
    for record in snapshot.all():
        for name in ("received_at", "registered_at", "told_at", "closed_at", "done_at", "at"):
            value = record.data.get(name)
            day = value.date() if isinstance(value, datetime) else value
            if isinstance(day, date) and day > today:
                out.append(Problem("W304", f"{name} {day} is in the future (today is {today})", record.path,
                                   record.line(name), name, "check the date; pass --today to validate as of another day",
                                   Severity.WARNING))
    return out


def validate_all(repo: Repository, today: date | None = None) -> tuple[list[Problem], int]:
    """Every problem and the number of records; memoised on the files' stat fingerprint."""
    from svcnotes import __version__
    from svcnotes.store.bulk import cached_result, stat_fingerprint

    def compute() -> tuple[list[Problem], int]:
        load_rules()
        snap = repo.snapshot()
        problems = run_checks(snap, repo.config)
        if today is not None:
            problems = sorted(problems + future_dates(snap, today), key=sort_key)
        return problems, sum(len(v) for v in snap.records.values())

    fingerprint, newest = stat_fingerprint(repo)
    key = f"{__version__}:{','.join(RULE_MODULES)}:{today}:{fingerprint}:{newest}"
    result: tuple[list[Problem], int] = cached_result(repo, "validate", key, compute)
    return result


def only_paths(problems: list[Problem], paths: list[str] | None) -> list[Problem]:
    """The problems in `paths` (plus repository-wide and config problems)."""
    if not paths:
        return problems
    wanted = tuple(p.rstrip("/") for p in paths)
    return [p for p in problems if p.path == "" or p.path.startswith(wanted) or p.path == "svcnotes.toml"]


def validate_repository(repo: Repository, paths: list[str] | None = None, today: date | None = None) -> list[Problem]:
    """All problems in the repository (or only those in `paths`, checked against the whole repo)."""
    return only_paths(validate_all(repo, today)[0], paths)
