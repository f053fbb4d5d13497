"""CI set-up of a record repository: the PR gate on GitHub and GitLab, CODEOWNERS, pre-commit, git hooks.

`ci_files(config)` is pure (path -> text); `write_ci_files(root, config)` writes them: a file that
svcnotes wrote and nobody edited since (its digest line still matches) is regenerated when its text
changes (CODEOWNERS follows the staff directory), one a person edited is kept unless `force`.
`stale_ci_files` is the read-only comparison behind `svcnotes ci-setup --check` and `doctor`.
CI installs svcnotes from the wheel and hash-locked requirements of `ci_lock`, never from a public
index. The site holds confidential customer data (客户资料属公司绝密), so the workflows keep it as
a build artifact and never publish it to public Pages.
"""

from __future__ import annotations

import hashlib
import re
import stat
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from svcnotes.history import ci_lock
from svcnotes.history.policy import CI_PATHS, CODEOWNERS
from svcnotes.model.config import CONFIG_FILE, Config
from svcnotes.model.message import msg

# Actions pinned by full commit SHA (a tag can be moved; a commit cannot); the tag is in the comment.
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2"
SETUP_PYTHON = "actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b  # v5.3.0"
UPLOAD_ARTIFACT = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02  # v4.6.2"
DIGEST = re.compile(r"^# svcnotes-digest: ([0-9a-f]{16})$")

GITHUB_WORKFLOW = """\
# svcnotes: the PR gate and validate on every pull request; audit and the internal site on the default branch.
# Written by `svcnotes ci-setup`; see docs/ci.md for branch protection. svcnotes is installed from the wheel
# and hash-locked requirements in .svcnotes/ci/ (never from a public index).
name: svcnotes
# The gate runs on pull_request_target: GitHub takes this file from the base branch, and svcnotes is installed
# from the base branch's .svcnotes/ci/, so a pull request can neither edit the gate away nor ship its own
# svcnotes (its changes to CI files fail the gate, E622). The PR's files are only read; the token is read-only.
on:
  pull_request_target:
  push:
permissions:
  contents: read
concurrency:
  group: svcnotes-${{{{ github.event.pull_request.number || github.ref }}}}
  cancel-in-progress: true
env:
  PIP_DISABLE_PIP_VERSION_CHECK: "1"
jobs:
  check:
    if: github.event_name == 'pull_request_target'
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: {checkout}
        with:
          fetch-depth: 0  # the gate reads the history since the merge base
          ref: ${{{{ github.event.pull_request.head.sha }}}}
          persist-credentials: false
      - uses: {checkout}  # the base branch: the svcnotes that judges the PR comes from here, never from the PR
        with:
          path: .svcnotes-base
          persist-credentials: false
      - uses: {setup_python}
        with:
          python-version: "{python}"
          cache: pip
          cache-dependency-path: .svcnotes-base/{requirements}
      - name: install svcnotes (hash-verified, from the base branch)
        working-directory: .svcnotes-base
        run: {install}
      - name: svcnotes validate
        run: svcnotes validate
      - name: CI files and CODEOWNERS current
        run: svcnotes ci-setup --check
      - name: svcnotes check (approvals, transitions, numbering)
        run: svcnotes check --base origin/${{{{ github.base_ref }}}}
      - name: PR summary
        if: always()
        run: svcnotes pr-summary --base origin/${{{{ github.base_ref }}}} >> "$GITHUB_STEP_SUMMARY"
  audit:
    if: github.event_name == 'push' && github.ref_name == github.event.repository.default_branch
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: {checkout}
        with:
          fetch-depth: 0  # the audit replays the whole first-parent history
          persist-credentials: false
      - uses: {setup_python}
        with:
          python-version: "{python}"
          cache: pip
          cache-dependency-path: {requirements}
      - name: install svcnotes (hash-verified)
        run: {install}
      - name: svcnotes audit
        run: svcnotes audit
  site:
    if: github.event_name == 'push' && github.ref_name == github.event.repository.default_branch
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: {checkout}
        with:
          fetch-depth: 0  # record timelines come from git history
          persist-credentials: false
      - uses: {setup_python}
        with:
          python-version: "{python}"
          cache: pip
          cache-dependency-path: {requirements}
      - name: install svcnotes (hash-verified)
        run: {install}
      - name: svcnotes build
        run: svcnotes build --out site
      # Internal data: keep it an artifact (or deploy to an internal host), never public Pages.
      - uses: {upload_artifact}
        with:
          name: site
          path: site
          retention-days: 30
"""

