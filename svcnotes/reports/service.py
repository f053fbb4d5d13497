"""Service reports: the weekly service report (周报) and the monthly service supervision report (服务监督报告)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import chain
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.schema import NOTE_KINDS
from svcnotes.reports.base import (
    Column,
    Count,
    Figure,
    Report,
    Series,
    Text,
    customer_name,
    day_of,
    enter_hint,
    established,
    rate,
    registered_on,
    value_label,
)
from svcnotes.reports.callbacks import due_in, satisfaction
from svcnotes.reports.complaints import closure_rates, ended_closure, quality_rate, quality_reports
from svcnotes.reports.index import ReportIndex
from svcnotes.reports.periods import Period
from svcnotes.store.repository import Snapshot
from svcnotes.store.volumes import BASE_LABELS

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
    Column("period", "统计期间", "Period"),
    Column("value", "实际", "Actual", "ratio"),
    Column("target", "目标", "Target", "ratio"),
    Column("better", "方向", "Direction"),
    Column("met", "达标", "Met", "bool"),
    Column("numerator", "分子", "Numerator"),
    Column("denominator", "分母", "Denominator"),
    Column("note", "说明", "Note"),
)

REWORK = Text("返工处理客诉", "rework jobs")
SERVICE_JOBS = Text("服务次数", "service jobs")
ON_SITE_JOBS = Text("服务次数（现场服务记录）", "service jobs (on-site notes)")
VALID = Text("有效客诉", "established complaints")


def service_jobs(snapshot: Snapshot, period: Period) -> Count:
    """Service jobs of a month: the volume table's `service_jobs` when recorded, else the on-site
    service notes of the month (when there are any), else not recorded."""
    index = ReportIndex.of(snapshot)
    recorded = index.volume(period, "service_jobs")
    if recorded is not None:
        return Count(SERVICE_JOBS, recorded)
    on_site = sum(1 for n in index.notes.within(period) if n.get("kind") == "on_site")
    return Count(ON_SITE_JOBS, on_site) if on_site else Count(SERVICE_JOBS, None)


def kpis(snapshot: Snapshot, config: Config, period: Period, today: date) -> list[Figure]:
    """The department's KPIs for one month against their targets; each names its numerator and denominator.

    - closure within the target: ended in the month on or before the target date (15 days) /
      ended in the month (target 100 %);
    - closure within the limit: the same against the limit (20 days; a hard limit, target 100 %);
    - quality reports on time: delivered within deadlines.quality_report_days of the investigation
      start / reports due by today, of the investigations started in the month (target 100 %);
    - callback completion: done / due in the month (cancelled excluded);
    - satisfaction: scores >= 4 / scored callbacks due in the month;
    - rework rate: established complaints registered in the month and resolved by `rework` /
      service jobs of the month (volume table, else on-site service notes);
    - valid-complaint rate: established complaints registered in the month / the month's
      shipments (or deliveries: targets.valid_complaint_base) from the volume table.
    Without a recorded denominator the value is None and `missing` says what to enter.
    """
    return list(ReportIndex.of(snapshot).memo("kpis", config, period, today, lambda: _kpis(snapshot, config, period, today)))


def _kpis(snapshot: Snapshot, config: Config, period: Period, today: date) -> tuple[Figure, ...]:
    index = ReportIndex.of(snapshot)
    n_ended, on_time, _, on_target = ended_closure(snapshot, config, period, today)
    callbacks = due_in(snapshot, period)
    done = sum(1 for r in callbacks if r.status == "done")
    happy, scored, _ = satisfaction(callbacks)
    valid = [r for r in index.registered.within(period) if established(r)]
    rework = sum(1 for r in valid if r.get("resolution") == "rework")
    jobs = service_jobs(snapshot, period)
    base = config.valid_complaint_base
    base_label = Text(*BASE_LABELS[base])
    target_rate, limit_rate = closure_rates(n_ended, on_time, on_target, period)
    return (
        replace(target_rate, key="on_target_closure"),
        replace(limit_rate, key="on_time_closure"),
        replace(quality_rate(quality_reports(snapshot, config, period, today), period), key="quality_report_on_time"),
        rate("callback_completion", Text("回访完成率", "Callback completion"), Count(Text("已回访", "done"), done),
             Count(Text("应回访", "callbacks due"), len(callbacks)), period, config.target_callback_completion, "higher"),
        rate("satisfaction", Text("客户满意度", "Satisfaction"), Count(Text("评分4-5分", "scores 4-5"), happy),
             Count(Text("已评分回访", "scored callbacks"), scored), period, config.target_satisfaction, "higher"),
        rate("rework_rate", Text("售后返工率", "Rework rate"), Count(REWORK, rework), jobs, period,
             config.target_rework_rate, "lower", enter_hint(SERVICE_JOBS, period)),
        rate("valid_complaint_rate", Text("有效客诉率", "Valid-complaint rate"), Count(VALID, len(valid)),
             Count(base_label, index.volume(period, base)), period, config.target_valid_complaint_rate, "lower",
             enter_hint(base_label, period)),
    )


def kpi_row(f: Figure) -> dict[str, Any]:
    """One KPI as a supervision-report row: period, value, target, numerator, denominator, note."""
    return {"kpi": f.label, "key": f.key, "period": f.period, "value": f.value, "target": f.target,
            "better": ">=" if f.better == "higher" else "<=", "met": f.met, "basis": f.basis,
            "numerator": _side(f.numerator), "denominator": _side(f.denominator), "note": f.missing or ""}


def _side(count: Count | None) -> Text | str:
    return Text(count.text("zh"), count.text("en")) if count is not None else ""


def supervision(snapshot: Snapshot, config: Config, period: Period, today: date) -> Report:
    """服务监督报告 for one month: each KPI, its target and whether it was met, with 12-month trends."""
    figures = kpis(snapshot, config, period, today)
    rows = tuple(kpi_row(f) for f in figures)
    months = period.trailing(12)
    history = [kpis(snapshot, config, m, today) for m in months]
    series = tuple(Series(f"trend_{f.key}", f.label, "line", tuple(m.label for m in months),
                          {f.key: tuple(h[i].value for h in history)}, "ratio", f.target)
                   for i, f in enumerate(figures))
    return Report("supervision", Text("服务监督报告", "Service supervision report"), today, period, KPI_COLUMNS,
                  rows, tuple(figures), series)
