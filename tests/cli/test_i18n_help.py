"""Every --help page and click's own usage errors in Chinese: each help text has a catalogue entry,
no English sentence is left on a Chinese help page, and the language is chosen before click parses."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from svcnotes.cli import cli
from svcnotes.cli.language import help_texts, walk
from svcnotes.i18n import has_translation

# Four or more English words in a row: a sentence left untranslated (codes such as 'no_answer' and
# command lines such as 'svcnotes list complaints' are not sentences and are skipped).
ENGLISH = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){3,}")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, prog_name="svcnotes", env=env)


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            out += command_paths(command.commands[name], (*path, name))
    return out


def test_every_help_text_of_the_click_tree_has_a_chinese_entry() -> None:
    texts = list(help_texts(cli))
    assert len(texts) > 200  # commands' docstrings, options' help, metavar words
    assert [text for text in texts if not has_translation(text)] == []


def test_the_walk_sees_every_command_and_option_help() -> None:
    texts = set(help_texts(cli))
    for command in walk(cli):
        assert command.help and inspect.cleandoc(command.__dict__["help"]) in texts, command.name
        for param in command.params:
            raw = param.__dict__.get("help")
            if raw and not getattr(param, "dynamic_help", False):
                assert raw in texts, (command.name, param.name)


@pytest.mark.parametrize("path", command_paths(cli), ids=lambda p: " ".join(p) or "svcnotes")
def test_chinese_help_page_has_no_english_sentence(path: tuple[str, ...]) -> None:
    result = run("--lang", "zh-CN", *path, "--help")
    assert result.exit_code == 0
    page = result.stdout
    assert page.startswith("用法: svcnotes") and "选项:" in page and "显示本帮助并退出。" in page
    left = [line for line in page.splitlines() if "svcnotes " not in line and ENGLISH.search(line)]
    assert left == []


def test_help_is_english_with_lang_en() -> None:
    page = run("--lang", "en", "show", "--help").stdout.splitlines()
    assert page[0] == "Usage: svcnotes show [OPTIONS] RECORD_ID"
    assert "  Show one record readably (by id or former number)." in page


def test_a_chinese_help_page_reads_as_written() -> None:
    page = run("--lang", "zh-CN", "capa", "done", "--help").stdout.splitlines()
    assert page[:5] == ["用法: svcnotes capa done [选项] 记录编号 序号", "",
                        "  把第 序号 项纠正和预防措施（1 为第一项）标为已完成。", "",
                        "  示例：svcnotes capa done C-2611-007 1"]
    # options line up by display width (Chinese characters take two columns)
    assert "  --no-commit         写入文件，由你自己提交。" in page
    group = run("--lang", "zh-CN", "--help").stdout.splitlines()
    assert "  list          按条件列出某类记录" in group and "  capa          纠正和预防措施" in group


def test_click_usage_errors_in_chinese() -> None:
    missing = run("--lang", "zh-CN", "show")
    assert missing.exit_code == 2
    assert missing.stderr.splitlines() == ["用法: svcnotes show [选项] 记录编号", "运行 'svcnotes show --help' 查看帮助。", "",
                                           "错误：缺少参数 '记录编号'."]
    unknown = run("--lang", "zh-CN", "list", "complaints", "--bogus")
    assert unknown.stderr.splitlines()[-1] == "错误：没有选项 '--bogus'。"
    choice = run("--lang", "zh-CN", "report", "monthli")
    assert choice.stderr.splitlines()[-1].startswith("错误：'{register|monthly|overdue|callbacks|capa|weekly|supervision}' "
                                                     "的值无效：'monthli' 不是可选值之一：'register', 'monthly'")
    assert run("--lang", "en", "show").stderr.splitlines()[-1] == "Error: Missing argument 'RECORD_ID'."


def test_help_follows_organisation_locale_before_anything_is_parsed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SVCNOTES_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert run("-C", str(repo), "show", "--help").stdout.startswith("用法: svcnotes show [选项] 记录编号")
    assert run("-C", str(repo), "show").stderr.splitlines()[-1] == "错误：缺少参数 '记录编号'."
    assert run("-C", str(repo), "--lang", "en", "show", "--help").stdout.startswith("Usage: svcnotes show")
    assert run("--lang=en", f"-C{repo}", "show", "--help").stdout.startswith("Usage: svcnotes show")
    assert run("-C", str(repo), "show", "--help", env={"LANG": "en_US.UTF-8"}).stdout.startswith("Usage: ")
