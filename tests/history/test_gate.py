"""The PR gate end to end with real git: branches, several authors, --no-ff merges, a bare remote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import git
from tests.history.helpers import C1, add_approval, commit_all, edit, merge_pr, propose_args, run, set_field


def _proposed_on_branch(repo: Path, amount: str, who: str = "zhang.wei", branch: str = "pr-1") -> None:
    git(repo, "checkout", "-q", "-b", branch, who=who)
    assert run(repo, "investigate", "C-2611-001", "--today", "2026-11-03", who=who).exit_code == 0
    result = run(repo, *propose_args("C-2611-001", amount), who=who)
    assert result.exit_code == 0, result.output


def test_rep_proposes_approver_approves_check_passes_and_merges(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(repo, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    _proposed_on_branch(repo, "4800")
    approved = run(repo, "approve", "C-2611-001", "--today", "2026-11-05", who="li.na")
    assert approved.exit_code == 0, approved.output
    git(repo, "push", "-q", "origin", "pr-1")
    git(repo, "fetch", "-q", "origin")
    result = run(repo, "check", "--base", "origin/main")
    assert result.exit_code == 0, result.output
    merge_pr(repo, "pr-1")
    git(repo, "push", "-q", "origin", "main")
    assert run(repo, "audit").exit_code == 0
    history = run(repo, "history", "C-2611-001")
    assert ("    李娜 added to the approvals: Approved by 李娜, Role Sales manager, At 2026-11-05 "
            in history.output and ", Resolution Price allowance, Amount 4,800.00" in history.output)
    assert "    李娜 changed the status from Proposed to Approved" in history.output
    assert "[PR " in history.output and "Merge pull request from pr-1" in history.output


def test_forged_approval_written_by_the_rep_fails(repo: Path) -> None:
    _proposed_on_branch(repo, "4800")
    add_approval(repo, C1, "li.na", "sales_manager", "4800")
    commit_all(repo, "C-2611-001: approved", who="zhang.wei")
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 1
    line = next(n for n, text in enumerate((repo / C1).read_text().splitlines(), 1) if text.strip() == "- by: li.na")
    sha = git(repo, "rev-parse", "--short=10", "HEAD").strip()
    assert (f"{C1}:{line}: E611 approvals[0].by: approval by li.na was not committed by li.na (commit {sha} by "
            "zhang.wei <zhang.wei@example.com>) (only li.na may add this approval: they run 'svcnotes approve "
            "C-2611-001' and push the commit under their own git e-mail)") in result.output.splitlines()


def test_approver_below_the_amounts_authority_fails(repo: Path) -> None:
    _proposed_on_branch(repo, "20000")
    add_approval(repo, C1, "li.na", "sales_manager", "20000")
    commit_all(repo, "C-2611-001: approved", who="li.na")
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 1
    assert ("E406 approvals: no valid approval covers amount 20000: it needs the role 'deputy_gm' (have a "
            "'deputy_gm' other than the proposer run: svcnotes approve C-2611-001)") in result.output


def test_proposer_approving_their_own_proposal_fails(repo: Path) -> None:
    _proposed_on_branch(repo, "3000", who="li.na")
    add_approval(repo, C1, "li.na", "sales_manager", "3000")
    commit_all(repo, "C-2611-001: approved", who="li.na")
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 1
    assert ("E405 approvals[0].by: approval 1: li.na approved their own proposal (four eyes) (someone other than "
            "the proposer must approve)") in result.output
    assert "E611" not in result.output


def test_skipping_a_state_on_a_branch_fails_with_a_located_error(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "skip")
    set_field(repo, C1, "status", "closed")
    commit_all(repo, "close it")
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 1
    sha = git(repo, "rev-parse", "--short=10", "HEAD").strip()
    assert (f"{C1}:4: E601 status: illegal transition skips a state: registered → closed (in commit {sha} by "
            "zhang.wei <zhang.wei@example.com>) (go through registered → investigating → proposed → approved → "
            "resolved → closed, one commit each)") in result.output.splitlines()


def test_deleting_a_record_fails(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "del")
    git(repo, "rm", "-q", C1)
    git(repo, "commit", "-q", "-m", "remove")
    result = run(repo, "check", "--base", "main", "--format", "json")
    codes = [p["code"] for p in json.loads(result.output)["problems"]]
    assert result.exit_code == 1 and "E603" in codes


def test_approval_voided_by_a_later_amount_change_fails(repo: Path) -> None:
    _proposed_on_branch(repo, "4800")
    assert run(repo, "approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    merge_pr(repo, "pr-1")
    git(repo, "checkout", "-q", "-b", "raise", who="zhang.wei")
    edit(repo, C1, "amount: 4800", "amount: 9800")
    commit_all(repo, "raise the amount")
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 1
    assert ("E615 approvals[0]: this PR voids approval 1 by li.na: it approved amount 4800 but the record says 9800 "
            "(the approver must approve again: svcnotes approve C-2611-001)") in result.output


def test_github_annotations_when_running_in_actions(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "checkout", "-q", "-b", "skip")
    set_field(repo, C1, "status", "proposed")
    commit_all(repo, "skip")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 1
    assert any(line.startswith(f"::error file={C1},line=4,title=E601::") for line in result.output.splitlines())


def test_unknown_base_is_a_usage_error(repo: Path) -> None:
    result = run(repo, "check", "--base", "no-such-branch")
    assert result.exit_code == 2
    assert "error: 'no-such-branch' is not a commit here" in result.output


def test_pr_summary_lists_transitions_amounts_and_missing_approvals(repo: Path) -> None:
    _proposed_on_branch(repo, "20000")
    result = run(repo, "pr-summary", "--base", "main")
    assert result.exit_code == 0
    assert "| C-2611-001 | complaint | changed | registered → proposed | allowance | — → 20000 CNY | — |" in result.output
    assert ("- **C-2611-001**: needs a `deputy_gm` approval for 20000 — from @chen.gang, @wang.qiang "
            "(`svcnotes approve C-2611-001`)") in result.output
    assert result.output.splitlines()[-1].startswith("_unsigned mode (svcnotes.toml at ")
    assert "which anyone can type; this does not prove who approved" in result.output


def _closed_on_main(repo: Path) -> None:
    text = (repo / C1).read_text(encoding="utf-8")
    closed = text.replace("status: registered", "status: not_established").replace(
        "severity: normal", "severity: normal\nclosed_at: 2026-11-03")
    (repo / C1).write_text(closed, encoding="utf-8")
    commit_all(repo, "C-2611-001: closed as not established (fixture)")


def test_editing_a_closed_record_outside_the_allowed_fields_fails(repo: Path) -> None:
    _closed_on_main(repo)
    git(repo, "checkout", "-q", "-b", "late-edit")
    edit(repo, C1, "title: 支架尺寸超差", "title: 支架尺寸严重超差")
    set_field(repo, C1, "tags", "[audit]")
    commit_all(repo, "late edit")
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 1
    sha = git(repo, "rev-parse", "--short=10", "HEAD").strip()
    assert (f"{C1}:3: E602 title: edits the not_established record (title) in commit {sha} by zhang.wei (after "
            "closure only aliases, callback_waived, capa, tags may change; a customer who does not accept gets a "
            "new complaint (svcnotes reopen))") in result.output.splitlines()


def test_tagging_a_closed_record_passes(repo: Path) -> None:
    _closed_on_main(repo)
    git(repo, "checkout", "-q", "-b", "tag")
    set_field(repo, C1, "tags", "[audit]")
    commit_all(repo, "tag it")
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 0, result.output
