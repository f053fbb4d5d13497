"""`svcnotes doctor`: each check names what is wrong and the fix; exit 1 when any fails."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def test_fresh_repository_lacks_hooks_and_schemas_and_says_how_to_fix(repo: Path) -> None:
    result = run(repo, "doctor", "--no-site")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "ok    git identity: you are zhang.wei (张伟)" in lines
    assert "ok    config: svcnotes.toml valid; 5 staff" in lines
    assert any(line.startswith("FAIL  hooks: no pre-commit hook at ") for line in lines)
    assert "      fix: svcnotes schema --write (then commit schemas/ and .vscode/settings.json)" in lines


def test_doctor_passes_after_hooks_schemas_and_ci_setup_are_written(repo: Path) -> None:
    assert run(repo, "hooks", "install").exit_code == 0
    assert run(repo, "schema", "--write").exit_code == 0
    assert run(repo, "ci-setup").exit_code == 0
    result = run(repo, "doctor")
    assert result.exit_code == 0, result.output
    assert "everything looks fine" in result.output
    assert any(line.startswith("ok    site: builds: ") for line in result.output.splitlines())


def test_stale_schema_file_is_reported(repo: Path) -> None:
    run(repo, "schema", "--write")
    (repo / "schemas" / "complaint.schema.json").write_text("{}\n", encoding="utf-8")
    result = run(repo, "doctor", "--no-site")
    assert "FAIL  editor schemas: schemas/complaint.schema.json out of date" in result.output.splitlines()


def test_unknown_git_identity_fails_with_the_fix(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "stranger@example.com")
    result = run(repo, "doctor", "--no-site")
    assert result.exit_code == 1
    assert ("FAIL  git identity: git e-mail 'stranger@example.com' is not in the staff directory; add it to the "
            "emails of your [[staff]] entry in svcnotes.toml") in result.output.splitlines()


def test_invalid_config_fails(repo: Path) -> None:
    cfg = repo / "svcnotes.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "\n[deadlines]\nlimit_days = 20\n", encoding="utf-8")
    result = run(repo, "doctor", "--no-site")
    assert result.exit_code == 1
    assert any(line.startswith("FAIL  config: ") for line in result.output.splitlines())


def test_schema_write_maps_every_kind_for_vscode_and_keeps_other_settings(repo: Path) -> None:
    (repo / ".vscode").mkdir()
    (repo / ".vscode" / "settings.json").write_text('{"editor.tabSize": 2}', encoding="utf-8")
    result = run(repo, "schema", "--write")
    assert result.exit_code == 0
    settings = json.loads((repo / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["editor.tabSize"] == 2
    assert settings["yaml.schemas"]["./schemas/complaint.schema.json"] == ["records/complaints/**/*.md"]
    schema = json.loads((repo / "schemas" / "complaint.schema.json").read_text(encoding="utf-8"))
    assert "status" in schema["properties"]


def test_shell_completion_offers_record_ids_and_staff_ids(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCNOTES_REPO", str(repo))
    monkeypatch.setenv("_SVCNOTES_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "svcnotes show C-26")
    monkeypatch.setenv("COMP_CWORD", "2")
    result = CliRunner().invoke(cli, [], prog_name="svcnotes")
    assert "plain,C-2611-001" in result.output.splitlines()
    monkeypatch.setenv("COMP_WORDS", "svcnotes list complaints --owner li")
    monkeypatch.setenv("COMP_CWORD", "4")
    result = CliRunner().invoke(cli, [], prog_name="svcnotes")
    assert "plain,li.na" in result.output.splitlines()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_each_shell(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell], catch_exceptions=False)
    assert result.exit_code == 0
    assert "_SVCNOTES_COMPLETE" in result.output


def test_init_leaves_a_repository_doctor_calls_healthy_on_main(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    made = CliRunner().invoke(cli, ["init", str(target)], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[-2].startswith("committed ") and made.stdout.splitlines()[-2].endswith(" on main")
    result = run(target, "doctor", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(c["name"], c["status"]) for c in data["checks"]] == [
        ("git identity", "ok"), ("config", "ok"), ("signing", "ok"), ("hooks", "ok"), ("editor schemas", "ok"),
        ("editor task", "ok"), ("interrupted writes", "ok"), ("ci", "ok"), ("site", "ok")]
    assert data["failed"] == 0
    branch = subprocess.run(["git", "branch", "--show-current"], cwd=target, capture_output=True, text=True).stdout
    assert branch == "main\n"
    status = subprocess.run(["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True).stdout
    assert status == ""  # everything init wrote is in the first commit


def test_init_names_the_default_branch_with_branch(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    made = CliRunner().invoke(cli, ["init", str(target), "--branch", "trunk", "--no-ci-lock"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    assert subprocess.run(["git", "branch", "--show-current"], cwd=target, capture_output=True,
                          text=True).stdout == "trunk\n"
    result = run(target, "doctor", "--no-site")
    assert "FAIL  ci: .svcnotes/ci/requirements.txt missing" in result.output.splitlines()
    assert "      fix: svcnotes ci-setup (then commit what it wrote)" in result.output.splitlines()


def test_doctor_json_lists_each_failed_check_with_its_fix(repo: Path) -> None:
    result = run(repo, "doctor", "--no-site", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    hooks = next(c for c in data["checks"] if c["name"] == "hooks")
    assert hooks["status"] == "fail" and hooks["fix"].startswith("svcnotes hooks install")
    assert data["failed"] == 4  # hooks, editor schemas, editor task, ci