GITLAB_CI = """\
# svcnotes: the PR gate, validate and a Code Quality report on every merge request; audit and the internal
# site on the default branch. Written by `svcnotes ci-setup`; see docs/ci.md for protected branches and
# approval rules. svcnotes is installed from the wheel and hash-locked requirements in .svcnotes/ci/.
# A merge request runs its own copy of this file and of .svcnotes/ci/: keep the gate out of its reach by
# pointing Settings > CI/CD > General pipelines > CI/CD configuration file at a protected project
# (e.g. .gitlab-ci.yml@acme/ci-config), see docs/security.md.
stages: [check, build]

variables:
  GIT_DEPTH: "0"  # the gate reads the history since the merge base
  PIP_CACHE_DIR: "$CI_PROJECT_DIR/.cache/pip"
  PIP_DISABLE_PIP_VERSION_CHECK: "1"

default:
  image: python:{python}
  timeout: 20 minutes
  interruptible: true  # a newer pipeline of the same merge request cancels this one
  cache:
    key:
      files: [{requirements}]
    paths: [.cache/pip]

svcnotes-check:
  stage: check
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - {install}
    - git fetch origin "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    - svcnotes check --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" --format gitlab > gl-code-quality-report.json || true
    - svcnotes pr-summary --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" > pr-summary.md || true
    - svcnotes validate
    - svcnotes ci-setup --check
    - svcnotes check --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
  artifacts:
    when: always
    paths: [pr-summary.md]
    reports:
      codequality: gl-code-quality-report.json

svcnotes-audit:
  stage: check
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - {install}
    - svcnotes audit

svcnotes-site:
  stage: build
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  timeout: 30 minutes
  script:
    - {install}
    - svcnotes build --out site
  artifacts:  # internal data: an artifact, not GitLab Pages
    paths: [site]
    expire_in: 30 days
"""

PRE_COMMIT = """\
# svcnotes: validate what is staged before every commit (https://pre-commit.com).
# Alternatively use the hooks the svcnotes project ships (ids: svcnotes-validate, svcnotes-phrases).
repos:
  - repo: local
    hooks:
      - id: svcnotes-validate
        name: svcnotes validate
        entry: svcnotes validate --staged
        language: system
        pass_filenames: false
        files: ^(records/|svcnotes\\.toml$)
"""

HOOK = """\
#!/bin/sh
# svcnotes pre-commit hook (written by `svcnotes hooks install`): refuse commits whose staged records are invalid.
# It checks what is staged (the commit's content), not the working files.
if command -v svcnotes >/dev/null 2>&1; then
  exec svcnotes validate --staged
fi
exec "{python}" -m svcnotes validate --staged
"""
HOOK_MARK = "svcnotes hooks install"

# The files the gate treats as policy (history/policy.py), plus the pre-commit config this module writes.
POLICY_FILES = tuple(f"/{path}" for path in (CONFIG_FILE, *CODEOWNERS, *CI_PATHS, ".pre-commit-config.yaml"))


def _holders(config: Config, roles: set[str]) -> list[str]:
    """Git e-mails (first of each person) of the staff holding any of `roles`, in directory order."""
    return [p.emails[0] for p in config.staff.values() if roles & set(p.roles) and p.emails]


def approvers(config: Config) -> list[str]:
    """Git e-mails of staff who hold an approval role (the reviewers of complaint changes)."""
    return _holders(config, {level.role for level in config.approval_levels} | {config.critical_role})


def admins(config: Config) -> list[str]:
    """Git e-mails of the staff holding an admin role (approval.admin_roles): the owners of the policy files."""
    return _holders(config, set(config.admin_roles))


def _amount(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,}"


def codeowners(config: Config) -> str:
    """CODEOWNERS: policy files to the admins, complaints to the approvers, each amount band listed with its own."""
    placeholder = "@approvers  # add approvers' e-mails or team handles"
    lines = ["# Written by `svcnotes ci-setup` from svcnotes.toml ([[staff]], [approval]); when the staff directory",
             "# changes run `svcnotes ci-setup` again (the PR gate's `svcnotes ci-setup --check` fails while it is stale).",
             "# The approval itself is the approver's own commit (`svcnotes approve`), checked by `svcnotes check`.",
             "# CODEOWNERS routes by path only: a complaint's amount band, and so who of these may approve it",
             "# (核决权限), is enforced by the gate (E404, W417, E406):"]
    low = Decimal(0)
    for level in config.approval_levels:
        band = f"above {_amount(low)}" if level.max_amount is None else f"up to {_amount(level.max_amount)}"
        lines.append(f"#   {band}: {level.role}: {' '.join(_holders(config, {level.role})) or '(nobody holds this role)'}")
        low = level.max_amount if level.max_amount is not None else low
    lines.append(f"#   critical complaints: {config.critical_role}: "
                 f"{' '.join(_holders(config, {config.critical_role})) or '(nobody holds this role)'}")
    lines.append(f"records/complaints/** {' '.join(approvers(config)) or placeholder}")
    roles = ", ".join(config.admin_roles) or "none"
    owners = " ".join(admins(config)) or f"@admins  # nobody holds an admin role ({roles}): see approval.admin_roles"
    lines.append(f"# Policy files (rules, CI, these owners, what CI installs): the admin roles ({roles}), "
                 "approval.admin_roles.")
    lines += [f"{path} {owners}" for path in POLICY_FILES]
    return "\n".join(lines) + "\n"


