"""`validate`: every registered check (store-level and workflow rules) over a repository.

Where a cold run spends its time: reading and typing files and the per-record rules, all done
file by file where the file is read (on every core, see store.bulk.load_derived) and cached per
file; what crosses processes is each file's problems and a slim record holding only the fields
the cross-record rules declare. Those rules then run once over the slim records. The problems
are put in exactly the order run_checks gives (reading problems, then check by check in registry
order, records in snapshot order) before the final sort, so the report is byte-identical.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from svcnotes.checks import Check, RecordCheck, all_checks, run_checks
from svcnotes.model.config import Config
from svcnotes.model.problems import Problem, Severity, sort_key
from svcnotes.model.record import Record

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


FUTURE_FIELDS = ("received_at", "registered_at", "told_at", "closed_at", "done_at", "at")


def future_dates(snapshot: Snapshot, today: date) -> list[Problem]:
    """Warn about events dated after today (received, registered, told, closed, done, note time)."""
    out = []
    for record in snapshot.all():
        for name in FUTURE_FIELDS:
            value = record.data.get(name)
            day = value.date() if isinstance(value, datetime) else value
            if isinstance(day, date) and day > today:
                out.append(Problem("W304", f"{name} {day} is in the future (today is {today})", record.path,
                                   record.line(name), name, "check the date; pass --today to validate as of another day",
                                   Severity.WARNING))
    return out


class _Plan:
    """The registry split for file-by-file validation (recomputed when the registry changes)."""

    def __init__(self, checks: tuple[Check, ...]) -> None:
        self.checks = checks
        self.per_record: list[tuple[int, RecordCheck, tuple[str, ...] | None]] = [
            (i, c.per_record, c.kinds) for i, c in enumerate(checks) if hasattr(c, "per_record")]  # type: ignore[attr-defined]
        self.cross = [(i, c) for i, c in enumerate(checks) if not hasattr(c, "per_record")]
        fields: set[str] | None = {"aliases", *FUTURE_FIELDS}  # the snapshot's aliases; future_dates
        for _i, check in self.cross:
            reads = getattr(check, "reads", None)
            if reads is None:
                fields = None  # an undeclared cross-record check gets whole records
                break
            assert fields is not None
            fields |= reads
        self.fields = frozenset(fields) if fields is not None else None
        names = ",".join(f"{c.__module__}.{c.__qualname__}" for c in checks)
        self.version = f"{names}|{sorted(self.fields) if self.fields is not None else '*'}"


_PLAN: _Plan | None = None


def _plan() -> _Plan:
    global _PLAN
    load_rules()
    checks = tuple(all_checks())
    if _PLAN is None or _PLAN.checks != checks:
        _PLAN = _Plan(checks)
    return _PLAN


def _slim(record: Record, fields: frozenset[str] | None) -> Record:
    """The record with only `fields` (and their lines): what the cross-record checks read."""
    if fields is None:
        return record
    data = {k: v for k, v in record.data.items() if k in fields}
    lines = {k: n for k, n in record.lines.items()
             if k in fields or (("[" in k or "." in k) and k.split("[", 1)[0].split(".", 1)[0] in fields)}
    return Record(record.kind, record.id, record.path, data, "", lines, record.digest)


def check_file(record: Record | None, problems: list[Problem], config: Config) -> tuple[list[tuple[int, Problem]], Record | None]:
    """One file's part of validate: its reading problems (tagged -1) and per-record rule problems
    (tagged with the check's registry index), and its slim record."""
    plan = _plan()
    tagged = [(-1, p) for p in problems]
    if record is None:
        return tagged, None
    kind = record.kind
    for index, check, kinds in plan.per_record:
        if kinds is None or kind in kinds:
            for p in check(record, config):
                tagged.append((index, p))
    return tagged, _slim(record, plan.fields)


def check_repository(repo: Repository, use_cache: bool = True, workers: int | None = None) -> tuple[list[Problem], Snapshot]:
    """run_checks over the whole repository, file by file where possible; (problems, slim snapshot)."""
    from svcnotes import __version__
    from svcnotes.store.bulk import load_derived
    from svcnotes.store.repository import Snapshot

    plan = _plan()
    buckets: list[list[Problem]] = [[] for _ in range(len(plan.checks) + 1)]
    snap = Snapshot()
    for _rel, (tagged, slim) in load_derived(repo, "validation", f"{__version__}|{plan.version}", check_file,
                                             use_cache, workers):
        for index, problem in tagged:
            buckets[index + 1].append(problem)
        if slim is not None:
            snap.add(slim)
    for index, check in plan.cross:
        buckets[index + 1] = check(snap, repo.config)
    problems = list(repo.config_problems)
    for bucket in buckets:
        problems += bucket
    snap.problems = list(repo.config_problems) + buckets[0]
    return sorted(problems, key=sort_key), snap


def validate_all(repo: Repository, today: date | None = None) -> tuple[list[Problem], int]:
    """Every problem and the number of records; memoised on the files' stat fingerprint."""
    from svcnotes import __version__
    from svcnotes.store.bulk import cached_result, stat_fingerprint

    def compute() -> tuple[list[Problem], int]:
        loaded: Any = getattr(repo, "_snapshot", None)
        if loaded is not None:  # already read in this process: check it as it is
            snap = loaded
            problems = run_checks(snap, repo.config)
        else:
            problems, snap = check_repository(repo)
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
