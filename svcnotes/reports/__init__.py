"""The department's reports as pure functions: (snapshot, config, period, today) -> Report.

May import: svcnotes.model, svcnotes.store, svcnotes.checks, svcnotes.workflow and the standard
library. Never svcnotes.history/site/cli or click. No I/O: every report reads only the snapshot
it is given, so the CLI (`svcnotes report`) and the site show the same figures.

`REPORTS` (in registry.py) maps a report name to its function and is the one list both use.
"""

from __future__ import annotations

from svcnotes.reports.base import Column, Figure, Report, Series, Text
from svcnotes.reports.periods import Period, PeriodError, parse_month, parse_period, parse_week
from svcnotes.reports.registry import REPORTS, ReportSpec, run_report

__all__ = ["Column", "Figure", "Report", "Series", "Text", "Period", "PeriodError", "parse_month",
           "parse_period", "parse_week", "REPORTS", "ReportSpec", "run_report"]
