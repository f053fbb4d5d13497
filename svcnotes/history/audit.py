"""`svcnotes audit`: replay main's first-parent history and report every rule breach that landed.

Each commit on the first-parent chain brought in either its own changes (a direct push) or a
PR's commits (a merge). Every change is judged by the same rules as the PR gate, under the policy
that held when it landed (svcnotes.toml at the landing commit's first parent): illegal
transitions, edits of closed records, deletions (moves out of records/ included), acts not made
by the person they name (signed mode: by signature), role / four-eyes / authority with the proposer
from history and the highest severity since the proposal, what merge commits changed beyond their
parents, and policy files changed by someone without an admin role. Events come from the history
index; git runs once for the signatures, once per policy version and twice per merge commit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from svcnotes.history import rules
from svcnotes.history.events import Event, EventBuilder
from svcnotes.history.gitread import LEAN
from svcnotes.history.log import first_parent_chain, open_log
from svcnotes.history.merges import merges_changes, merges_in
from svcnotes.history.policy import CI_PATHS, CODEOWNERS, Policy, is_admin, policy_at, policy_changes
from svcnotes.history.signatures import NoVerifier, Signature, verify
from svcnotes.model.config import CONFIG_FILE, Config
from svcnotes.model.message import joined, msg
from svcnotes.model.problems import Problem
from svcnotes.store.gitops import git
from svcnotes.workflow import approvals as appr


@dataclass(frozen=True)
class Finding:
    """One breach: the problem, the commit that made it, how it landed on main, and who made it."""

    problem: Problem
    commit: str
    landed_in: str  # the first-parent commit (merge or direct push) that brought it to main
    direct: bool  # True when pushed to main without a merge
    actor: str = ""  # the signer (signed mode) or the author


@dataclass
class AuditResult:
    """Every finding, and the policy (mode) each stretch of history ran under."""

    findings: list[Finding]
    signed: bool  # the policy at HEAD
    problems: list[Problem]  # set-up problems (no ssh-keygen, shallow clone)


class Policies:
    """The policy each landing commit was judged by: svcnotes.toml at its first parent (one read per version).

    A rules change that landed without an admin's commit (E622) is not applied: later history stays judged
    by the last policy an admin set, so a forged policy cannot bless what follows it."""

    def __init__(self, root: Path, chain: list[str], parents: dict[str, tuple[str, ...]]) -> None:
        self.root = root
        self.chain = chain
        self.parents = parents
        self.changed = set(git(root, "log", "--first-parent", "--format=%H", chain[-1], "--", CONFIG_FILE).split()) \
            if chain else set()
        self.version: dict[str, str] = {}  # landing commit -> the commit whose svcnotes.toml applies
        self.loaded: dict[str, Policy] = {}
        self.refused: set[str] = set()  # landing commits whose rules change was not applied

    def load(self, version: str) -> Config:
        """svcnotes.toml's policy at one commit."""
        if version not in self.loaded:
            self.loaded[version] = policy_at(self.root, version)
        return self.loaded[version].config

    def candidates(self) -> list[Config]:
        """Every policy version on the chain (whose keys the signatures are checked against)."""
        return [self.load(sha) for sha in [*self.chain[:1], *(c for c in self.chain if c in self.changed)]]

    def settle(self, signatures: dict[str, Signature] | None) -> None:
        """Decide each landing commit's policy, applying only rules changes an admin committed."""
        current = self.chain[0] if self.chain else ""
        for sha in self.chain:
            self.version[sha] = current if self.parents.get(sha) else sha
            if sha not in self.changed or not self.parents.get(sha):
                continue
            config = self.load(current)
            changes = [c for c, paths in policy_changes(self.root, self.parents[sha][0], sha) if CONFIG_FILE in paths]
            if all(_by_admin(self.root, c, config, signatures) for c in changes):
                current = sha
            else:
                self.refused.add(sha)

    def at(self, landing: str) -> Config:
        """The config that judged what `landing` brought to main."""
        return self.load(self.version.get(landing, landing))

    def all(self) -> list[Config]:
        """Every policy version loaded."""
        return [p.config for p in self.loaded.values()]


def _by_admin(root: Path, sha: str, config: Config, signatures: dict[str, Signature] | None) -> bool:
    sig = _sig(signatures, sha, config)
    if sig is not None:
        return is_admin(sig.signer(config), config)
    return is_admin(config.staff_by_email(git(root, "log", "-1", "--format=%ae", sha).strip()), config)


def _sig_of(signatures: dict[str, Signature] | None, config: Config, sha: str) -> Signature | None:
    return _sig(signatures, sha, config)


def _sig(signatures: dict[str, Signature] | None, sha: str, config: Config) -> Signature | None:
    if not config.signed_approvals or signatures is None:
        return None
    sig = signatures.get(sha) or Signature("E")
    return sig.under(config)


