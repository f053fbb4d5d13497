"""The PR gate (`svcnotes check --base REF`): validate the head, then judge what the PR changes.

Every rule comes from svcnotes.toml at the merge base (policy.py), never from the PR. Every record
the PR changes (git diff merge-base..HEAD) is compared with its version at the merge base, and
every commit of the PR is judged by the history rules (rules.py): illegal transitions, edits of
closed records, deletions and moves out of records/, numbers colliding with the base, acts not
made by the person they name (signed mode: by signature, signatures.py), approvals lacking role,
authority or four eyes (proposer and severity from the record's history), approvals the PR voided,
what merge commits add beyond their parents (merges.py), policy files changed without an admin.
A handful of git processes whatever the size of the repository, plus a few per merge commit of the
PR and per complaint whose approvals or severity it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from svcnotes.history import policy, rules
from svcnotes.history.diff import parse_blob
from svcnotes.history.events import Event, EventBuilder, as_record_change, is_record_path
from svcnotes.history.events import _kind as event_kind
from svcnotes.history.gitread import (
    NULL_SHA,
    Commit,
    FileChange,
    GitError,
    diff_tree,
    head_sha,
    is_ancestor,
    merge_base,
    paths_ever,
    read_blobs,
    read_log,
)
from svcnotes.history.merges import merges_changes, merges_in
from svcnotes.history.policy import policy_at, policy_changes
from svcnotes.history.signatures import NoVerifier, Signature, verify
from svcnotes.model.config import CONFIG_FILE, Config
from svcnotes.model.message import joined, msg
from svcnotes.model.problems import Problem, sort_key
from svcnotes.model.record import Record
from svcnotes.model.schema import from_status
from svcnotes.store.gitops import git
from svcnotes.workflow import approvals as appr

if TYPE_CHECKING:
    from svcnotes.store.repository import Repository


class BadBase(Exception):
    """The base revision does not exist or shares no history with HEAD."""


@dataclass
class RecordDiff:
    """One record the PR changes: git status, paths, base and head versions, the PR's events on it."""

    status: str
    path: str
    old_path: str
    kind: str
    base: Record | None
    head: Record | None
    events: list[Event] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The record's number at the head (or at the base when deleted)."""
        record = self.head or self.base
        return record.id if record is not None else PurePosixPath(self.path).stem


@dataclass
class PullRequest:
    """What a PR changes: the merge base, every changed record with its events, and the policy it is judged by."""

    base_ref: str
    merge_base: str
    head: str
    records: list[RecordDiff]
    config: Config | None = None
    policy_source: str = ""
    policy_text: str | None = None
    signatures: dict[str, Signature] | None = None  # None: unsigned mode
    hosted: frozenset[str] = frozenset()  # commits the hosting platform re-created (rebased for the PR)
    merges: list[Event] = field(default_factory=list)  # what merge commits changed beyond their parents
    conflicted: list[list[list[Event]]] = field(default_factory=list)  # per merge, per parent: conflicted paths
    problems: list[Problem] = field(default_factory=list)  # set-up problems (tools, shallow clone, policy)

    @property
    def signed(self) -> bool:
        """True when the base policy asks for signed approvals."""
        return self.config is not None and self.config.signed_approvals


def _kind(path: str) -> str:
    return event_kind(path) if is_record_path(path) else ""


def is_shallow(root: Path) -> bool:
    """True in a shallow clone (history cut off: the gate cannot judge it)."""
    return git(root, "rev-parse", "--is-shallow-repository", check=False).strip() == "true"


def shallow_problem() -> Problem:
    """E621: the clone is shallow."""
    return Problem("E621", msg("this is a shallow clone: the history the gate judges is cut off"), ".git/shallow",
                   hint=msg("fetch the whole history: actions/checkout with fetch-depth: 0, GitLab GIT_DEPTH: \"0\", "
                            "or run: git fetch --unshallow"))


