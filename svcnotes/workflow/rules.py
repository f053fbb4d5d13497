"""The complaint rules, each defined once here and registered as a `Check` (codes, statuses).

`svcnotes validate`, the language server, every write path (the store runs them on what it is
about to write) and `states.transition` (entering a status) all evaluate these same functions, so
a rule has one definition and one code wherever it is judged. Codes E403-E418 and W410/W417 are
stable. Imported history (`imported:` set) gets warnings instead of errors: old data cannot be
made to meet today's rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from svcnotes.checks import register, register_record
from svcnotes.model.config import Config
from svcnotes.model.fields import render_scalar
from svcnotes.model.labels import coded
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, Severity
from svcnotes.model.schema import FINISHED, PIPELINE, from_status
from svcnotes.workflow import approvals, conduct
from svcnotes.workflow.holds import hold_problems

if TYPE_CHECKING:
    from svcnotes.model.record import Record
    from svcnotes.store.repository import Snapshot

APPROVED_OR_LATER = from_status("approved")
CLOSED = frozenset({PIPELINE[-1]})  # the end of the main pipeline (not not_established)


def _located(record: Record, problems: Iterable[Problem]) -> list[Problem]:
    """Give unlocated problems the record's path and line; imported records get warnings."""
    imported = bool(record.data.get("imported"))
    out = []
    for p in problems:
        line = record.lines.get(p.field) or record.line(p.field) or record.line("status")
        severity = Severity.WARNING if imported else p.severity
        out.append(replace(p, path=record.path, line=p.line or line, severity=severity))
    return out


# The record judged last, with its approval problems: the three rules below run one after another on
# each record and share one assessment. Held by identity (the record and config themselves), so it
# can never answer for other data, and it holds one record at most.
_LAST_APPROVALS: list[tuple[Record, Config, list[Problem]]] = []


def _approval_problems(record: Record, config: Config) -> list[Problem]:
    """approvals.approval_problems, computed once for the record the rules are judging (three rules share it)."""
    if not record.data.get("approvals"):
        return []
    if _LAST_APPROVALS:
        last_record, last_config, found = _LAST_APPROVALS[0]
        if last_record is record and last_config is config:
            return found
    found = approvals.approval_problems(record, config)
    _LAST_APPROVALS[:] = [(record, config, found)]
    return found


def _complaints(snap: Snapshot) -> list[Record]:
    return snap.records.get("complaint", [])


@register_record(["complaint"], codes=("E403",))
def check_approvals_not_void(record: Record, config: Config) -> list[Problem]:
    """E403: every approval still matches the record's resolution, amount and approved content."""
    return _located(record, [p for p in _approval_problems(record, config) if p.code == "E403"])


@register_record(["complaint"], codes=("E404", "W417"))
def check_approver_holds_role(record: Record, config: Config) -> list[Problem]:
    """E404: an approver holds the role the approval records; W417: that role covers the amount."""
    found = [p for p in _approval_problems(record, config) if p.code in ("E404", "W417")]
    return _located(record, found)


@register_record(["complaint"], codes=("E405",))
def check_four_eyes(record: Record, config: Config) -> list[Problem]:
    """E405: nobody approves their own proposal."""
    return _located(record, [p for p in _approval_problems(record, config) if p.code == "E405"])


@register_record(["complaint"], codes=("E406",), statuses=APPROVED_OR_LATER)
def check_approvals_sufficient(record: Record, config: Config) -> list[Problem]:
    """E406: an approved, resolved or closed complaint has a valid approval covering its amount."""
    if record.status in APPROVED_OR_LATER and record.get("approvals"):
        problem = approvals.coverage_problem(record, config)
        return _located(record, [problem] if problem else [])
    return []


@register_record(["complaint"], codes=("E407",), statuses=CLOSED)
def check_capa_verified_on_close(record: Record, config: Config) -> list[Problem]:
    """E407: a closed complaint whose improvement is tracked has every CAPA verified."""
    if record.status in CLOSED:
        return _located(record, capa_problems(record.data))
    return []