def _how(sha: str, where: str, subjects: dict[str, str]) -> str:
    """`pushed directly to main` or `merged in <sha> (<PR subject>)`."""
    if where == sha:
        return msg("pushed directly to main")
    subject = subjects.get(where, "")
    if subject:
        return msg("merged in {sha} ({subject})", sha=where[:10], subject=subject)
    return msg("merged in {sha}", sha=where[:10])


def audit(events: Iterable[Event], chain: list[str], pr_of: dict[str, str], config: Config | Policies,
          signatures: dict[str, Signature] | None = None, hosted: frozenset[str] = frozenset(),
          subjects: dict[str, str] | None = None) -> list[Finding]:
    """Every breach in the history of HEAD's first-parent chain (`chain`, oldest first), oldest first.

    `events`: every event in commit order; `pr_of` maps a commit to the merge that brought it in;
    `config` one policy for all, or each landing commit's; `signatures` the verdicts (signed mode);
    `hosted`: commits the hosting platform re-created (squash or rebase merges)."""
    on_chain = set(chain)
    subjects = subjects or {}
    status_of: dict[int, str | None] = {}
    stories: dict[int, dict[str, object]] = {}
    out: list[Finding] = []
    for event in events:
        where = event.sha if event.sha in on_chain else pr_of.get(event.sha, "")
        if not where:
            continue  # on a branch never merged into main
        policy = config.at(where) if isinstance(config, Policies) else config
        sig = _sig(signatures, event.sha, policy)
        before = status_of.get(event.lineage)
        judged = replace(event, approvals_added=[]) if event.sha in hosted else event
        problems = rules.event_problems(judged, policy, before, None if event.sha in hosted else sig)
        if event.sha in hosted and rules.claims(event):
            problems.append(rules.hosted_problem(event))
        problems += _authority(event, stories.setdefault(event.lineage, {}), policy, sig)
        change = event.status_change
        if change is not None:
            status_of[event.lineage] = change[1]
        elif event.lineage not in status_of:
            status_of[event.lineage] = event.facts.get("status")
        known = sig if signatures is not None and event.sha in signatures else None  # read only for acts
        who = rules.actor(event, policy, known)
        actor = who.id if who is not None else f"{event.author} <{event.email}>"
        told = msg("{actor} ({signature})", actor=actor, signature=known.describe(policy)) \
            if known is not None and who is None else actor
        day = f"{event.date:%Y-%m-%d}"
        for p in problems:
            out.append(Finding(replace(p, message=msg("{message} on {date}, {how}, actor {actor}", message=p.message,
                                                      date=day, how=_how(event.sha, where, subjects),
                                                      actor=told)), event.sha, where, where == event.sha, str(told)))
    return out


def _authority(event: Event, story: dict[str, object], config: Config, sig: Signature | None) -> list[Problem]:
    """Role, four eyes and authority of the approvals an event adds (proposer and severity from history)."""
    if event.kind != "complaint":
        return []
    change = event.status_change
    severity = next((c for c in event.changes if c.field == "severity"), None)
    if change is not None and change[1] == "proposed":
        who = rules.actor(event, config, sig)
        story.clear()
        story.update(proposer=who.id if who else str(event.facts.get("proposed_by") or ""),
                     severity=str(event.facts.get("severity") or "normal"))
    elif "severity" in story and severity is not None:
        if rules.lowered(severity.old, severity.new):
            story["lowered"] = event
        story["severity"] = rules.higher(story["severity"], severity.new)
    if not event.approvals_added:
        return []
    proposer = str(story.get("proposer") or event.facts.get("proposed_by") or "")
    worst = str(story.get("severity") or event.facts.get("severity") or "normal")
    entry = event.approvals_added[-1]
    data = {"approvals": event.approvals_added, "currency": event.facts.get("currency"), "id": event.record_id,
            "amount": entry.get("amount"), "resolution": entry.get("resolution")}
    found = [replace(p, path=event.path, field="approvals")
             for p in rules.authority_problems(data, range(len(event.approvals_added)), proposer, worst, config)]
    lowered = story.get("lowered")
    if isinstance(lowered, Event) and any(p.code == "W417" for p in found):
        found.append(Problem("E623", msg("severity was lowered after the proposal (commit {sha} by {author}): the "
                                         "approval must still come from '{role}', as for {worst}",
                                         sha=lowered.sha[:10], author=lowered.author,
                                         role=appr.required_role(entry.get('amount'), worst, config), worst=worst),
                             event.path, field="severity",
                             hint=msg("lowering the severity voids the approvals given for it")))
    return found


