"""The command line's own words in Chinese and English: --lang, LANG, organisation.locale; codes and JSON unchanged."""

from __future__ import annotations

import ast
import gettext
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from svcnotes.cli import cli
from tests.conftest import write

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "svcnotes/locale/zh_CN/LC_MESSAGES/svcnotes.po"
BAD = """\
---
id: C-2611-009
title: 错误状态
status: closd
customer: hengda-auto
received_at: 2026-11-02 09:30
registered_at: 2026-11-02
channel: phone
first_responder: zhang.wei
owner: zhang.wei
category: product_quality
severity: normal
---
"""
LINE = "records/complaints/2026/C-2611-009.md:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)"
LINE_ZH = "records/complaints/2026/C-2611-009.md:4: E104 status: 'closd' 不是有效的状态值（是否想写 'closed'？）"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


@pytest.fixture
def no_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither --lang nor the environment decides: the repository's organisation.locale does."""
    for name in ("SVCNOTES_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def test_validate_summary_and_errors_in_chinese_with_lang(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-009.md", BAD)
    result = run("--lang", "zh-CN", "-C", str(repo), "validate")
    assert result.exit_code == 1
    # path, line, code and field (what editors parse) stay; message and hint are Chinese
    assert result.stdout.splitlines() == [LINE_ZH]
    assert result.stderr == "1 个错误，0 个警告\n"
    english = run("--lang", "en", "-C", str(repo), "validate")
    assert (english.stdout.splitlines(), english.stderr) == ([LINE], "1 error(s), 0 warning(s)\n")


