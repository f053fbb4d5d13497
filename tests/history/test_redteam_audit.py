"""Red team on main: `svcnotes audit` finds every improper approval that ever landed (signed mode), with commit,
PR and actor; history judged by the policy that held when it landed; host squash merges named for what they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.history.helpers import add_approval, edit, set_field
from tests.history.redteam import C1, Lab, make_keys


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def lab(tmp_path: Path, keys: Path) -> Lab:
    return Lab(tmp_path, keys)


def _merge(lab: Lab, branch: str) -> str:
    lab.git("checkout", "-q", "main", who="chen.gang")
    lab.git("merge", "-q", "--no-ff", "-m", f"Merge pull request from {branch}", branch, who="chen.gang")
    return lab.sha()


def test_audit_finds_an_approval_signed_by_the_rep_with_commit_pr_and_actor(lab: Lab) -> None:
    lab.propose("4800")
    add_approval(lab.root, C1, "li.na", "sales_manager", "4800")
    sha = lab.commit("C-2611-001: approved", who="li.na", key="zhang.wei")
    merge = _merge(lab, "pr-1")
    result = lab.run("audit")
    assert result.exit_code == 1
    day = lab.git("log", "-1", "--format=%ad", "--date=short", sha).strip()
    assert result.stdout.splitlines() == [
        f"{C1}: E619 approvals: commit {sha} records the approval of C-2611-001 claimed by li.na but is signed by "
        f"zhang.wei ({lab.fingerprint('zhang.wei')}) on {day}, merged in {merge} (Merge pull request from pr-1), "
        "actor zhang.wei (only li.na may make this commit, signed with their own key (identity is the signer, not "
        "the author e-mail))"]
    found = json.loads(lab.run("audit", "--format", "json").stdout)
    assert [(f["code"], f["actor"], f["commit"][:10], f["landed_in"][:10], f["mode"]) for f in found] == [
        ("E619", "zhang.wei", sha, merge, "signed")]


def test_audit_finds_every_attack_that_landed(lab: Lab) -> None:
    # a policy change by the rep, an unsigned approval, a self-approval behind a rewritten proposed_by,
    # a record moved to attic/, and an evil merge: each merged without the gate
    lab.git("checkout", "-q", "-b", "policy")
    edit(lab.root, "svcnotes.toml", 'roles = ["rep"]', 'roles = ["rep", "gm"]')
    lab.commit("staff: zhang.wei is gm")
    _merge(lab, "policy")
    lab.propose("3000", who="li.na", branch="self")
    set_field(lab.root, C1, "proposed_by", "wang.qiang")
    lab.commit("C-2611-001: proposer", who="li.na")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    _merge(lab, "self")
    lab.git("checkout", "-q", "-b", "hide")
    (lab.root / "attic").mkdir()
    lab.git("mv", C1, "attic/C-2611-001.md")
    lab.commit("tidy up")
    _merge(lab, "hide")
    result = lab.run("audit", "--format", "json")
    assert result.exit_code == 1
    got = sorted({(f["code"], f["actor"]) for f in json.loads(result.stdout)})
    assert got == [("E405", "li.na"), ("E603", "zhang.wei"), ("E622", "zhang.wei")]


def test_audit_finds_an_evil_merge_on_main(lab: Lab) -> None:
    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    lab.git("checkout", "-q", "main", who="chen.gang")
    lab.git("merge", "-q", "--no-ff", "--no-commit", "pr-1", who="chen.gang")
    set_field(lab.root, C1, "status", "closed")
    merge = lab.commit("Merge pull request from pr-1", who="li.na")
    result = lab.run("audit")
    assert result.exit_code == 1
    assert any(line.startswith(f"{C1}: E601 status: illegal transition skips a state: approved → closed (in commit "
                               f"{merge} by li.na <li.na@example.com>) [merge commit {merge}: a change of its own, "
                               "beyond what its parents bring] on ") for line in result.stdout.splitlines())


def test_a_host_squash_merge_is_named_with_what_to_do(lab: Lab) -> None:
    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    assert lab.run("check", "--base", "main").exit_code == 0
    lab.git("checkout", "-q", "main", who="chen.gang")
    lab.git("merge", "-q", "--squash", "pr-1", who="chen.gang")
    env_host = {"GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com"}
    import os
    import subprocess

    subprocess.run(["git", "commit", "-q", "--no-gpg-sign", "-m", "C-2611-001 settlement (#7)"], cwd=lab.root,
                   check=True, env={**os.environ, "GIT_AUTHOR_NAME": "zhang.wei",
                                    "GIT_AUTHOR_EMAIL": "zhang.wei@example.com", **env_host})
    sha = lab.sha()
    result = lab.run("audit")
    assert result.exit_code == 1
    out = result.stdout.splitlines()
    assert any(line.startswith(f"{C1}: E624 approvals: commit {sha} records the approval by li.na of C-2611-001 but "
                               "was re-created by the hosting platform (squash or rebase merge): the actor's "
                               "signature is gone on ") for line in out), out
    assert not any(" E611 " in line or " E619 " in line or " E616 " in line and "approval" in line for line in out)


def test_history_is_judged_by_the_policy_that_held_when_it_landed(lab: Lab) -> None:
    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    _merge(lab, "pr-1")
    lab.git("checkout", "-q", "-b", "li-na-leaves", who="chen.gang")
    text = (lab.root / "svcnotes.toml").read_text(encoding="utf-8")
    pub = (lab.keys / "li.na.pub").read_text().strip()
    (lab.root / "svcnotes.toml").write_text(text.replace(f'signing_keys = ["{pub}"]\n', ""), encoding="utf-8")
    lab.commit("li.na's key retired", who="chen.gang")
    _merge(lab, "li-na-leaves")
    result = lab.run("audit")
    assert result.exit_code == 0, result.output
    assert "signed mode" in result.output


def test_a_forged_policy_that_landed_does_not_bless_what_follows(lab: Lab) -> None:
    lab.git("checkout", "-q", "-b", "policy")
    edit(lab.root, "svcnotes.toml", 'roles = ["rep"]', 'roles = ["rep", "gm"]')
    lab.commit("staff: zhang.wei is gm")
    _merge(lab, "policy")
    lab.propose("4800", who="li.na", branch="later")
    add_approval(lab.root, C1, "zhang.wei", "gm", "4800")
    lab.commit("C-2611-001: approved")
    _merge(lab, "later")
    result = lab.run("audit", "--format", "json")
    found = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [f["code"] for f in found] == ["E622", "E404"]
    assert found[0]["message"].endswith("(audit keeps judging by the policy before it)")


def test_the_site_shows_whether_each_approval_was_signed_and_by_whom(lab: Lab, tmp_path: Path) -> None:
    from tests.site.helpers import build

    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    _merge(lab, "pr-1")
    site, _ = build(lab.root, out=tmp_path / "site")
    html = (site / "complaints/2026/C-2611-001.html").read_text(encoding="utf-8")
    assert f"已签名：李娜（{lab.fingerprint('li.na')}）" in html
    lab.git("checkout", "-q", "-b", "pr-2", who="chen.gang")
    edit(lab.root, C1, "approvals:\n", "approvals:\n  - by: chen.gang\n    role: gm\n    at: 2026-11-06 10:00\n"
                                      "    resolution: allowance\n    amount: 4800\n")
    lab.commit("C-2611-001: gm approves too", who="chen.gang", key="zhang.wei")
    _merge(lab, "pr-2")
    site, _ = build(lab.root, out=tmp_path / "site2")
    html = (site / "complaints/2026/C-2611-001.html").read_text(encoding="utf-8")
    assert f"未证实：signed by 张伟 ({lab.fingerprint('zhang.wei')})" in html


def test_audit_of_a_shallow_clone_fails_with_the_fix(lab: Lab, tmp_path: Path) -> None:
    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    _merge(lab, "pr-1")
    clone = tmp_path / "clone"
    lab.git("clone", "-q", "--depth", "2", f"file://{lab.root}", str(clone))
    other = Lab.__new__(Lab)
    other.root, other.keys = clone, lab.keys
    result = other.run("audit")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:1] == [(
        ".git/shallow: E621 this is a shallow clone: the history the gate judges is cut off (fetch the whole "
        "history: actions/checkout with fetch-depth: 0, GitLab GIT_DEPTH: \"0\", or run: git fetch --unshallow)")], result.output
