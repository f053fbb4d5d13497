"""The policy a PR is judged by: svcnotes.toml as it is at the merge base, never the PR's own copy.

Staff, roles, e-mails, signing keys, approval levels, critical_role, `approval.signed` and every
other rule-bearing setting come from `git show <merge-base>:svcnotes.toml`. A PR that changes a
rule-bearing setting, CODEOWNERS or the CI files needs each such commit signed (signed mode) or
authored (unsigned mode) by a staff member holding an admin role; the change applies after merge.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svcnotes.history.ci_lock import CI_DIR
from svcnotes.model.config import CONFIG_FILE, Config, parse_config
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem
from svcnotes.store.gitops import GitError, git

# Sections of svcnotes.toml that carry no rule: names and labels shown, report targets.
NOT_RULES = frozenset({"organisation", "targets"})
CODEOWNERS = ("CODEOWNERS", ".github/CODEOWNERS", ".gitlab/CODEOWNERS", "docs/CODEOWNERS")
# .svcnotes/ci/ holds the svcnotes wheel and hash lock CI installs (history/ci_lock.py): changing it changes what CI runs.
CI_PATHS = (".github/workflows/", ".github/actions/", ".gitlab-ci.yml", ".gitlab/ci/", f"{CI_DIR}/")


@dataclass(frozen=True)
class Policy:
    """The configuration rules are read from, where it came from, and problems reading it."""

    config: Config
    source: str  # "svcnotes.toml at <sha>" (a msg(...): shown in the reader's language)
    problems: tuple[Problem, ...] = ()
    text: str | None = None  # the svcnotes.toml it was read from (None: defaults)


def config_text_at(root: Path, rev: str) -> str | None:
    """svcnotes.toml's text at a commit (None when the commit has none)."""
    try:
        return git(root, "show", f"{rev}:{CONFIG_FILE}")
    except GitError:
        return None


def policy_at(root: Path, rev: str) -> Policy:
    """The policy of commit `rev` (defaults, and no staff, when it has no svcnotes.toml)."""
    text = config_text_at(root, rev)
    if text is None:
        return Policy(Config(), msg("defaults ({commit} has no {config})", commit=rev[:10], config=CONFIG_FILE))
    config, problems = parse_config(text, CONFIG_FILE)
    return Policy(config, msg("{config} at {commit}", config=CONFIG_FILE, commit=rev[:10]), tuple(problems), text)


def rules_of(text: str | None) -> Any:
    """The rule-bearing part of svcnotes.toml text (every section but names and report targets)."""
    if text is None:
        return None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return text  # unreadable: any change to it counts
    return {k: v for k, v in raw.items() if k not in NOT_RULES}


def is_policy_path(path: str) -> bool:
    """svcnotes.toml, a CODEOWNERS file or a CI file."""
    return path == CONFIG_FILE or path in CODEOWNERS or any(
        path.startswith(p) if p.endswith("/") else path == p for p in CI_PATHS)


def is_admin(person: Any, config: Config) -> bool:
    """True when the staff member holds one of the admin roles (approval.admin_roles)."""
    return person is not None and any(role in config.admin_roles for role in person.roles)


def policy_changes(root: Path, base: str, head: str) -> list[tuple[str, list[str]]]:
    """(commit, paths) of each commit in base..head that changes a policy file beyond what its parents
    hold (a merge counts only for what differs from every parent); svcnotes.toml counts only when a
    rule-bearing setting changed. Empty when the head's policy files equal the base's."""
    args = ["--format=%x1e%H%x1f%P", "--raw", "--no-abbrev", "-z", "-c", "--no-renames"]
    out = git(root, "log", *args, f"{base}..{head}", "--", CONFIG_FILE, *CODEOWNERS, *CI_PATHS)
    found: list[tuple[str, list[str]]] = []
    texts: dict[str, str | None] = {}

    def rules(rev: str) -> Any:
        if rev not in texts:
            texts[rev] = config_text_at(root, rev)
        return rules_of(texts[rev])

    for chunk in out.split("\x1e"):
        if "\x1f" not in chunk:
            continue
        header, _, rest = chunk.partition("\x00")
        sha, parents = (x.strip() for x in header.split("\x1f")[:2])
        tokens = rest.split("\x00")
        paths = [tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t.lstrip("\n").startswith(":")]
        paths = [p for p in paths if is_policy_path(p)]
        if CONFIG_FILE in paths and parents and any(rules(sha) == rules(p) for p in parents.split()):
            paths.remove(CONFIG_FILE)
        if paths:
            found.append((sha, sorted(set(paths))))
    return found


def mode_statement(config: Config, source: str = "") -> str:
    """One plain sentence: which mode the repository runs in and what it does not prove (docs/security.md);
    a msg(...), so it renders in the reader's language (doctor.mode_message shows this one sentence)."""
    where = msg(" ({source})", source=source) if source else ""
    if config.signed_approvals:
        keys = sum(len(s.signing_keys) for s in config.staff.values())
        return msg("signed mode{where}: approvals, proposals, CAPA verifications and closures must be signed with a key "
                   "listed for the person they name ({keys} key(s) listed); it does not prove who pushed or merged, "
                   "nor protect a key its owner lets others use (docs/security.md)", where=where, keys=keys)
    return msg("unsigned mode{where}: identities are git author e-mails, which anyone can type; this does not prove "
               "who approved, proposed or closed anything (set approval.signed = true, docs/security.md)", where=where)
