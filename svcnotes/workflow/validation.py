"""`validate`: every registered check (store-level and workflow rules) over a repository."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from svcnotes.checks import run_checks
from svcnotes.model.problems import Problem

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository

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


def validate_repository(repo: Repository, paths: list[str] | None = None) -> list[Problem]:
    """All problems in the repository (or only those in `paths`, checked against the whole repo)."""
    load_rules()
    problems = run_checks(repo.snapshot(), repo.config)
    if paths:
        wanted = tuple(p.rstrip("/") for p in paths)
        problems = [p for p in problems if p.path == "" or p.path.startswith(wanted) or p.path == "svcnotes.toml"]
    return problems