def pull_request(repo: Repository, base_ref: str) -> PullRequest:
    """Read what HEAD changes relative to its merge base with `base_ref` (BadBase when impossible), judged by
    the policy (svcnotes.toml) of the merge base."""
    root = repo.root
    head = head_sha(root)
    if head is None or head_sha(root, base_ref) is None:
        raise BadBase(msg("'{base}' is not a commit here", base=base_ref) if head else msg("the repository has no commits"))
    shallow = is_shallow(root)
    try:
        base = merge_base(root, base_ref, head)
    except GitError:
        if shallow:
            return PullRequest(base_ref, "", head, [], repo.config, problems=[shallow_problem()])
        raise BadBase(msg("HEAD and '{base}' share no history", base=base_ref)) from None
    policy = policy_at(root, base)
    config = policy.config
    problems = [shallow_problem()] if shallow else []
    changes = [f for f in diff_tree(root, base, head) if is_record_path(f.path) or is_record_path(f.old_path)]
    changes = [g for f in changes for g in _split(f)]
    commits = read_log(root, head, [base])
    merged = {m.sha: m for m in merges_changes(root, merges_in(root, head, [base]))}
    stream = [merged[c.sha].own if c.sha in merged else c for c in commits]
    builder = EventBuilder(root, config)
    events = builder.events(stream)
    conflicted = [[builder_events(root, config, [pc]) for pc in m.conflicted] for m in merged.values() if m.conflicted]
    signatures = None
    if config.signed_approvals:
        try:
            signatures = verify(root, [c.sha for c in commits], [config])
        except NoVerifier as exc:
            problems.append(no_verifier_problem(str(exc)))
            signatures = {}
    raw = read_blobs(root, [b for f in changes for b in (f.old_blob, f.new_blob)])
    lineage_at: dict[str, int] = {}
    for event in events:
        lineage_at[event.path] = event.lineage
    by_lineage: dict[int, list[Event]] = {}
    for event in events:
        by_lineage.setdefault(event.lineage, []).append(event)
    records = []
    for f in changes:
        base_rec = parse_blob(raw[f.old_blob], f.old_path, config) if f.status != "A" and f.old_blob in raw else None
        head_rec = parse_blob(raw[f.new_blob], f.path, config) if f.status != "D" and f.new_blob in raw else None
        lineage = lineage_at.get(f.path)
        records.append(RecordDiff(f.status, f.path, f.old_path if f.status != "A" else "", _kind(f.path or f.old_path),
                                  base_rec, head_rec, by_lineage.get(lineage, []) if lineage is not None else []))
    merge_events = [e for e in events if e.sha in merged]
    hosted = rules.hosted_commits(git(root, "log", "--format=%H %ce", f"{base}..{head}")) if commits else frozenset()
    return PullRequest(base_ref, base, head, records, config, policy_source=policy.source, policy_text=policy.text,
                       signatures=signatures, hosted=hosted, merges=merge_events, conflicted=conflicted,
                       problems=problems + [replace(p, message=msg("{message} ({source}, the base's policy)", message=p.message,
                                                                        source=policy.source))
                                            for p in policy.problems if p.is_error])


def _split(f: FileChange) -> list[FileChange]:
    """A file change as record changes: a record moved out of records/<kind>/*.md is deleted there."""
    if f.status == "R" and is_record_path(f.path) and is_record_path(f.old_path) and _kind(f.path) != _kind(f.old_path):
        return [FileChange("D", f.old_path, f.old_path, f.old_blob, NULL_SHA), FileChange("A", f.path, f.path, NULL_SHA,
                                                                                          f.new_blob)]
    g = as_record_change(f)
    return [g] if g is not None else []


def builder_events(root: Path, config: Config, commits: list[Commit]) -> list[Event]:
    """Events of stand-alone commits (a conflicted merge's paths against one parent each)."""
    return EventBuilder(root, config).events(commits)


def no_verifier_problem(tools: str) -> Problem:
    """E620: signatures cannot be checked here."""
    return Problem("E620", msg("approval.signed = true but {tools} is not installed: no signature can be checked",
                               tools=tools),
                   CONFIG_FILE, hint=msg("install it on the runner (Debian/Ubuntu: apt-get install openssh-client "
                                         "gnupg; Alpine: apk add openssh-keygen gnupg)"))


def _locate(problem: Problem, rec: RecordDiff) -> Problem:
    target = rec.head if rec.head is not None and problem.path == rec.path else None
    if target is None or problem.line:
        return problem
    return replace(problem, line=target.lines.get(problem.field) or target.line(problem.field) or target.line("status"))


