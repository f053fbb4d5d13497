"""A record repository made by `svcnotes init` passes its own generated CI, run as the runner would.

Every `run:` step of the GitHub workflow and every `script:` line of the GitLab jobs is executed in
order, in a clean virtualenv (no svcnotes, no dependencies), in a fresh clone of the pushed
repository, without a git identity, and offline: pip may only use the wheel and hashes that
`svcnotes ci-setup` wrote plus a local wheelhouse of the exact dependency files it hashed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from svcnotes.cli import cli
from tests.conftest import git, identity_env

pytestmark = pytest.mark.slow


def svcnotes(root: Path, *args: str) -> Result:
    # a module-scoped fixture runs before conftest's per-test English: name the language here
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False,
                              env={**identity_env(), "SVCNOTES_LANG": "en"})


@dataclass
class Step:
    """One shell step as the runner executes it (`if: always()` steps run after a failure too)."""

    script: str
    always: bool = False


@dataclass
class Run:
    """What the steps of one job printed, and the first step that failed."""

    output: str
    failed: str | None


def github_steps(workflow: dict, job: str) -> list[Step]:
    subst = {"${{ github.base_ref }}": "main"}
    steps = []
    for step in workflow["jobs"][job]["steps"]:
        if "run" not in step:
            path = step.get("with", {}).get("path")
            if step.get("uses", "").startswith("actions/checkout@") and path:  # a second checkout: the base branch
                steps.append(Step(f'git clone -q "$SVCNOTES_TEST_ORIGIN" {path}'))
            continue  # other `uses:` actions: checkout and setup-python are what the fixture does itself
        script = step["run"]
        if step.get("working-directory"):
            script = f"cd {step['working-directory']} && {script}"
        for old, new in subst.items():
            script = script.replace(old, new)
        assert "${{" not in script, f"an expression the test does not know: {script}"
        steps.append(Step(script, step.get("if") == "always()"))
    return steps


def gitlab_steps(pipeline: dict, job: str) -> list[Step]:
    return [Step(line) for line in pipeline[job]["script"]]


class Runner:
    """A clean machine: a bare virtualenv copied per job, a fresh clone, no git identity, no package index."""

    def __init__(self, tmp: Path, origin: Path, wheelhouse: Path) -> None:
        self.tmp, self.origin, self.wheelhouse = tmp, origin, wheelhouse
        self.template = tmp / "venv-template"
        if not self.template.exists():
            subprocess.run([sys.executable, "-m", "venv", str(self.template)], check=True)
        self.jobs = 0

    def job(self, ref: str, steps: list[Step], extra_env: dict[str, str]) -> Run:
        self.jobs += 1
        venv = self.tmp / f"venv-{self.jobs}"
        shutil.copytree(self.template, venv, symlinks=True)
        work = self.tmp / f"checkout-{self.jobs}"
        subprocess.run(["git", "clone", "-q", str(self.origin), str(work)], check=True)
        subprocess.run(["git", "checkout", "-q", ref], cwd=work, check=True)
        home = self.tmp / f"home-{self.jobs}"
        home.mkdir()
        env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "CI": "true", "LANG": "C.UTF-8",
               "PIP_CONFIG_FILE": "/dev/null", "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(self.wheelhouse),
               "PIP_NO_CACHE_DIR": "1", "VIRTUAL_ENV": str(venv), "GIT_CONFIG_NOSYSTEM": "1",
               "SVCNOTES_TEST_ORIGIN": str(self.origin), **extra_env}
        output, failed = [], None
        for step in steps:
            if failed and not step.always:
                continue
            proc = subprocess.run(["bash", "-e", "-c", step.script], cwd=work, env=env, capture_output=True, text=True,
                                  timeout=300)
            output.append(f"$ {step.script}\n{proc.stdout}{proc.stderr}")
            if proc.returncode != 0 and failed is None:
                failed = step.script
        return Run("\n".join(output), failed)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """`svcnotes init` (first commit on main), its lock, a record committed and pushed; a PR branch on top."""
    tmp = tmp_path_factory.mktemp("ci-runner")
    work = tmp / "acme"
    env = {**identity_env(), "SVCNOTES_LANG": "en"}
    result = CliRunner().invoke(cli, ["init", str(work), "--name", "Acme 客服部"], catch_exceptions=False, env=env)
    assert result.exit_code == 0, result.output
    wheelhouse = tmp / "wheelhouse"
    again = svcnotes(work, "ci-setup", "--wheelhouse", str(wheelhouse))
    assert again.exit_code == 0, again.output
    assert "unchanged .svcnotes/ci/requirements.txt" in again.output.splitlines()  # the wheel is reproducible
    added = svcnotes(work, "new", "customer", "--id", "hengda-auto", "--name", "恒达汽车零部件有限公司", "--tier", "key")
    assert added.exit_code == 0, added.output
    assert git(work, "status", "--porcelain") == ""
    origin = tmp / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(origin)], check=True)
    git(work, "remote", "add", "origin", str(origin))
    return work, origin, wheelhouse


def open_pr(work: Path, branch: str, record: str) -> str:
    """Push a branch with one new complaint commit (bypassing the local hook, as a careless user might)."""
    git(work, "checkout", "-q", "-b", branch, "main")
    path = work / "records/complaints/2026/C-2611-001.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record, encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-q", "--no-verify", "-m", "C-2611-001: new complaint")
    git(work, "push", "-q", "origin", branch)
    head = git(work, "rev-parse", "HEAD").strip()
    git(work, "checkout", "-q", "main")
    return head


COMPLAINT = """\
---
id: C-2611-001
title: 支架尺寸超差
status: {status}
customer: hengda-auto
received_at: 2026-11-02 09:30
registered_at: 2026-11-02
channel: phone
first_responder: {staff}
owner: {staff}
category: product_quality
severity: normal
---

