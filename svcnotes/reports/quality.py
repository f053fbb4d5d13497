"""The quality department's report (质量管理部调查报告): due a few days after investigation starts.

The procedure: the quality department investigates and reports within 3 days
(`deadlines.quality_report_days`, counted on the deadline calendar) of starting the investigation
(`investigation_started_at`, stamped by `svcnotes investigate`). `quality_report_at` records when
the report came in. One function says when a report is due and where it stands; the monthly
statistics, the overdue list and the supervision KPIs all read it.
"""

from __future__ import annotations

from datetime import date

from svcnotes.model.config import Config
from svcnotes.model.record import Record
from svcnotes.reports.base import day_of
from svcnotes.workflow.calendar import Calendar

STATES = ("on_time", "late", "outstanding", "pending")


def quality_report_due(record: Record, config: Config) -> date | None:
    """When the quality report is due: investigation start + quality_report_days (None: not investigated)."""
    start = day_of(record.get("investigation_started_at"))
    if start is None:
        return None
    return Calendar.from_config(config).add(start, config.quality_report_days)


def quality_report_state(record: Record, config: Config, today: date) -> str:
    """on_time | late (delivered after it was due) | outstanding (due before today, none delivered) |
    pending (not yet due) | '' (no investigation started)."""
    due = quality_report_due(record, config)
    if due is None:
        return ""
    delivered = day_of(record.get("quality_report_at"))
    if delivered is not None:
        return "on_time" if delivered <= due else "late"
    return "outstanding" if due < today else "pending"