def _merge_findings(root: Path, head: str, chain: list[str], pr_of: dict[str, str], policies: Policies,
                    signatures: dict[str, Signature] | None, subjects: dict[str, str]) -> list[Finding]:
    from svcnotes.history.gate import conflict_problems, merge_problems

    on_chain = set(chain)
    out = []
    merges = [m for m in merges_in(root, head) if m.sha in on_chain or pr_of.get(m.sha)]
    for merge, changes in zip(merges, merges_changes(root, merges), strict=True):
        if not changes.own.files and not changes.conflicted:
            continue  # a plain merge: nothing of its own (most of them)
        where = merge.sha if merge.sha in on_chain else pr_of.get(merge.sha, "")
        config = policies.at(where)
        events = EventBuilder(root, config).events([changes.own])
        signed = functools.partial(_sig_of, signatures, config)
        problems = merge_problems(events, config, signed)
        if changes.conflicted:
            per_parent = [EventBuilder(root, config).events([c]) for c in changes.conflicted]
            problems += conflict_problems(per_parent, config, signed)
        actor, day = f"{merge.author} <{merge.email}>", f"{merge.date:%Y-%m-%d}"
        out += [Finding(replace(p, message=msg("{message} on {date}, {how}, actor {actor}", message=p.message,
                                               date=day, how=_how(merge.sha, where, subjects),
                                               actor=actor)), merge.sha, where, where == merge.sha, actor)
                for p in problems]
    return out


def _policy_findings(root: Path, chain: list[str], parents: dict[str, tuple[str, ...]], policies: Policies,
                     signatures: dict[str, Signature] | None, subjects: dict[str, str]) -> list[Finding]:
    """E622 for every policy change that landed without an admin's commit."""
    touched = set(git(root, "log", "--first-parent", "--format=%H", chain[-1], "--", CONFIG_FILE, *CODEOWNERS,
                      *CI_PATHS).split()) if chain else set()
    out = []
    for landing in chain:
        first = parents.get(landing, ())
        if landing not in touched or not first:
            continue
        config = policies.at(landing)
        for sha, paths in policy_changes(root, first[0], landing):
            sig = _sig(signatures, sha, config)
            email = git(root, "log", "-1", "--format=%ae", sha).strip()
            who = sig.signer(config) if sig is not None else config.staff_by_email(email)
            if is_admin(who, config):
                continue
            said = (msg("signed by {who}", who=who.id) if who else sig.describe(config)) if sig is not None else \
                msg("committed by {who}", who=who.id if who else email)
            what = joined([msg("svcnotes.toml's rules") if p == CONFIG_FILE else p for p in paths])
            how = _how(sha, landing, subjects)
            kept = msg(" (audit keeps judging by the policy before it)") if landing in policies.refused \
                and CONFIG_FILE in paths else ""
            out.append(Finding(Problem("E622", msg("commit {sha} changed {what} but is {said}, not an admin "
                                                   "({admin_roles}), {how}{kept}",
                                                   sha=sha[:10], what=what, said=said,
                                                   admin_roles=', '.join(config.admin_roles), how=how, kept=kept), paths[0],
                                       hint=msg("an admin reviews the change; the next policy change comes from an "
                                                "admin's own commit")), sha, landing, landing == sha,
                               who.id if who else email))
    return out


def audit_repository(root: Path, config: Config) -> AuditResult:
    """Audit the repository at `root` (history index from the cache when fresh), each stretch of history
    under the policy that held when it landed."""
    from svcnotes.history.gate import is_shallow, no_verifier_problem, shallow_problem

    if is_shallow(root):  # a cut-off history cannot be audited: say so rather than judge part of it
        return AuditResult([], config.signed_approvals, [shallow_problem()])
    setup: list[Problem] = []
    store = open_log(root, config)
    if store is None:
        return AuditResult([], config.signed_approvals, setup)
    with store:
        head = store.head
        commits = store.commits()
        chain = first_parent_chain(commits, head)
        parents = {sha: c[1] for sha, c in commits.items()}
        pr_of = store.pr_of()
        policies = Policies(root, chain, parents)
        candidates = policies.candidates()
        signed_any = any(c.signed_approvals for c in candidates)
        signatures: dict[str, Signature] | None = None
        if signed_any:
            acting = list(dict.fromkeys(e.sha for e in store.iter_events() if rules.claims(e)))  # a first pass
            policy_commits = git(root, "log", "--format=%H", head, "--", CONFIG_FILE, *CODEOWNERS, *CI_PATHS).split()
            merges = [sha for sha, c in commits.items() if len(c[1]) > 1]
            try:
                signatures = verify(root, [*acting, *policy_commits, *merges], candidates)
            except NoVerifier as exc:
                setup.append(no_verifier_problem(str(exc)))
                signatures = {}
        policies.settle(signatures)
        subjects = {sha: c[0] for sha, c in commits.items()}
        hosted = rules.hosted_commits(git(root, *LEAN, "log", "--first-parent", "--format=%H %ce", head))
        findings = audit(store.iter_events(), chain, pr_of, policies, signatures, hosted, subjects)
    findings += _merge_findings(root, head, chain, pr_of, policies, signatures, subjects)
    findings += _policy_findings(root, chain, parents, policies, signatures, subjects)
    order = {sha: n for n, sha in enumerate(chain)}
    findings.sort(key=lambda f: order.get(f.landed_in, -1))
    if not chain:
        return AuditResult(findings, config.signed_approvals, setup)
    last = chain[-1]
    final = last if last in policies.changed and last not in policies.refused else policies.version.get(last, last)
    return AuditResult(findings, policies.load(final).signed_approvals, setup)
