"""`svcnotes doctor`: is this checkout set up right? Each check says what is wrong and the fix.

Sits above every core layer (it asks the store, workflow, editor schemas and the site build) and
below the CLI: may import anything in svcnotes except svcnotes.cli; never click.

    for check in run_doctor(repo, today):
        print(check.status, check.title, check.detail, check.fix)

Names, details and fixes are messages (svcnotes.i18n.Msg): shown in the chosen language, and in
English in `to_dict()` (doctor --format json is the same in every language).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from svcnotes.i18n import Msg, english
from svcnotes.model.message import reason
from svcnotes.store import gitops

if TYPE_CHECKING:
    from svcnotes.model.config import Config
    from svcnotes.store.repository import Repository

OK, FAIL, SKIP = "ok", "fail", "skip"


@dataclass(frozen=True)
class Check:
    """The outcome of one doctor check: status ok/fail/skip, what was found, and the fix when it failed."""

    name: Msg
    status: str
    detail: Msg | str = ""
    fix: Msg | str = ""

    @property
    def failed(self) -> bool:
        """True when this check failed."""
        return self.status == FAIL

    @property
    def title(self) -> str:
        """The check's name in the chosen language."""
        return str(self.name)

    def to_dict(self) -> dict[str, str]:
        """Plain data for --format json (English, whatever the language of messages)."""
        return {"name": english(self.name), "status": self.status, "detail": english(self.detail), "fix": english(self.fix)}


def check_identity(repo: Repository) -> Check:
    """The git identity maps to a member of the staff directory (commits are attributed to a person)."""
    from svcnotes.workflow.commits import UnknownActor, current_actor

    name = Msg("git identity")
    if not gitops.is_repo(repo.root):
        return Check(name, FAIL, Msg("{path} is not a git repository", path=repo.root), Msg("git init (or svcnotes init DIR)"))
    try:
        person = current_actor(repo)
    except UnknownActor as exc:
        return Check(name, FAIL, reason(exc), Msg("git config user.email <an e-mail listed under your [[staff]] entry>"))
    return Check(name, OK, Msg("you are {id} ({name})", id=person.id, name=person.name))


def check_config(repo: Repository) -> Check:
    """svcnotes.toml parses and has no invalid keys."""
    name = Msg("config")
    errors = [p for p in repo.config_problems if p.is_error]
    if errors:
        first = errors[0]
        detail: Msg | str = Msg("{problem} (and {count} more)", problem=first.format(), count=len(errors) - 1) \
            if len(errors) > 1 else first.format()
        return Check(name, FAIL, detail, first.hint or Msg("fix svcnotes.toml, then: svcnotes validate"))
    warnings = len(repo.config_problems)
    if warnings:
        return Check(name, OK, Msg("svcnotes.toml valid, {warnings} warning(s); {staff} staff", warnings=warnings,
                                   staff=len(repo.config.staff)))
    return Check(name, OK, Msg("svcnotes.toml valid; {staff} staff", staff=len(repo.config.staff)))


def hook_path(repo: Repository) -> Path:
    """Where git looks for the pre-commit hook (core.hooksPath honoured)."""
    custom = gitops.git(repo.root, "config", "core.hooksPath", check=False).strip()
    if custom:
        return (repo.root / custom / "pre-commit").resolve()
    common = gitops.git(repo.root, "rev-parse", "--git-common-dir", check=False).strip() or ".git"
    return (repo.root / common / "hooks" / "pre-commit").resolve()


def check_hooks(repo: Repository) -> Check:
    """A pre-commit hook runs svcnotes (directly, or through the pre-commit framework's config)."""
    name = Msg("hooks")
    fix = Msg("svcnotes hooks install (or: pre-commit install, with the svcnotes hook in .pre-commit-config.yaml)")
    if not gitops.is_repo(repo.root):
        return Check(name, SKIP, Msg("not a git repository"))
    path = hook_path(repo)
    if not path.is_file():
        return Check(name, FAIL, Msg("no pre-commit hook at {path}", path=path), fix)
    text = path.read_text(encoding="utf-8", errors="replace")
    framework = repo.root / ".pre-commit-config.yaml"
    via_framework = "svcnotes" not in text and "pre-commit" in text and framework.is_file() and "svcnotes" in framework.read_text(encoding="utf-8", errors="replace")
    if "svcnotes" not in text and not via_framework:
        return Check(name, FAIL, Msg("{path} does not run svcnotes", path=path), fix)
    if not os.access(path, os.X_OK):
        return Check(name, FAIL, Msg("{path} is not executable", path=path), f"chmod +x {path}")
    if via_framework:
        return Check(name, OK, Msg("pre-commit hook runs svcnotes (via pre-commit)"))
    return Check(name, OK, Msg("pre-commit hook runs svcnotes"))


