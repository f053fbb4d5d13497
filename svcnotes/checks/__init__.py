"""Validation: a registry of small pure checks, each (snapshot, config) -> list[Problem].

May import: svcnotes.model, svcnotes.store. Higher layers (workflow) register their own checks
here; `run_checks` runs every registered check and never stops at the first error.

Two kinds of registration, both ending up as (snapshot, config) checks in CHECKS:
- `@register_record(kinds)` for a rule about one record at a time, `(record, config) -> problems`.
  `svcnotes validate` runs these where the record is read (on every core) and caches the result
  per file;
- `@register` for a rule across records. `@register(fields=...)` declares the fields it reads
  (besides kind, id and path): 'name' for a whole field, 'name[].sub' for one sub-field of each
  entry of a list of entries; validate then hands it slim records holding only those fields and
  their lines. An undeclared cross-record check gets whole records.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from svcnotes.model.config import Config
from svcnotes.model.problems import Problem, sort_key

if TYPE_CHECKING:
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Snapshot

Check = Callable[["Snapshot", Config], list[Problem]]
RecordCheck = Callable[["Record", Config], list[Problem]]
CHECKS: list[Check] = []


def register(check: Check | None = None, *, fields: Iterable[str] | None = None) -> Any:
    """Add a cross-record check to the registry (idempotent); `fields` declares what it reads."""
    def add(check: Check) -> Check:
        if fields is not None:
            check.reads = frozenset(fields)  # type: ignore[attr-defined]
        if check not in CHECKS:
            CHECKS.append(check)
        return check

    return add(check) if check is not None else add


def register_record(kinds: Iterable[str] | None = None) -> Callable[[RecordCheck], Check]:
    """Register a per-record check `(record, config) -> problems` for records of `kinds` (None: all).

    The registered entry is a whole-snapshot check running it over the records in snapshot order
    (so run_checks and external callers see one kind of check); `per_record` and `kinds` on it let
    validate run the rule file by file.
    """
    wanted = tuple(kinds) if kinds is not None else None

    def add(fn: RecordCheck) -> Check:
        def check(snapshot: Snapshot, config: Config) -> list[Problem]:
            out: list[Problem] = []
            records = snapshot.all() if wanted is None else (r for k in wanted for r in snapshot.records.get(k, []))
            for record in records:
                out += fn(record, config)
            return out

        check.__name__ = check.__qualname__ = fn.__name__
        check.__module__ = fn.__module__
        check.__doc__ = fn.__doc__
        check.per_record = fn  # type: ignore[attr-defined]
        check.kinds = wanted  # type: ignore[attr-defined]
        if not any(getattr(c, "per_record", None) is fn for c in CHECKS):
            CHECKS.append(check)
        return check

    return add


_STORE_LEVEL = ("svcnotes.checks.consistency", "svcnotes.checks.identity", "svcnotes.checks.references")


def all_checks() -> list[Check]:
    """Every registered check, the store-level modules' included (workflow modules register on import)."""
    if not all(name in sys.modules for name in _STORE_LEVEL):  # each of them: one may be imported alone
        from svcnotes.checks import consistency, identity, references  # noqa: F401  (registers)
    return CHECKS


def run_checks(snapshot: Snapshot, config: Config) -> list[Problem]:
    """Run every registered check; reading problems first; sorted by file and line."""
    problems = list(snapshot.problems)
    for check in all_checks():
        problems.extend(check(snapshot, config))
    return sorted(problems, key=sort_key)
