"""A small record repository whose report figures are easy to work out by hand.

Today is 2026-11-05 unless a test says otherwise. Deadlines are calendar days: limit 20, target 15.
Complaints (registered = received; closed = closed_at; limit = registered + 20):
  C-2609-001  reg 09-10 product_quality normal  quality/manufacturing rework 300 CNY  closed 10-05 (limit 09-30, late, 25 d)
  C-2609-002  reg 09-25 installation    normal  quality/service repair 800 CNY      approved, open (limit 10-15, overdue)
  C-2610-001  reg 10-02 product_quality normal  quality/manufacturing rework 1000 CNY closed 10-15 (limit 10-22, on time, 13 d)
  C-2610-002  reg 10-05 delivery        minor   non_quality/logistics allowance 500  closed 10-30 (limit 10-25, late, 25 d)
  C-2610-003  reg 10-08 product_quality major   quality/manufacturing exchange 2000 USD resolved, open (limit 10-28, overdue)
  C-2610-004  reg 10-12 service_attitude normal non_quality/sales explanation 0     closed 10-20 (limit 11-01, on time, 8 d)
  C-2610-005  reg 10-14 billing         minor   non_quality, not_established         ended 10-16 (limit 11-03, on time, 2 d)
  C-2610-006  reg 10-20 product_quality critical investigating; promised reply 11-02 not kept (limit 11-09)
  C-2610-007  reg 10-28 delivery        normal  registered, reopens C-2610-002 (limit 11-17)
  C-2611-001  reg 11-01 other           minor   registered (limit 11-21)
Callbacks: CB-2609-001 due 09-20 done 09-20 score 2; CB-2610-001 due 10-05 done 10-04 score 5;
  CB-2610-002 due 10-10 done 10-12 score 4 (late); CB-2610-003 due 10-27 done 10-27 score 3;
  CB-2610-004 due 10-20 unreachable; CB-2610-005 due 10-25 missed; CB-2610-006 due 10-28 scheduled;
  CB-2610-007 due 10-30 cancelled.
Notes: N-2610-004 call_out 10-20; week 2026-W44 (10-26..11-01): N-2610-001 call_in 10-26,
  N-2610-002 on_site 10-27, N-2610-003 handover 10-30 with two open issues.
Quality reports (due 3 days after investigation starts): C-2609-002 started 09-26, none (outstanding);
  C-2610-001 started 10-03, in 10-05 (on time); C-2610-002 started 10-06, in 10-12 (late, due 10-09);
  C-2610-003 started 10-09, in 10-11 (on time); C-2610-006 started 10-21, none (outstanding, due 10-24).
Volumes (records/volumes.csv): 2026-09 shipments 550 (nothing else); 2026-10 shipments 800, deliveries 760,
  service jobs 25; nothing for 2026-11.
Config: satisfaction target lowered to 60 % so one KPI is met.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import CONFIG, write

TODAY = date(2026, 11, 5)

XINGHAI = """\
---
id: xinghai
name: 星海船舶配套有限公司
short_name: 星海船舶
tier: normal
---
"""


def complaint(cid: str, reg: str, status: str, category: str, severity: str, customer: str = "hengda-auto", **extra: str) -> str:
    """Complaint text with the fields its status requires filled in (extra: more front-matter lines)."""
    lines = [f"id: {cid}", f"title: 客诉 {cid}", f"status: {status}", f"customer: {customer}",
             f"received_at: {reg} 09:00", f"registered_at: {reg}", "channel: phone", "first_responder: zhang.wei",
             f"category: {category}", f"severity: {severity}"]
    pipeline = ["registered", "investigating", "proposed", "approved", "resolved", "closed"]
    step = pipeline.index(status) if status in pipeline else -1
    if step >= 2:
        lines += ["cause_analysis: 原因已查明", "countermeasure: 已制定对策", "proposed_by: zhang.wei"]
    if step >= 3:
        lines += ["approvals:", "  - by: li.na", "    role: sales_manager", f"    at: {reg} 16:00",
                  f"    resolution: {extra['resolution']}", f"    amount: {extra['amount']}"]
    if step >= 4:
        lines += [f"told_at: {reg} 17:00", "told_via: phone", "result: 已告知客户"]
    if step >= 5:
        lines += ["customer_accepted: true", "callback_waived: 测试数据"]
    for key, value in extra.items():
        lines.append(f"{key}: {value}" if not value.startswith("\n") else f"{key}:{value}")
    return "---\n" + "\n".join(lines) + "\n---\n\n正文。\n"


CAPA_C1 = "\n  - action: 模具点检\n    owner: zhao.min\n    due: 2026-10-20\n    status: verified\n    verified_by: zhao.min\n    verified_at: 2026-10-25"
CAPA_C3 = ("\n  - action: 来料全检\n    owner: zhao.min\n    due: 2026-10-31\n    status: open"
           "\n  - action: 修订检验规范\n    owner: zhao.min\n    due: 2026-11-30\n    status: done")
CAPA_C9 = "\n  - action: 安装指导书更新\n    owner: li.na\n    due: 2026-11-10\n    status: open"

COMPLAINTS = {
    "C-2609-001": complaint("C-2609-001", "2026-09-10", "closed", "product_quality", "normal", cause_class="quality",
                            responsible_dept="manufacturing", resolution="rework", amount="300", closed_at="2026-10-05"),
    "C-2609-002": complaint("C-2609-002", "2026-09-25", "approved", "installation", "normal", "xinghai", cause_class="quality",
                            responsible_dept="service", resolution="repair", amount="800", capa=CAPA_C9,
                            investigation_started_at="2026-09-26"),
    "C-2610-001": complaint("C-2610-001", "2026-10-02", "closed", "product_quality", "normal", cause_class="quality",
                            responsible_dept="manufacturing", resolution="rework", amount="1000", closed_at="2026-10-15",
                            capa=CAPA_C1, investigation_started_at="2026-10-03", quality_report_at="2026-10-05"),
    "C-2610-002": complaint("C-2610-002", "2026-10-05", "closed", "delivery", "minor", "xinghai", cause_class="non_quality",
                            responsible_dept="logistics", resolution="allowance", amount="500", closed_at="2026-10-30",
                            investigation_started_at="2026-10-06", quality_report_at="2026-10-12"),
    "C-2610-003": complaint("C-2610-003", "2026-10-08", "resolved", "product_quality", "major", cause_class="quality",
                            responsible_dept="manufacturing", resolution="exchange", amount="2000", currency="USD", capa=CAPA_C3,
                            investigation_started_at="2026-10-09", quality_report_at="2026-10-11"),
    "C-2610-004": complaint("C-2610-004", "2026-10-12", "closed", "service_attitude", "normal", cause_class="non_quality",
                            responsible_dept="sales", resolution="explanation", amount="0", closed_at="2026-10-20"),
    "C-2610-005": complaint("C-2610-005", "2026-10-14", "not_established", "billing", "minor", cause_class="non_quality",
                            resolution="not_established", closed_at="2026-10-16"),
    "C-2610-006": complaint("C-2610-006", "2026-10-20", "investigating", "product_quality", "critical", "xinghai",
                            promised_reply_at="2026-11-02 10:00", investigation_started_at="2026-10-21"),
    "C-2610-007": complaint("C-2610-007", "2026-10-28", "registered", "delivery", "normal", "xinghai", reopens="C-2610-002"),
    "C-2611-001": complaint("C-2611-001", "2026-11-01", "registered", "other", "minor"),
}


def callback(cid: str, due: str, status: str, done: str = "", score: str = "", customer: str = "hengda-auto") -> str:
    """Callback text; done ones get done_at/conducted_by/channel, cancelled ones a reason."""
    lines = [f"id: {cid}", f"customer: {customer}", "kind: post_resolution", f"due: {due}", f"status: {status}",
             "assigned_to: zhang.wei"]
    if status == "done":
        lines += [f"done_at: {done} 10:00", "conducted_by: zhang.wei", "channel: phone", f"satisfaction: {score}",
                  "comments: 客户意见"]
    if status == "cancelled":
        lines.append("cancel_reason: 客户停产")
    return "---\n" + "\n".join(lines) + "\n---\n"


CALLBACKS = {
    "CB-2609-001": callback("CB-2609-001", "2026-09-20", "done", "2026-09-20", "2"),
    "CB-2610-001": callback("CB-2610-001", "2026-10-05", "done", "2026-10-04", "5"),
    "CB-2610-002": callback("CB-2610-002", "2026-10-10", "done", "2026-10-12", "4", "xinghai"),
    "CB-2610-003": callback("CB-2610-003", "2026-10-27", "done", "2026-10-27", "3"),
    "CB-2610-004": callback("CB-2610-004", "2026-10-20", "unreachable"),
    "CB-2610-005": callback("CB-2610-005", "2026-10-25", "missed"),
    "CB-2610-006": callback("CB-2610-006", "2026-10-28", "scheduled", customer="xinghai"),
    "CB-2610-007": callback("CB-2610-007", "2026-10-30", "cancelled"),
}


def note(nid: str, at: str, kind: str, customer: str = "hengda-auto", issues: tuple[str, ...] = ()) -> str:
    """Service-note text; hand-overs list their open issues."""
    lines = [f"id: {nid}", f"at: {at}", "author: zhang.wei", f"kind: {kind}", f"summary: 记录 {nid}"]
    if customer:
        lines.append(f"customer: {customer}")
    if issues:
        lines += ["open_issues:"] + [f"  - {i}" for i in issues]
    return "---\n" + "\n".join(lines) + "\n---\n"


NOTES = {
    "N-2610-001": note("N-2610-001", "2026-10-26 09:00", "call_in"),
    "N-2610-002": note("N-2610-002", "2026-10-27 14:00", "on_site", "xinghai"),
    "N-2610-003": note("N-2610-003", "2026-10-30 18:00", "handover", "", ("C-2610-003 换货待发", "星海船舶回访未联系上")),
    "N-2610-004": note("N-2610-004", "2026-10-20 10:00", "call_out"),
}


VOLUMES = "month,shipments,deliveries,service_jobs\n2026-09,550,,\n2026-10,800,760,25\n"


@pytest.fixture
def reports_repo(repo: Path) -> Path:
    """The shared `repo` fixture filled with the records above (the fixture's C-2611-001 is replaced)."""
    return fill_reports_repo(repo)


def fill_reports_repo(repo: Path) -> Path:
    """Write the records above (and records/volumes.csv) into `repo`."""
    write(repo, "svcnotes.toml", CONFIG + "\n[targets]\nsatisfaction = 0.6\n")
    write(repo, "records/customers/xinghai.md", XINGHAI)
    for cid, text in COMPLAINTS.items():
        write(repo, f"records/complaints/2026/{cid}.md", text)
    for cid, text in CALLBACKS.items():
        write(repo, f"records/callbacks/2026/{cid}.md", text)
    for nid, text in NOTES.items():
        write(repo, f"records/notes/2026/{nid}.md", text)
    write(repo, "records/volumes.csv", VOLUMES)
    return repo