def capa_problems(data: Mapping[str, Any]) -> list[Problem]:
    """E407 when improvement is tracked and a CAPA is missing or not verified (who verified is E413/E418)."""
    if data.get("improvement_tracked") is not True:
        return []
    entries = data.get("capa") or []
    if not entries:
        return [Problem("E407", msg("improvement is tracked but no CAPA (纠正和预防措施) is recorded"), field="capa",
                        hint=msg("add one: svcnotes capa add {id} --action ... --owner ... --due ...",
                                 id=data.get('id', 'ID')))]
    return [Problem("E407", msg("CAPA {number} is {status}, not verified",
                                number=i + 1, status=coded("capa_status", entry.get('status') or "open")), field=f"capa[{i}].status",
                    hint=msg("the quality department verifies it: svcnotes capa verify {id} {number}",
                             id=data.get('id', 'ID'), number=i + 1))
            for i, entry in enumerate(entries) if entry.get("status") != "verified"]


def callback_problems(data: Mapping[str, Any], snapshot: Snapshot | None) -> list[Problem]:
    """E408 unless the post-resolution callback is done or `callback_waived` gives a reason."""
    if str(data.get("callback_waived") or "").strip():
        return []
    if snapshot is not None:
        for cb in snapshot.records.get("callback", []):
            if cb.data.get("complaint") == data.get("id") and cb.data.get("kind") == "post_resolution" and cb.status == "done":
                return []
    return [Problem("E408", msg("the post-resolution callback (回访) is not done"), field="callback_waived",
                    hint=msg("finish it (svcnotes callback done CB-...) or waive it with a reason (--callback-waived "
                             "REASON)"))]


@register(fields=("status", "id", "callback_waived", "imported", "complaint", "kind"), codes=("E408",), statuses=CLOSED)
def check_callback_on_close(snap: Snapshot, config: Config) -> list[Problem]:
    """E408: a closed complaint has its post-resolution callback done, or waived with a reason."""
    out = []
    # complaint ids with a done post-resolution callback (what states.callback_problems looks for)
    done = {cb.data.get("complaint") for cb in snap.records.get("callback", [])
            if cb.data.get("kind") == "post_resolution" and cb.status == "done"}
    for record in _complaints(snap):
        data = record.data
        if data.get("status") and record.status in CLOSED and data.get("id") not in done:
            if str(data.get("callback_waived") or "").strip():
                continue  # waived with a reason: callback_problems finds nothing (skipped: most closed ones are)
            out += _located(record, callback_problems(data, None))
    return out


@register_record(codes=("E409",))
def check_forbidden_phrases(record: Record, config: Config) -> list[Problem]:
    """E409: customer-facing text (replies, letters, results, outgoing notes) holds no forbidden
    phrase (服务禁用语), found after normalising width, spaces and punctuation; a phrase inside
    one of the allowed safe contexts (请勿随便拆卸) passes."""
    out = []
    for name, value, line in conduct.customer_texts(record):
        for hit in conduct.find_phrases(value, config.forbidden_phrases, config.allowed_contexts):
            out += _located(record, [Problem(
                "E409", msg("forbidden phrase '{phrase}' in customer-facing text ({label})",
                            phrase=hit.phrase, label=conduct.label(record, name)),
                line=line(hit.start), field=name,
                hint=msg("rephrase it (服务禁用语, see conduct.forbidden_phrases and conduct.allowed_contexts in "
                         "svcnotes.toml)"))])
    return out


@register_record(["complaint"], codes=("E415",), statuses=from_status("proposed"))
def check_amount_currency_has_a_rate(record: Record, config: Config) -> list[Problem]:
    """E415: an amount in another currency than complaints.currency has a rate in approval.rates
    (else no approval limit can be applied to it, and nobody may approve it)."""
    data = record.data
    if data.get("amount") is None or data.get("currency") in (None, config.currency):
        return []
    problem = approvals.currency_problem(data, config)
    return _located(record, [problem] if problem else [])


@register_record(["complaint"], codes=("E416",))
def check_holds(record: Record, config: Config) -> list[Problem]:
    """E416: every hold (on_hold) ends on or after its start, and an open-ended hold is not older
    than deadlines.max_hold_days (past it the clock runs again: resume it or set `to`)."""
    if not record.data.get("on_hold"):
        return []
    return _located(record, hold_problems(record.data, config))


