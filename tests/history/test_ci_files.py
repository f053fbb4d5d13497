"""CI set-up: workflow files, CODEOWNERS from the staff directory, hooks; init writes the same files."""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import yaml

from tests.conftest import git, write
from tests.history.helpers import C1, run, set_field

ROOT = Path(__file__).resolve().parents[2]


CI_FILES = [".github/workflows/svcnotes.yml", ".gitlab-ci.yml", "CODEOWNERS", ".pre-commit-config.yaml"]
LOCK = [".svcnotes/ci/svcnotes-0.1.0-py3-none-any.whl", ".svcnotes/ci/requirements.txt"]
SHA_PIN = re.compile(r"^[\w./-]+@[0-9a-f]{40}$")


def test_ci_setup_writes_workflows_codeowners_pre_commit_and_the_install_lock(repo: Path) -> None:
    result = run(repo, "ci-setup")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"created {rel}" for rel in CI_FILES + LOCK]
    owners = [line for line in (repo / "CODEOWNERS").read_text().splitlines() if not line.startswith("#")]
    assert owners[0] == "records/complaints/** li.na@example.com wang.qiang@example.com chen.gang@example.com"
    hook = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    assert hook["id"] == "svcnotes-validate" and hook["entry"] == "svcnotes validate --staged"


def test_github_workflow_is_read_only_pinned_cached_and_installs_the_locked_wheel(repo: Path) -> None:
    run(repo, "ci-setup")
    workflow = yaml.safe_load((repo / ".github/workflows/svcnotes.yml").read_text())
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["group"] == "svcnotes-${{ github.event.pull_request.number || github.ref }}"
    jobs = workflow["jobs"]
    assert set(jobs) == {"check", "audit", "site"}
    # the gate: the base branch's workflow (pull_request_target) and the base branch's svcnotes, never the PR's
    assert workflow[True] == {"pull_request_target": None, "push": None}
    assert jobs["check"]["if"] == "github.event_name == 'pull_request_target'"
    base = [s for s in jobs["check"]["steps"] if s.get("with", {}).get("path") == ".svcnotes-base"]
    assert len(base) == 1 and "ref" not in base[0]["with"]
    install = next(s for s in jobs["check"]["steps"] if s.get("run", "").startswith("python -m pip install"))
    assert install["working-directory"] == ".svcnotes-base"
    default = "github.event_name == 'push' && github.ref_name == github.event.repository.default_branch"
    assert jobs["audit"]["if"] == jobs["site"]["if"] == default
    for job in jobs.values():
        assert job["timeout-minutes"] > 0
        uses = [s["uses"] for s in job["steps"] if "uses" in s]
        assert uses and all(SHA_PIN.match(u) for u in uses), uses
        setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
        assert setup["with"]["cache"] == "pip"
        assert setup["with"]["cache-dependency-path"].endswith(".svcnotes/ci/requirements.txt")
        runs = [s["run"] for s in job["steps"] if "run" in s]
        assert runs[0] == "python -m pip install --require-hashes --no-deps -r .svcnotes/ci/requirements.txt"
        assert not any("pip install svcnotes" in r for r in runs)
    check_runs = [s["run"] for s in jobs["check"]["steps"] if "run" in s]
    assert check_runs[1:4] == ["svcnotes validate", "svcnotes ci-setup --check",
                               "svcnotes check --base origin/${{ github.base_ref }}"]
    assert "svcnotes audit" in [s.get("run") for s in jobs["audit"]["steps"]]
    artifact = jobs["site"]["steps"][-1]
    assert artifact["uses"].startswith("actions/upload-artifact@") and artifact["with"]["path"] == "site"


