"""Red team: every way issue 13 found to get an improper approval past `svcnotes check --base`, each with real
ssh-keygen keys and real signed commits, asserting the exact error line; and the controls that must pass."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import Result

from tests.history.helpers import add_approval, edit, set_field
from tests.history.redteam import C1, Lab, make_keys


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def lab(tmp_path: Path, keys: Path) -> Lab:
    return Lab(tmp_path, keys)


def lines(result: Result) -> list[str]:
    return result.output.splitlines()


def codes(result: Result) -> list[str]:
    return sorted({line.split(": ", 2)[1].split()[0] for line in lines(result) if line.startswith("records/")
                   or line.startswith("svcnotes.toml") or line.startswith("CODEOWNERS") or line.startswith(".")})


# --- controls -------------------------------------------------------------------------------------------------

def test_control_a_correct_signed_approval_passes(lab: Lab) -> None:
    lab.propose("4800")
    approved = lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na")
    assert approved.exit_code == 0, approved.output
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 0, result.output
    assert "signed mode" in result.output


def test_control_a_body_only_pr_needs_no_signature(lab: Lab) -> None:
    lab.git("checkout", "-q", "-b", "notes")
    edit(lab.root, C1, "客户来电反映支架尺寸超差。", "客户来电反映支架尺寸超差，已约定周五回电。")
    lab.commit("C-2611-001: note", key=None)
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 0, result.output


def test_control_rebase_before_approval_then_fast_forward_passes(lab: Lab) -> None:
    lab.propose("4800")
    lab.git("checkout", "-q", "main", who="chen.gang")
    (lab.root / "records/customers/other.md").write_text("---\nid: other\nname: 其他公司\ntier: normal\n---\n",
                                                         encoding="utf-8")
    lab.commit("add a customer", who="chen.gang")
    lab.git("checkout", "-q", "pr-1")
    lab.git("rebase", "-q", "main")  # the rep re-signs their own commits
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    assert lab.run("check", "--base", "main").exit_code == 0
    lab.git("checkout", "-q", "main", who="chen.gang")
    lab.git("merge", "-q", "--ff-only", "pr-1", who="chen.gang")
    audit = lab.run("audit")
    assert audit.exit_code == 0, audit.output


def test_control_renumber_keeps_the_approval_valid(lab: Lab) -> None:
    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    lab.git("checkout", "-q", "main", who="chen.gang")
    lab.git("merge", "-q", "--no-ff", "-m", "Merge pr-1", "pr-1", who="chen.gang")
    lab.git("checkout", "-q", "-b", "renumber")
    assert lab.run("renumber", "C-2611-001").exit_code == 0
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 0, result.output
    assert "E403" not in result.output


# --- identity -------------------------------------------------------------------------------------------------

def test_rep_signing_an_approval_authored_as_the_approver_fails(lab: Lab) -> None:
    lab.propose("4800")
    add_approval(lab.root, C1, "li.na", "sales_manager", "4800")
    sha = lab.commit("C-2611-001: approved", who="li.na", key="zhang.wei")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    line = lab.line_of("- by: li.na")
    assert (f"{C1}:{line}: E619 approvals[0].by: commit {sha} records the approval of C-2611-001 claimed by li.na "
            f"but is signed by zhang.wei ({lab.fingerprint('zhang.wei')}) (only li.na may make this commit, signed "
            "with their own key (identity is the signer, not the author e-mail))") in lines(result)


def test_approval_signed_by_a_key_nobody_lists_fails(lab: Lab) -> None:
    lab.propose("4800")
    add_approval(lab.root, C1, "li.na", "sales_manager", "4800")
    sha = lab.commit("C-2611-001: approved", who="li.na", key="stranger")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert (f"{C1}:{lab.line_of('- by: li.na')}: E617 approvals[0].by: commit {sha} records the approval of "
            f"C-2611-001 claimed by li.na but is signed with a key no staff member lists "
            f"({lab.fingerprint('stranger')}) (list the key in the signer's [[staff]] signing_keys through an admin "
            "PR (svcnotes keys propose), or sign with a listed key)") in lines(result)


def test_unsigned_approval_in_signed_mode_fails(lab: Lab) -> None:
    lab.propose("4800")
    add_approval(lab.root, C1, "li.na", "sales_manager", "4800")
    sha = lab.commit("C-2611-001: approved", who="li.na", key=None)
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert (f"{C1}:{lab.line_of('- by: li.na')}: E616 approvals[0].by: commit {sha} records the approval of "
            "C-2611-001 claimed by li.na but is not signed (approval.signed = true: li.na signs the commit with a key "
            "listed in their [[staff]] signing_keys (svcnotes keys setup))") in lines(result)


def test_proposal_signed_by_someone_else_fails(lab: Lab) -> None:
    lab.git("checkout", "-q", "-b", "pr-1")
    assert lab.run("investigate", "C-2611-001", "--today", "2026-11-03").exit_code == 0
    for name, value in (("status", "proposed"), ("proposed_by", "wang.qiang"), ("proposed_at", "2026-11-04 10:00"),
                        ("cause_class", "quality"), ("cause_analysis", "模具磨损"), ("responsible_dept", "manufacturing"),
                        ("countermeasure", "更换模具"), ("resolution", "allowance"), ("amount", "4800")):
        set_field(lab.root, C1, name, value)
    sha = lab.commit("C-2611-001: proposed", who="zhang.wei")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert (f"{C1}:4: E619 status: commit {sha} records the proposal of C-2611-001 claimed by wang.qiang but is "
            f"signed by zhang.wei ({lab.fingerprint('zhang.wei')}) (only wang.qiang may make this commit, signed with "
            "their own key (identity is the signer, not the author e-mail))") in lines(result)


# --- policy from the base -------------------------------------------------------------------------------------

def _own_gm_role(lab: Lab) -> None:
    edit(lab.root, "svcnotes.toml", 'roles = ["rep"]', 'roles = ["rep", "gm"]')


def test_pr_giving_the_rep_the_gm_role_fails_and_is_judged_by_the_base(lab: Lab) -> None:
    lab.propose("4800")
    _own_gm_role(lab)
    toml = lab.commit("staff: zhang.wei is gm")
    add_approval(lab.root, C1, "zhang.wei", "gm", "4800")
    lab.commit("C-2611-001: approved")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert (f"svcnotes.toml: E622 commit {toml} changes svcnotes.toml's rules but is signed by zhang.wei, who holds "
            "no admin role (gm) (a staff member holding an admin role (gm) makes this change in a commit signed as "
            "themselves (svcnotes keys propose for keys); it applies after the merge)") in lines(result)
    assert "E404" in codes(result) and "E405" in codes(result)


@pytest.mark.parametrize("old, new", [
    ('role = "sales_manager"\nmax_amount = 5000', 'role = "sales_manager"\nmax_amount = 8000'),
    ('emails = ["chen.gang@example.com"]', 'emails = ["chen.gang@example.com", "zhang.wei@example.com"]'),
    ("signed = true", "signed = false"),
])
def test_pr_changing_a_rule_bearing_setting_fails(lab: Lab, old: str, new: str) -> None:
    lab.git("checkout", "-q", "-b", "policy")
    edit(lab.root, "svcnotes.toml", old, new)
    toml = lab.commit("change the rules")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert any(line.startswith(f"svcnotes.toml: E622 commit {toml} changes svcnotes.toml's rules but is signed by "
                               "zhang.wei") for line in lines(result))


def test_signed_false_in_the_pr_does_not_switch_the_gate_off(lab: Lab) -> None:
    lab.propose("4800")
    edit(lab.root, "svcnotes.toml", "signed = true", "signed = false")
    lab.commit("unsigned from now on")
    add_approval(lab.root, C1, "li.na", "sales_manager", "4800")
    lab.commit("C-2611-001: approved", who="li.na", key=None)
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert {"E616", "E622"} <= set(codes(result))


def test_codeowners_and_ci_changes_need_an_admin(lab: Lab) -> None:
    lab.git("checkout", "-q", "-b", "ci")
    (lab.root / "CODEOWNERS").write_text("* @zhang.wei\n", encoding="utf-8")
    (lab.root / ".github/workflows").mkdir(parents=True)
    (lab.root / ".github/workflows/svcnotes.yml").write_text("on: push\n", encoding="utf-8")
    sha = lab.commit("own everything")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert (f".github/workflows/svcnotes.yml: E622 commit {sha} changes .github/workflows/svcnotes.yml, CODEOWNERS "
            "but is signed by zhang.wei, who holds no admin role (gm) (a staff member holding an admin role (gm) "
            "makes this change in a commit signed as themselves (svcnotes keys propose for keys); it applies after "
            "the merge)") in lines(result)


def test_control_an_admin_signed_policy_change_passes(lab: Lab) -> None:
    lab.git("checkout", "-q", "-b", "policy", who="chen.gang")
    edit(lab.root, "svcnotes.toml", 'role = "sales_manager"\nmax_amount = 5000',
         'role = "sales_manager"\nmax_amount = 8000')
    lab.commit("raise the sales manager's limit", who="chen.gang")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 0, result.output


# --- four eyes, severity --------------------------------------------------------------------------------------

def test_proposer_rewriting_proposed_by_then_approving_fails(lab: Lab) -> None:
    lab.propose("3000", who="li.na")
    proposal = lab.sha()
    set_field(lab.root, C1, "proposed_by", "wang.qiang")
    lab.commit("C-2611-001: fix proposer", who="li.na")
    approved = lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na")
    assert approved.exit_code == 0, approved.output
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert (f"{C1}:{lab.line_of('- by: li.na')}: E405 approvals[0].by: approval 1: li.na approved their own "
            f"proposal (four eyes): commit {proposal} that moved it to proposed is li.na's, whatever proposed_by says "
            "(wang.qiang) (someone other than the proposer must approve)") in lines(result)


def test_severity_lowered_after_the_proposal_needs_the_higher_approver(lab: Lab) -> None:
    set_field(lab.root, C1, "severity", "critical")
    lab.commit("critical", who="chen.gang")
    lab.propose("3000")
    set_field(lab.root, C1, "severity", "normal")
    lowered = lab.commit("C-2611-001: not that bad")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert (f"{C1}:{lab.line_of('severity: normal')}: E623 severity: severity was lowered to normal after the "
            f"proposal (commit {lowered} by zhang.wei): the approval must still come from 'gm', as for critical "
            "(lowering the severity voids the approvals given for it; the approver of the higher severity approves: "
            "svcnotes approve C-2611-001)") in lines(result)
    summary = lab.run("pr-summary", "--base", "main")
    assert "Approvals still required" in summary.output and "None." not in summary.output


# --- holes in the history -------------------------------------------------------------------------------------

def _approved_on_main(lab: Lab) -> None:
    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    lab.git("checkout", "-q", "main", who="chen.gang")
    lab.git("merge", "-q", "--no-ff", "-m", "Merge pr-1", "pr-1", who="chen.gang")


def test_merge_commit_that_skips_approved_to_closed_fails(lab: Lab) -> None:
    _approved_on_main(lab)
    lab.git("checkout", "-q", "-b", "sneaky", "main~1")
    (lab.root / "records/customers/other.md").write_text("---\nid: other\nname: 其他公司\ntier: normal\n---\n",
                                                         encoding="utf-8")
    lab.commit("add a customer")
    lab.git("merge", "-q", "--no-commit", "main")
    set_field(lab.root, C1, "status", "closed")
    sha = lab.commit("Merge main")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert (f"{C1}: E601 status: illegal transition skips a state: approved → closed (in commit {sha} by zhang.wei "
            f"<zhang.wei@example.com>) [merge commit {sha}: a change of its own, beyond what its parents bring] (go "
            "through approved → resolved → closed, one commit each)") in lines(result)


def test_control_a_plain_merge_of_the_base_passes(lab: Lab) -> None:
    _approved_on_main(lab)
    lab.git("checkout", "-q", "-b", "later", "main~1")
    (lab.root / "records/customers/other.md").write_text("---\nid: other\nname: 其他公司\ntier: normal\n---\n",
                                                         encoding="utf-8")
    lab.commit("add a customer")
    lab.git("merge", "-q", "--no-edit", "main")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("target", ["attic/C-2611-001.md", "records/complaints/2026/C-2611-001.md.bak"])
def test_moving_a_record_out_of_records_is_a_deletion(lab: Lab, target: str) -> None:
    lab.git("checkout", "-q", "-b", "hide")
    (lab.root / target).parent.mkdir(parents=True, exist_ok=True)
    lab.git("mv", C1, target)
    sha = lab.commit("tidy up")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert (f"{C1}: E603 deletes record C-2611-001 (commit {sha} by zhang.wei) (restore the file; end a groundless "
            "complaint as not_established)") in lines(result)


# --- bad input ------------------------------------------------------------------------------------------------

def test_a_key_in_the_wrong_format_is_a_located_config_error(lab: Lab) -> None:
    edit(lab.root, "svcnotes.toml", 'signing_keys = ["ssh-ed25519 ', 'signing_keys = ["ssh-ed25519 x')
    result = lab.run("validate")
    assert result.exit_code == 2
    assert any(line.startswith("svcnotes.toml:") and "C002 staff.signing_keys: signing key 1 of 'zhang.wei' has key "
               "data that is not valid base64 for ssh-ed25519" in line for line in lines(result))


def test_a_private_key_pasted_by_mistake_is_refused(lab: Lab) -> None:
    edit(lab.root, "svcnotes.toml", 'signing_keys = ["ssh-ed25519 ', 'signing_keys = ["-----BEGIN OPENSSH PRIVATE KEY----- ')
    result = lab.run("validate")
    assert "is a private key: list the public key (the .pub file), and keep the private key secret" in result.output


def test_no_ssh_keygen_on_the_runner_fails_with_the_fix(lab: Lab, tmp_path: Path) -> None:
    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("git",):
        os.symlink(f"/usr/bin/{tool}", bare / tool)
    old = os.environ["PATH"]
    os.environ["PATH"] = str(bare)
    try:
        result = lab.run("check", "--base", "main")
    finally:
        os.environ["PATH"] = old
    assert result.exit_code == 1
    assert ("svcnotes.toml: E620 approval.signed = true but ssh-keygen is not installed: no signature can be checked "
            "(install it on the runner (Debian/Ubuntu: apt-get install openssh-client gnupg; Alpine: apk add "
            "openssh-keygen gnupg))") in lines(result)


def test_a_shallow_clone_fails_with_the_fix(lab: Lab, tmp_path: Path) -> None:
    lab.propose("4800")
    clone = tmp_path / "clone"
    lab.git("clone", "-q", "--depth", "1", "--no-single-branch", f"file://{lab.root}", str(clone))
    other = Lab.__new__(Lab)
    other.root, other.keys = clone, lab.keys
    other.git("checkout", "-q", "pr-1")
    result = other.run("check", "--base", "origin/main")
    assert result.exit_code == 1
    assert (".git/shallow: E621 this is a shallow clone: the history the gate judges is cut off (fetch the whole history: "
            "actions/checkout with fetch-depth: 0, GitLab GIT_DEPTH: \"0\", or run: git fetch --unshallow)"
            ) in lines(result)


# --- GPG keys -------------------------------------------------------------------------------------------------

def _gpg_key(home: Path, who: str) -> str:
    import subprocess

    home.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", f"{who} <{who}@example.com>", "ed25519",
                    "sign", "never"], check=True, capture_output=True, env=env)
    out = subprocess.run(["gpg", "--list-keys", "--with-colons", f"{who}@example.com"], capture_output=True, text=True,
                         env=env).stdout
    return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr"))


@pytest.mark.skipif(not shutil.which("gpg"), reason="gpg is not installed")
def test_gpg_signed_approvals_are_judged_by_fingerprint(lab: Lab, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "gnupg"
    mine, stranger = _gpg_key(home, "li.na"), _gpg_key(home, "stranger")
    monkeypatch.setenv("GNUPGHOME", str(home))
    pub = (lab.keys / "li.na.pub").read_text().strip()
    edit(lab.root, "svcnotes.toml", f'signing_keys = ["{pub}"]', f'signing_keys = ["{mine}"]')
    lab.commit("li.na signs with GPG", who="chen.gang")
    lab.propose("4800")
    base = lab.sha()
    add_approval(lab.root, C1, "li.na", "sales_manager", "4800")
    lab.git("add", "-A")
    for fpr in (mine, stranger):
        lab.git("-c", "gpg.format=openpgp", "-c", f"user.signingkey={fpr}", "commit", "-q", "-m", "approved", who="li.na",
                key=None)
        lab.git("-c", "gpg.format=openpgp", "-c", f"user.signingkey={fpr}", "commit", "-q", "--amend", "-S",
                "--no-edit", who="li.na", key=None)
        result = lab.run("check", "--base", "main")
        if fpr == mine:
            assert result.exit_code == 0, result.output
            lab.git("reset", "-q", "--soft", base)
        else:
            assert result.exit_code == 1
            assert (f"C-2611-001 claimed by li.na but is signed with a key no staff member lists ({fpr[-16:]})"
                    in result.output)


def test_validation_caches_never_cross_between_the_prs_policy_and_the_bases(lab: Lab) -> None:
    lab.git("checkout", "-q", "-b", "category")
    edit(lab.root, "svcnotes.toml", "[approval]\n", "[complaints.categories]\npackaging = {zh = \"包装\", en = \"Packaging\"}\n\n[approval]\n")
    set_field(lab.root, C1, "category", "packaging")
    lab.commit("a new category, used at once")
    for path in [*lab.root.rglob("*.md"), lab.root / "svcnotes.toml"]:  # out of the caches' racy window
        os.utime(path, (path.stat().st_atime - 60, path.stat().st_mtime - 60))
    assert lab.run("validate").exit_code == 0  # the PR's own configuration knows the category; results cached
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert any(f"{C1}:" in line and "packaging" in line and "category" in line for line in lines(result)), result.output
    assert lab.run("validate").exit_code == 0  # and the gate's base-policy results are not reused by validate


# --- CAPA verification and closure ----------------------------------------------------------------------------

def _capa_done(lab: Lab) -> None:
    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    added = lab.run("capa", "add", "C-2611-001", "--action", "模具点检纳入日检", "--owner", "wang.qiang", "--due",
                    "2026-12-15", "--today", "2026-11-05")
    assert added.exit_code == 0, added.output
    done = lab.run("capa", "done", "C-2611-001", "1", "--today", "2026-11-20", who="wang.qiang")
    assert done.exit_code == 0, done.output


def test_capa_verification_signed_by_someone_else_fails(lab: Lab) -> None:
    _capa_done(lab)
    edit(lab.root, C1, "    status: done\n", "    status: verified\n    verified_by: zhao.min\n    verified_at: 2026-11-21\n")
    sha = lab.commit("C-2611-001: CAPA 1 verified", who="zhao.min", key="wang.qiang")
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert any(f"E619 capa: commit {sha} records the CAPA verification of C-2611-001 claimed by zhao.min but is "
               f"signed by wang.qiang ({lab.fingerprint('wang.qiang')})" in line for line in lines(result)), result.output


def test_control_capa_verified_by_quality_with_their_own_key_passes_the_signature_rule(lab: Lab) -> None:
    _capa_done(lab)
    verified = lab.run("capa", "verify", "C-2611-001", "1", "--today", "2026-11-21", who="zhao.min")
    assert verified.exit_code == 0, verified.output
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 0, result.output


def test_an_unsigned_closure_fails(lab: Lab) -> None:
    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    resolved = lab.run("resolve", "C-2611-001", "--told-via", "phone", "--result", "客户同意折让", "--today", "2026-11-06")
    assert resolved.exit_code == 0, resolved.output
    for name, value in (("status", "closed"), ("closed_at", "2026-11-20"), ("customer_accepted", "true"),
                        ("callback_waived", "客户不接电话")):
        set_field(lab.root, C1, name, value)
    sha = lab.commit("C-2611-001: closed", key=None)
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    assert f"{C1}:4: E616 status: commit {sha} records the closure of C-2611-001 but is not signed " \
           "(approval.signed = true: the actor signs the commit with a key listed in their [[staff]] signing_keys " \
           "(svcnotes keys setup))" in lines(result), result.output


def test_an_approval_the_platform_rebased_says_what_to_do(lab: Lab) -> None:
    import subprocess

    lab.propose("4800")
    assert lab.run("approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    lab.git("checkout", "-q", "main", who="chen.gang")
    (lab.root / "records/customers/other.md").write_text("---\nid: other\nname: 其他公司\ntier: normal\n---\n",
                                                         encoding="utf-8")
    lab.commit("add a customer", who="chen.gang")
    lab.git("checkout", "-q", "pr-1")
    subprocess.run(["git", "-c", "commit.gpgsign=false", "rebase", "-q", "main"], cwd=lab.root, check=True,
                   capture_output=True, env={**os.environ, "GIT_COMMITTER_NAME": "GitHub",
                                             "GIT_COMMITTER_EMAIL": "noreply@github.com"})
    result = lab.run("check", "--base", "main")
    assert result.exit_code == 1
    sha = lab.sha()
    assert (f"{C1}:{lab.line_of('- by: li.na')}: E624 approvals[0].by: commit {sha} records the approval by li.na of "
            "C-2611-001 but was re-created by the hosting platform (squash or rebase merge): the actor's signature is "
            "gone (the platform rebased this PR's commits (\"Update branch\" by rebase, or a rebase merge): update "
            "branches by merging the base instead, and have each actor redo their step on top (svcnotes approve ...))"
            ) in lines(result), result.output
    assert " E616 " not in result.output and " E619 " not in result.output
