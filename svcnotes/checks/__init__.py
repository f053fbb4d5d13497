"""Validation: a registry of small pure checks, each (snapshot, config) -> list[Problem].

May import: svcnotes.model, svcnotes.store. Higher layers (workflow) register their own checks
here; `run_checks` runs every registered check and never stops at the first error.

Two kinds of registration, both ending up as `Check` values in CHECKS (callable as (snapshot, config)):
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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from svcnotes.model.config import Config
from svcnotes.model.problems import Problem, sort_key

if TYPE_CHECKING:
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Snapshot

SnapshotCheck = Callable[["Snapshot", Config], list[Problem]]
RecordCheck = Callable[["Record", Config], list[Problem]]


@dataclass(frozen=True, eq=False)
class Check:
    """One registered rule, as a value: what it is called, the codes it reports, its scope
    ('record': one record at a time; 'repository': across records), the kinds it looks at (None:
    all), the fields a repository-scope rule reads (None: undeclared, it gets whole records), the
    statuses in which it applies (None: every status; for the workflow docs), and the function."""

    name: str
    module: str
    doc: str
    codes: tuple[str, ...]
    scope: str
    kinds: tuple[str, ...] | None
    reads: frozenset[str] | None
    statuses: frozenset[str] | None
    fn: Callable[..., list[Problem]]

    @property
    def per_record(self) -> RecordCheck | None:
        """The (record, config) function of a record-scope rule (None for a repository-scope one)."""
        return self.fn if self.scope == "record" else None

    def __call__(self, snapshot: Snapshot, config: Config) -> list[Problem]:
        """Run the rule over a snapshot (a record-scope rule over each of its records in turn)."""
        if self.scope == "repository":
            return self.fn(snapshot, config)
        out: list[Problem] = []
        wanted = self.kinds
        records = snapshot.all() if wanted is None else (r for k in wanted for r in snapshot.records.get(k, []))
        for record in records:
            out += self.fn(record, config)
        return out


CHECKS: list[Check] = []


def _add(check: Check) -> Check:
    for i, known in enumerate(CHECKS):
        if known.fn is check.fn:
            return known
        if (known.module, known.name) == (check.module, check.name):  # a module imported twice (reload)
            CHECKS[i] = check
            return check
    CHECKS.append(check)
    return check


def _check(fn: Callable[..., list[Problem]], scope: str, codes: Iterable[str], kinds: Iterable[str] | None,
           reads: Iterable[str] | None, statuses: Iterable[str] | None) -> Check:
    return Check(fn.__name__, fn.__module__, (fn.__doc__ or "").strip(), tuple(codes), scope,
                 tuple(kinds) if kinds is not None else None, frozenset(reads) if reads is not None else None,
                 frozenset(statuses) if statuses is not None else None, fn)


def register(check: SnapshotCheck | None = None, *, fields: Iterable[str] | None = None, codes: Iterable[str] = (),
             statuses: Iterable[str] | None = None) -> Any:
    """Register a cross-record rule `(snapshot, config) -> problems` (idempotent) as a Check;
    `fields` declares what it reads (besides kind, id and path), `codes` what it reports."""
    def add(fn: SnapshotCheck) -> Check:
        return _add(_check(fn, "repository", codes, None, fields, statuses))

    return add(check) if check is not None else add


def register_record(kinds: Iterable[str] | None = None, *, codes: Iterable[str] = (),
                    statuses: Iterable[str] | None = None) -> Callable[[RecordCheck], Check]:
    """Register a per-record rule `(record, config) -> problems` for records of `kinds` (None: all)
    as a Check; validate runs it file by file where the record is read."""
    def add(fn: RecordCheck) -> Check:
        return _add(_check(fn, "record", codes, kinds, None, statuses))

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
