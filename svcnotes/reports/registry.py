"""REPORTS: report name -> function, the one list the CLI and the site both use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from svcnotes.model.config import Config
from svcnotes.reports.base import Report, Text
from svcnotes.reports.callbacks import callback_compliance, capa_tracker
from svcnotes.reports.complaints import monthly_statistics, overdue_escalation, tracking_register
from svcnotes.reports.periods import Period
from svcnotes.reports.service import supervision, weekly_service
from svcnotes.store.repository import Snapshot

# Every report function takes a Period; those of a spec with no period or an optional one also take None.
ReportFunction = Callable[[Snapshot, Config, Period, date], Report]


@dataclass(frozen=True)
class ReportSpec:
    """A report: its function, the period it takes ('month', 'week' or '' for none) and whether
    the period is optional (the register and the CAPA tracker filter by month when given one)."""

    name: str
    function: ReportFunction
    title: Text
    period: str = ""
    optional: bool = False

    def run(self, snapshot: Snapshot, config: Config, period: Period | None, today: date) -> Report:
        """Compute the report; a required period defaults to the one containing `today`."""
        if period is None and self.period and not self.optional:
            period = Period.containing(self.period, today)
        # None is passed only when self.period is '' or optional, i.e. to a function that takes None: a pairing
        # made by the spec's fields that the type system cannot tie to `function`.
        return self.function(snapshot, config, period, today)  # type: ignore[arg-type]


REPORTS: dict[str, ReportSpec] = {spec.name: spec for spec in (
    ReportSpec("register", tracking_register, Text("客户抱怨案件登记追踪表", "Complaint tracking register"), "month", True),
    ReportSpec("monthly", monthly_statistics, Text("客诉案件统计表", "Monthly complaint statistics"), "month"),
    ReportSpec("overdue", overdue_escalation, Text("逾期反应及升级清单", "Overdue & escalation list")),
    ReportSpec("callbacks", callback_compliance, Text("回访执行及满意度统计", "Callback compliance"), "month"),
    ReportSpec("capa", capa_tracker, Text("纠正和预防措施追踪表", "CAPA tracker"), "month", True),
    ReportSpec("weekly", weekly_service, Text("客户服务周报", "Weekly service report"), "week"),
    ReportSpec("supervision", supervision, Text("服务监督报告", "Service supervision report"), "month"),
)}


def run_report(name: str, snapshot: Snapshot, config: Config, period: Period | None, today: date) -> Report:
    """Run the report called `name` (KeyError for an unknown name)."""
    return REPORTS[name].run(snapshot, config, period, today)
