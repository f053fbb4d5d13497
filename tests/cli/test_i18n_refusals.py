"""What the core refuses, printed by the CLI in the chosen language: not-found records, a bad --base,
uncommitted edits, renumber and callback refusals (init over a repository: test_i18n.py), waiting for git's index lock."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from svcnotes.cli import cli
from tests.conftest import git


def run(repo: Path, lang: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--lang", lang, "-C", str(repo), *args], catch_exceptions=False)


@pytest.mark.parametrize(("args", "status", "zh", "en"), [
    (("assign", "C-2611-099", "--to", "zhang.wei"), 1, "错误：没有客诉 'C-2611-099'", "error: no complaint 'C-2611-099'"),
    (("callback", "cancel", "CB-2611-001", "--reason", "客户已搬迁"), 1, "错误：没有回访 'CB-2611-001'",
     "error: no callback 'CB-2611-001'"),
    (("check", "--base", "nope"), 2, "错误：'nope' 在这里不是一个提交", "error: 'nope' is not a commit here"),
    (("pr-summary", "--base", "nope"), 2, "错误：'nope' 在这里不是一个提交", "error: 'nope' is not a commit here"),
    (("renumber", "C-2611-099"), 2, "错误：没有记录 'C-2611-099'", "error: no record 'C-2611-099'"),
    (("renumber", "hengda-auto"), 2, "错误：hengda-auto 是客户档案：只有带编号的记录才能重新编号",
     "error: hengda-auto is a customer: only numbered records can be renumbered"),
])
def test_core_refusals_in_both_languages(repo: Path, args: tuple[str, ...], status: int, zh: str, en: str) -> None:
    for lang, line in (("zh-CN", zh), ("en", en)):
        result = run(repo, lang, *args)
        assert (result.exit_code, result.stderr.splitlines()) == (status, [line])


def test_uncommitted_edits_refused_in_chinese(repo: Path) -> None:
    path = repo / "records/complaints/2026/C-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充说明\n", encoding="utf-8")
    result = run(repo, "zh-CN", "assign", "C-2611-001", "--to", "li.na")
    assert result.exit_code == 1
    assert result.stderr == ("错误：records/complaints/2026/C-2611-001.md 有未提交的修改；"
                             "请先提交，或加 --allow-dirty 把它们一并提交\n")


def test_waiting_for_the_index_lock_is_said_in_chinese(repo: Path) -> None:
    lock = repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    threading.Timer(0.6, lock.unlink).start()
    result = run(repo, "zh-CN", "assign", "C-2611-001", "--to", "li.na")
    assert result.exit_code == 0, result.output
    assert "正在等待运行中的 git 命令释放 .git/index.lock ……\n" in result.stderr
    assert git(repo, "status", "--porcelain") == ""


def test_the_gates_policy_source_in_chinese(repo: Path) -> None:
    git(repo, "branch", "base")
    head = git(repo, "rev-parse", "--short=10", "HEAD").strip()
    zh = run(repo, "zh-CN", "check", "--base", "base").stderr.splitlines()
    assert zh[-1].startswith(f"未签名模式（{head} 的 svcnotes.toml）：身份只是 git 作者邮箱")
    en = run(repo, "en", "check", "--base", "base").stderr.splitlines()
    assert en[-1].startswith(f"unsigned mode (svcnotes.toml at {head}): identities are git author e-mails")


def test_pr_summary_in_the_repositorys_language(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.history.helpers import propose_args
    from tests.history.helpers import run as run_as

    git(repo, "checkout", "-q", "-b", "pr-1")
    assert run_as(repo, "investigate", "C-2611-001", "--today", "2026-11-03", who="zhang.wei").exit_code == 0
    assert run_as(repo, *propose_args("C-2611-001", "20000"), who="zhang.wei").exit_code == 0
    head = git(repo, "rev-parse", "--short=10", "main").strip()
    monkeypatch.delenv("SVCNOTES_LANG")  # neither --lang nor SVCNOTES_LANG: organisation.locale (zh-CN) decides
    zh = CliRunner().invoke(cli, ["-C", str(repo), "pr-summary", "--base", "main"], catch_exceptions=False,
                            env={"LANG": "en_US.UTF-8"})  # the CI runner's LANG does not decide
    assert zh.exit_code == 0
    assert zh.stdout.splitlines()[:4] == ["## svcnotes：相对 `main` 改动了 1 条记录", "",
                                          "| 记录 | 类型 | 改动 | 状态 | 处理结果 | 金额 | 核决 |",
                                          "|---|---|---|---|---|---|---|"]
    assert "| C-2611-001 | 客诉 | 修改 | registered → proposed | allowance | — → 20000 CNY | — |" in zh.stdout
    assert ("- **C-2611-001**: 金额 20000 需要 `deputy_gm` 核决，核决人：@chen.gang, @wang.qiang "
            "(`svcnotes approve C-2611-001`)") in zh.stdout
    assert "### 仍需的核决" in zh.stdout and "### 合并检查" in zh.stdout and "✅ `svcnotes check` 通过。" in zh.stdout
    assert zh.stdout.splitlines()[-1].startswith(f"_未签名模式（{head} 的 svcnotes.toml）：")
    en = run(repo, "en", "pr-summary", "--base", "main")
    assert en.stdout.splitlines()[0] == "## svcnotes: 1 record(s) changed against `main`"
    assert "| C-2611-001 | complaint | changed | registered → proposed | allowance | — → 20000 CNY | — |" in en.stdout


def test_the_import_summary_counts_one_row_in_either_language(repo: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text('kind = "complaint"\nsource = "legacy"\nkey = ["编号"]\n\n[columns]\n"编号" = "order_no"\n'
                       '"客户" = "customer"\n"日期" = "received_at"\n"主题" = "title"\n\n[defaults]\nchannel = "phone"\n'
                       'category = "product_quality"\nseverity = "normal"\nstatus = "registered"\n', encoding="utf-8")
    table = tmp_path / "in.csv"
    table.write_text("编号,客户,日期,主题\nA1,恒达汽车零部件有限公司,2025-03-04,支架\n", encoding="utf-8")
    args = ("import", str(table), "--kind", "complaint", "--map", str(mapping), "--dry-run")
    assert run(repo, "en", *args).stdout.splitlines()[0] == "in.csv: 1 row: 1 would import, 0 duplicate, 0 rejected"
    assert run(repo, "zh-CN", *args).stdout.splitlines()[0] == "in.csv：共 1 行：将导入 1 行，重复 0 行，拒收 0 行"


@pytest.mark.parametrize(("args", "zh"), [
    (("report", "monthly", "--month", "2026-13"), "错误：'--month' 的值无效：'2026-13' 不是月份；请写成 YYYY-MM，例如 2026-10"),
    (("report", "weekly", "--week", "2026-W60"), "错误：'--week' 的值无效：'2026-W60'：2026 年的 ISO 周为第 1 至 53 周"),
])
def test_bad_periods_in_chinese(repo: Path, args: tuple[str, ...], zh: str) -> None:
    result = run(repo, "zh-CN", *args)
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, zh)


def test_a_foreign_hook_and_a_bad_encoding_in_chinese(repo: Path, tmp_path: Path) -> None:
    (repo / ".git/hooks/pre-commit").write_text("#!/bin/sh\necho mine\n", encoding="utf-8")
    hooks = run(repo, "zh-CN", "hooks", "install")
    assert (hooks.exit_code, hooks.stderr) == (2, f"错误：{repo / '.git/hooks/pre-commit'} 已存在且不是 svcnotes 写的；"
                                                 "加 --force 替换它，或自己在其中加入 'svcnotes validate'\n")
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"a\x81\n")
    fixed = run(repo, "zh-CN", "fix-encoding", "--from", "ascii", str(bad))
    assert (fixed.exit_code, fixed.stderr) == (1, f"错误：{bad}: 也不是有效的 ascii（字节偏移 1）；请用编辑器打开并另存为 UTF-8\n")


def test_doctor_says_why_an_identity_fails_in_chinese_and_json_stays_english(repo: Path) -> None:
    env = {"GIT_AUTHOR_EMAIL": "nobody@example.com", "GIT_COMMITTER_EMAIL": "nobody@example.com"}
    args = ["-C", str(repo), "doctor", "--no-site"]
    zh = CliRunner().invoke(cli, ["--lang", "zh-CN", *args], catch_exceptions=False, env=env)
    assert zh.stdout.splitlines()[0] == ("未通过  git 身份：git 邮箱 'nobody@example.com' 不在人员名录中；"
                                         "请把它加到 svcnotes.toml 中你的 [[staff]] 条目的 emails 里")
    as_json = CliRunner().invoke(cli, ["--lang", "zh-CN", *args, "--format", "json"], catch_exceptions=False, env=env)
    assert json.loads(as_json.stdout)["checks"][0]["detail"] == (
        "git e-mail 'nobody@example.com' is not in the staff directory; add it to the emails of your [[staff]] entry "
        "in svcnotes.toml")


def test_key_registration_refusals_in_chinese(repo: Path, tmp_path: Path) -> None:
    missing = run(repo, "zh-CN", "keys", "setup", "--key", str(tmp_path / "none.pub"))
    assert (missing.exit_code, missing.stderr) == (
        2, f"错误：{tmp_path / 'none.pub'} 处没有密钥：用 'svcnotes keys setup --new' 生成一个，或用 --key PATH 指定\n")
    en = run(repo, "en", "keys", "setup", "--key", str(tmp_path / "none.pub"))
    assert en.stderr == (f"error: no key at {tmp_path / 'none.pub'}: make one with 'svcnotes keys setup --new', "
                         "or give --key PATH\n")


def test_an_unknown_export_name_in_chinese(repo: Path) -> None:
    result = run(repo, "zh-CN", "export", "registr")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "错误：没有名为 'registr' 的导出（是否想写 'register'？）；可导出的名称：报表：register, monthly, overdue, callbacks, "
        "capa, weekly, supervision；记录清单：customer-list, complaint-list, callback-list, note-list；"
        "data（所有类型的全部记录，无损，可重新导入）")


def test_a_bad_signing_key_is_explained_in_chinese(repo: Path, tmp_path: Path) -> None:
    pub = tmp_path / "k.pub"
    pub.write_text("ssh-ed25519\n", encoding="utf-8")
    setup = run(repo, "zh-CN", "keys", "setup", "--key", str(pub))
    assert setup.stderr.splitlines()[-1] == f"错误：{pub}：有密钥类型 ssh-ed25519，但其后没有密钥数据"
    config = repo / "svcnotes.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('emails = ["zhang.wei@example.com"]\n',
                                   'emails = ["zhang.wei@example.com"]\nsigning_keys = ["ssh-ed25519"]\n', 1), encoding="utf-8")
    line = config.read_text(encoding="utf-8").splitlines().index('signing_keys = ["ssh-ed25519"]') + 1
    zh = run(repo, "zh-CN", "validate")
    assert zh.stdout.splitlines()[0] == (f"svcnotes.toml:{line}: C002 staff.signing_keys: 'zhang.wei' 的第 1 把签名密钥："
                                         "有密钥类型 ssh-ed25519，但其后没有密钥数据（请粘贴公钥文件（~/.ssh/id_ed25519.pub）的整行内容，"
                                         "或运行：svcnotes keys add）")
    assert json.loads(run(repo, "zh-CN", "validate", "--format", "json").stdout)["problems"][0]["message"] == (
        "signing key 1 of 'zhang.wei' has the key type ssh-ed25519 but no key data after it")


def test_an_unreadable_editor_settings_file_in_chinese(repo: Path) -> None:
    (repo / ".vscode").mkdir()
    (repo / ".vscode/settings.json").write_text("[1]\n", encoding="utf-8")
    result = run(repo, "zh-CN", "schema", "--write")
    assert (result.exit_code, result.stderr) == (2, "错误：.vscode/settings.json：顶层应是一个 JSON 对象；请修正或移走它；未写入任何内容\n")
