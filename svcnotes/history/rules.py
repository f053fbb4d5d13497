"""Rules on single history events, shared by the PR gate and the audit of main.

Each rule looks at one commit's change to one record (an Event) and returns unlocated-by-line
problems (path set, line filled in by the caller when it has the file): illegal transitions,
edits of closed records, deletions, and acts (approval, proposal, CAPA verification, closure) not
made by the person they name. Role, four-eyes and authority are judged by the functions
`validate` uses (workflow.approvals), with the proposer and severity taken from history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from svcnotes.history.events import Event
from svcnotes.history.signatures import Signature
from svcnotes.model.config import Config, Staff
from svcnotes.model.labels import coded
from svcnotes.model.message import joined, msg
from svcnotes.model.problems import Problem, Severity
from svcnotes.model.schema import FINISHED, KINDS, PIPELINE
from svcnotes.workflow import approvals
from svcnotes.workflow.states import allowed

# Fields a closed (or not_established) complaint may still change: tags, former numbers, CAPA
# verification by quality (often weeks after closure), the callback waiver, extension fields.
AFTER_CLOSURE = frozenset({"tags", "aliases", "capa", "callback_waived"})
_PIPELINE = PIPELINE


def _top(field: str) -> str:
    return field.split("[", 1)[0].split(".", 1)[0]


def transition_problems(event: Event) -> list[Problem]:
    """E601/E605: every status change in a commit follows TRANSITIONS; new complaints start registered."""
    if event.kind != "complaint":
        return []
    change = event.status_change
    if change is None:
        return []
    old, new = change
    where = msg("in commit {sha} by {author} <{email}>", sha=event.sha[:10], author=event.author, email=event.email)
    if old is None:
        initial = KINDS["complaint"].initial_status
        if event.action == "created" and new != initial and not event.facts.get("imported"):
            return [Problem("E605", msg("new complaint starts as '{new}', not '{initial}' ({where})",
                                        new=new, initial=initial, where=where), event.path,
                            field="status", hint=msg("create it registered and move it through the workflow"))]
        return []
    if new is None or new in allowed(str(old)):
        return []
    if old in _PIPELINE and new in _PIPELINE and _PIPELINE.index(new) > _PIPELINE.index(old):
        what = msg("skips a state: {old} → {new}", old=coded("complaint_status", old), new=coded("complaint_status", new))
        hint = msg("go through {path}, one commit each",
                   path=" → ".join(_PIPELINE[_PIPELINE.index(old):_PIPELINE.index(new) + 1]))
    else:
        what = msg("moves backwards or out of a final state: {old} → {new}", old=coded("complaint_status", old),
                   new=coded("complaint_status", new))
        targets = ", ".join(sorted(allowed(str(old)))) or msg("none: it is final")
        hint = msg("from {old} a complaint may go to: {targets}", old=old, targets=targets)
        if old in FINISHED:
            hint = msg("from {old} a complaint may go to: {targets}; if the customer did not accept, open a new "
                       "complaint that reopens it (svcnotes reopen)", old=old, targets=targets)
    return [Problem("E601", msg("illegal transition {what} ({where})", what=what, where=where), event.path, field="status",
                    hint=hint)]


def closed_edit_problems(event: Event, base_status: str | None) -> list[Problem]:
    """E602: a closed or not-established complaint changes only the fields allowed after closure."""
    if event.kind != "complaint" or base_status not in FINISHED or event.action == "deleted":
        return []
    bad = sorted({_top(c.field) for c in event.changes
                  if _top(c.field) not in AFTER_CLOSURE and not _top(c.field).startswith(("x_", "x-"))
                  and _top(c.field) != "id"})
    if not bad:
        return []
    return [Problem("E602", msg("edits the {base_status} record ({bad}) in commit {sha} by {author}",
                                base_status=coded("complaint_status", base_status), bad=', '.join(bad), sha=event.sha[:10], author=event.author), event.path, field=bad[0],
                    hint=msg("after closure only {after_closure} may change; a customer who does not accept gets a "
                             "new complaint (svcnotes reopen)", after_closure=', '.join(sorted(AFTER_CLOSURE))))]


def deletion_problems(event: Event) -> list[Problem]:
    """E603: records are never deleted (the audit trail and the numbering depend on them)."""
    if event.action != "deleted":
        return []
    return [Problem("E603", msg("deletes record {record_id} (commit {sha} by {author})",
                                record_id=event.record_id, sha=event.sha[:10], author=event.author),
                    event.old_path or event.path, hint=msg("restore the file; end a groundless complaint as "
                                                           "not_established"))]


SEVERITY_ORDER = ("minor", "normal", "major", "critical")
HOSTED_COMMITTERS = frozenset({"noreply@github.com", "noreply@gitlab.com"})  # the platforms' own commits


def hosted_commits(log: str) -> frozenset[str]:
    """The commits of `git log --format='%H %ce'` output that the hosting platform re-created (its committer:
    a squash or rebase merge, GitHub's "Update branch" by rebase)."""
    out = set()
    for line in log.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lower() in HOSTED_COMMITTERS:
            out.add(parts[0])
    return frozenset(out)


def hosted_problem(event: Event, hint: str = "") -> Problem:
    """E624: an act recorded in a commit the hosting platform re-created, so the actor's signature is gone."""
    acts = joined([msg("{act} by {who}", act=_ACTS[what], who=who) if who else _ACTS[what] for what, who in claims(event)])
    return Problem("E624", msg("commit {sha} records the {acts} of {record_id} but was re-created by the hosting "
                               "platform (squash or rebase merge): the actor's signature is gone",
                               sha=event.sha[:10], acts=acts, record_id=event.record_id), event.path,
                   field="approvals" if event.approvals_added else "status",
                   hint=hint or msg("merge pull requests with a merge commit or fast-forward "
                                    "(docs/security.md#merge-methods); the PR's own commits hold the signature"))


_ACTS = {"approval": msg("approval"), "proposal": msg("proposal"), "closure": msg("closure"),
         "CAPA verification": msg("CAPA verification")}


def claims(event: Event) -> list[tuple[str, str]]:
    """(what, claimed actor) of each act a commit records on a complaint: an approval (its `by`), a
    proposal (`proposed_by`), a CAPA verification (`verified_by`), a closure (Svc-Actor, else '')."""
    out = [("approval", str(a.get("by") or "")) for a in event.approvals_added]
    change = event.status_change
    if event.kind == "complaint" and change is not None:
        if change[1] == "proposed":
            out.append(("proposal", str(event.facts.get("proposed_by") or "")))
        elif change[1] in FINISHED:
            out.append(("closure", event.trailers.get("Svc-Actor", "")))
    out += [("CAPA verification", who) for who in event.facts.get("capa_verified") or ()]
    return out


def actor(event: Event, config: Config, signature: Signature | None) -> Staff | None:
    """Who made the commit: the signer in signed mode, the author e-mail's staff member otherwise."""
    if signature is not None:
        return signature.signer(config)
    return config.staff_by_email(event.email)


def actor_problems(event: Event, config: Config, signature: Signature | None) -> list[Problem]:
    """E611/E616-E619: each act a commit records was made by the person it names.

    Signed mode (`signature` given): the commit carries a good signature from a key listed for that
    person. Unsigned mode: approvals only, by the author e-mail (which anyone can type)."""
    out: list[Problem] = []
    commit = msg("commit {sha}", sha=event.sha[:10])
    for what, claimed in claims(event):
        field = "approvals" if what == "approval" else "capa" if what.startswith("CAPA") else "status"
        act = (msg("the {act} of {record} claimed by {claimed}", act=_ACTS[what], record=event.record_id, claimed=claimed)
               if claimed else msg("the {act} of {record}", act=_ACTS[what], record=event.record_id))
        if signature is None:
            if what != "approval":
                continue
            author = config.staff_by_email(event.email)
            if author is None or author.id != claimed:
                out.append(Problem("E611", msg("approval by {claimed} was not committed by {claimed} ({commit} by "
                                               "{author} <{email}>)",
                                               claimed=claimed, commit=commit, author=event.author,
                                               email=event.email), event.path, field=field,
                                   hint=msg("only {claimed} may add this approval: they run 'svcnotes approve "
                                            "{record_id}' and push the commit under their own git e-mail",
                                            claimed=claimed, record_id=event.record_id)))
            continue
        signer = signature.signer(config)
        said = signature.describe(config)
        if signature.status == "N":
            out.append(Problem("E616", msg("{commit} records {act} but is not signed", commit=commit, act=act), event.path, field=field,
                               hint=msg("approval.signed = true: {claimed} signs the commit with a key listed in "
                                        "their [[staff]] signing_keys (svcnotes keys setup)",
                                        claimed=claimed or msg("the actor"))))
        elif signature.status == "U":
            out.append(Problem("E617", msg("{commit} records {act} but is signed with a key no staff member lists "
                                           "({key})", commit=commit, act=act, key=signature.key),
                               event.path, field=field,
                               hint=msg("list the key in the signer's [[staff]] signing_keys through an admin PR "
                                        "(svcnotes keys propose), or sign with a listed key")))
        elif signer is None:
            out.append(Problem("E618", msg("{commit} records {act} but carries a {said}",
                                           commit=commit, act=act, said=said), event.path, field=field,
                               hint=msg("re-create the commit signed with a valid listed key; for 'cannot be "
                                        "checked', install ssh-keygen (openssh-client) or gpg and import the public "
                                        "key")))
        elif claimed and signer.id != claimed or not claimed and what == "closure" and \
                config.staff_by_email(event.email) not in (None, signer):
            out.append(Problem("E619", msg("{commit} records {act} but is {said}", commit=commit, act=act, said=said),
                               event.path, field=field,
                               hint=msg("only {claimed} may make this commit, signed with their own key (identity is "
                                        "the signer, not the author e-mail)",
                                        claimed=claimed or msg("the named actor"))))
    return out


def authority_problems(data: Mapping[str, Any], indexes: Iterable[int], proposer: str, severity: str,
                       config: Config) -> list[Problem]:
    """E404 / W417 / E405 of the approvals at `indexes` of `data` (a record's fields), by the rule `validate`
    uses (approvals.entry_problems), with the proposer taken from history and the highest severity since
    the proposal; W417 counts as an error here: an approval this history adds must have the authority."""
    judged = {**data, "proposed_by": proposer, "severity": severity}
    entries = list(data.get("approvals") or ())
    out: list[Problem] = []
    for i in indexes:
        out += [replace(p, severity=Severity.ERROR) if p.code == "W417" else p
                for p in approvals.entry_problems(entries[i], i, judged, config)]
    return out


def lowered(old: Any, new: Any) -> bool:
    """True when severity `new` is below `old`."""
    rank = {s: n for n, s in enumerate(SEVERITY_ORDER)}
    return rank.get(str(new or "normal"), 1) < rank.get(str(old or "normal"), 1)


def higher(a: Any, b: Any) -> str:
    """The higher of two severities."""
    return str(b or "normal") if lowered(b, a) else str(a or "normal")


def event_problems(event: Event, config: Config, base_status: str | None = None,
                   signature: Signature | None = None) -> list[Problem]:
    """Every rule on one event (base_status: the record's status before the change being judged;
    signature: the commit's, in signed mode)."""
    problems = (transition_problems(event) + deletion_problems(event) + actor_problems(event, config, signature)
                + closed_edit_problems(event, base_status))
    return [replace(p, path=p.path or event.path) for p in problems]