@register_record(["complaint"], codes=("W410",))
def check_proposal_within_authority(record: Record, config: Config) -> list[Problem]:
    """W410: a proposed amount above the proposer's own authority needs approval before the customer is told."""
    proposer = config.staff.get(str(record.get("proposed_by", "")))
    amount = record.get("amount")
    if record.status != "proposed" or proposer is None or amount is None:
        return []
    limit = approvals.authority_limit(proposer, config)
    severity = str(record.get("severity", "normal"))
    base = approvals.in_base_currency(amount, record.get("currency"), config)
    if base is None:
        return []  # E415 says why nobody can approve it
    if limit is not None and (base > limit or (severity == "critical"
                                               and config.critical_role not in proposer.roles)):
        needed = approvals.required_role(amount, severity, config, record.get("currency"))
        return _located(record, [Problem(
            "W410", msg("proposed amount {amount} is above {proposer}'s own authority ({limit}): tell the customer "
                        "nothing before a '{needed}' approves",
                        amount=render_scalar(amount), proposer=proposer.id, limit=render_scalar(limit),
                        needed=needed),
            field="amount", hint=msg("a {needed} approves it with: svcnotes approve {record}",
                                     needed=needed, record=record.id), severity=Severity.WARNING)])
    return []


@register(fields=("status", "reopens", "imported"), codes=("E411",))
def check_reopens_closed(snap: Snapshot, config: Config) -> list[Problem]:
    """E411: `reopens` points at a finished complaint, closed or not_established (which stays so)."""
    out = []
    finished = " or ".join(sorted(FINISHED))
    for record in _complaints(snap):
        original = snap.find(str(record.get("reopens", ""))) if record.get("reopens") else None
        if (original is not None and original.kind == "complaint" and original.id != record.id
                and original.status not in FINISHED):
            out += _located(record, [Problem("E411", msg("reopens {original}, which is {status}, not {finished}",
                                                         original=original.id, status=coded("complaint_status", original.status),
                                                         finished=finished),
                                             field="reopens", hint=msg("only a {finished} complaint can be reopened",
                                                                       finished=finished))])
    return out


@register_record(["complaint"], codes=("E412", "E413", "E418"))
def check_capa_verification(record: Record, config: Config) -> list[Problem]:
    """E412: a verified CAPA has verified_by and verified_at; E413: the verifier is from quality;
    E418: nobody verifies their own CAPA."""
    found = []
    for i, entry in enumerate(record.get("capa", [])):
        if entry.get("status") != "verified":
            continue
        for name in ("verified_by", "verified_at"):
            if not entry.get(name):
                found.append(Problem("E412", msg("CAPA {number} is verified but has no {name}", number=i + 1, name=name),
                                     field=f"capa[{i}].status",
                                     hint=msg("add {name} (or run: svcnotes capa verify {record} {number})",
                                              name=name, record=record.id, number=i + 1)))
        found += capa_verifier_problems(entry, i, config)
    return _located(record, found)


def capa_verifier_problems(entry: Mapping[str, Any], index: int, config: Config) -> list[Problem]:
    """E413 unless the verifier of CAPA `index` is in the quality department; E418 when it is the owner."""
    out = []
    by = str(entry.get("verified_by") or "")
    staff = config.staff.get(by)
    if staff is not None and not approvals.is_quality(staff):
        out.append(Problem("E413", msg("CAPA {number} verified by {staff}, who is not in the quality department",
                                       number=index + 1, staff=staff.id),
                           field=f"capa[{index}].verified_by", hint=msg("the quality department (质量管理部) verifies CAPA")))
    if by and by == entry.get("owner"):
        out.append(Problem("E418", msg("CAPA {number} verified by its own owner {by}", number=index + 1, by=by),
                           field=f"capa[{index}].verified_by",
                           hint=msg("someone from quality other than the owner verifies it")))
    return out


@register_record(["complaint"], codes=("E414",))
def check_handover_chain(record: Record, config: Config) -> list[Problem]:
    """E414: hand-overs run from the first responder on, each from the previous receiver, ending at the owner."""
    holder = record.get("first_responder")
    found = []
    for i, h in enumerate(record.get("handovers", [])):
        if h.get("from") != holder:
            found.append(Problem("E414", msg("hand-over {number} is from {start}, but the case was with {holder}",
                                             number=i + 1, start=h.get('from'), holder=holder),
                                 field=f"handovers[{i}].from", hint=msg("set from: {holder}", holder=holder)))
        holder = h.get("to")
    owner = record.get("owner")
    if record.get("handovers") and owner != holder:
        found.append(Problem("E414", msg("owner is {owner} but the last hand-over gave the case to {holder}",
                                         owner=owner or msg("(none)"), holder=holder),
                             field="owner" if owner else "handovers", hint=msg("set owner: {holder}", holder=holder)))
    return _located(record, found)
