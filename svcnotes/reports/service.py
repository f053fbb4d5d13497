"""Service reports: the weekly service report (周报) and the monthly service supervision report (服务监督报告)."""

from __future__ import annotations

from datetime import date
from itertools import chain
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.schema import NOTE_KINDS
from svcnotes.reports.base import (Column, Figure, Report, Series, Text, customer_name, day_of, established, ratio,
                                   registered_on, value_label)
from svcnotes.reports.callbacks import due_in, satisfaction
from svcnotes.reports.complaints import ended_closure
from svcnotes.reports.index import ReportIndex
from svcnotes.reports.periods import Period
from svcnotes.store.repository import Snapshot

WEEKLY_COLUMNS = (
    Column("section", "项目", "Section", "label"),
    Column("id", "编号", "Number"),
    Column("date", "日期", "Date", "date"),
    Column("customer_name", "客户", "Customer"),
    Column("text", "内容", "Subject"),
    Column("status", "状态", "Status"),
)

SECTIONS = {
    "new_complaint": Text("新增客诉", "New complaint"),
    "closed_complaint": Text("结案客诉", "Closed complaint"),
    "callback_done": Text("已完成回访", "Callback done"),
    "open_issue": Text("交接未结事项", "Open issue (hand-over)"),
    "open_complaint": Text("未结客诉", "Open complaint"),
}
CONTACT_KINDS = tuple(k for k in NOTE_KINDS if k != "handover")


def _row(section: str, rid: str, day: date | None, customer: str, text: str, status: str, snapshot: Snapshot) -> dict[str, Any]:
    return {"section": SECTIONS[section], "section_key": section, "id": rid, "date": day, "customer": customer,
            "customer_name": customer_name(snapshot, customer) if customer else "", "text": text, "status": status}


def weekly_service(snapshot: Snapshot, config: Config, period: Period, today: date) -> Report:
    """周报 for one ISO week: contacts (service notes other than hand-overs, by kind), new and
    closed complaints, callbacks done, hand-over open issues, and complaints still open at the
    week's end (or today, when the week has not ended)."""
    index = ReportIndex.of(snapshot)
    notes = index.notes.within(period)
    cutoff = min(period.end, today)
    sections: dict[str, list[dict[str, Any]]] = {s: [] for s in SECTIONS}
    for r in index.registered.within(period):
        sections["new_complaint"].append(_row("new_complaint", r.id, registered_on(r), r.get("customer", ""),
                                              r.get("title", ""), r.status, snapshot))
    for r in index.ended.within(period):
        sections["closed_complaint"].append(_row("closed_complaint", r.id, day_of(r.get("closed_at")), r.get("customer", ""),
                                                 r.get("title", ""), r.status, snapshot))
    for cb in index.callbacks_done.within(period):
        score = cb.get("satisfaction")
        sections["callback_done"].append(_row("callback_done", cb.id, day_of(cb.get("done_at")), cb.get("customer", ""),
                                              cb.get("comments", "") or cb.get("kind", ""), f"{score}/5" if score else "done",
                                              snapshot))
    for n in notes:
        for issue in n.get("open_issues", []) if n.get("kind") == "handover" else []:
            sections["open_issue"].append(_row("open_issue", n.id, day_of(n.get("at")), n.get("customer", ""), str(issue),
                                               "open", snapshot))
    # A complaint is open in many weeks and its row is the same in each: one row object per complaint
    # and snapshot, shared by the weekly reports (rows are read-only; copying 300,000 of them for a
    # large site cost more than the rest of the reports together).
    known = index.cache("weekly_open_complaint_rows")
    opened = sections["open_complaint"]
    for rank, r in index.open_at.ranked(cutoff):
        row = known.get(rank)
        if row is None:
            row = known[rank] = _row("open_complaint", r.id, registered_on(r), r.get("customer", ""), r.get("title", ""),
                                     r.status, snapshot)
        opened.append(row)
    rows = tuple(chain.from_iterable(sections.values()))
    contacts = {k: sum(1 for n in notes if n.get("kind") == k) for k in CONTACT_KINDS}
    count = {s: len(sections[s]) for s in SECTIONS}
    figures = [Figure("contacts", Text("来电来访及服务记录", "Contacts"), sum(contacts.values()))]
    figures += [Figure(f"contacts_{k}", value_label("note_kind", k, config), v) for k, v in contacts.items()]
    figures += [Figure(s, SECTIONS[s], count[s]) for s in SECTIONS]
    series = (Series("contacts", Text("本周联系客户", "Contacts this week"), "bar",
                     tuple(value_label("note_kind", k, config) for k in CONTACT_KINDS),
                     {"value": tuple(float(v) for v in contacts.values())}),)
    return Report("weekly", Text("客户服务周报", "Weekly service report"), today, period, WEEKLY_COLUMNS,
                  rows, tuple(figures), series)


