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
                out.append(future_problem(name, day, today, record.path, record.line(name)))
    return out


def future_problem(name: str, day: date, today: date, path: str, line: int | None) -> Problem:
    """W304 for field `name` dated `day`, after `today`."""
    return Problem("W304", f"{name} {day} is in the future (today is {today})", path, line, name,
                   "check the date; pass --today to validate as of another day", Severity.WARNING)


class _Plan:
    """The registry split for file-by-file validation (recomputed when the registry changes)."""

    def __init__(self, checks: tuple[Check, ...]) -> None:
        self.checks = checks
        self.per_record: list[tuple[int, RecordCheck, tuple[str, ...] | None]] = [
            (i, c.per_record, c.kinds) for i, c in enumerate(checks) if hasattr(c, "per_record")]  # type: ignore[attr-defined]
        self.cross = [(i, c) for i, c in enumerate(checks) if not hasattr(c, "per_record")]
        fields: set[str] | None = {"aliases"}  # the snapshot finds records by former numbers too
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
    """The current plan (a per-file call only compares the registry with the plan's)."""
    global _PLAN
    if _PLAN is None:
        load_rules()
    checks = tuple(all_checks())
    if _PLAN is None or _PLAN.checks != checks:
        _PLAN = _Plan(checks)
    return _PLAN


def _slim(record: Record, fields: frozenset[str] | None) -> Record:
    """The record with only `fields` (and their lines): what the cross-record checks read."""
    if fields is None:
        return record
    whole, parts, keep_line = _split_fields(fields)
    data: dict[str, Any] = {}
    for key, value in record.data.items():
        if key in whole:
            data[key] = value
        elif key in parts and isinstance(value, list):
            keep = parts[key]
            data[key] = [{k: v for k, v in entry.items() if k in keep} if isinstance(entry, dict) else entry
                         for entry in value]
    lines = {}
    for key, line in record.lines.items():
        kept = keep_line.get(key)
        if kept is None:
            kept = _keeps_line(key, whole, parts)
            if len(keep_line) < 100_000:
                keep_line[key] = kept
        if kept:
            lines[key] = line
    return Record(record.kind, record.id, record.path, data, "", lines)


def _keeps_line(key: str, whole: frozenset[str], parts: dict[str, frozenset[str]]) -> bool:
    """Whether a slim record keeps the line of `key` (a field, or a dotted path into one)."""
    if key in whole or key in parts:
        return True
    top = key.split("[", 1)[0].split(".", 1)[0]
    return top in whole or (top in parts and key.rsplit(".", 1)[-1] in parts[top])


_SPLIT: dict[frozenset[str], tuple[frozenset[str], dict[str, frozenset[str]], dict[str, bool]]] = {}


def _split_fields(fields: frozenset[str]) -> tuple[frozenset[str], dict[str, frozenset[str]], dict[str, bool]]:
    """Declared fields -> (whole fields, {list-of-entries field: the sub-fields kept}, line decisions so far)."""
    found = _SPLIT.get(fields)
    if found is None:
        whole = frozenset(f for f in fields if "[]." not in f)
        parts: dict[str, set[str]] = {}
        for f in fields:
            if "[]." in f:
                name, sub = f.split("[].", 1)
                if name not in whole:
                    parts.setdefault(name, set()).add(sub)
        found = _SPLIT[fields] = (whole, {k: frozenset(v) for k, v in parts.items()}, {})
    return found


def check_file(record: Record | None, problems: list[Problem], config: Config) -> tuple[Any, ...]:
    """One file's part of validate: its reading problems (tagged -1) and per-record rule problems
    (tagged with the check's registry index), its slim record, and its (field, day ordinal, line)
    for future_dates (which depends on today, so is not decided here)."""
    plan = _plan()
    tagged = [(-1, p) for p in problems]
    if record is None:
        return tagged, None, ()
    kind = record.kind
    for index, check, kinds in plan.per_record:
        if kinds is None or kind in kinds:
            for p in check(record, config):
                tagged.append((index, p))
    days = []
    data = record.data
    for name in FUTURE_FIELDS:
        value = data.get(name)
        if isinstance(value, date):
            days.append((name, (value.date() if isinstance(value, datetime) else value).toordinal(), record.line(name)))
    return tagged, _slim(record, plan.fields), tuple(days)


def check_repository(repo: Repository, today: date | None = None, use_cache: bool = True,
                     workers: int | None = None) -> tuple[list[Problem], int]:
    """run_checks (plus future_dates when `today` is given) over the repository, file by file where
    possible: the same problems in the same order; and the number of records."""
    from svcnotes import __version__
    from svcnotes.store.bulk import load_derived, paused_gc
    from svcnotes.store.repository import Snapshot

    plan = _plan()
    buckets: list[list[Problem]] = [[] for _ in range(len(plan.checks) + 1)]
    snap = Snapshot()
    future = []
    limit = today.toordinal() if today is not None else None
    with paused_gc():
        for _rel, (tagged, slim, days) in load_derived(repo, "validation", f"{__version__}|{plan.version}",
                                                       check_file, use_cache, workers):
            for index, problem in tagged:
                buckets[index + 1].append(problem)
            if slim is not None:
                snap.add(slim)
                if today is not None:
                    for name, ordinal, line in days:
                        if ordinal > limit:  # type: ignore[operator]
                            future.append(future_problem(name, date.fromordinal(ordinal), today, slim.path, line))
        for index, check in plan.cross:
            buckets[index + 1] = check(snap, repo.config)
    problems = list(repo.config_problems)
    for bucket in buckets:
        problems += bucket
    return sorted(problems + future, key=sort_key), sum(len(v) for v in snap.records.values())


def validate_all(repo: Repository, today: date | None = None) -> tuple[list[Problem], int]:
    """Every problem and the number of records; memoised on the files' stat fingerprint."""
    from svcnotes import __version__
    from svcnotes.store.bulk import cached_result, stat_fingerprint

    def compute() -> tuple[list[Problem], int]:
        loaded: Any = getattr(repo, "_snapshot", None)
        if loaded is None:
            return check_repository(repo, today)
        # already read in this process: check it as it is
        problems = run_checks(loaded, repo.config)
        if today is not None:
            problems = sorted(problems + future_dates(loaded, today), key=sort_key)
        return problems, sum(len(v) for v in loaded.records.values())

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
