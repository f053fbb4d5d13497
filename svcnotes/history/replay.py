"""Replay a finished record repository as a department's work: `svcnotes demo DIR`.

Every record arrives through the core's own verbs (intake, the complaint verbs, the callback
verbs), committed by the staff member who did it (GIT_AUTHOR_* from the staff directory) on the
date the record gives; approved resolutions are proposed on a branch `resolution/<id>` and merged
into main with `--no-ff` after the approver's commit, as a pull request would be. The verbs run with
their commit switched off: the few fields they stamp from the wall clock are pinned to the recorded
values before the commit. At the end the replayed records are compared, typed, with the source; a
record that could not be replayed exactly is written in its final state by a commit that says so.

May import model, store and workflow (and history.replay_plan).
"""

from __future__ import annotations

import os
import shutil
import time as _time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from svcnotes.history.fastimport import FastImport, Person
from svcnotes.history.replay_plan import Plan, Step, plan_replay
from svcnotes.model.config import CONFIG_FILE
from svcnotes.model.message import msg
from svcnotes.model.record import Record
from svcnotes.model.schema import KINDS
from svcnotes.store import gitops
from svcnotes.store.init import GITIGNORE
from svcnotes.store.repository import Repository, Snapshot, read_record
from svcnotes.store.volumes import VOLUMES_FILE
from svcnotes.store.writer import atomic_write, render_new
from svcnotes.workflow.commits import CommitOptions, message

NO_COMMIT = CommitOptions(commit=False, allow_dirty=True)
ENV_KEYS = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
            "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE")


class ReplayError(Exception):
    """The replay cannot start (no source records, or the target folder is in use)."""


@dataclass
class ReplayReport:
    """What a replay did: commits and merges made, records replayed, and those it could not."""

    target: Path
    records: int = 0
    commits: int = 0
    merges: int = 0
    seconds: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)
    renumbered: dict[str, str] = field(default_factory=dict)

    @property
    def exact(self) -> int:
        """Records whose whole history was replayed through the verbs."""
        return self.records - len(self.failures)


