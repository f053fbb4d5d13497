"""`svcnotes keys`: from an unsigned repository to signed approvals, with real ssh-keygen and real signed commits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import git
from tests.history.helpers import propose_args, run


def _setup(repo: Path, tmp_path: Path, who: str) -> Path:
    key = tmp_path / "keys" / who
    result = run(repo, "keys", "setup", "--new", "--key", str(key), "--no-passphrase", who=who)
    assert result.exit_code == 0, result.output
    return key


def test_from_unsigned_to_a_signed_approval_end_to_end(repo: Path, tmp_path: Path) -> None:
    gm = _setup(repo, tmp_path, "chen.gang")
    out = run(repo, "keys", "setup", "--key", str(gm), who="chen.gang").output
    assert "svcnotes.toml does not list this key for chen.gang yet" in out
    for who in ("chen.gang", "zhang.wei", "li.na"):
        key = gm if who == "chen.gang" else tmp_path / "keys" / who
        if who != "chen.gang":
            _setup(repo, tmp_path, who)
            run(repo, "keys", "setup", "--key", str(gm), who="chen.gang")  # git here signs as the GM again
        proposed = run(repo, "keys", "propose", "--staff", who, "--key", f"{key}.pub", "--branch", f"keys/{who}",
                       who="chen.gang")
        assert proposed.exit_code == 0, proposed.output
        assert run(repo, "check", "--base", "main", who="chen.gang").exit_code == 0
        git(repo, "checkout", "-q", "main", who="chen.gang")
        git(repo, "merge", "-q", "--no-ff", "-m", f"Merge keys/{who}", f"keys/{who}", who="chen.gang")
    listed = run(repo, "keys", "list", "--format", "csv")
    assert "chen.gang,gm,ssh,SHA256:" in listed.output and "zhao.min,quality,,(no key)" in listed.output
    # the GM turns signed mode on, in a commit of his own
    git(repo, "checkout", "-q", "-b", "signed", who="chen.gang")
    (repo / "svcnotes.toml").write_text((repo / "svcnotes.toml").read_text() + "\n[approval]\nsigned = true\n")
    git(repo, "commit", "-q", "-am", "approvals must be signed", who="chen.gang")
    assert run(repo, "check", "--base", "main", who="chen.gang").exit_code == 0
    git(repo, "checkout", "-q", "main", who="chen.gang")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge signed", "signed", who="chen.gang")
    # a rep proposes, the sales manager approves: each signs with their own key
    run(repo, "keys", "setup", "--key", str(tmp_path / "keys" / "zhang.wei"), who="zhang.wei")
    git(repo, "checkout", "-q", "-b", "pr-1")
    assert run(repo, "investigate", "C-2611-001", "--today", "2026-11-03").exit_code == 0
    assert run(repo, *propose_args("C-2611-001", "4800")).exit_code == 0
    run(repo, "keys", "setup", "--key", str(tmp_path / "keys" / "li.na"), who="li.na")
    assert run(repo, "approve", "C-2611-001", "--today", "2026-11-05", who="li.na").exit_code == 0
    assert git(repo, "log", "-1", "--format=%G? %GS").strip() == "G li.na"
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].startswith("signed mode (svcnotes.toml at ")


def test_a_rep_cannot_propose_a_key_change(repo: Path, tmp_path: Path) -> None:
    key = _setup(repo, tmp_path, "zhang.wei")
    result = run(repo, "keys", "propose", "--staff", "zhang.wei", "--key", f"{key}.pub")
    assert result.exit_code == 2
    assert ("error: zhang.wei holds no admin role (gm): the gate accepts svcnotes.toml changes only in an admin's "
            "signed commit. Send your public key line (svcnotes keys show) to an admin, who runs: svcnotes keys "
            "propose --staff zhang.wei --key 'ssh-ed25519 AAAA...'") in result.output


def test_a_missing_key_says_how_to_make_one(repo: Path, tmp_path: Path) -> None:
    result = run(repo, "keys", "setup", "--key", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert (f"error: no key at {tmp_path / 'nope.pub'}: make one with 'svcnotes keys setup --new', or give --key PATH"
            in result.output)


def test_a_key_in_the_wrong_format_is_refused(repo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pub"
    bad.write_text("ssh-ed25519 not-base64!\n")
    result = run(repo, "keys", "setup", "--key", str(bad))
    assert result.exit_code == 2
    assert f"error: {bad}: the key has key data that is not valid base64 for ssh-ed25519" in result.output


def test_an_unreadable_key_is_refused(repo: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    bad = tmp_path / "locked.pub"
    bad.write_text("x")
    bad.chmod(0)
    result = run(repo, "keys", "setup", "--key", str(bad))
    assert result.exit_code == 2 and "cannot be read" in result.output


def test_no_ssh_keygen_says_how_to_install_it(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    os.symlink("/usr/bin/git", bare / "git")
    monkeypatch.setenv("PATH", str(bare))
    result = run(repo, "keys", "setup", "--new", "--key", str(tmp_path / "k"), "--no-passphrase")
    assert result.exit_code == 2
    assert "error: ssh-keygen is not installed: install OpenSSH (Debian/Ubuntu: apt-get install openssh-client" \
        in result.output


def test_the_key_lands_in_the_staff_entry_and_nowhere_else(repo: Path, tmp_path: Path) -> None:
    from svcnotes.history.keyring import with_key

    text = (repo / "svcnotes.toml").read_text()
    line = Path(f"{_setup(repo, tmp_path, 'li.na')}.pub").read_text().strip()
    edited = with_key(text, "li.na", line)
    assert edited.replace(f'signing_keys = [\n  "{line}",\n]\n', "") == text
    assert edited.index("signing_keys") > edited.index('id = "li.na"') > 0
    assert edited.index("signing_keys") < edited.index('id = "wang.qiang"')


def test_doctor_says_which_mode_runs_and_what_it_does_not_prove(repo: Path, tmp_path: Path) -> None:
    lines = run(repo, "doctor", "--no-site").output.splitlines()
    assert ("ok    signing: unsigned mode: identities are git author e-mails, which anyone can type; this does not "
            "prove who approved, proposed or closed anything (set approval.signed = true, docs/security.md)") in lines
    (repo / "svcnotes.toml").write_text((repo / "svcnotes.toml").read_text() + "\n[approval]\nsigned = true\n")
    lines = run(repo, "doctor", "--no-site").output.splitlines()
    assert any(line.startswith("FAIL  signing: signed mode: ") and line.endswith("git does not sign your commits here")
               for line in lines)
    assert "      fix: svcnotes keys setup" in lines