def _collisions(repo: Repository, pr: PullRequest) -> list[Problem]:
    new = [r for r in pr.records if r.status == "A" and r.kind != "customer"]
    if not new:
        return []
    ever = {PurePosixPath(p).stem for p in _paths_ever(repo, pr.base_ref)}
    out = []
    for rec in new:
        if rec.id in ever:
            out.append(Problem("E604", msg("number {rec} is already taken on {base_ref} (another branch created it)",
                                           rec=rec.id, base_ref=pr.base_ref),
                               rec.path, rec.head.line("id") if rec.head else 1, "id",
                               msg("run: svcnotes renumber {rec}  (moves this record to the next free number and "
                                   "updates every reference)", rec=rec.id)))
    return out


def _paths_ever(repo: Repository, base_ref: str) -> set[str]:
    """Every record file the base ever had: from the history store when it describes an ancestor of
    the base (plus the commits since), else one `git log` over the base's whole history."""
    from svcnotes.history.store import peek_store

    store = peek_store(repo.root)
    if store is not None:
        with store:
            stored = store.head
            base = head_sha(repo.root, base_ref)
            if base and (stored == base or is_ancestor(repo.root, stored, base)):
                since = paths_ever(repo.root, base, exclude=[stored]) if stored != base else set()
                return store.paths() | since
    return paths_ever(repo.root, base_ref)
def _signature(pr: PullRequest, sha: str) -> Signature | None:
    """The commit's signature in signed mode (None in unsigned mode)."""
    if pr.signatures is None:
        return None
    return pr.signatures.get(sha) or Signature("E" if not pr.signatures else "N")


@dataclass
class Story:
    """What a complaint's whole history says about its current proposal."""

    proposer: str = ""  # the actor of the commit that last moved it to proposed
    proposal: Event | None = None
    severity: str = "normal"  # the highest severity since that proposal
    lowered_by: Event | None = None  # the commit that lowered the severity after the proposal


def _story(repo: Repository, pr: PullRequest, rec: RecordDiff, config: Config) -> Story:
    from svcnotes.history.log import scan_record

    head = rec.head
    assert head is not None
    paths = [rec.path, rec.old_path] + [str(PurePosixPath(rec.path).with_name(f"{a}.md"))
                                        for a in head.data.get("aliases") or ()]
    events = scan_record(repo.root, config, head.id, rec.path, [p for p in paths if p], pr.head).events
    story = Story(severity=str(head.data.get("severity") or "normal"))
    for event in events:
        change = event.status_change
        severity = next((c for c in event.changes if c.field == "severity"), None)
        if change is not None and change[1] == "proposed":
            story = Story(proposal=event, severity=str(event.facts.get("severity") or "normal"))
        elif story.proposal is not None and severity is not None:
            if rules.lowered(severity.old, severity.new):
                story.lowered_by = event
            story.severity = rules.higher(story.severity, severity.new)
    if story.proposal is not None:
        sig = _signature(pr, story.proposal.sha)
        if sig is not None and story.proposal.sha not in (pr.signatures or {}) and pr.signatures:
            sig = verify(repo.root, [story.proposal.sha], [config]).get(story.proposal.sha, sig)
        who = rules.actor(story.proposal, config, sig)
        story.proposer = who.id if who is not None else str(story.proposal.facts.get("proposed_by") or "")
    return story