def with_digest(text: str) -> str:
    """`text` with a last line recording its digest: a later run can tell an untouched file from an edited one."""
    return text + f"# svcnotes-digest: {hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}\n"


def untouched(text: str) -> bool:
    """True when `text` is a file svcnotes wrote (with_digest) and nobody has edited since."""
    body, _, last = text.rstrip("\n").rpartition("\n")
    match = DIGEST.match(last)
    return match is not None and hashlib.sha256((body + "\n").encode("utf-8")).hexdigest()[:16] == match.group(1)


def ci_files(config: Config) -> dict[str, str]:
    """Every generated text file of a record repository's CI: relative path -> text."""
    values = {"install": ci_lock.INSTALL, "python": ci_lock.python_version(), "requirements": ci_lock.REQUIREMENTS,
              "checkout": CHECKOUT, "setup_python": SETUP_PYTHON, "upload_artifact": UPLOAD_ARTIFACT}
    return {
        ".github/workflows/svcnotes.yml": with_digest(GITHUB_WORKFLOW.format(**values)),
        ".gitlab-ci.yml": with_digest(GITLAB_CI.format(**values)),
        "CODEOWNERS": with_digest(codeowners(config)),
        ".pre-commit-config.yaml": with_digest(PRE_COMMIT),
    }


@dataclass(frozen=True)
class Written:
    """What write_ci_files did to one file: created, replaced, updated (regenerated, untouched), kept or unchanged."""

    path: str
    action: str


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_ci_files(root: Path, config: Config, force: bool = False) -> list[Written]:
    """Write the CI text files: new ones, regenerated untouched ones, edited ones only with `force`."""
    out = []
    for rel, text in ci_files(config).items():
        path = root / rel
        if not path.exists():
            _write(path, text.encode("utf-8"))
            out.append(Written(rel, "created"))
            continue
        current = path.read_text(encoding="utf-8", errors="replace")
        if current == text:
            out.append(Written(rel, "unchanged"))
        elif force or untouched(current):
            _write(path, text.encode("utf-8"))
            out.append(Written(rel, "replaced" if force and not untouched(current) else "updated"))
        else:
            out.append(Written(rel, "kept"))
    return out


def write_lock(root: Path, lock: ci_lock.Lock) -> list[Written]:
    """Write the wheel and requirements CI installs; remove wheels of other svcnotes versions."""
    out = []
    keep = set(lock.files)
    for old in sorted((root / ci_lock.CI_DIR).glob("svcnotes-*.whl")):
        rel = old.relative_to(root).as_posix()
        if rel not in keep:
            old.unlink()
            out.append(Written(rel, "removed"))
    for rel, data in lock.files.items():
        path = root / rel
        before = path.read_bytes() if path.is_file() else None
        if before != data:
            _write(path, data)
        out.append(Written(rel, "created" if before is None else "unchanged" if before == data else "updated"))
    return out


def stale_ci_files(root: Path, config: Config) -> list[str]:
    """What `svcnotes ci-setup` would change, read-only: untouched files out of date, an old or missing lock.

    A generated file someone deleted or edited is their choice (a GitLab-only repository drops
    .github/), but a repository with neither workflow has no CI at all."""
    out = []
    files = ci_files(config)
    if not any((root / rel).is_file() for rel in (".github/workflows/svcnotes.yml", ".gitlab-ci.yml")):
        out.append("no CI workflow (.github/workflows/svcnotes.yml or .gitlab-ci.yml)")
    for rel, text in files.items():
        path = root / rel
        if path.is_file():
            current = path.read_text(encoding="utf-8", errors="replace")
            if current != text and untouched(current):
                out.append(f"{rel} out of date")
    locked = ci_lock.locked_version(root)
    if locked is None:
        out.append(f"{ci_lock.REQUIREMENTS} missing")
    elif locked != ci_lock.version():
        out.append(f"{ci_lock.REQUIREMENTS} installs svcnotes {locked}, this is {ci_lock.version()}")
    elif not (root / ci_lock.CI_DIR / ci_lock.wheel_name()).is_file():
        out.append(f"{ci_lock.CI_DIR}/{ci_lock.wheel_name()} missing")
    return out


class HookExists(Exception):
    """A git hook not written by svcnotes is in the way."""


def install_hooks(root: Path, force: bool = False) -> list[str]:
    """Write .git/hooks/pre-commit running `svcnotes validate`; return the hook paths written."""
    git_dir = root / ".git"
    if not git_dir.is_dir():
        raise HookExists(msg("{root} has no .git folder (not the top of a git repository)", root=str(root)))
    hooks = git_dir / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    hook = hooks / "pre-commit"
    if hook.exists() and HOOK_MARK not in hook.read_text(encoding="utf-8", errors="replace") and not force:
        raise HookExists(msg("{hook} exists and was not written by svcnotes; pass --force to replace it, "
                             "or add 'svcnotes validate' to it yourself", hook=str(hook)))
    hook.write_text(HOOK.format(python=sys.executable), encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return [hook.relative_to(root).as_posix()]
