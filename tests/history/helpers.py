"""Helpers for history tests: run the CLI as a staff member, edit records, make PR-style merges."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner, Result

from svcnotes.cli import cli
from tests.conftest import git, identity_env

C1 = "records/complaints/2026/C-2611-001.md"


def run(root: Path, *args: str, who: str = "zhang.wei") -> Result:
    """Invoke svcnotes in `root` as staff member `who`."""
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False, env=identity_env(who))


def edit(root: Path, rel: str, old: str, new: str) -> None:
    """Replace text in a record file (fails loudly when `old` is absent)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def set_field(root: Path, rel: str, name: str, value: str) -> None:
    """Set a top-level scalar field in a record's front matter (replace or append before the fence)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{name}:.*$", re.M)
    if pattern.search(text):
        text = pattern.sub(f"{name}: {value}", text, count=1)
    else:
        head, rest = text.split("\n---\n", 1)
        text = f"{head}\n{name}: {value}\n---\n{rest}"
    path.write_text(text, encoding="utf-8")


def commit_all(root: Path, message: str, who: str = "zhang.wei") -> None:
    """Commit every change in the work tree as `who`."""
    git(root, "add", "-A", who=who)
    git(root, "commit", "-q", "-m", message, who=who)


def merge_pr(root: Path, branch: str, who: str = "li.na") -> None:
    """Merge `branch` into main with --no-ff, as a PR would."""
    git(root, "checkout", "-q", "main", who=who)
    git(root, "merge", "--no-ff", "-q", "-m", f"Merge pull request from {branch}", branch, who=who)


PROPOSAL = {
    "cause_class": "quality", "cause_analysis": "模具磨损", "responsible_dept": "manufacturing",
    "countermeasure": "更换模具", "resolution": "allowance",
}


def propose_args(record_id: str, amount: str) -> list[str]:
    """CLI arguments of `svcnotes propose` with a complete proposal."""
    args = ["propose", record_id, "--amount", amount, "--today", "2026-11-04"]
    for key, value in PROPOSAL.items():
        args += [f"--{key.replace('_', '-')}", value]
    return args


def approval_block(by: str, role: str, amount: str, at: str = "2026-11-05 10:00") -> str:
    """YAML of an approvals list with one entry, as a person would type it."""
    return (f"approvals:\n  - by: {by}\n    role: {role}\n    at: {at}\n    resolution: allowance\n"
            f"    amount: {amount}\n")


def add_approval(root: Path, rel: str, by: str, role: str, amount: str) -> None:
    """Hand-write an approval into a record and mark it approved (what `approve` would do, minus the checks)."""
    set_field(root, rel, "status", "approved")
    path = root / rel
    head, rest = path.read_text(encoding="utf-8").split("\n---\n", 1)
    path.write_text(f"{head}\n{approval_block(by, role, amount).rstrip()}\n---\n{rest}", encoding="utf-8")
