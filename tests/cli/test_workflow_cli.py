"""CLI of the complaint workflow: exit codes and the exact lines a user sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from tests.conftest import git, identity_env

ID = "C-2611-001"
REL = "records/complaints/2026/C-2611-001.md"
PROPOSE = ["propose", ID, "--cause-class", "quality", "--cause-analysis", "模具磨损", "--responsible-dept",
           "manufacturing", "--countermeasure", "更换模具", "--resolution", "allowance", "--amount", "6000"]


def run(repo: Path, *args: str, who: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None):
    if who and monkeypatch:
        for key, value in identity_env(who).items():
            monkeypatch.setenv(key, value)
    return CliRunner().invoke(cli, ["-C", str(repo), *args, "--today", "2026-11-06"], catch_exceptions=False)


def subject(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%s").strip()


def test_investigate_prints_the_commit_subject(repo: Path) -> None:
    result = run(repo, "investigate", ID)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{ID}: registered → investigating  [")
    assert subject(repo) == f"{ID}: registered → investigating"


def test_refused_transition_names_the_guard_and_what_to_fill_in(repo: Path) -> None:
    run(repo, "investigate", ID)
    result = run(repo, "propose", ID, "--resolution", "allowance", "--amount", "6000", "--cause-class", "quality",
                 "--responsible-dept", "manufacturing", "--cause-analysis", "模具磨损")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {ID}: refused",
        f"{REL}:4: E303 countermeasure: a proposed complaint needs countermeasure (处理对策) "
        "(fill in 'countermeasure:' or move the record back)",
    ]


def test_illegal_transition_exits_1(repo: Path) -> None:
    result = run(repo, "transition", ID, "closed")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1] == (f"{REL}:4: E401 status: cannot move registered → closed "
                                             "(from registered a complaint may go to: investigating, not_established)")


def test_transition_with_set_values(repo: Path) -> None:
    result = run(repo, "transition", ID, "not_established", "--set", "result=客户误用")
    assert result.exit_code == 0, result.stderr
    text = (repo / REL).read_text(encoding="utf-8")
    assert "status: not_established" in text and "result: 客户误用" in text and "closed_at: 2026-11-06" in text


def test_bad_set_value_is_a_usage_error(repo: Path) -> None:
    result = run(repo, "transition", ID, "investigating", "--set", "severity=huge")
    assert result.exit_code == 2
    assert result.stderr == "error: E104 severity: 'huge' is not a valid severity (allowed: minor, normal, major, critical)\n"
    assert run(repo, "transition", ID, "investigating", "--set", "severity").exit_code == 2


def test_approve_by_the_proposer_is_refused(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(repo, "investigate", ID)
    run(repo, *PROPOSE[:-1], "3000", who="li.na", monkeypatch=monkeypatch)
    result = run(repo, "approve", ID)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1] == (f"{REL}:22: E405 proposed_by: li.na proposed this settlement and cannot "
                                             "approve it (four eyes) (ask a sales_manager to approve it)")


def test_full_workflow_to_closed_and_reopen(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(repo, "investigate", ID).exit_code == 0
    assert run(repo, *PROPOSE, "--improvement-tracked", "false").exit_code == 0
    denied = run(repo, "approve", ID, who="li.na", monkeypatch=monkeypatch)
    assert denied.exit_code == 1
    assert "E406 amount: li.na (rep, sales_manager) may not approve amount 6000 CNY (it needs the role 'deputy_gm')" in denied.stderr
    assert run(repo, "approve", ID, who="wang.qiang", monkeypatch=monkeypatch).exit_code == 0
    assert subject(repo) == f"{ID}: proposed → approved"
    assert run(repo, "resolve", ID, "--told-via", "phone", "--result", "同意折让", who="zhang.wei",
               monkeypatch=monkeypatch).exit_code == 0
    closed = run(repo, "close", ID, "--not-accepted", "--callback-waived", "客户拒绝回访")
    assert closed.exit_code == 0
    assert closed.stdout.splitlines()[-1] == f"The customer did not accept: open a new complaint with: svcnotes reopen {ID}"
    reopened = run(repo, "reopen", ID)
    assert reopened.exit_code == 0 and reopened.stdout.startswith(f"C-2611-002: reopens {ID}  [")
    validated = CliRunner().invoke(cli, ["-C", str(repo), "validate"], catch_exceptions=False)
    assert validated.exit_code == 0, validated.output


def test_close_without_saying_whether_accepted_is_a_usage_error(repo: Path) -> None:
    result = run(repo, "close", ID)
    assert result.exit_code == 2 and "--accepted or --not-accepted" in result.stderr


def test_handover_and_capa_commands(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(repo, "handover", ID, "--to", "li.na", "--note", "出差交接").stdout.startswith(f"{ID}: handover zhang.wei → li.na")
    assert run(repo, "capa", "add", ID, "--action", "点检", "--owner", "zhang.wei", "--due", "2026-12-01").exit_code == 0
    assert run(repo, "capa", "done", ID, "1").exit_code == 0
    refused = run(repo, "capa", "verify", ID, "1")
    assert refused.exit_code == 1 and "E413" in refused.stderr
    assert run(repo, "capa", "verify", ID, "1", who="zhao.min", monkeypatch=monkeypatch).exit_code == 0
    assert subject(repo) == f"{ID}: CAPA 1 verify"
    assert run(repo, "capa", "done", ID, "2").stderr.splitlines()[1].endswith("E412 capa: C-2611-001 has no CAPA 2 (it has 1) (number from 1 to 1)")


def test_dirty_file_is_refused_unless_allowed(repo: Path) -> None:
    (repo / REL).write_text((repo / REL).read_text(encoding="utf-8") + "补充\n", encoding="utf-8")
    result = run(repo, "investigate", ID)
    assert result.exit_code == 1
    assert result.stderr == (f"error: {REL} has uncommitted edits; commit them first, or pass --allow-dirty to include "
                             "them in this commit\n")
    assert run(repo, "investigate", ID, "--allow-dirty").exit_code == 0


def test_no_commit_leaves_the_change_uncommitted(repo: Path) -> None:
    result = run(repo, "investigate", ID, "--no-commit")
    assert result.exit_code == 0 and result.stdout.strip().endswith("(not committed)")
    assert git(repo, "status", "--porcelain").strip() == f"M {REL}"


def test_unknown_git_email_is_a_clear_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "nobody@example.org")
    result = run(repo, "investigate", ID)
    assert result.exit_code == 1
    assert result.stderr == ("error: git e-mail 'nobody@example.org' is not in the staff directory; add it to the "
                             "emails of your [[staff]] entry in svcnotes.toml\n")


def test_unknown_complaint_exits_1(repo: Path) -> None:
    result = run(repo, "investigate", "C-2611-099")
    assert result.exit_code == 1 and result.stderr == "error: no complaint 'C-2611-099'\n"
