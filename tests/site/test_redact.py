"""`build --redact`: no declared personal name or contact survives anywhere in the output, and every
page says it is a redacted edition.

The records declare the personal data (customer contacts, addresses, a complaint's reporter, a
production operator); the test plants those values in titles, bodies, summaries, comments, open
issues, history (changed values and commit messages) and problem messages, builds the redacted
site and scans every file it wrote (HTML, JS, JSON, CSS, SVG...) for each of them.
"""

from __future__ import annotations

import re
from pathlib import Path

from svcnotes.model.schema import KINDS
from svcnotes.store.repository import Repository
from tests.conftest import git, write
from tests.site.helpers import build

CUSTOMER = """\
---
id: xinghai
name: 星海船舶配套有限公司
short_name: 星海船舶
tier: normal
address: 大连市甘井子区红旗西路 17 号
contacts:
  - name: 周慧敏
    role: 采购经理
    phone: 0411-8765 4321
    email: Zhou.HM@xinghai.example
  - name: Peter Lindqvist
    role: 技术顾问
    phone: +86 139 0411 2233
    email: peter.l@xinghai.example
---

周慧敏负责日常对接；技术问题找 Peter Lindqvist（peter.l@xinghai.example，13904112233）。
"""

COMPLAINT = """\
---
id: C-2611-002
title: 周慧敏反映船用泵密封渗漏
status: investigating
customer: xinghai
received_at: 2026-11-03 10:00
registered_at: 2026-11-03
channel: phone
first_responder: zhang.wei
reporter: 周慧敏（采购经理）
category: product_quality
severity: major
production:
  - unit: 二车间
    shift: 夜班
    operator: 韩立峰
    date: 2026-10-28
---

周慧敏来电：密封件渗漏。夜班作业员韩立峰已停线检查。回电 0411 87654321。
"""

NOTE = """\
---
id: N-2611-002
at: 2026-11-04 15:00
author: li.na
customer: xinghai
complaint: C-2611-002
kind: handover
summary: 交接：周慧敏等待答复
open_issues:
  - 回电周慧敏确认更换时间
  - 请 Peter Lindqvist 提供现场照片
---

交接给下一班：Peter Lindqvist 下午在现场。
"""


BAD_CALLBACK = """\
---
id: CB-2611-002
customer: xinghai
complaint: C-2611-002
kind: post_resolution
due: 2026-11-25
status: scheduled
assigned_to: li.na
satisfaction: 周慧敏
---
"""


def declared(root: Path) -> set[str]:
    """The personal values the records declare (read independently of svcnotes.site.redact)."""
    out: set[str] = set()
    for record in Repository(root).snapshot().all():
        kind = KINDS[record.kind]
        for f in kind.fields:
            value = record.data.get(f.name)
            if f.type == "objects" and isinstance(value, list):
                personal = {sub.name for sub in f.fields if sub.personal}
                out |= {str(item[k]) for item in value for k in personal if item.get(k)}
            elif f.personal and value:
                out.add(str(value))
    return out


def variants(value: str) -> set[str]:
    """The value, its name part before a bracket, and a phone's bare digits."""
    out = {value, value.lower(), re.split(r"[（(]", value)[0].strip()}
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7:
        out.add(digits)
        out.add(digits[2:] if digits.startswith("86") else digits)
    return {v for v in out if v}


def test_redacted_build_leaks_no_declared_name_or_contact_in_any_file(site_repo: Path) -> None:
    write(site_repo, "records/customers/xinghai.md", CUSTOMER)
    write(site_repo, "records/complaints/2026/C-2611-002.md", COMPLAINT)
    write(site_repo, "records/notes/2026/N-2611-002.md", NOTE)
    write(site_repo, "records/callbacks/2026/CB-2611-002.md", BAD_CALLBACK)  # its problem message quotes the name
    git(site_repo, "add", "-A")
    git(site_repo, "commit", "-q", "-m", "C-2611-002: 周慧敏来电登记")
    path = site_repo / "records/complaints/2026/C-2611-002.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: 周慧敏反映船用泵密封渗漏", "title: 船用泵密封渗漏（周慧敏、韩立峰）"),
                    encoding="utf-8")
    git(site_repo, "commit", "-q", "-am", "C-2611-002: title names Peter Lindqvist too")
    secrets = set().union(*(variants(v) for v in declared(site_repo)))
    assert {"周慧敏", "韩立峰", "Peter Lindqvist", "zhou.hm@xinghai.example", "13904112233", "041187654321", "刘建国",
            "13812345678", "大连市甘井子区红旗西路 17 号"} <= secrets
    site, _ = build(site_repo, "--redact")
    files = [p for p in site.rglob("*") if p.is_file()]
    assert len(files) > 20
    leaks = {}
    for p in files:
        text = p.read_bytes().decode("utf-8", "replace")
        found = sorted(s for s in secrets if s in text or s in text.lower())
        if found:
            leaks[str(p.relative_to(site))] = found
    assert leaks == {}
    complaint = (site / "complaints/2026/C-2611-002.html").read_text(encoding="utf-8")
    assert "船用泵密封渗漏" in complaint and "二车间" in complaint  # what is not personal stays readable
    assert "E10" in (site / "callbacks/2026/CB-2611-002.html").read_text(encoding="utf-8")  # the problem is shown, masked
    note = (site / "notes/2026/N-2611-002.html").read_text(encoding="utf-8")
    assert "回电•••确认更换时间" in note  # the open issue keeps its sense, the name is masked


def test_every_page_of_a_redacted_build_says_it_is_a_redacted_edition(site_repo: Path) -> None:
    site, _ = build(site_repo, "--redact", "--locale", "en")
    pages = list(site.rglob("*.html"))
    assert len(pages) > 10
    unmarked = [str(p.relative_to(site)) for p in pages
                if "Redacted edition: customer contacts" not in p.read_text(encoding="utf-8")]
    assert unmarked == []
    plain, _ = build(site_repo, out=site_repo / "plain")
    assert not any("脱敏版" in p.read_text(encoding="utf-8") for p in plain.rglob("*.html"))
    zh = build(site_repo, "--redact", out=site_repo / "zh")[0]
    assert " · 测试客服部 · 脱敏版</title>" in (zh / "customers/hengda-auto.html").read_text(encoding="utf-8")