客户来电反映支架尺寸超差。
"""


def test_generated_github_and_gitlab_jobs_pass_on_a_fresh_repository(fresh: tuple[Path, Path, Path], tmp_path: Path) -> None:
    work, origin, wheelhouse = fresh
    head = open_pr(work, "pr-good", COMPLAINT.format(status="registered", staff="zhang.wei"))  # init's staff entry
    workflow = yaml.safe_load((work / ".github/workflows/svcnotes.yml").read_text(encoding="utf-8"))
    pipeline = yaml.safe_load((work / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    runner = Runner(tmp_path, origin, wheelhouse)
    summary = tmp_path / "summary.md"

    check = runner.job(head, github_steps(workflow, "check"),
                       {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert check.failed is None, check.output
    assert "C-2611-001" in summary.read_text(encoding="utf-8")
    mr = runner.job(head, gitlab_steps(pipeline, "svcnotes-check"),
                    {"GITLAB_CI": "true", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"})
    assert mr.failed is None, mr.output

    git(work, "merge", "-q", "--no-ff", "--no-verify", "-m", "Merge pull request #1 from pr-good", "pr-good")
    git(work, "push", "-q", "origin", "main")
    for job in ("audit", "site"):
        done = runner.job("main", github_steps(workflow, job), {"GITHUB_ACTIONS": "true"})
        assert done.failed is None, done.output
    assert (tmp_path / f"checkout-{runner.jobs}" / "site" / "index.html").is_file()  # what upload-artifact keeps
    for job in ("svcnotes-audit", "svcnotes-site"):
        done = runner.job("main", gitlab_steps(pipeline, job), {"GITLAB_CI": "true"})
        assert done.failed is None, done.output
    assert (tmp_path / f"checkout-{runner.jobs}" / "site" / "index.html").is_file()


def test_generated_jobs_fail_on_an_invalid_record_with_the_problem_line(fresh: tuple[Path, Path, Path],
                                                                        tmp_path: Path) -> None:
    work, origin, wheelhouse = fresh
    head = open_pr(work, "pr-bad", COMPLAINT.format(status="closd", staff="zhang.wei"))
    workflow = yaml.safe_load((work / ".github/workflows/svcnotes.yml").read_text(encoding="utf-8"))
    pipeline = yaml.safe_load((work / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    runner = Runner(tmp_path, origin, wheelhouse)
    # the runner's LANG (C.UTF-8) names no language: the repository's organisation.locale (zh-CN) does
    line = "records/complaints/2026/C-2611-001.md:4: E104 status: 'closd' 不是有效的状态值（是否想写 'closed'？）"

    check = runner.job(head, github_steps(workflow, "check"),
                       {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})
    assert check.failed == "svcnotes validate", check.output
    assert line in check.output.splitlines()
    mr = runner.job(head, gitlab_steps(pipeline, "svcnotes-check"),
                    {"GITLAB_CI": "true", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"})
    assert mr.failed == "svcnotes validate", mr.output
    assert line in mr.output.splitlines()
    report = yaml.safe_load((tmp_path / f"checkout-{runner.jobs}" / "gl-code-quality-report.json").read_text())
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in report] == \
        [("E104", "records/complaints/2026/C-2611-001.md", 4)]
    assert report[0]["description"].endswith("'closd' is not a valid status (did you mean 'closed'?)")  # machines: English


def test_tampered_wheel_is_refused_by_the_hash_check(fresh: tuple[Path, Path, Path], tmp_path: Path) -> None:
    work, origin, wheelhouse = fresh
    workflow = yaml.safe_load((work / ".github/workflows/svcnotes.yml").read_text(encoding="utf-8"))
    install = github_steps(workflow, "audit")[0]  # the check job installs from a checkout of the base branch
    runner = Runner(tmp_path, origin, wheelhouse)
    wheel = next((work / ".svcnotes/ci").glob("svcnotes-*.whl"))
    tampered = Step(f"printf 'x' >> {wheel.relative_to(work)} && {install.script}")
    done = runner.job("main", [tampered], {})
    assert done.failed is not None
    assert "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE" in done.output

