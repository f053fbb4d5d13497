"""Callback compliance (回访) and the CAPA tracker (纠正和预防措施)."""

from __future__ import annotations

from datetime import date
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.reports.base import Column, Count, Figure, Report, Series, Text, customer_name, day_of, rate, ratio
from svcnotes.reports.index import ReportIndex
from svcnotes.reports.periods import Period
from svcnotes.store.repository import Snapshot

COMPLIANCE_COLUMNS = (
    Column("id", "回访编号", "Number"),
    Column("customer_name", "客户", "Customer"),
    Column("kind", "回访类型", "Kind", enum="callback_kind"),
    Column("complaint", "关联客诉", "Complaint"),
    Column("due", "应回访日期", "Due", "date"),
    Column("status", "状态", "Status", enum="callback_status"),
    Column("outcome", "结果", "Outcome", enum="callback_outcome"),
    Column("done_on", "完成日期", "Done on", "date"),
    Column("by", "回访人", "By", enum="staff"),
    Column("satisfaction", "满意度", "Satisfaction", "int"),
)

OUTCOMES = ("on_time", "late", "unreachable", "missed", "pending")


def outcome(record: Record, today: date) -> str:
    """on_time | late (done after its due date) | unreachable | missed (status missed, or still
    scheduled after its due date) | pending (scheduled, not yet due)."""
    due = day_of(record.get("due"))
    if record.status == "done":
        done = day_of(record.get("done_at"))
        return "late" if done and due and done > due else "on_time"
    if record.status in ("unreachable", "missed"):
        return record.status
    return "missed" if due and due < today else "pending"


def due_in(snapshot: Snapshot, period: Period) -> list[Record]:
    """Callbacks due inside `period`, cancelled ones excluded (they are not owed), by due date and number."""
    return ReportIndex.of(snapshot).callbacks_due.within(period)


def satisfaction(records: list[Record]) -> tuple[int, int, float | None]:
    """(scores 4 or 5, scored callbacks, average score) over done callbacks with a score."""
    scores = [int(r.get("satisfaction")) for r in records if r.status == "done" and r.get("satisfaction") is not None]
    return sum(1 for s in scores if s >= 4), len(scores), (round(sum(scores) / len(scores), 2) if scores else None)


def callback_compliance(snapshot: Snapshot, config: Config, period: Period, today: date) -> Report:
    """回访执行情况 for one month: every callback due in it (not cancelled) and what became of it.

    Completion = done / due; satisfaction = share of scores >= 4 among the done ones with a score;
    both against the configured targets, plus a 12-month trend.
    """
    records = due_in(snapshot, period)
    rows = []
    for r in records:
        rows.append({"id": r.id, "customer": r.get("customer", ""), "customer_name": customer_name(snapshot, r.get("customer", "")),
                     "kind": r.get("kind", ""), "complaint": r.get("complaint", ""), "due": day_of(r.get("due")),
                     "status": r.status, "outcome": outcome(r, today), "done_on": day_of(r.get("done_at")),
                     "by": r.get("conducted_by") or r.get("assigned_to", ""), "satisfaction": r.get("satisfaction")})
    count = {o: sum(1 for row in rows if row["outcome"] == o) for o in OUTCOMES}
    done = count["on_time"] + count["late"]
    happy, scored, average = satisfaction(records)
    figures = (
        Figure("due", Text("应回访", "Due"), len(rows)),
        Figure("done", Text("已回访", "Done"), done),
        Figure("done_late", Text("逾期完成", "Done late"), count["late"]),
        Figure("unreachable", Text("联系不上", "Unreachable"), count["unreachable"]),
        Figure("missed", Text("未回访", "Missed"), count["missed"]),
        Figure("pending", Text("待回访", "Pending"), count["pending"]),
        rate("completion_rate", Text("回访完成率", "Completion rate"), Count(Text("已回访", "done"), done),
             Count(Text("应回访", "callbacks due"), len(rows)), period, config.target_callback_completion, "higher"),
        rate("satisfaction_rate", Text("满意度", "Satisfaction rate"), Count(Text("评分4-5分", "scores 4-5"), happy),
             Count(Text("已评分回访", "scored callbacks"), scored), period, config.target_satisfaction, "higher"),
        Figure("average_score", Text("平均满意度评分", "Average score"), average, "score"),
    )
    return Report("callbacks", Text("回访执行及满意度统计", "Callback compliance"), today, period, COMPLIANCE_COLUMNS,
                  tuple(rows), figures, (satisfaction_trend(snapshot, config, period, today),))


def satisfaction_trend(snapshot: Snapshot, config: Config, period: Period, today: date) -> Series:
    """Satisfaction and completion rates of the 12 months ending with `period` (None: no data)."""
    months = period.trailing(12)
    rates = [month_rates(snapshot, m) for m in months]
    sat, comp = [s for s, _c in rates], [c for _s, c in rates]
    return Series("satisfaction_trend", Text("近12个月满意度", "Satisfaction, last 12 months"), "line",
                  tuple(m.label for m in months), {"satisfaction": tuple(sat), "completion": tuple(comp)},
                  "ratio", config.target_satisfaction)


def month_rates(snapshot: Snapshot, period: Period) -> tuple[float | None, float | None]:
    """(satisfaction rate, completion rate) of the callbacks due in `period`, computed once per snapshot."""
    def rates() -> tuple[float | None, float | None]:
        recs = due_in(snapshot, period)
        happy, scored, _ = satisfaction(recs)
        return ratio(happy, scored), ratio(sum(1 for r in recs if r.status == "done"), len(recs))
    return ReportIndex.of(snapshot).memo("callback_rates", None, period, None, rates)


CAPA_COLUMNS = (
    Column("complaint", "客诉编号", "Complaint"),
    Column("item", "序号", "No.", "int"),
    Column("action", "措施", "Action"),
    Column("owner", "负责人", "Owner", enum="staff"),
    Column("due", "期限", "Due", "date"),
    Column("status", "状态", "Status", enum="capa_status"),
    Column("overdue", "逾期", "Overdue", "bool"),
    Column("verified_by", "验证人", "Verified by", enum="staff"),
    Column("verified_at", "验证日期", "Verified on", "date"),
)


def capa_tracker(snapshot: Snapshot, config: Config, period: Period | None, today: date) -> Report:
    """CAPA tracker: every corrective action (due in `period` when given); overdue = open past its due date."""
    rows: list[dict[str, Any]] = []
    for record, n, item, due in ReportIndex.of(snapshot).capa_items:
        if period is not None and due not in period:
            continue
        status = str(item.get("status", "open"))
        rows.append({"complaint": record.id, "item": n, "action": item.get("action", ""), "owner": item.get("owner", ""),
                     "due": due, "status": status, "overdue": status == "open" and due is not None and due < today,
                     "verified_by": item.get("verified_by", ""), "verified_at": day_of(item.get("verified_at"))})
    figures = (
        Figure("total", Text("措施总数", "Actions"), len(rows)),
        Figure("open", Text("进行中", "Open"), sum(1 for r in rows if r["status"] == "open")),
        Figure("overdue", Text("逾期", "Overdue"), sum(1 for r in rows if r["overdue"])),
        Figure("done", Text("已完成待验证", "Done, awaiting verification"), sum(1 for r in rows if r["status"] == "done")),
        Figure("verified", Text("已验证", "Verified"), sum(1 for r in rows if r["status"] == "verified")),
    )
    return Report("capa", Text("纠正和预防措施追踪表", "CAPA tracker"), today, period, CAPA_COLUMNS, tuple(rows), figures)
