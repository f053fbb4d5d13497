"""Validation: a registry of small pure checks, each (snapshot, config) -> list[Problem].

May import: svcnotes.model, svcnotes.store. Higher layers (workflow) register their own checks
here with @register; `run_checks` runs every registered check and never stops at the first error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from svcnotes.model.config import Config
from svcnotes.model.problems import Problem, sort_key

if TYPE_CHECKING:
    from svcnotes.store.repository import Snapshot

Check = Callable[["Snapshot", Config], list[Problem]]
CHECKS: list[Check] = []


def register(check: Check) -> Check:
    """Add a check to the registry (idempotent)."""
    if check not in CHECKS:
        CHECKS.append(check)
    return check


def run_checks(snapshot: Snapshot, config: Config) -> list[Problem]:
    """Run every registered check; reading problems first; sorted by file and line."""
    from svcnotes.checks import consistency, identity, references  # noqa: F401  (registers)

    problems = list(snapshot.problems)
    for check in CHECKS:
        problems.extend(check(snapshot, config))
    return sorted(problems, key=sort_key)
