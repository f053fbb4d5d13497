"""`svcnotes pr-summary`: a Markdown summary of a PR for a review comment."""

from __future__ import annotations

from typing import Any

from svcnotes.history.gate import PullRequest, RecordDiff
from svcnotes.model.config import Config
from svcnotes.model.fields import render_scalar
from svcnotes.model.problems import Problem
from svcnotes.workflow import approvals as appr

ACTIONS = {"A": "created", "M": "changed", "D": "deleted", "R": "renumbered"}
NEEDS_APPROVAL = frozenset({"proposed", "approved"})


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return render_scalar(value).replace("|", "\\|")


def _status(rec: RecordDiff) -> str:
    old = rec.base.status if rec.base else ""
    new = rec.head.status if rec.head else ""
    if old and new and old != new:
        return f"{old} → {new}"
    return new or old or "—"


def approvers_for(record: Any, config: Config) -> list[str]:
    """Staff ids who could give the missing approval (holding a covering role, not the proposer)."""
    severity = str(record.data.get("severity") or "normal")
    amount = record.data.get("amount")
    return sorted(s.id for s in config.staff.values()
                  if appr.can_approve(s, amount, severity, config) and s.id != record.data.get("proposed_by"))


def pr_summary(pr: PullRequest, problems: list[Problem], config: Config) -> str:
    """Markdown: records changed, transitions, amounts, approvals still required (and from whom), gate result."""
    lines = [f"## svcnotes: {len(pr.records)} record(s) changed against `{pr.base_ref}`", ""]
    if pr.records:
        lines += ["| record | kind | change | status | resolution | amount | approvals |", "|---|---|---|---|---|---|---|"]
    pending = []
    for rec in sorted(pr.records, key=lambda r: r.path):
        head = rec.head or rec.base
        data = head.data if head else {}
        action = ACTIONS.get(rec.status, rec.status)
        if rec.status == "R" and rec.base is not None and rec.head is not None and rec.base.id != rec.head.id:
            action = f"renumbered from {rec.base.id}"
        approved = ", ".join(f"{a.get('by')} ({a.get('role')})" for a in data.get("approvals") or []) or "—"
        amount = data.get("amount")
        amount_text = _cell(amount) + (f" {data.get('currency') or config.currency}" if amount is not None else "")
        if rec.base is not None and rec.head is not None and rec.base.data.get("amount") != amount:
            amount_text = f"{_cell(rec.base.data.get('amount'))} → {amount_text}"
        lines.append(f"| {rec.id} | {rec.kind} | {action} | {_status(rec)} | {_cell(data.get('resolution'))} | "
                     f"{amount_text} | {approved} |")
        lowered = [p for p in problems if p.code == "E623" and p.path == rec.path]
        if lowered and rec.head is not None:
            pending.append(f"- **{rec.id}**: {lowered[0].message} (`svcnotes approve {rec.id}`)")
        elif rec.kind == "complaint" and rec.head is not None and rec.head.status in NEEDS_APPROVAL:
            state = appr.assess(rec.head, config)
            if not state.sufficient:
                who = approvers_for(rec.head, config)
                pending.append(f"- **{rec.id}**: needs a `{state.needed_role}` approval for "
                               f"{_cell(amount)} — from {', '.join('@' + w for w in who) or 'nobody in the staff directory'}"
                               f" (`svcnotes approve {rec.id}`)")
    lines += ["", "### Approvals still required", ""] + (pending or ["None."])
    errors = [p for p in problems if p.is_error]
    lines += ["", "### Gate", ""]
    if errors:
        lines.append(f"❌ {len(errors)} error(s):")
        lines += [f"- `{p.format()}`" for p in errors[:30]]
        if len(errors) > 30:
            lines.append(f"- … and {len(errors) - 30} more")
    else:
        lines.append("✅ `svcnotes check` passes.")
    from svcnotes.history.policy import mode_statement

    lines += ["", f"_{mode_statement(pr.config or config, pr.policy_source)}_"]
    return "\n".join(lines) + "\n"
