"""CLI: schedule, callback attempt|done|cancel, due, overdue, escalations (all honour --today)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from tests.conftest import git, write

CALLBACK = """\
---
id: CB-2611-001
customer: hengda-auto
complaint: C-2611-001
kind: post_resolution
due: 2026-11-12
status: scheduled
assigned_to: zhang.wei
---
"""


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def with_callback(repo: Path) -> Path:
    write(repo, "records/callbacks/2026/CB-2611-001.md", CALLBACK)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "callback")
    return repo


def test_schedule_twice_reports_nothing_new_the_second_time(repo: Path) -> None:
    code, out, err = run(repo, "schedule", "--through", "2026-12-31", "--today", "2026-12-01", "--format", "csv")
    assert code == 0
    assert out.splitlines() == ["id,due,kind,customer,project,assigned_to",
                                "CB-2612-001,2026-12-31,annual_needs,hengda-auto,,zhang.wei"]
    assert err.strip() == "1 callback created"
    code, out, err = run(repo, "schedule", "--through", "2026-12-31", "--today", "2026-12-01")
    assert (code, err.splitlines()[-1]) == (0, "0 callbacks created")


def test_schedule_honours_svcnotes_today(repo: Path) -> None:
    code, _, err = run(repo, "schedule", "--through", "2026-11-30", env={"SVCNOTES_TODAY": "2026-12-01"})
    assert (code, err.strip()) == (1, "error: --through 2026-11-30 is before 2026-12-01; give a later date")


def test_done_at_low_satisfaction_without_comment_fails_with_one_error_line(with_callback: Path) -> None:
    code, out, err = run(with_callback, "callback", "done", "CB-2611-001", "--satisfaction", "2")
    assert code == 1
    assert err == "error: satisfaction 2 needs the customer's comments; pass --comments\n"


def test_done_with_open_complaint_prints_the_new_complaint(with_callback: Path) -> None:
    code, out, _ = run(with_callback, "callback", "done", "CB-2611-001", "--satisfaction", "1", "--comments",
                       "仍有异响", "--open-complaint", "--at", "2026-11-12 10:00")
    assert (code, out) == (0, "CB-2611-001: done; opened complaint C-2611-002\n")


def test_attempts_hand_over_after_three_misses_at_different_times(with_callback: Path) -> None:
    for at, result in (("2026-11-10 09:00", "no_answer"), ("2026-11-10 13:30", "busy")):
        assert run(with_callback, "callback", "attempt", "CB-2611-001", "--result", result, "--at", at)[0] == 0
    code, out, _ = run(with_callback, "callback", "attempt", "CB-2611-001", "--result", "no_answer", "--at",
                       "2026-11-10 19:00")
    assert (code, out) == (0, "CB-2611-001: attempt logged: No answer (3 in all); Scheduled → Unreachable, "
                              "handed over to 李娜\n")


def test_cancel_of_unknown_callback_says_so(repo: Path) -> None:
    code, _, err = run(repo, "callback", "cancel", "CB-2611-009", "--reason", "x")
    assert (code, err) == (1, "error: no callback 'CB-2611-009'\n")


def test_overdue_and_due_follow_today(with_callback: Path) -> None:
    # C-2611-001 registered 2026-11-02, normal, 20 calendar days: limit 2026-11-22.
    code, out, _ = run(with_callback, "overdue", "--today", "2026-11-22", "--format", "json")
    assert code == 0
    assert [(r["id"], r["flag"]) for r in json.loads(out)] == [("CB-2611-001", "overdue")]
    _, out, _ = run(with_callback, "overdue", "--today", "2026-11-23", "--format", "json")
    assert [(r["id"], r["flag"], r["due"]) for r in json.loads(out)] == [
        ("CB-2611-001", "overdue", "2026-11-12"), ("C-2611-001", "overdue", "2026-11-22")]
    _, out, _ = run(with_callback, "due", "--today", "2026-11-10", "--format", "json")
    assert [(r["id"], r["flag"], r["days_left"]) for r in json.loads(out)] == [("CB-2611-001", "due", 2)]
    _, out, _ = run(with_callback, "due", "--today", "2026-11-19", "--format", "json")
    assert [(r["id"], r["flag"]) for r in json.loads(out)] == [("CB-2611-001", "overdue"), ("C-2611-001", "due_soon")]


def test_escalations_list_overdue_cases_for_the_gm_office(repo: Path) -> None:
    _, out, _ = run(repo, "escalations", "--today", "2026-11-20", "--format", "json")
    assert json.loads(out) == []
    code, out, _ = run(repo, "escalations", "--today", "2026-11-23", "--format", "csv")
    assert code == 0
    assert out.splitlines()[1].startswith("C-2611-001,gm_office,2026-11-23,overdue since 2026-11-23,normal,registered")
