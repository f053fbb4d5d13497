"""`svcnotes doctor`: is this checkout set up right? Each check says what is wrong and the fix.

Sits above every core layer (it asks the store, workflow, editor schemas and the site build) and
below the CLI: may import anything in svcnotes except svcnotes.cli; never click.

    for check in run_doctor(repo, today):
        print(check.status, check.name, check.detail, check.fix)
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from svcnotes.store import gitops

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository

OK, FAIL, SKIP = "ok", "fail", "skip"


@dataclass(frozen=True)
class Check:
    """The outcome of one doctor check: status ok/fail/skip, what was found, and the fix when it failed."""

    name: str
    status: str
    detail: str = ""
    fix: str = ""

    @property
    def failed(self) -> bool:
        """True when this check failed."""
        return self.status == FAIL

    def to_dict(self) -> dict[str, str]:
        """Plain data for --format json."""
        return {"name": self.name, "status": self.status, "detail": self.detail, "fix": self.fix}


def check_identity(repo: Repository) -> Check:
    """The git identity maps to a member of the staff directory (commits are attributed to a person)."""
    from svcnotes.workflow.commits import UnknownActor, current_actor

    if not gitops.is_repo(repo.root):
        return Check("git identity", FAIL, f"{repo.root} is not a git repository", "git init (or svcnotes init DIR)")
    try:
        person = current_actor(repo)
    except UnknownActor as exc:
        return Check("git identity", FAIL, str(exc), "git config user.email <an e-mail listed under your [[staff]] entry>")
    return Check("git identity", OK, f"you are {person.id} ({person.name})")


def check_config(repo: Repository) -> Check:
    """svcnotes.toml parses and has no invalid keys."""
    errors = [p for p in repo.config_problems if p.is_error]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return Check("config", FAIL, first.format() + more, first.hint or "fix svcnotes.toml, then: svcnotes validate")
    warnings = len(repo.config_problems)
    return Check("config", OK, f"svcnotes.toml valid{f', {warnings} warning(s)' if warnings else ''}; "
                               f"{len(repo.config.staff)} staff")


def hook_path(repo: Repository) -> Path:
    """Where git looks for the pre-commit hook (core.hooksPath honoured)."""
    custom = gitops.git(repo.root, "config", "core.hooksPath", check=False).strip()
    if custom:
        return (repo.root / custom / "pre-commit").resolve()
    common = gitops.git(repo.root, "rev-parse", "--git-common-dir", check=False).strip() or ".git"
    return (repo.root / common / "hooks" / "pre-commit").resolve()


def check_hooks(repo: Repository) -> Check:
    """A pre-commit hook runs svcnotes (directly, or through the pre-commit framework's config)."""
    fix = "svcnotes hooks install (or: pre-commit install, with the svcnotes hook in .pre-commit-config.yaml)"
    if not gitops.is_repo(repo.root):
        return Check("hooks", SKIP, "not a git repository")
    path = hook_path(repo)
    if not path.is_file():
        return Check("hooks", FAIL, f"no pre-commit hook at {path}", fix)
    text = path.read_text(encoding="utf-8", errors="replace")
    framework = repo.root / ".pre-commit-config.yaml"
    via_framework = "svcnotes" not in text and "pre-commit" in text and framework.is_file() and "svcnotes" in framework.read_text(encoding="utf-8", errors="replace")
    if "svcnotes" not in text and not via_framework:
        return Check("hooks", FAIL, f"{path} does not run svcnotes", fix)
    if not os.access(path, os.X_OK):
        return Check("hooks", FAIL, f"{path} is not executable", f"chmod +x {path}")
    return Check("hooks", OK, "pre-commit hook runs svcnotes" + (" (via pre-commit)" if via_framework else ""))


def check_schemas(repo: Repository) -> Check:
    """schemas/*.schema.json match the schema and config, and .vscode/settings.json maps them."""
    from svcnotes.model.jsonschema import json_schema
    from svcnotes.model.schema import KINDS

    fix = "svcnotes schema --write (then commit schemas/ and .vscode/settings.json)"
    stale = []
    for name in KINDS:
        path = repo.root / "schemas" / f"{name}.schema.json"
        want = json.dumps(json_schema(name, repo.config), ensure_ascii=False, indent=2) + "\n"
        if not path.is_file():
            stale.append(f"{path.relative_to(repo.root).as_posix()} missing")
        elif path.read_text(encoding="utf-8") != want:
            stale.append(f"{path.relative_to(repo.root).as_posix()} out of date")
    from svcnotes.store.editor import SETTINGS, EditorFileError, read_json_file

    try:
        mapped = read_json_file(repo.root / SETTINGS, SETTINGS).get("yaml.schemas") or {}
    except EditorFileError:
        mapped = {}
    if not all(f"./schemas/{name}.schema.json" in mapped for name in KINDS):
        stale.append(".vscode/settings.json does not map the schemas")
    if stale:
        return Check("editor schemas", FAIL, "; ".join(stale), fix)
    return Check("editor schemas", OK, f"{len(KINDS)} schemas current, mapped for VS Code")


def check_editor_task(repo: Repository) -> Check:
    """.vscode/tasks.json has the current 'svcnotes: validate' task (problems in VS Code as files are saved)."""
    from svcnotes.store.editor import TASK_LABEL, TASKS, EditorFileError, current_task, read_json_file, validate_task

    fix = "svcnotes schema --write (then commit .vscode/tasks.json)"
    try:
        read_json_file(repo.root / TASKS, TASKS)
    except EditorFileError as exc:
        return Check("editor task", FAIL, str(exc), "fix or remove .vscode/tasks.json, then: " + fix)
    task = current_task(repo.root)
    if task is None:
        where = "no .vscode/tasks.json" if not (repo.root / TASKS).is_file() else f"{TASKS} has no '{TASK_LABEL}' task"
        return Check("editor task", FAIL, where, fix)
    if task != validate_task():
        return Check("editor task", FAIL, f"the '{TASK_LABEL}' task in {TASKS} is out of date", fix)
    return Check("editor task", OK, f"'{TASK_LABEL}' runs svcnotes validate --watch for VS Code's Problems panel")


def check_ci(repo: Repository) -> Check:
    """The CI files and CODEOWNERS are current (staff directory included) and CI installs this svcnotes, hash-locked."""
    from svcnotes.history.ci_files import stale_ci_files

    stale = stale_ci_files(repo.root, repo.config)
    if stale:
        return Check("ci", FAIL, "; ".join(stale), "svcnotes ci-setup (then commit what it wrote)")
    from svcnotes.history.ci_lock import version

    return Check("ci", OK, f"workflows and CODEOWNERS current; CI installs svcnotes {version()} hash-locked")


def check_site(repo: Repository, today: date) -> Check:
    """The static site builds without a failing page (skipped when the site module is absent)."""
    try:
        from svcnotes.site.build import BuildAborted, BuildOptions, build_site
    except ImportError:
        return Check("site", SKIP, "the site builder is not installed")
    with tempfile.TemporaryDirectory(prefix="svcnotes-doctor-") as tmp:
        try:
            result = build_site(repo, BuildOptions(out=Path(tmp), today=today, history=False))
        except BuildAborted as exc:
            return Check("site", FAIL, str(exc), "svcnotes build, and fix the page it names")
        except Exception as exc:  # noqa: BLE001 - the doctor reports any crash as a failed check
            return Check("site", FAIL, f"the build crashed: {type(exc).__name__}: {exc}",
                         "svcnotes build --strict shows the full error; report it if it is not your template")
    if result.failures:
        return Check("site", FAIL, f"{len(result.failures)} page(s) failed, first: {result.failures[0].format()}",
                     "fix the record or template named, then: svcnotes build")
    return Check("site", OK, f"builds: {result.pages:,} pages from {result.records:,} records")


def check_signing(repo: Repository) -> Check:
    """Which approval mode runs and what it does not prove; in signed mode, that your commits here are signed
    with a key svcnotes.toml lists for you and that ssh-keygen/gpg can check signatures."""
    from svcnotes.history.policy import mode_statement
    from svcnotes.history.signatures import missing_tools

    config = repo.config
    said = mode_statement(config)
    if not config.signed_approvals:
        return Check("signing", OK, said)
    missing = missing_tools([config])
    if missing:
        return Check("signing", FAIL, f"{' and '.join(missing)} not installed: no signature can be checked",
                     "install OpenSSH (openssh-client) / GnuPG")
    from svcnotes.history.keyring import CannotRegister, read_public
    from svcnotes.workflow.commits import UnknownActor, current_actor

    try:
        person = current_actor(repo)
    except UnknownActor:
        return Check("signing", SKIP, said)
    get = lambda name: gitops.git(repo.root, "config", "--get", name, check=False).strip()  # noqa: E731
    if get("commit.gpgsign") != "true" or not get("user.signingkey"):
        return Check("signing", FAIL, f"{said}; git does not sign your commits here", "svcnotes keys setup")
    if get("gpg.format") == "ssh":
        try:
            key = read_public(Path(get("user.signingkey"))).key
        except CannotRegister as exc:
            return Check("signing", FAIL, str(exc), "svcnotes keys setup --key PATH")
        owner = config.staff_by_key(key.fingerprint)
        if owner is None or owner.id != person.id:
            return Check("signing", FAIL, f"{said}; your signing key {key.fingerprint} is not listed for {person.id}",
                         f"an admin runs: svcnotes keys propose --staff {person.id} --key <your .pub>")
    return Check("signing", OK, said)


def check_interrupted(repo: Repository) -> Check:
    """No write command was left half-done: no transaction journal, no imported records on disk but uncommitted."""
    from svcnotes.io.importer import uncommitted_imports
    from svcnotes.store import transaction

    folder = transaction.pending_journal(repo.root)
    if folder is not None:
        return Check("interrupted writes", FAIL, f"a killed command left its journal in {folder}",
                     "svcnotes doctor --fix (rolls it back, or completes it when its commit was made)")
    waiting = uncommitted_imports(repo)
    if waiting:
        return Check("interrupted writes", FAIL, f"{len(waiting):,} imported record(s) written but not committed",
                     "svcnotes doctor --fix (commits them), or svcnotes import FILE --kind KIND --resume")
    return Check("interrupted writes", OK, "no half-done write")


def fix_interrupted(repo: Repository, notify: Callable[[str], None] | None = None) -> list[str]:
    """`doctor --fix`: settle a killed command's journal, then commit imported records left uncommitted (one commit)."""
    from svcnotes.io.importer import uncommitted_imports, with_customers
    from svcnotes.store import transaction
    from svcnotes.workflow.commits import CommitOptions, commit_change

    said = [line for line in [transaction.recover(repo.root, notify)] if line]
    waiting = sorted(set(uncommitted_imports(repo).values()))
    if waiting:
        with transaction.scope(notify):
            sha = commit_change(repo, with_customers(repo, waiting), f"import: commit {len(waiting)} record(s) written "
                                "but not committed", {"Svc-Action": "import", "Svc-Import-Rows": "resumed"},
                                CommitOptions())
        said.append(f"committed {len(waiting):,} imported record(s) left uncommitted" + (f" [{sha[:10]}]" if sha else ""))
    return said


# Add a check: one function (repository -> Check) with a docstring, listed here.
CHECKS: tuple[Callable[..., Check], ...] = (check_identity, check_config, check_signing, check_hooks, check_schemas,
                                            check_editor_task, check_interrupted, check_ci)


def run_doctor(repo: Repository, today: date, site: bool = True) -> list[Check]:
    """Every check, in order; the site build last (it is the slowest)."""
    out = [check(repo) for check in CHECKS]
    if site:
        out.append(check_site(repo, today))
    return out