def test_gitlab_pipeline_has_the_same_jobs_and_a_code_quality_report(repo: Path) -> None:
    run(repo, "ci-setup")
    gitlab = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())
    target = "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    check = gitlab["svcnotes-check"]
    assert check["script"][0] == "python -m pip install --require-hashes --no-deps -r .svcnotes/ci/requirements.txt"
    assert f'svcnotes check --base "{target}"' in check["script"]
    assert "svcnotes validate" in check["script"]
    assert check["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert f'svcnotes check --base "{target}" --format gitlab > gl-code-quality-report.json || true' in check["script"]
    assert gitlab["svcnotes-audit"]["script"][-1] == "svcnotes audit"
    assert gitlab["svcnotes-site"]["artifacts"]["paths"] == ["site"]
    assert gitlab["default"]["interruptible"] is True and gitlab["default"]["timeout"]
    assert gitlab["default"]["cache"]["key"]["files"] == [".svcnotes/ci/requirements.txt"]


def test_requirements_pin_the_wheel_and_every_dependency_by_hash(repo: Path) -> None:
    run(repo, "ci-setup")
    text = (repo / ".svcnotes/ci/requirements.txt").read_text()
    wheel = (repo / LOCK[0]).read_bytes()
    assert f"./{LOCK[0]} \\\n    --hash=sha256:{hashlib.sha256(wheel).hexdigest()}" in text
    pinned = dict(re.findall(r"^([a-z0-9-]+)==(\S+) \\$", text, re.M))
    for dep in ("click", "jinja2", "markdown", "pyyaml", "ruamel-yaml", "nh3", "openpyxl", "markupsafe", "pygls"):
        assert pinned[dep] == importlib.metadata.version(dep)
    requirements = [line for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert all("--hash=sha256:" in text.split(line, 1)[1].split("\n", 2)[1] for line in requirements)
    with zipfile.ZipFile(io.BytesIO(wheel)) as zf:
        names = zf.namelist()
    assert "svcnotes/cli/__init__.py" in names and "svcnotes/theme/base.html" in names
    assert "svcnotes-0.1.0.dist-info/entry_points.txt" in names
    again = run(repo, "ci-setup")
    assert f"unchanged {LOCK[0]}" in again.output.splitlines()  # the same code builds the same wheel


def test_check_format_gitlab_prints_a_code_quality_report(repo: Path) -> None:
    git(repo, "branch", "base")
    set_field(repo, C1, "status", "closd")
    git(repo, "commit", "-q", "--no-verify", "-am", "bad")
    result = run(repo, "check", "--base", "base", "--format", "gitlab")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(i["check_name"], i["severity"], i["location"]) for i in report] == [
        ("E104", "major", {"path": C1, "lines": {"begin": 4}})]
    assert report[0]["description"] == f"{C1}:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)"


def test_codeowners_gives_policy_files_to_the_admin_role_and_lists_each_amount_band(repo: Path) -> None:
    run(repo, "ci-setup")
    text = (repo / "CODEOWNERS").read_text()
    lines = text.splitlines()
    assert "#   up to 5,000: sales_manager: li.na@example.com" in lines
    assert "#   up to 50,000: deputy_gm: wang.qiang@example.com" in lines
    assert "#   above 50,000: gm: chen.gang@example.com" in lines
    # approval.admin_roles defaults to gm: the general manager owns the files the gate treats as policy
    for path in ("/svcnotes.toml", "/CODEOWNERS", "/.github/workflows/", "/.gitlab-ci.yml", "/.svcnotes/ci/"):
        assert f"{path} chen.gang@example.com" in lines


def test_codeowners_follows_the_staff_directory_and_the_gate_fails_while_it_is_stale(repo: Path) -> None:
    run(repo, "ci-setup")
    cfg = repo / "svcnotes.toml"
    cfg.write_text(cfg.read_text().replace('roles = ["rep"]', 'roles = ["rep", "gm"]', 1))
    stale = run(repo, "ci-setup", "--check")
    assert stale.exit_code == 1
    assert stale.output.splitlines() == ["CODEOWNERS out of date: run svcnotes ci-setup and commit the result"]
    assert "updated CODEOWNERS" in run(repo, "ci-setup").output.splitlines()
    assert "/svcnotes.toml zhang.wei@example.com chen.gang@example.com" in (repo / "CODEOWNERS").read_text().splitlines()
    assert run(repo, "ci-setup", "--check").exit_code == 0


def test_ci_setup_keeps_edited_files_unless_forced(repo: Path) -> None:
    write(repo, "CODEOWNERS", "records/** @team\n")
    assert "kept CODEOWNERS" in run(repo, "ci-setup").output.splitlines()
    assert (repo / "CODEOWNERS").read_text() == "records/** @team\n"
    assert run(repo, "ci-setup", "--check").exit_code == 0  # a person's edit is theirs, not stale
    assert "replaced CODEOWNERS" in run(repo, "ci-setup", "--force").output.splitlines()


def test_init_writes_the_ci_files_and_lock_too(tmp_path: Path) -> None:
    result = run(tmp_path, "init", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    for rel in CI_FILES + LOCK:
        assert f"created {rel}" in result.output.splitlines()
    lines = (tmp_path / "new" / "CODEOWNERS").read_text().splitlines()
    assert "records/complaints/** zhang.wei@example.com" in lines
    assert "/svcnotes.toml zhang.wei@example.com" in lines  # the person who ran init is the admin


def test_project_ships_pre_commit_hooks_for_validation_and_forbidden_phrases() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [(h["id"], h["entry"]) for h in hooks] == [("svcnotes-validate", "svcnotes validate --staged"),
                                                      ("svcnotes-phrases", "svcnotes validate --staged --only E409")]


def commit_with_hook(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`git commit` as a person at a terminal would run it: the installed hook runs svcnotes from PATH."""
    env_path = f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin"
    return subprocess.run(["git", "commit", "-q", *args], cwd=repo, capture_output=True, text=True,
                          env={"PATH": env_path, "HOME": str(repo), "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x",
                               "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@x"})


CLOSD = f"{C1}:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)"
# the hook at a terminal with no language in the environment: the repository's organisation.locale (zh-CN)
CLOSD_HOOK = f"{C1}:4: E104 status: 'closd' 不是有效的状态值（是否想写 'closed'？）"


def test_installed_git_hook_refuses_a_commit_with_an_invalid_record(repo: Path) -> None:
    result = run(repo, "hooks", "install")
    assert result.output.splitlines() == ["installed .git/hooks/pre-commit"]
    assert "exec svcnotes validate --staged" in (repo / ".git/hooks/pre-commit").read_text()
    set_field(repo, C1, "status", "closd")
    git(repo, "add", "-A")
    proc = commit_with_hook(repo, "-m", "bad")
    assert proc.returncode != 0
    assert CLOSD_HOOK in proc.stderr.splitlines()


def test_hook_judges_the_staged_content_not_the_working_file(repo: Path) -> None:
    run(repo, "hooks", "install")
    set_field(repo, C1, "status", "closd")
    git(repo, "add", "-A")
    set_field(repo, C1, "status", "registered")  # the working file is fine again, the staged blob is not
    proc = commit_with_hook(repo, "-m", "bad")
    assert proc.returncode != 0
    assert CLOSD_HOOK in proc.stderr.splitlines()
    assert git(repo, "log", "-1", "--format=%s").strip() != "bad"


def test_hook_lets_a_valid_staged_change_through_while_the_working_file_is_invalid(repo: Path) -> None:
    run(repo, "hooks", "install")
    set_field(repo, C1, "title", "支架尺寸超差（复检）")
    git(repo, "add", "-A")
    set_field(repo, C1, "status", "closd")  # not staged: not part of this commit
    proc = commit_with_hook(repo, "-m", "retitle")
    assert proc.returncode == 0, proc.stderr
    assert git(repo, "log", "-1", "--format=%s").strip() == "retitle"


def test_hook_sees_what_git_commit_paths_commits(repo: Path) -> None:
    run(repo, "hooks", "install")
    set_field(repo, C1, "status", "closd")
    proc = commit_with_hook(repo, "-m", "bad", "--", C1)  # a temporary index: GIT_INDEX_FILE
    assert proc.returncode != 0
    assert CLOSD_HOOK in proc.stderr.splitlines()


def test_a_verb_whose_commit_a_hook_refuses_prints_gits_message_and_what_to_do(repo: Path) -> None:
    run(repo, "hooks", "install")
    set_field(repo, C1, "status", "closd")
    git(repo, "commit", "-q", "--no-verify", "-am", "slipped past the hook")
    result = run(repo, "new", "customer", "--id", "acme", "--name", "Acme 公司")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: <repository>: G006 git refused the commit: ")
    assert CLOSD in first  # the hook's own message
    assert first.endswith("(nothing was changed; fix what git says (a hook, the identity, free space) and run it again)")
    assert "Traceback" not in result.output
    assert not (repo / "records/customers/acme.md").exists()


def test_a_foreign_hooks_refusal_is_shown_as_git_said_it(repo: Path) -> None:
    write(repo, ".git/hooks/pre-commit", "#!/bin/sh\necho 'commits are frozen until the audit ends' >&2\nexit 1\n")
    (repo / ".git/hooks/pre-commit").chmod(0o755)
    result = run(repo, "new", "customer", "--id", "acme", "--name", "Acme 公司")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "error: <repository>: G006 git refused the commit: commits are frozen until the audit ends (nothing was changed; "
        "fix what git says (a hook, the identity, free space) and run it again)")


def test_a_git_step_outside_a_write_prints_gits_message_and_a_hint(tmp_path: Path) -> None:
    write(tmp_path, "svcnotes.toml", "[organisation]\nname = \"x\"\n")  # a record repository that is no git repository
    result = run(tmp_path, "validate", "--staged")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "error: git failed:"
    assert any(line.startswith("  fatal: not a git repository") for line in lines)
    assert lines[-1].startswith("hint: git (or a git hook, such as svcnotes' pre-commit validation) stopped it; ")


def test_validate_only_reports_the_codes_asked_for(repo: Path) -> None:
    set_field(repo, C1, "status", "closd")
    assert run(repo, "validate", "--only", "E409").exit_code == 0
    only = run(repo, "validate", "--only", "E1")
    assert (only.exit_code, only.stdout.splitlines()) == (1, [CLOSD])


def test_hooks_install_does_not_replace_a_foreign_hook(repo: Path) -> None:
    write(repo, ".git/hooks/pre-commit", "#!/bin/sh\nmy-own-check\n")
    result = run(repo, "hooks", "install")
    assert result.exit_code == 2
    assert "was not written by svcnotes; pass --force to replace it" in result.output


def test_a_pr_replacing_what_ci_installs_needs_an_admin(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "swap-wheel")
    write(repo, ".svcnotes/ci/requirements.txt", "./.svcnotes/ci/svcnotes-9.9.9-py3-none-any.whl\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "install my own svcnotes in CI")
    result = run(repo, "check", "--base", "main")
    assert result.exit_code == 1
    assert any(line.startswith(".svcnotes/ci/requirements.txt: E622 commit ") and "who holds no admin role (gm)" in line
               for line in result.stdout.splitlines()), result.output