def _approval_checks(repo: Repository, pr: PullRequest, rec: RecordDiff, config: Config) -> list[Problem]:
    head, base = rec.head, rec.base
    if head is None or rec.kind != "complaint":
        return []
    out = []
    before = list(base.data.get("approvals") or []) if base else []
    entries = list(head.data.get("approvals") or [])
    added = [i for i, entry in enumerate(entries) if entry not in before]
    severity_changed = base is not None and base.data.get("severity") != head.data.get("severity")
    story = _story(repo, pr, rec, config) if added or severity_changed else Story()
    for i in added:
        entry = entries[i]
        where = f"approvals[{i}].by"
        line = head.lines.get(where) or head.line("approvals")
        introducing = [e for e in rec.events if entry in e.approvals_added]
        if not introducing:
            out.append(Problem("E611", msg("approval by {by} was not introduced by any commit of {by} in this PR",
                                           by=entry.get('by')), rec.path, line, where,
                               msg("{by} runs 'svcnotes approve {head}' and pushes it", by=entry.get('by'), head=head.id)))
            continue
        event = replace(introducing[-1], approvals_added=[entry])
        found = rules.actor_problems(event, config, _signature(pr, event.sha))
        if found and event.sha in pr.hosted:
            found = [rules.hosted_problem(event, REBASED)]
        out.extend(replace(p, line=line, field=where) for p in found)
    if added:
        proposer = story.proposer or str(head.data.get("proposed_by") or "")
        for p in rules.authority_problems(head.data, added, proposer, story.severity, config):
            if p.code == "E405" and story.proposal is not None and proposer != head.data.get("proposed_by"):
                p = replace(p, message=msg("{message}: commit {sha} that moved it to proposed is {proposer}'s, whatever "
                                           "proposed_by says ({proposed_by})", message=p.message,
                                           sha=story.proposal.sha[:10], proposer=proposer,
                                           proposed_by=head.data.get('proposed_by')))
            out.append(replace(p, path=rec.path, line=head.lines.get(p.field) or head.line("approvals")))
        if head.status in APPROVAL_NEEDED:
            cover = appr.coverage_problem({**head.data, "proposed_by": proposer, "severity": story.severity}, config)
            if cover is not None:
                out.append(replace(cover, path=rec.path, line=head.line("approvals")))
    if story.lowered_by is not None and head.status in APPROVAL_NEEDED:
        data = {**head.data, "severity": story.severity, "proposed_by": story.proposer or head.data.get("proposed_by")}
        if appr.coverage_problem(data, config) is not None:
            ev = story.lowered_by
            out.append(Problem("E623", msg("severity was lowered to {severity} after the proposal (commit {sha} by "
                                           "{author}): the approval must still come from '{role}', as for "
                                           "{story_severity}",
                                           severity=head.data.get('severity'), sha=ev.sha[:10], author=ev.author,
                                           role=appr.required_role(head.data.get('amount'), story.severity, config),
                                           story_severity=story.severity), rec.path, head.line("severity"), "severity",
                               msg("lowering the severity voids the approvals given for it; the approver of the "
                                   "higher severity approves: svcnotes approve {head}", head=head.id)))
    for i, entry in enumerate(entries):
        if entry in before and base is not None and not appr.void_reason(entry, base):
            reason = appr.void_reason(entry, head)
            if reason:
                out.append(Problem("E615", msg("this PR voids approval {number} by {by}: {reason}",
                                               number=i + 1, by=entry.get('by'), reason=reason), rec.path,
                                   head.lines.get(f"approvals[{i}].amount") or head.line("amount"), f"approvals[{i}]",
                                   msg("the approver must approve again: svcnotes approve {head}", head=head.id)))
    return out


APPROVAL_NEEDED = from_status("approved")  # a record from approved on must hold a covering approval
ACTOR_CODES = frozenset({"E611", "E616", "E617", "E618", "E619"})
REBASED = msg("the platform rebased this PR's commits (\"Update branch\" by rebase, or a rebase merge): update "
              "branches by merging the base instead, and have each actor redo their step on top (svcnotes approve ...)")


def _event_checks(pr: PullRequest, rec: RecordDiff, config: Config) -> list[Problem]:
    out: list[Problem] = []
    status = rec.base.status if rec.base else None
    for event in rec.events:
        judged = replace(event, approvals_added=[])
        found = rules.event_problems(judged, config, status, _signature(pr, event.sha))
        if event.sha in pr.hosted and any(p.code in ACTOR_CODES for p in found):
            found = [p for p in found if p.code not in ACTOR_CODES] + [rules.hosted_problem(judged, REBASED)]
        out.extend(_locate(p, rec) for p in found)
        change = event.status_change
        if change is not None:
            status = change[1]
    if rec.status == "D" and not any(e.action == "deleted" for e in rec.events):
        out.append(Problem("E603", msg("deletes record {rec}", rec=rec.id), rec.old_path or rec.path,
                           hint=msg("restore the file; end a groundless complaint as not_established")))
    return out