def check_schemas(repo: Repository) -> Check:
    """schemas/*.schema.json match the schema and config, and .vscode/settings.json maps them."""
    from svcnotes.model.jsonschema import json_schema
    from svcnotes.model.schema import KINDS

    fix = Msg("svcnotes schema --write (then commit schemas/ and .vscode/settings.json)")
    stale: list[Msg] = []
    for name in KINDS:
        path = repo.root / "schemas" / f"{name}.schema.json"
        want = json.dumps(json_schema(name, repo.config), ensure_ascii=False, indent=2) + "\n"
        if not path.is_file():
            stale.append(Msg("{path} missing", path=path.relative_to(repo.root).as_posix()))
        elif path.read_text(encoding="utf-8") != want:
            stale.append(Msg("{path} out of date", path=path.relative_to(repo.root).as_posix()))
    from svcnotes.store.editor import SETTINGS, EditorFileError, read_json_file

    try:
        mapped = read_json_file(repo.root / SETTINGS, SETTINGS).get("yaml.schemas") or {}
    except EditorFileError:
        mapped = {}
    if not all(f"./schemas/{name}.schema.json" in mapped for name in KINDS):
        stale.append(Msg(".vscode/settings.json does not map the schemas"))
    if stale:
        return Check(Msg("editor schemas"), FAIL, _joined(stale), fix)
    return Check(Msg("editor schemas"), OK, Msg("{count} schemas current, mapped for VS Code", count=len(KINDS)))


def check_editor_task(repo: Repository) -> Check:
    """.vscode/tasks.json has the current 'svcnotes: validate' task (problems in VS Code as files are saved)."""
    from svcnotes.store.editor import TASK_LABEL, TASKS, EditorFileError, current_task, read_json_file, validate_task

    name = Msg("editor task")
    fix = Msg("svcnotes schema --write (then commit .vscode/tasks.json)")
    try:
        read_json_file(repo.root / TASKS, TASKS)
    except EditorFileError as exc:
        return Check(name, FAIL, reason(exc), Msg("fix or remove .vscode/tasks.json, then: {fix}", fix=fix))
    task = current_task(repo.root)
    if task is None:
        where = Msg("no .vscode/tasks.json") if not (repo.root / TASKS).is_file() else \
            Msg("{file} has no '{task}' task", file=TASKS, task=TASK_LABEL)
        return Check(name, FAIL, where, fix)
    if task != validate_task():
        return Check(name, FAIL, Msg("the '{task}' task in {file} is out of date", task=TASK_LABEL, file=TASKS), fix)
    return Check(name, OK, Msg("'{task}' runs svcnotes validate --watch for VS Code's Problems panel", task=TASK_LABEL))


def check_ci(repo: Repository) -> Check:
    """The CI files and CODEOWNERS are current (staff directory included) and CI installs this svcnotes, hash-locked."""
    from svcnotes.history.ci_files import stale_ci_files

    stale = stale_ci_files(repo.root, repo.config)
    if stale:
        return Check(Msg("ci"), FAIL, _joined([ci_finding(s) for s in stale]), Msg("svcnotes ci-setup (then commit what it wrote)"))
    from svcnotes.history.ci_lock import version

    return Check(Msg("ci"), OK, Msg("workflows and CODEOWNERS current; CI installs svcnotes {version} hash-locked",
                                    version=version()))


def check_site(repo: Repository, today: date) -> Check:
    """The static site builds without a failing page (skipped when the site module is absent)."""
    name = Msg("site")
    try:
        from svcnotes.site.build import BuildAborted, BuildOptions, build_site
    except ImportError:
        return Check(name, SKIP, Msg("the site builder is not installed"))
    with tempfile.TemporaryDirectory(prefix="svcnotes-doctor-") as tmp:
        try:
            result = build_site(repo, BuildOptions(out=Path(tmp), today=today, history=False))
        except BuildAborted as exc:
            return Check(name, FAIL, reason(exc), Msg("svcnotes build, and fix the page it names"))
        except Exception as exc:  # noqa: BLE001 - the doctor reports any crash as a failed check
            return Check(name, FAIL, Msg("the build crashed: {error}", error=type(exc).__name__ + ": " + str(exc)),
                         Msg("svcnotes build --strict shows the full error; report it if it is not your template"))
    if result.failures:
        return Check(name, FAIL, Msg("{count} page(s) failed, first: {failure}", count=len(result.failures),
                                     failure=result.failures[0].format()),
                     Msg("fix the record or template named, then: svcnotes build"))
    return Check(name, OK, Msg("builds: {pages} pages from {records} records", pages=format(result.pages, ","),
                               records=format(result.records, ",")))


