"""`svcnotes pr-summary`: a Markdown summary of a PR for a review comment."""

from __future__ import annotations

from typing import Any

from svcnotes.history.gate import PullRequest, RecordDiff
from svcnotes.history.policy import mode_statement
from svcnotes.model.config import Config
from svcnotes.model.fields import render_scalar
from svcnotes.model.message import msg, render
from svcnotes.model.problems import Problem
from svcnotes.model.schema import KINDS
from svcnotes.workflow import approvals as appr

ACTIONS = {"A": msg("created"), "M": msg("changed"), "D": msg("deleted"), "R": msg("renumbered")}
COLUMNS = (msg("record"), msg("kind"), msg("change"), msg("status"), msg("resolution"), msg("amount"), msg("approvals"))
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


def pr_summary(pr: PullRequest, problems: list[Problem], config: Config, lang: str = "en") -> str:
    """Markdown: records changed, transitions, amounts, approvals still required (and from whom), gate result;
    its words in `lang` ('zh-CN' or 'en': the CLI passes --lang, else organisation.locale), record values,
    ids, codes and commands as they are."""

    lines = [msg("## svcnotes: {count} record(s) changed against `{base}`", count=len(pr.records),
                 base=pr.base_ref).render(lang), ""]
    if pr.records:
        lines += ["| " + " | ".join(h.render(lang) for h in COLUMNS) + " |", "|---|---|---|---|---|---|---|"]
    pending = []
    for rec in sorted(pr.records, key=lambda r: r.path):
        head = rec.head or rec.base
        data = head.data if head else {}
        action = ACTIONS[rec.status].render(lang) if rec.status in ACTIONS else rec.status
        if rec.status == "R" and rec.base is not None and rec.head is not None and rec.base.id != rec.head.id:
            action = msg("renumbered from {id}", id=rec.base.id).render(lang)
        approved = ", ".join(f"{a.get('by')} ({a.get('role')})" for a in data.get("approvals") or []) or "—"
        amount = data.get("amount")
        amount_text = _cell(amount) + (f" {data.get('currency') or config.currency}" if amount is not None else "")
        if rec.base is not None and rec.head is not None and rec.base.data.get("amount") != amount:
            amount_text = f"{_cell(rec.base.data.get('amount'))} → {amount_text}"
        kind = KINDS[rec.kind].zh if lang == "zh-CN" and rec.kind in KINDS else rec.kind
        lines.append(f"| {rec.id} | {kind} | {action} | {_status(rec)} | {_cell(data.get('resolution'))} | "
                     f"{amount_text} | {approved} |")
        lowered = [p for p in problems if p.code == "E623" and p.path == rec.path]
        if lowered and rec.head is not None:
            pending.append(f"- **{rec.id}**: {render(lowered[0].message, lang)} (`svcnotes approve {rec.id}`)")
        elif rec.kind == "complaint" and rec.head is not None and rec.head.status in NEEDS_APPROVAL:
            state = appr.assess(rec.head, config)
            if not state.sufficient:
                who = ", ".join("@" + w for w in approvers_for(rec.head, config))
                needs = msg("needs a `{role}` approval for {amount} — from {who}", role=state.needed_role,
                            amount=_cell(amount), who=who or msg("nobody in the staff directory"))
                pending.append(f"- **{rec.id}**: {needs.render(lang)} (`svcnotes approve {rec.id}`)")
    lines += ["", msg("### Approvals still required").render(lang), ""] + (pending or [msg("None.").render(lang)])
    errors = [p for p in problems if p.is_error]
    lines += ["", msg("### Gate").render(lang), ""]
    if errors:
        lines.append("❌ " + msg("{count} error(s):", count=len(errors)).render(lang))
        lines += [f"- `{p.format(lang)}`" for p in errors[:30]]
        if len(errors) > 30:
            lines.append("- " + msg("… and {count} more", count=len(errors) - 30).render(lang))
    else:
        lines.append("✅ " + msg("`svcnotes check` passes.").render(lang))
    lines += ["", f"_{render(mode_statement(pr.config or config, pr.policy_source), lang)}_"]
    return "\n".join(lines) + "\n"