def test_json_is_the_same_in_both_languages(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-009.md", BAD)
    zh = run("--lang", "zh-CN", "-C", str(repo), "validate", "--format", "json")
    en = run("--lang", "en", "-C", str(repo), "validate", "--format", "json")
    assert zh.stdout == en.stdout and json.loads(zh.stdout)["problems"][0]["code"] == "E104"


def test_organisation_locale_chooses_when_lang_and_the_environment_do_not(repo: Path, no_lang: None) -> None:
    assert 'locale = "zh-CN"' in (repo / "svcnotes.toml").read_text(encoding="utf-8")
    assert run("-C", str(repo), "validate").stderr == "2 条记录，没有问题\n"
    assert run("-C", str(repo), "validate", env={"LANG": "en_US.UTF-8"}).stderr == "2 records, no problems\n"


def test_lang_naming_chinese_wins_over_an_english_repository(repo: Path, no_lang: None) -> None:
    cfg = repo / "svcnotes.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('locale = "zh-CN"', 'locale = "en"'), encoding="utf-8")
    assert run("-C", str(repo), "validate").stderr == "2 records, no problems\n"
    assert run("-C", str(repo), "validate", env={"LANG": "zh_CN.UTF-8"}).stderr == "2 条记录，没有问题\n"


def test_errors_and_hints_in_chinese(repo: Path, tmp_path: Path) -> None:
    again = run("--lang", "zh-CN", "init", str(repo))
    assert again.exit_code == 2
    assert again.stderr == f"错误：{repo / 'svcnotes.toml'} 已存在；未做任何更改\n"
    nowhere = run("--lang", "zh-CN", "-C", str(tmp_path / "none"), "validate")
    assert nowhere.exit_code == 2
    assert nowhere.stderr.splitlines()[-1] == (f"错误：{tmp_path / 'none'} 及其上级文件夹中都没有 svcnotes.toml；"
                                               "请运行 'svcnotes init DIR'，或用 -C DIR 指定记录库")


def test_a_failed_git_step_is_explained_in_chinese(tmp_path: Path) -> None:
    write(tmp_path, "svcnotes.toml", "[organisation]\nname = \"x\"\n")  # not a git repository
    result = run("--lang", "zh-CN", "-C", str(tmp_path), "validate", "--staged")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "错误：git 执行失败："
    assert lines[-1] == ("提示：git（或 git 钩子，例如 svcnotes 的提交前校验）拦下了它；请按上面 git 的说明修正，然后重新运行该命令。"
                         "查看待处理的内容：git status")


def test_a_refused_write_says_error_in_chinese(repo: Path) -> None:
    write(repo, ".git/hooks/pre-commit", "#!/bin/sh\necho 'commits are frozen' >&2\nexit 1\n")
    (repo / ".git/hooks/pre-commit").chmod(0o755)
    result = run("--lang", "zh-CN", "-C", str(repo), "new", "customer", "--id", "acme", "--name", "Acme 公司")
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：<repository>: G006 git 拒绝了这次提交：commits are frozen（未做任何更改；")


def test_init_and_doctor_speak_chinese(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    made = run("--lang", "zh-CN", "init", str(target), "--no-ci-lock")
    assert made.exit_code == 0, made.output
    lines = made.stdout.splitlines()
    assert lines[:2] == ["已创建 .git/", "已创建 svcnotes.toml"]
    assert lines[-2].startswith("已在 main 上提交 ")
    assert lines[-1] == f"下一步：编辑 {target / 'svcnotes.toml'}（人员名录），然后：svcnotes -C {target} new customer ..."
    doctor = run("--lang", "zh-CN", "-C", str(target), "doctor", "--no-site")
    assert doctor.exit_code == 1
    assert "      修复：svcnotes ci-setup（然后提交它写出的文件）" in doctor.stdout.splitlines()
    assert "未通过  CI：缺少 .svcnotes/ci/requirements.txt" in doctor.stdout.splitlines()
    assert "通过    git 身份：你是 zhang.wei（zhang.wei）" in doctor.stdout.splitlines()
    assert doctor.stderr == "发现 1 个问题\n"


def _po_entries(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (what `pybabel compile` reads)."""
    out: dict[str, str] = {}
    key, parts = "", {"msgid": "", "msgstr": ""}
    for line in text.splitlines() + [""]:
        if line.startswith(("msgid ", "msgstr ")):
            key, _, rest = line.partition(" ")
            if key == "msgid" and parts["msgid"]:
                out[parts["msgid"]] = parts["msgstr"]
                parts = {"msgid": "", "msgstr": ""}
            parts[key] = ast.literal_eval(rest)
        elif line.startswith('"'):
            parts[key] += ast.literal_eval(line)
    if parts["msgid"]:
        out[parts["msgid"]] = parts["msgstr"]
    return out


def _marked_messages() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "svcnotes").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def test_every_marked_message_is_translated_and_the_compiled_catalogue_is_current() -> None:
    entries = _po_entries(PO.read_text(encoding="utf-8"))
    marked = _marked_messages()
    assert marked and sorted(m for m in marked if not entries.get(m)) == []
    with PO.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    assert {m: compiled.gettext(m) for m in marked} == {m: entries[m] for m in marked}
    for message in marked:  # the same {placeholders} in both languages
        assert sorted(_fields(message)) == sorted(_fields(entries[message])), message


def _fields(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def test_ci_setup_reports_in_chinese(repo: Path) -> None:
    write(repo, "CODEOWNERS", "records/** @team\n")
    result = run("--lang", "zh-CN", "-C", str(repo), "ci-setup")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "已创建 .github/workflows/svcnotes.yml" in lines
    assert "保留 CODEOWNERS（有人改过；--force 会替换）" in lines
    check = run("--lang", "zh-CN", "-C", str(repo), "ci-setup", "--check")
    assert check.exit_code == 0


# ---- values on screen: labels in the chosen language, never codes; JSON the same in both -----------------------

SECOND = """\
---
id: C-2611-002
title: 交期延误
status: investigating
customer: hengda-auto
received_at: 2026-11-03 10:00
registered_at: 2026-11-03
channel: email
first_responder: li.na
owner: li.na
category: delivery
severity: major
investigation_started_at: 2026-11-04
---
"""


def _codes(repo: Path) -> set[str]:
    """Every enum code and staff id the fixture's records hold (what must not show on a Chinese screen)."""
    from svcnotes.model.labels import ENUM_LABELS

    codes = {code for values in ENUM_LABELS.values() for code in values} | {"zhang.wei", "li.na", "product_quality",
                                                                             "delivery"}
    return {c for c in codes if len(c) > 2}


def test_list_in_chinese_shows_labels_and_names_not_codes(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-002.md", SECOND)
    result = run("--lang", "zh-CN", "-C", str(repo), "list", "complaints", "--today", "2026-11-05")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["客诉编号", "状态", "受理时间", "最迟结案", "逾期", "客户", "类别", "严重度", "当前负责人", "主题"]
    assert lines[2].split() == ["C-2611-001", "已登记", "2026-11-02", "09:30", "2026-11-22", "否", "hengda-auto", "产品质量",
                                "一般", "张伟", "支架尺寸超差"]
    assert lines[3].split()[1] == "调查中" and lines[3].split()[-3:] == ["重大", "李娜", "交期延误"]
    words = {w for line in lines for w in line.split()}
    assert words & _codes(repo) == set()
    english = run("--lang", "en", "-C", str(repo), "list", "complaints", "--today", "2026-11-05").stdout.splitlines()
    assert english[0].split()[:3] == ["Number", "Status", "Received"] and english[2].split()[1] == "Registered"


def test_show_in_chinese_shows_no_internal_code(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-002.md", SECOND)
    lines = run("--lang", "zh-CN", "-C", str(repo), "show", "C-2611-002").stdout.splitlines()
    assert lines[0] == "客诉 C-2611-002  (records/complaints/2026/C-2611-002.md)"
    assert {"状态            调查中", "受理渠道        邮件", "当前负责人      李娜", "严重度          重大",
            "类别            交期"} <= set(lines)
    assert {w for line in lines for w in line.split()} & _codes(repo) == set()
    english = run("--lang", "en", "-C", str(repo), "show", "C-2611-002").stdout.splitlines()
    assert english[0] == "Complaint C-2611-002  (records/complaints/2026/C-2611-002.md)"
    assert any(line.split() == ["Status", "Investigating"] for line in english)


@pytest.mark.parametrize("args", [
    ("list", "complaints", "--format", "json", "--today", "2026-11-05"),
    ("show", "C-2611-002", "--format", "json"),
    ("history", "C-2611-001", "--format", "json"),
    ("log", "--format", "json"),
    ("due", "--format", "json", "--today", "2026-11-20"),
    ("register", "--as-of", "2030-01-01", "--format", "json"),
    ("report", "monthly", "--month", "2026-11", "--format", "json", "--today", "2026-12-05"),
    ("doctor", "--no-site", "--format", "json"),
    ("list", "complaints", "--format", "csv", "--today", "2026-11-05"),
], ids=lambda a: " ".join(a[:2]))
def test_json_output_is_the_same_in_both_languages(repo: Path, args: tuple[str, ...]) -> None:
    from tests.conftest import git

    write(repo, "records/complaints/2026/C-2611-002.md", SECOND)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    zh = run("--lang", "zh-CN", "-C", str(repo), *args)
    en = run("--lang", "en", "-C", str(repo), *args)
    assert zh.stdout == en.stdout and zh.stdout.strip()
    if "csv" not in args:
        json.loads(zh.stdout)


def test_history_prints_readable_sentences_in_each_language(repo: Path) -> None:
    from tests.conftest import git

    assert run("-C", str(repo), "investigate", "C-2611-001", "--today", "2026-11-03").exit_code == 0
    zh = run("--lang", "zh-CN", "-C", str(repo), "history", "C-2611-001").stdout.splitlines()
    assert "    张伟 将状态从 已登记 改为 调查中" in zh and "    张伟 将调查开始日期设为 2026-11-03" in zh
    assert zh[2].endswith("(zhang.wei)  新建") and zh[5].endswith("(zhang.wei)  修改")
    en = run("--lang", "en", "-C", str(repo), "history", "C-2611-001").stdout.splitlines()
    assert "    张伟 changed the status from Registered to Investigating" in en
    assert not any(" -> " in line or ": registered" in line for line in zh + en if not line.startswith("    C-2611"))
    git(repo, "log", "-1")  # the commit message stays as written: it is the record's history, not a message


def test_register_as_of_names_the_real_branch(repo: Path) -> None:
    from tests.conftest import git

    git(repo, "branch", "-m", "trunk")
    en = run("--lang", "en", "-C", str(repo), "register", "--as-of", "2000-01-01")
    assert (en.exit_code, en.stderr) == (2, "error: nothing was committed on trunk by the end of 2000-01-01\n")
    zh = run("--lang", "zh-CN", "-C", str(repo), "register", "--as-of", "2000-01-01")
    assert zh.stderr == "错误：截至 2000-01-01 结束，分支 trunk 上没有任何提交\n"
    git(repo, "checkout", "-q", "--detach")
    detached = run("--lang", "en", "-C", str(repo), "register", "--as-of", "2000-01-01")
    assert detached.stderr == "error: nothing was committed on the checked-out commit (no branch) by the end of 2000-01-01\n"
    shown = run("--lang", "zh-CN", "-C", str(repo), "register", "--as-of", "2030-01-01").stdout.splitlines()
    assert shown[0].startswith("客户抱怨案件登记追踪表 —— 截至 2030-01-01（提交 ")
    assert "已登记" in shown[3] and "registered" not in shown[3]


def test_command_messages_in_both_languages(repo: Path) -> None:
    missing = [run("--lang", lang, "-C", str(repo), "show", "C-2611-404").stderr for lang in ("en", "zh-CN")]
    assert missing == ["error: no record 'C-2611-404' (try: svcnotes list complaints)\n",
                       "错误：没有记录 'C-2611-404'（可试试：svcnotes list complaints）\n"]
    typo = run("--lang", "zh-CN", "-C", str(repo), "list", "complaints", "--status", "investgating")
    assert typo.stderr.splitlines()[-1] == ("错误：--status 的值无效：'investgating' 不是有效的客诉状态"
                                            "（did you mean 'investigating'?）")
    done = run("--lang", "zh-CN", "-C", str(repo), "investigate", "C-2611-001", "--today", "2026-11-03", "--no-commit")
    assert done.stdout == "C-2611-001: registered → investigating  （未提交）\n"
    doctor = run("--lang", "en", "-C", str(repo), "doctor", "--no-site").stdout.splitlines()
    assert "ok    git identity: you are zhang.wei (张伟)" in doctor
    doctor_zh = run("--lang", "zh-CN", "-C", str(repo), "doctor", "--no-site").stdout.splitlines()
    assert "通过    git 身份：你是 zhang.wei（张伟）" in doctor_zh
    assert "未通过  钩子：" + f"{repo}/.git/hooks/pre-commit 处没有 pre-commit 钩子" in doctor_zh


def test_a_commands_language_ends_with_it(repo: Path, no_lang: None) -> None:
    """--lang (or a Chinese repository's locale) chosen by one command does not leak into the next one run in
    the same process, nor into code that reads help texts afterwards (tests run in any order)."""
    from svcnotes.i18n import language

    assert run("--lang", "zh-CN", "-C", str(repo), "validate").stderr == "2 条记录，没有问题\n"
    assert language() == "en"
    assert cli.commands["show"].help.startswith("Show one record readably")
    assert run("-C", str(repo), "validate").stderr == "2 条记录，没有问题\n"  # the repository's own locale
    assert language() == "en"
    assert run("--lang", "en", "-C", str(repo), "validate").stderr == "2 records, no problems\n"
