"""CI set-up: workflow files, CODEOWNERS from the staff directory, hooks; init writes the same files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.conftest import git, write
from tests.history.helpers import C1, run, set_field

ROOT = Path(__file__).resolve().parents[2]


def test_ci_setup_writes_workflows_codeowners_and_pre_commit(repo: Path) -> None:
    result = run(repo, "ci-setup")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["created .github/workflows/svcnotes.yml", "created .gitlab-ci.yml",
                                          "created CODEOWNERS", "created .pre-commit-config.yaml"]
    workflow = yaml.safe_load((repo / ".github/workflows/svcnotes.yml").read_text())
    steps = [s.get("run", "") for s in workflow["jobs"]["check"]["steps"]]
    assert "svcnotes check --base origin/${{ github.base_ref }}" in steps
    assert "svcnotes build --out site" in [s.get("run", "") for s in workflow["jobs"]["site"]["steps"]]
    gitlab = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())
    assert 'svcnotes check --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in gitlab["svcnotes-check"]["script"]
    owners = [line for line in (repo / "CODEOWNERS").read_text().splitlines() if not line.startswith("#")]
    assert owners == ["records/complaints/** li.na@example.com wang.qiang@example.com chen.gang@example.com",
                      "/svcnotes.toml chen.gang@example.com", "/CODEOWNERS chen.gang@example.com",
                      "/.github/ chen.gang@example.com", "/.gitlab-ci.yml chen.gang@example.com"]
    assert "pull_request_target" in workflow[True] and workflow["permissions"] == {"contents": "read"}
    hook = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    assert hook["id"] == "svcnotes-validate" and hook["entry"] == "svcnotes validate"


def test_ci_setup_keeps_edited_files_unless_forced(repo: Path) -> None:
    write(repo, "CODEOWNERS", "records/** @team\n")
    assert "kept CODEOWNERS" in run(repo, "ci-setup").output.splitlines()
    assert (repo / "CODEOWNERS").read_text() == "records/** @team\n"
    assert "replaced CODEOWNERS" in run(repo, "ci-setup", "--force").output.splitlines()


def test_init_writes_the_ci_files_too(tmp_path: Path) -> None:
    result = run(tmp_path, "init", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    assert "created .github/workflows/svcnotes.yml" in result.output.splitlines()
    assert "records/complaints/** zhang.wei@example.com" in (tmp_path / "new" / "CODEOWNERS").read_text().splitlines()


def test_project_ships_a_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["svcnotes-validate"] and hooks[0]["entry"] == "svcnotes validate"


def test_installed_git_hook_refuses_a_commit_with_an_invalid_record(repo: Path) -> None:
    result = run(repo, "hooks", "install")
    assert result.output.splitlines() == ["installed .git/hooks/pre-commit"]
    hook = (repo / ".git/hooks/pre-commit").read_text()
    assert "exec svcnotes validate" in hook
    set_field(repo, C1, "status", "closd")
    git(repo, "add", "-A")
    env_path = f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin"
    proc = subprocess.run(["git", "commit", "-q", "-m", "bad"], cwd=repo, capture_output=True, text=True,
                          env={"PATH": env_path, "HOME": str(repo), "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x",
                               "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@x"})
    assert proc.returncode != 0
    assert f"{C1}:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)" in proc.stderr.splitlines()


def test_hooks_install_does_not_replace_a_foreign_hook(repo: Path) -> None:
    write(repo, ".git/hooks/pre-commit", "#!/bin/sh\nmy-own-check\n")
    result = run(repo, "hooks", "install")
    assert result.exit_code == 2
    assert "was not written by svcnotes; pass --force to replace it" in result.output
