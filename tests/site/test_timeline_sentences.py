"""A record's history reads as sentences with display names and labels, never codes or field paths,
in Chinese and in English, from the real git history of a record repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcnotes.site.timeline import index_timelines
from svcnotes.store.repository import Repository
from tests.conftest import git

APPROVAL = """\
approvals:
  - by: wang.qiang
    role: sales_manager
    at: 2026-11-05 10:00
    resolution: exchange
    amount: 4900
capa:
  - action: 增加首件尺寸检验
    owner: zhao.min
    due: 2026-12-15
    status: open
"""


@pytest.fixture
def history_repo(site_repo: Path) -> Path:
    """C-2611-001: registered -> investigating (site_repo), then an approval and a CAPA item added,
    then the CAPA item's status changed."""
    path = site_repo / "records/complaints/2026/C-2611-001.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("severity: normal\n", "severity: normal\n" + APPROVAL), encoding="utf-8")
    git(site_repo, "commit", "-q", "-am", "C-2611-001: approved", who="wang.qiang")
    path.write_text(path.read_text(encoding="utf-8").replace("status: open", "status: done"), encoding="utf-8")
    git(site_repo, "commit", "-q", "-am", "C-2611-001: CAPA under way", who="zhao.min")
    return site_repo


def sentences(root: Path, locale: str) -> list[list[str]]:
    repo = Repository.open(root)
    record = next(r for r in repo.snapshot().all() if r.id == "C-2611-001")
    names = {"zhang.wei": "张伟", "zhao.min": "赵敏", "wang.qiang": "王强"}
    entries = index_timelines(root, repo.config, locale, [record], lambda author, email: names.get(author, author))
    return [[c["text"] for c in e["changes"]] for e in entries[record.path]]


def test_history_reads_as_chinese_sentences(history_repo: Path) -> None:
    capa, approved, investigating, created = sentences(history_repo, "zh-CN")
    assert capa == ["赵敏 将纠正和预防措施 第 1 项 · 状态从 进行中 改为 已完成"]
    assert approved[0] == "王强 添加了核决：核决人 王强，职务 业务经理，时间 2026-11-05 10:00，处理方式 换货，金额 4,900.00"
    assert approved[1] == "王强 添加了纠正和预防措施：措施 增加首件尺寸检验，负责人 赵敏，期限 2026-12-15，状态 进行中"
    assert approved[2] == "王强 的核决：未签名模式：只有 git 作者邮箱，不能证明是谁审批的"  # the proof line stays
    assert investigating == ["赵敏 将状态从 已登记 改为 调查中"]
    assert created == []


def test_history_reads_as_english_sentences(history_repo: Path) -> None:
    capa, approved, investigating, _ = sentences(history_repo, "en")
    assert capa == ["赵敏 changed the CAPA item 1 · Status from Open to Done"]
    assert approved[0] == ("王强 added to the approvals: Approved by 王强, Role Sales manager, At 2026-11-05 10:00, "
                           "Resolution Exchange, Amount 4,900.00")
    assert approved[2] == "Approval by 王强: unsigned mode: only a git author e-mail, which proves nothing"
    assert investigating == ["赵敏 changed the status from Registered to Investigating"]