class ReplayRepository(Repository):
    """A Repository whose snapshot is refreshed file by file (stat, re-read what changed).

    A replay writes a few files per step and reads the snapshot several times per step; reloading
    every record each time would make it quadratic.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self._entries: dict[str, tuple[tuple[int, int, int], Record | None, list[Any]]] = {}

    def snapshot(self, refresh: bool = False, scan: Any = None) -> Snapshot:
        """Every record, re-reading only files whose inode, size or mtime changed (`scan` is not used:
        the replay stats each file itself)."""
        if self._snapshot is not None and not refresh:
            return self._snapshot
        snap = Snapshot()
        snap.problems.extend(self.config_problems)
        entries = {}
        for rel in self.record_files():
            try:
                st = os.stat(self.root / rel)
            except OSError:
                continue
            key = (st.st_ino, st.st_size, st.st_mtime_ns)
            hit = self._entries.get(rel)
            if hit is None or hit[0] != key:
                record, problems = read_record(self.root, rel, self.config)
                hit = (key, record, problems)
            entries[rel] = hit
            snap.problems.extend(hit[2])
            if hit[1] is not None:
                snap.add(hit[1])
        self._entries = entries
        self._snapshot = snap
        return snap


def staff_env(repo: Repository, staff_id: str, at: datetime, tz: str) -> dict[str, str]:
    """GIT_AUTHOR_* and GIT_COMMITTER_* for a staff member at a moment (their first e-mail)."""
    person = repo.config.staff.get(staff_id)
    if person is None or not person.emails:
        raise KeyError(f"'{staff_id}' is not in the staff directory with an e-mail")
    stamp = f"{at:%Y-%m-%dT%H:%M:%S} {tz}"
    name = person.name or person.id
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": person.emails[0], "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": person.emails[0], "GIT_COMMITTER_DATE": stamp}


class Doer:
    """What a step may do: call a core verb (uncommitted), pin stamped fields, report the paths."""

    def __init__(self, repo: ReplayRepository, source: Mapping[str, Record], report: ReplayReport) -> None:
        self.repo = repo
        self.source = source
        self.report = report
        self.step: Step | None = None
        self.subject = ""
        self.trailers: dict[str, str] = {}
        self.written: set[str] = set()

    @property
    def today(self) -> Any:
        """The step's date, passed to the verbs as `today`."""
        assert self.step is not None
        return self.step.at.date()

    def begin(self, step: Step) -> None:
        """Start a step: forget the previous subject and trailers."""
        self.step, self.subject, self.trailers, self.written = step, "", {}, set()

    def _pin(self, record: Record, target: Record | Mapping[str, Any], fields: Iterable[str],
             upto: Mapping[str, int] | None = None) -> Record:
        changes = {}
        for name in fields:
            want = target.get(name)
            if upto and name in upto and isinstance(want, list):
                want = want[: upto[name]]
            if record.get(name) != want:
                changes[name] = want
        return self.repo.store(record.kind).update(record, changes) if changes else record

    def _numbered(self, kind: str, made: Record, target: Record) -> Record:
        """Keep the source's number when allocation gave another one (a subset, or a gap)."""
        if made.id == target.id:
            return made
        store = self.repo.store(kind)
        new_rel = store.path_for(target.id)
        (self.repo.root / new_rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.repo.root / made.path, self.repo.root / new_rel)
        self.repo.invalidate()
        self.report.renumbered[target.id] = made.id
        return store.update(store.get(made.id), {"id": target.id})

    def create(self, kind: str, target: Record, values: dict[str, Any], body: str) -> list[str]:
        """Create a record through intake (create_record), keeping the source's number."""
        from svcnotes.workflow.intake import create_record

        assert self.step is not None
        made = create_record(self.repo, kind, values, body, self.today, self.step.actor, NO_COMMIT)
        made = self._numbered(kind, made, target) if KINDS[kind].year_folders else made
        made = self._pin(made, values, [k for k in values if k != "id"])
        self.subject = f"{made.id}: new {KINDS[kind].en.lower()}"
        self.trailers = {"Svc-Record": made.id, "Svc-Action": "create", "Svc-To": str(made.get("status") or "")}
        return [made.path]

    def reopen(self, target: Record, values: dict[str, Any]) -> list[str]:
        """Open `target` as the reopening of its original (verbs.reopen), then its intake values."""
        from svcnotes.workflow import verbs

        outcome = verbs.reopen(self.repo, target.get("reopens"), NO_COMMIT, self.today)
        made = self._numbered("complaint", outcome.record, target)
        made = self._pin(made, {**values, "reopens": target.get("reopens")}, [*values, "reopens"])
        if made.body != target.body:
            atomic_write(self.repo.root / made.path, render_new(KINDS["complaint"], dict(made.data), target.body))
            self.repo.invalidate()
        self.subject = f"{made.id}: reopens {target.get('reopens')}"
        self.trailers = {"Svc-Record": made.id, "Svc-Action": "reopen", "Svc-To": "registered",
                         "Svc-Reopens": str(target.get("reopens"))}
        return [made.path]

    def verb(self, target: Record, name: str, *args: Any, pin: Iterable[str] = (),
             upto: Mapping[str, int] | None = None) -> list[str]:
        """A complaint verb from workflow.verbs: (repo, id, *args, options, today)."""
        from svcnotes.workflow import verbs

        before = self.repo.complaints.get(target.id).status
        outcome = getattr(verbs, name)(self.repo, target.id, *args, NO_COMMIT, self.today)
        record = self._pin(outcome.record, target, pin, upto)
        self.subject = outcome.subject
        self.trailers = {"Svc-Record": target.id, "Svc-Action": name.replace("_", "-").replace("transition-to", "transition")}
        if before != record.status:
            self.trailers.update({"Svc-From": before, "Svc-To": record.status})
        return [*outcome.paths]

    def edit(self, target: Record, changes: dict[str, Any], action: str) -> list[str]:
        """A plain field edit (no verb changes these fields): the store's minimal-diff update."""
        store = self.repo.store(target.kind)
        record = store.get(target.id)
        before = record.status
        record = store.update(record, changes)
        self.subject = (f"{target.id}: {before} → {record.status}" if before != record.status
                        else f"{target.id}: {action} ({', '.join(changes)})")
        self.trailers = {"Svc-Record": target.id, "Svc-Action": action}
        if before != record.status:
            self.trailers.update({"Svc-From": before, "Svc-To": record.status})
        return [record.path]

    def callback(self, target: Record, name: str, *args: Any, pin: Iterable[str] = (), **kwargs: Any) -> list[str]:
        """A callback verb from workflow.callbacks: attempt, done or cancel."""
        from svcnotes.workflow import callbacks

        before = self.repo.callbacks.get(target.id)
        record = getattr(callbacks, name)(self.repo, target.id, *args, options=NO_COMMIT, **kwargs)
        record = self._pin(record, target, pin)
        self.subject = (f"{target.id}: attempt {args[1]:%Y-%m-%d %H:%M} {args[0]}" if name == "attempt"
                        and before.status == record.status else f"{target.id}: {before.status} → {record.status}")
        self.trailers = {"Svc-Record": target.id, "Svc-Action": name}
        if before.status != record.status:
            self.trailers.update({"Svc-From": before.status, "Svc-To": record.status})
        return [record.path]

    def write_numbered(self, target: Record, status: str) -> list[str]:
        """Write a new callback under the source's number (it is planned, not allocated by a verb)."""
        from svcnotes.history.replay_plan import CALLBACK_SETUP

        data = {"id": target.id, "status": status, **{k: target.get(k) for k in CALLBACK_SETUP if target.get(k) is not None}}
        rel = self.repo.callbacks.path_for(target.id)
        if (self.repo.root / rel).exists():
            raise FileExistsError(f"{rel} exists already")
        atomic_write(self.repo.root / rel, render_new(KINDS["callback"], data, target.body))
        self.repo.invalidate()
        self.written.add(target.id)
        return [rel]

    def callback_paths(self) -> dict[str, str]:
        """Every callback now in the work tree: id -> path."""
        return {r.id: r.path for r in self.repo.callbacks.list()}

    def drop_new_callbacks(self, before: Mapping[str, str]) -> None:
        """Remove callbacks a verb's hook created in this step that the source does not have (a
        waived post-resolution callback; a post-service one already written under its number)."""
        for rid, rel in self.callback_paths().items():
            if rid not in before and rid not in self.written:
                (self.repo.root / rel).unlink()
                self.repo.invalidate()

    def finish(self, record_id: str) -> list[str]:
        """The record's last step: every field and the body as in the source (paths changed)."""
        target = self.source[record_id]
        store = self.repo.store(target.kind)
        record = store.get(record_id)
        changes = {k: v for k, v in target.data.items() if record.data.get(k) != v}
        changes.update({k: None for k in record.data if k not in target.data})
        if not changes and record.body == target.body:
            return []
        if record.body != target.body:
            atomic_write(self.repo.root / record.path, render_new(KINDS[target.kind], dict(target.data), target.body))
            self.repo.invalidate()
        else:
            store.update(record, changes)
        return [record.path]