KPI_COLUMNS = (
    Column("kpi", "指标", "Indicator", "label"),
    Column("value", "实际", "Actual", "ratio"),
    Column("target", "目标", "Target", "ratio"),
    Column("better", "方向", "Direction"),
    Column("met", "达标", "Met", "bool"),
    Column("basis", "计算依据", "Basis"),
)


def kpis(snapshot: Snapshot, config: Config, period: Period, today: date) -> list[Figure]:
    """The department's KPIs for one month against their targets.

    - on-time closure: ended in the month within the limit / ended in the month (target 100 %:
      the 20-day limit is a hard limit);
    - callback completion: done / due in the month (cancelled excluded);
    - satisfaction: scores >= 4 / scored callbacks due in the month;
    - rework rate: resolution `rework` / established complaints registered in the month that
      have a resolution;
    - valid-complaint rate: established / all complaints registered in the month. The procedure's
      basis is complaints per shipment, which svcnotes does not record, so the rate here is the
      share of complaints that were established; compare it with the target with that in mind.
    """
    return list(ReportIndex.of(snapshot).memo("kpis", config, period, today, lambda: _kpis(snapshot, config, period, today)))


def _kpis(snapshot: Snapshot, config: Config, period: Period, today: date) -> tuple[Figure, ...]:
    n_ended, on_time, _ = ended_closure(snapshot, config, period, today)
    callbacks = due_in(snapshot, period)
    done = sum(1 for r in callbacks if r.status == "done")
    happy, scored, _ = satisfaction(callbacks)
    month = ReportIndex.of(snapshot).registered.within(period)
    valid = [r for r in month if established(r)]
    resolved = [r for r in valid if r.get("resolution")]
    rework = sum(1 for r in resolved if r.get("resolution") == "rework")
    return (
        Figure("on_time_closure", Text("结案及时率", "On-time closure"), ratio(on_time, n_ended), "ratio", 1.0, "higher",
               f"{on_time}/{n_ended}"),
        Figure("callback_completion", Text("回访完成率", "Callback completion"), ratio(done, len(callbacks)), "ratio",
               config.target_callback_completion, "higher", f"{done}/{len(callbacks)}"),
        Figure("satisfaction", Text("客户满意度", "Satisfaction"), ratio(happy, scored), "ratio",
               config.target_satisfaction, "higher", f"{happy}/{scored}"),
        Figure("rework_rate", Text("售后返工率", "Rework rate"), ratio(rework, len(resolved)), "ratio",
               config.target_rework_rate, "lower", f"{rework}/{len(resolved)}"),
        Figure("valid_complaint_rate", Text("有效客诉率", "Valid-complaint rate"), ratio(len(valid), len(month)), "ratio",
               config.target_valid_complaint_rate, "lower", f"{len(valid)}/{len(month)}"),
    )


def supervision(snapshot: Snapshot, config: Config, period: Period, today: date) -> Report:
    """服务监督报告 for one month: each KPI, its target and whether it was met, with 12-month trends."""
    figures = kpis(snapshot, config, period, today)
    rows = tuple({"kpi": f.label, "key": f.key, "value": f.value, "target": f.target,
                  "better": ">=" if f.better == "higher" else "<=", "met": f.met, "basis": f.basis} for f in figures)
    months = period.trailing(12)
    history = [kpis(snapshot, config, m, today) for m in months]
    series = tuple(Series(f"trend_{f.key}", f.label, "line", tuple(m.label for m in months),
                          {f.key: tuple(h[i].value for h in history)}, "ratio", f.target)
                   for i, f in enumerate(figures))
    return Report("supervision", Text("服务监督报告", "Service supervision report"), today, period, KPI_COLUMNS,
                  rows, tuple(figures), series)
