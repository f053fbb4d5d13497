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
LINE_ZH = "records/complaints/2026/C-2611-009.md:4: E104 status: 'closd' 不是有效的 status 值（是否想写 'closed'？）"


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
    assert again.stderr == f"错误：{repo / 'svcnotes.toml'} already exists；未做任何更改\n"
    nowhere = run("--lang", "zh-CN", "-C", str(tmp_path / "none"), "validate")
    assert nowhere.exit_code == 2
    assert nowhere.stderr.splitlines()[-1] == (f"Error: no svcnotes.toml in {tmp_path / 'none'} or any parent folder；"
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
    assert "      修复：svcnotes ci-setup (then commit what it wrote)" in doctor.stdout.splitlines()
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
