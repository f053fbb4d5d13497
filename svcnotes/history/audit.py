"""`svcnotes audit`: replay main's first-parent history and report every rule breach that landed.

Each commit on the first-parent chain brought in either its own changes (a direct push) or a
PR's commits (a merge). Every change is judged by the same rules as the PR gate: illegal
transitions, edits of closed records, deletions, forged approvals and approvals without the
role or authority. Works from the history index: no git call per commit or record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from svcnotes.history import rules
from svcnotes.history.log import Event, first_parent_chain, open_log
from svcnotes.model.config import Config
from svcnotes.model.problems import Problem


@dataclass(frozen=True)
class Finding:
    """One breach: the problem, the commit that made it, and how it landed on main."""

    problem: Problem
    commit: str
    landed_in: str  # the first-parent commit (merge or direct push) that brought it to main
    direct: bool  # True when pushed to main without a merge


def audit(events: Iterable[Event], chain: list[str], pr_of: dict[str, str], config: Config) -> list[Finding]:
    """Every breach in the history of HEAD's first-parent chain (`chain`, oldest first), oldest first.

    `events`: every event in commit order; `pr_of` maps a commit to the merge that brought it in."""
    on_chain = set(chain)
    status_of: dict[int, str | None] = {}
    out: list[Finding] = []
    for event in events:
        where = event.sha if event.sha in on_chain else pr_of.get(event.sha, "")
        if not where:
            continue  # on a branch never merged into main
        before = status_of.get(event.lineage)
        problems = rules.event_problems(event, config, before)
        change = event.status_change
        if change is not None:
            status_of[event.lineage] = change[1]
        elif event.lineage not in status_of:
            status_of[event.lineage] = event.facts.get("status")
        for p in problems:
            date = f"{event.date:%Y-%m-%d}"
            how = "pushed directly to main" if where == event.sha else f"merged in {where[:10]}"
            out.append(Finding(replace(p, message=f"{p.message} on {date}, {how}"), event.sha, where, where == event.sha))
    return out


def audit_repository(root: Path, config: Config) -> list[Finding]:
    """Audit the repository at `root` (history index from the cache when fresh)."""
    store = open_log(root, config)
    if store is None:
        return []
    with store:
        return audit(store.iter_events(), first_parent_chain(store.commits(), store.head), store.pr_of(), config)