class Replayer:
    """Runs a Plan in a fresh git repository: the verbs change the work tree, every step becomes one
    commit through `git fast-import` (on main or on the complaint's resolution branch), and an
    approved branch is merged into main with two parents, as `git merge --no-ff` would."""

    def __init__(self, target: Path, source: Mapping[str, Record], scheduler: str, tz: str) -> None:
        self.target = target
        self.source = source
        self.scheduler = scheduler
        self.tz = tz
        self.report = ReplayReport(target)
        self.source_root = Path(".")
        self.committed: dict[str, bytes] = {}  # path -> bytes as last committed on any branch
        self.branch_files: dict[str, dict[str, bytes | None]] = {}
        self.merged: list[str] = []
        self.repo: ReplayRepository
        self.stream: FastImport

    def who(self, staff_id: str, at: datetime) -> Person:
        """The staff member as a git identity at `at`."""
        env = staff_env(self.repo, staff_id, at, self.tz)
        return Person(env["GIT_AUTHOR_NAME"], env["GIT_AUTHOR_EMAIL"], at, self.tz)

    def set_identity(self, staff_id: str, at: datetime) -> None:
        """Make the staff member the git identity (the verbs find the actor through os.environ)."""
        os.environ.update(staff_env(self.repo, staff_id, at, self.tz))

    def commit(self, branch: str, paths: list[str], subject: str, trailers: Mapping[str, str], actor: str,
               at: datetime, body: str = "") -> None:
        """Commit the current content of `paths` on `branch` (nothing when nothing changed)."""
        files: dict[str, bytes | None] = {}
        for rel in sorted(set(paths)):
            try:
                content: bytes | None = (self.target / rel).read_bytes()
            except FileNotFoundError:
                content = None
            if self.committed.get(rel) != content:
                files[rel] = content
        if not files:
            return
        parent = None if branch in self.stream.heads else self.stream.heads.get("main")
        self.stream.commit(branch, self.who(actor, at), message(subject, {**trailers, "Svc-Actor": actor}, body),
                           files, parent=parent)
        for rel, content in files.items():
            if content is None:
                self.committed.pop(rel, None)
            else:
                self.committed[rel] = content
        if branch != "main":
            self.branch_files.setdefault(branch, {}).update(files)
        self.report.commits += 1

    def init(self, config_text: str, at: datetime) -> None:
        """git init, svcnotes.toml and .gitignore, committed by the scheduler."""
        self.target.mkdir(parents=True, exist_ok=True)
        gitops.git(self.target, "init", "--quiet")
        gitops.git(self.target, "symbolic-ref", "HEAD", "refs/heads/main")
        (self.target / CONFIG_FILE).write_text(config_text, encoding="utf-8")
        (self.target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        self.repo = ReplayRepository(self.target)
        self.stream = FastImport(self.target)
        self.commit("main", [CONFIG_FILE, ".gitignore"], "svcnotes: record repository for the department", {},
                    self.scheduler, at)

    def run(self, plan: Plan, progress: Callable[[int, int], None] | None = None) -> None:
        """Every step in time order; a record whose step fails is left for the final-state pass."""
        steps = sorted(plan.steps, key=lambda s: (s.at, s.seq))
        last: dict[str, int] = {}
        for i, step in enumerate(steps):
            for rid in step.owners:
                last[rid] = i
        doer = Doer(self.repo, self.source, self.report)
        for i, step in enumerate(steps):
            if progress is not None:
                progress(i, len(steps))
            if any(rid in self.report.failures for rid in step.owners):
                continue
            self.set_identity(step.actor, step.at)
            doer.begin(step)
            try:
                if step.merge:
                    self.merge(step)
                    continue
                paths = step.run(doer)
                for rid in step.owners:
                    if last[rid] == i:
                        paths += doer.finish(rid)
                self.commit(step.branch or "main", paths, doer.subject or f"{step.record}: {step.action}",
                            doer.trailers, step.actor, step.at)
            except Exception as exc:  # noqa: BLE001 - any refusal leaves the record for the final-state pass
                for rid in step.owners:
                    self.report.failures[rid] = f"{step.action} on {step.at:%Y-%m-%d %H:%M} by {step.actor}: {exc}"
                self.restore()
        if progress is not None:
            progress(len(steps), len(steps))

    def restore(self) -> None:
        """Put the work tree back as committed (a refused verb may have written before refusing)."""
        on_disk = set(self.repo.record_files())
        for rel in on_disk - set(self.committed):
            (self.target / rel).unlink()
        for rel, content in self.committed.items():
            path = self.target / rel
            if rel not in on_disk or path.read_bytes() != content:
                atomic_write(path, content.decode("utf-8"), durable=False)
        self.repo.invalidate()

    def merge(self, step: Step) -> None:
        """Merge a resolution branch into main, by the approver (a merged pull request)."""
        assert step.merge is not None
        files = self.branch_files.pop(step.merge, {})
        head = self.stream.heads.get(step.merge)
        if head is None:
            return
        self.stream.commit("main", self.who(step.actor, step.at),
                           message(f"Merge branch '{step.merge}': {step.record} approved by {step.actor}",
                                   {"Svc-Record": step.record, "Svc-Action": "merge", "Svc-Actor": step.actor}),
                           files, merge=head)
        self.merged.append(step.merge)
        self.report.commits += 1
        self.report.merges += 1

    def settle(self, at: datetime) -> None:
        """Compare every record with the source; write those that differ in their final state."""
        snap = self.repo.snapshot(refresh=True)
        got = {r.id: r for r in snap.all()}
        wrong = {rid: r for rid, r in self.source.items()
                 if rid not in got or rid in self.report.failures or got[rid].data != r.data or got[rid].body != r.body}
        extra = [r for rid, r in got.items() if rid not in self.source]
        if wrong or extra:
            paths = []
            for rid, target in wrong.items():
                self.report.failures.setdefault(rid, _difference(got.get(rid), target))
                if rid in got and got[rid].path != target.path:
                    (self.target / got[rid].path).unlink()
                    paths.append(got[rid].path)
                dest = self.target / target.path
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.source_root / target.path, dest)
                paths.append(target.path)
            for record in extra:
                (self.target / record.path).unlink()
                paths.append(record.path)
            for rel in paths:
                self.committed.pop(rel, None)  # a failed branch's content must still reach main
            lines = "\n".join(f"- {rid}: {self.report.failures.get(rid, 'not in the source')}"
                              for rid in sorted([*wrong, *(r.id for r in extra)]))
            self.commit("main", paths, f"demo: {len(wrong) + len(extra)} records written in their final state",
                        {"Svc-Action": "replay-fallback"}, self.scheduler, at,
                        "These records could not be replayed exactly through the verbs:\n" + lines)
            self.repo.invalidate()

    def close(self) -> None:
        """End the fast-import stream, drop merged branches, and fill the index from main."""
        self.stream.close()
        if self.merged:
            gitops.git(self.target, "branch", "--quiet", "-D", *self.merged)
        gitops.git(self.target, "reset", "--quiet")


