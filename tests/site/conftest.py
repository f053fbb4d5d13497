"""Site fixtures: a record repository with every kind, personal data and a history to show."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import git, write

CUSTOMER = """\
---
id: hengda-auto
name: 恒达汽车零部件有限公司
short_name: 恒达汽车
tier: key
account_owner: zhang.wei
address: 上海市嘉定区安亭镇墨玉路 88 号
agreement_start: 2026-01-01
agreement_end: 2026-12-31
contacts:
  - name: 刘建国
    role: 质量经理
    phone: 13812345678
    email: liu.jianguo@hengda.example
special_requirements:
  - item: 每批附出货检验报告
    source: 质量协议 QA-2026-01
    date: 2026-01-05
    reviewed_by: zhao.min
---

长期客户。联系电话 021-62345678，邮箱 purchase@hengda.example。
"""

CALLBACK = """\
---
id: CB-2611-001
customer: hengda-auto
complaint: C-2611-001
kind: post_resolution
due: 2026-11-25
status: scheduled
assigned_to: li.na
---
"""

NOTE = """\
---
id: N-2611-001
at: 2026-11-02 09:30
author: zhang.wei
customer: hengda-auto
complaint: C-2611-001
kind: call_in
summary: 客户来电反映支架尺寸超差
---

刘工来电（13812345678），要求本周内答复。
"""


@pytest.fixture
def site_repo(repo: Path) -> Path:
    """The `repo` fixture plus contacts, a callback, a note and a second commit on the complaint."""
    write(repo, "records/customers/hengda-auto.md", CUSTOMER)
    write(repo, "records/callbacks/2026/CB-2611-001.md", CALLBACK)
    write(repo, "records/notes/2026/N-2611-001.md", NOTE)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "customer contacts, callback and note")
    path = repo / "records/complaints/2026/C-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: registered", "status: investigating"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "C-2611-001: start investigating", who="zhao.min")
    return repo


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """One headless Chromium for the whole session (skips, saying why, when it cannot start)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (Debian's chromium package installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo records (svcnotes.toml + records/ at the checkout root) built once, zh-CN."""
    from tests.site.helpers import build

    if not (ROOT / "svcnotes.toml").is_file() or not (ROOT / "records").is_dir():
        pytest.skip("the bundled demo records (svcnotes.toml, records/) are absent")
    out, _ = build(ROOT, out=tmp_path_factory.mktemp("demo") / "site")
    return out
