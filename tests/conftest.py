"""Shared fixtures: a fresh git record repository in tmp_path with config, staff and a few records."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Messages in English whatever the machine's LANG, from the first fixture on (module- and session-scoped
# ones run before any per-test setting); tests/cli/test_i18n.py changes it per test to check both languages.
os.environ["SVCNOTES_LANG"] = "en"
CORPORA = ROOT.parent / "shared" / "corpora"

CONFIG = """\
[organisation]
name = "测试客服部"
locale = "zh-CN"

[complaints]
currency = "CNY"

[[approval.levels]]
role = "sales_manager"
max_amount = 5000
[[approval.levels]]
role = "deputy_gm"
max_amount = 50000
[[approval.levels]]
role = "gm"

[deadlines]
target_days = 15
limit_days = 20

[[staff]]
id = "zhang.wei"
name = "张伟"
department = "sales"
roles = ["rep"]
emails = ["zhang.wei@example.com"]

[[staff]]
id = "li.na"
name = "李娜"
department = "sales"
roles = ["rep", "sales_manager"]
emails = ["li.na@example.com"]

[[staff]]
id = "wang.qiang"
name = "王强"
department = "gm_office"
roles = ["deputy_gm"]
emails = ["wang.qiang@example.com"]

[[staff]]
id = "chen.gang"
name = "陈刚"
department = "gm_office"
roles = ["gm"]
emails = ["chen.gang@example.com"]

[[staff]]
id = "zhao.min"
name = "赵敏"
department = "quality"
roles = ["quality"]
emails = ["zhao.min@example.com"]
"""

CUSTOMER = """\
---
id: hengda-auto
name: 恒达汽车零部件有限公司
tier: key
account_owner: zhang.wei
---

Long-standing customer.
"""

COMPLAINT = """\
---
id: C-2611-001
title: 支架尺寸超差
status: registered
customer: hengda-auto
received_at: 2026-11-02 09:30
registered_at: 2026-11-02
channel: phone
first_responder: zhang.wei
owner: zhang.wei
category: product_quality
severity: normal
---

客户来电反映支架尺寸超差。
"""


def identity_env(name: str = "zhang.wei") -> dict[str, str]:
    """Environment variables that make git commit as a staff member of the fixture."""
    email = f"{name}@example.com"
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}


def git(root: Path, *args: str, who: str = "zhang.wei") -> str:
    """Run git in `root` as staff member `who`."""
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env={**os.environ, **identity_env(who)}).stdout


def write(root: Path, rel: str, text: str) -> Path:
    """Write a file (dedented) under root, creating folders."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI has no git identity: every test commits as zhang.wei unless it says otherwise."""
    for key, value in identity_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SVCNOTES_TODAY", raising=False)
    monkeypatch.setenv("SVCNOTES_LANG", "en")  # messages in English whatever the machine's LANG (tests/cli/test_i18n.py: both)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git record repository with config, one customer and one complaint, committed."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, "svcnotes.toml", CONFIG)
    write(root, ".gitignore", "/site/\n.svcnotes-cache/\n")
    write(root, "records/customers/hengda-auto.md", CUSTOMER)
    write(root, "records/complaints/2026/C-2611-001.md", COMPLAINT)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fixture")
    return root


@pytest.fixture
def corpora() -> Path:
    """../shared/corpora, or skip saying why."""
    if not CORPORA.is_dir():
        pytest.skip(f"real-data corpora not found at {CORPORA} (../shared is absent)")
    return CORPORA