def merge_problems(events: list[Event], config: Config, signature: Callable[[str], Signature | None]) -> list[Problem]:
    """The history rules on what merge commits changed beyond their parents (status before = the re-merge's)."""
    out: list[Problem] = []
    for event in events:
        change = event.status_change
        before = change[0] if change is not None else event.facts.get("status")
        for p in rules.event_problems(event, config, None if event.action == "created" else before,
                                      signature(event.sha)):
            out.append(replace(p, message=msg("{message} [merge commit {sha}: a change of its own, beyond what its "
                                              "parents bring]", message=p.message, sha=event.sha[:10])))
    return out


def conflict_problems(per_parent: list[list[Event]], config: Config,
                      signature: Callable[[str], Signature | None]) -> list[Problem]:
    """Problems of a conflicted merge's paths that hold against every parent (a resolution taking either
    side's version is fine)."""
    found = [merge_problems(events, config, signature) for events in per_parent]
    if not found:
        return []
    keys = [{(p.code, p.path, p.field) for p in group} for group in found]
    common = set.intersection(*keys)
    return [p for p in found[0] if (p.code, p.path, p.field) in common]


def policy_problems(root: Path, pr: PullRequest, config: Config) -> list[Problem]:
    """E622: every commit changing svcnotes.toml's rules, CODEOWNERS or the CI files is an admin's."""
    out = []
    admins = ", ".join(config.admin_roles) or msg("none configured")
    for sha, paths in policy_changes(root, pr.merge_base, pr.head):
        sig = _signature(pr, sha)
        if sig is not None:
            who = sig.signer(config)
            said = sig.describe(config) if who is None else msg("signed by {who}", who=who.id)
        else:
            email = git(root, "log", "-1", "--format=%ae", sha).strip()
            who = config.staff_by_email(email)
            said = msg("committed by {who}", who=who.id if who else email)
        if policy.is_admin(who, config):
            continue
        what = joined([msg("svcnotes.toml's rules") if p == CONFIG_FILE else p for p in paths])
        mode = msg("signed") if sig is not None else msg("committed")
        out.append(Problem("E622", msg("commit {sha} changes {what} but is {said}, who holds no admin role ({admins})",
                                       sha=sha[:10], what=what, said=said, admins=admins) if who is not None else
                           msg("commit {sha} changes {what} but is {said}", sha=sha[:10], what=what, said=said), paths[0],
                           hint=msg("a staff member holding an admin role ({admins}) makes this change in a commit "
                                    "{mode} as themselves (svcnotes keys propose for keys); it applies after the "
                                    "merge", admins=admins, mode=mode)))
    return out


def check_pr(repo: Repository, base_ref: str, validate: bool = True,
             today: date | None = None) -> tuple[list[Problem], PullRequest]:
    """Every problem of the PR: the head's validation plus the history rules on what it changes, all judged by
    the merge base's svcnotes.toml."""
    pr = pull_request(repo, base_ref)
    config = pr.config or repo.config
    problems: list[Problem] = list(pr.problems)
    if not pr.merge_base:
        return problems, pr
    if validate:
        from svcnotes.workflow.validation import validate_repository

        repo.config = config  # the PR's own svcnotes.toml applies after it merges
        try:
            own = (repo.root / CONFIG_FILE).read_bytes()
        except OSError:
            own = b""
        base_bytes = (pr.policy_text or "").encode("utf-8")
        if base_bytes != own:  # cached results of the PR's own configuration must not be reused, nor ours kept for it
            repo.config_bytes = b"base policy\0" + base_bytes  # type: ignore[attr-defined]
        repo.invalidate()
        problems.extend(validate_repository(repo, None, today))
    problems.extend(_collisions(repo, pr))
    problems.extend(policy_problems(repo.root, pr, config))
    for rec in pr.records:
        problems.extend(_event_checks(pr, rec, config))
        problems.extend(_approval_checks(repo, pr, rec, config))
    problems.extend(merge_problems(pr.merges, config, lambda sha: _signature(pr, sha)))
    for per_parent in pr.conflicted:
        problems.extend(conflict_problems(per_parent, config, lambda sha: _signature(pr, sha)))
    seen: set[tuple[str, int | None, str, str]] = set()
    unique = []
    for p in sorted(problems, key=sort_key):
        key = (p.path, p.line, p.code, p.message)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, pr