def check_signing(repo: Repository) -> Check:
    """Which approval mode runs and what it does not prove; in signed mode, that your commits here are signed
    with a key svcnotes.toml lists for you and that ssh-keygen/gpg can check signatures."""
    from svcnotes.history.signatures import missing_tools

    name = Msg("signing")
    config = repo.config
    said = mode_message(config)
    if not config.signed_approvals:
        return Check(name, OK, said)
    missing = missing_tools([config])
    if missing:
        return Check(name, FAIL, Msg("{tools} not installed: no signature can be checked", tools=" / ".join(missing)),
                     Msg("install OpenSSH (openssh-client) / GnuPG"))
    from svcnotes.history.keyring import CannotRegister, read_public
    from svcnotes.workflow.commits import UnknownActor, current_actor

    try:
        person = current_actor(repo)
    except UnknownActor:
        return Check(name, SKIP, said)
    get = lambda key: gitops.git(repo.root, "config", "--get", key, check=False).strip()  # noqa: E731
    if get("commit.gpgsign") != "true" or not get("user.signingkey"):
        return Check(name, FAIL, Msg("{mode}; git does not sign your commits here", mode=said), "svcnotes keys setup")
    if get("gpg.format") == "ssh":
        try:
            key = read_public(Path(get("user.signingkey"))).key
        except CannotRegister as exc:
            return Check(name, FAIL, reason(exc), "svcnotes keys setup --key PATH")
        owner = config.staff_by_key(key.fingerprint)
        if owner is None or owner.id != person.id:
            return Check(name, FAIL, Msg("{mode}; your signing key {key} is not listed for {id}", mode=said,
                                         key=key.fingerprint, id=person.id),
                         Msg("an admin runs: svcnotes keys propose --staff {id} --key <your .pub>", id=person.id))
    return Check(name, OK, said)


def check_interrupted(repo: Repository) -> Check:
    """No write command was left half-done: no transaction journal, no imported records on disk but uncommitted."""
    from svcnotes.io.importer import uncommitted_imports
    from svcnotes.store import transaction

    name = Msg("interrupted writes")
    folder = transaction.pending_journal(repo.root)
    if folder is not None:
        return Check(name, FAIL, Msg("a killed command left its journal in {folder}", folder=folder),
                     Msg("svcnotes doctor --fix (rolls it back, or completes it when its commit was made)"))
    left = transaction.pending(repo.root)
    if left is not None:
        return Check(name, FAIL, Msg("a killed --branch write may have left HEAD on its new branch ({mark})", mark=left),
                     Msg("svcnotes doctor --fix (puts HEAD back on your branch)"))
    waiting = uncommitted_imports(repo)
    if waiting:
        return Check(name, FAIL, Msg("{count} imported record(s) written but not committed", count=format(len(waiting), ",")),
                     Msg("svcnotes doctor --fix (commits them), or svcnotes import FILE --kind KIND --resume"))
    return Check(name, OK, Msg("no half-done write"))


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
        said.append(str(Msg("committed {count} imported record(s) left uncommitted", count=format(len(waiting), ",")))
                    + (f" [{sha[:10]}]" if sha else ""))
    return said


_CI_FINDINGS = (
    (re.compile(r"(?P<path>\S+) missing"), Msg("{path} missing")),
    (re.compile(r"(?P<path>\S+) out of date"), Msg("{path} out of date")),
    (re.compile(r"(?P<path>\S+) installs svcnotes (?P<locked>\S+), this is (?P<version>\S+)"),
     Msg("{path} installs svcnotes {locked}, this is {version}")),
    (re.compile(r"no CI workflow \((?P<files>.+)\)"), Msg("no CI workflow ({files})")),
)


def ci_finding(text: str) -> Msg:
    """One finding of history.ci_files.stale_ci_files as a message in the chosen language (as it was said when its
    shape is not one of these)."""
    for pattern, message in _CI_FINDINGS:
        match = pattern.fullmatch(text)
        if match:
            return Msg(message.template, **match.groupdict())
    return Msg("{finding}", finding=text)


def _joined(parts: list[Msg]) -> Msg:
    """Several findings as one message ('a; b; c') that is still translated part by part."""
    fields = {f"p{i}": part for i, part in enumerate(parts)}
    return Msg("; ".join("{" + name + "}" for name in fields), **fields)


def mode_message(config: Config, source: str = "") -> Msg:
    """Which approval mode the repository runs in and what it does not prove: history.policy's one
    sentence, as a message shown in the reader's language (JSON keeps its English)."""
    from svcnotes.history.policy import mode_statement

    return Msg(_WHOLE, statement=mode_statement(config, source))


_WHOLE = "{statement}"  # a message that is one translated sentence (not a catalogue entry of its own)


# Add a check: one function (repository -> Check) with a docstring, listed here.
CHECKS: tuple[Callable[..., Check], ...] = (check_identity, check_config, check_signing, check_hooks, check_schemas,
                                            check_editor_task, check_interrupted, check_ci)


def run_doctor(repo: Repository, today: date, site: bool = True) -> list[Check]:
    """Every check, in order; the site build last (it is the slowest)."""
    out = [check(repo) for check in CHECKS]
    if site:
        out.append(check_site(repo, today))
    return out
