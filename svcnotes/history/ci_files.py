"""CI set-up of a record repository: the PR gate on GitHub and GitLab, CODEOWNERS, pre-commit, git hooks.

`ci_files(config)` is pure (path -> text); `write_ci_files(root, config)` writes the missing ones
and never overwrites a file a person may have edited (unless `force`). `svcnotes init` and
`svcnotes ci-setup` both call it. The site holds confidential customer data (客户资料属公司绝密), so
the workflows keep it as a build artifact and never publish it to public Pages.
"""

from __future__ import annotations

import stat
from pathlib import Path

from svcnotes.model.config import Config

INSTALL = "pip install svcnotes"

GITHUB_WORKFLOW = """\
# svcnotes: the PR gate on every pull request, the internal site on main.
# Written by `svcnotes ci-setup`; see docs/ci.md for branch protection.
name: svcnotes
# The gate runs on pull_request_target: GitHub takes this file from the base branch, so a pull request
# cannot edit the gate away (its own changes to CI files fail the gate, E622). It only reads the PR's
# files; svcnotes never runs code from them, and the token is read-only.
on:
  pull_request_target:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  check:
    if: github.event_name == 'pull_request_target'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the gate reads the history since the merge base
          ref: ${{{{ github.event.pull_request.head.sha }}}}
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: {install}
      - name: svcnotes check (validate + approvals + transitions + numbering)
        run: svcnotes check --base origin/${{{{ github.base_ref }}}}
      - name: PR summary
        if: always()
        run: svcnotes pr-summary --base origin/${{{{ github.base_ref }}}} >> "$GITHUB_STEP_SUMMARY"
  site:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # record timelines come from git history
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: {install}
      - run: svcnotes build --out site
      # Internal data: keep it an artifact (or deploy to an internal host), never public Pages.
      - uses: actions/upload-artifact@v4
        with:
          name: site
          path: site
"""

GITLAB_CI = """\
# svcnotes: the PR gate on every merge request, the internal site on the default branch.
# Written by `svcnotes ci-setup`; see docs/ci.md for protected branches and approval rules.
# A merge request runs its own copy of this file: keep the gate out of its reach by pointing
# Settings > CI/CD > General pipelines > CI/CD configuration file at a protected project
# (e.g. .gitlab-ci.yml@acme/ci-config), see docs/security.md.
stages: [check, build]

variables:
  GIT_DEPTH: "0"  # the gate reads the history since the merge base

svcnotes-check:
  stage: check
  image: python:3.11
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - {install}
    - git fetch origin "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    - svcnotes check --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    - svcnotes pr-summary --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" > pr-summary.md
  artifacts:
    when: always
    paths: [pr-summary.md]

svcnotes-site:
  stage: build
  image: python:3.11
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - {install}
    - svcnotes build --out site
  artifacts:  # internal data: an artifact, not GitLab Pages
    paths: [site]
    expire_in: 30 days
"""

PRE_COMMIT = """\
# svcnotes: validate records before every commit (https://pre-commit.com).
# Alternatively use the hook the svcnotes project ships (id: svcnotes-validate).
repos:
  - repo: local
    hooks:
      - id: svcnotes-validate
        name: svcnotes validate
        entry: svcnotes validate
        language: system
        pass_filenames: false
        files: ^(records/|svcnotes\\.toml$)
"""

HOOK = """\
#!/bin/sh
# svcnotes pre-commit hook (written by `svcnotes hooks install`): refuse commits with invalid records.
exec svcnotes validate
"""
HOOK_MARK = "svcnotes hooks install"


def approvers(config: Config) -> list[str]:
    """Git e-mails of staff who hold an approval role (the reviewers of complaint changes)."""
    roles = {level.role for level in config.approval_levels} | {config.critical_role}
    out = []
    for person in config.staff.values():
        if roles & set(person.roles) and person.emails:
            out.append(person.emails[0])
    return out


def admins(config: Config) -> list[str]:
    """Git e-mails of staff holding an admin role (the reviewers of policy changes)."""
    return [p.emails[0] for p in config.staff.values() if set(config.admin_roles) & set(p.roles) and p.emails]


def codeowners(config: Config) -> str:
    """CODEOWNERS routing complaint changes to the approvers and policy files to the admins (GitHub and
    GitLab read the same syntax)."""
    owners = " ".join(approvers(config)) or "@approvers  # add approvers' e-mails or team handles"
    keepers = " ".join(admins(config)) or "@admins  # add the admins' e-mails or team handles"
    return ("# Written by `svcnotes ci-setup`: complaint changes need an approver's review.\n"
            "# The approval itself is the approver's own commit (`svcnotes approve`), checked by `svcnotes check`.\n"
            f"records/complaints/** {owners}\n"
            "# The rules, the owners and the CI: an admin's own commit (E622) and review; see docs/security.md.\n"
            f"/svcnotes.toml {keepers}\n/CODEOWNERS {keepers}\n/.github/ {keepers}\n/.gitlab-ci.yml {keepers}\n")


def ci_files(config: Config) -> dict[str, str]:
    """Every CI file of a record repository: relative path -> text."""
    return {
        ".github/workflows/svcnotes.yml": GITHUB_WORKFLOW.format(install=INSTALL),
        ".gitlab-ci.yml": GITLAB_CI.format(install=INSTALL),
        "CODEOWNERS": codeowners(config),
        ".pre-commit-config.yaml": PRE_COMMIT,
    }


def write_ci_files(root: Path, config: Config, force: bool = False) -> list[tuple[str, str]]:
    """Write the CI files that are missing (all with `force`); return (path, 'created'|'replaced'|'kept')."""
    out = []
    for rel, text in ci_files(config).items():
        path = root / rel
        if path.exists() and not force:
            out.append((rel, "kept"))
            continue
        action = "replaced" if path.exists() else "created"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.append((rel, action))
    return out


class HookExists(Exception):
    """A git hook not written by svcnotes is in the way."""


def install_hooks(root: Path, force: bool = False) -> list[str]:
    """Write .git/hooks/pre-commit running `svcnotes validate`; return the hook paths written."""
    git_dir = root / ".git"
    if not git_dir.is_dir():
        raise HookExists(f"{root} has no .git folder (not the top of a git repository)")
    hooks = git_dir / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    hook = hooks / "pre-commit"
    if hook.exists() and HOOK_MARK not in hook.read_text(encoding="utf-8", errors="replace") and not force:
        raise HookExists(f"{hook} exists and was not written by svcnotes; pass --force to replace it, "
                         "or add 'svcnotes validate' to it yourself")
    hook.write_text(HOOK, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return [hook.relative_to(root).as_posix()]