def _difference(got: Record | None, want: Record) -> str:
    if got is None:
        return "not created"
    fields = sorted({k for k in (*got.data, *want.data) if got.data.get(k) != want.data.get(k)})
    return "differs in " + (", ".join(fields) if fields else "the body")


def replay(source: Path, target: Path, limit: int | None = None, tz: str = "+0800",
           progress: Callable[[int, int], None] | None = None) -> ReplayReport:
    """Build a git record repository in `target` by replaying the records of `source`; `progress(done, total)`
    after each step."""
    began = _time.monotonic()
    src = Repository(source)
    snap = src.snapshot()
    records = {kind: list(rs) for kind, rs in snap.records.items()}
    if not any(records.values()):
        raise ReplayError(msg("{path} has no records to replay", path=str(source)))
    if target.exists() and any(target.iterdir()):
        raise ReplayError(msg("{path} exists and is not empty; remove it or choose another folder", path=str(target)))
    if limit is not None:
        records = _subset(records, limit)
    source_by_id = {r.id: r for rs in records.values() for r in rs}
    scheduler = _scheduler(src)
    plan = plan_replay(records, scheduler)
    replayer = Replayer(target.resolve(), source_by_id, scheduler, tz)
    replayer.source_root = src.root
    saved = {k: os.environ.get(k) for k in ENV_KEYS}
    try:
        replayer.init((src.root / CONFIG_FILE).read_text(encoding="utf-8"), plan.start - timedelta(minutes=5))
        replayer.run(plan, progress)
        end = max((s.at for s in plan.steps), default=plan.start) + timedelta(minutes=1)
        replayer.settle(end)
        volumes = src.root / VOLUMES_FILE
        if volumes.is_file():  # the monthly volumes the KPIs divide by, as the department would import them
            (replayer.target / VOLUMES_FILE).write_bytes(volumes.read_bytes())
            replayer.commit("main", [VOLUMES_FILE], "volumes: monthly shipments, deliveries and service jobs",
                            {"Svc-Action": "volumes-import"}, scheduler, end)
        replayer.close()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    report = replayer.report
    report.records = len(source_by_id)
    report.seconds = _time.monotonic() - began
    return report


def _scheduler(repo: Repository) -> str:
    """Who schedules callbacks and sets the repository up: the GM office (registers cases), else the first."""
    staff = list(repo.config.staff.values())
    office = [s for s in staff if "gm_office" in s.roles and s.emails]
    return (office or [s for s in staff if s.emails])[0].id


def _subset(records: Mapping[str, list[Record]], limit: int) -> dict[str, list[Record]]:
    """The first `limit` complaints (by receipt, with the cases they reopen), every customer, and
    the callbacks and notes that belong to them."""
    complaints = sorted(records.get("complaint", []), key=lambda r: r.get("received_at"))
    keep = {c.id for c in complaints[:limit]}
    keep |= {c.get("reopens") for c in complaints if c.id in keep and c.get("reopens")}
    notes = [n for n in records.get("note", []) if n.get("complaint") in keep]
    note_ids = {n.id for n in notes}
    return {"customer": list(records.get("customer", [])),
            "complaint": [c for c in complaints if c.id in keep],
            "callback": [cb for cb in records.get("callback", [])
                         if cb.get("complaint") in keep or cb.get("note") in note_ids],
            "note": notes}
