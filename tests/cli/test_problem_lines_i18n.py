"""Problem messages and hints in the user's language: the human line `path:line: CODE field: message (hint)`
in Chinese for --lang zh-CN and LANG=zh_CN.UTF-8, in English otherwise; --format json identical in both."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from svcnotes.cli import cli
from tests.cli.test_i18n import BAD, LINE, LINE_ZH
from tests.conftest import git, write

# the record with a mistyped status and its E104 line in both languages, as test_i18n writes them
BAD_STATUS, E104_EN, E104_ZH = BAD, LINE, LINE_ZH


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


@pytest.fixture(params=["--lang", "LANG"])
def chinese(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Chinese chosen by --lang zh-CN, or by LANG=zh_CN.UTF-8 alone (no --lang, no SVCNOTES_LANG)."""
    if request.param == "--lang":
        return ["--lang", "zh-CN"]
    for name in ("SVCNOTES_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    return []


def test_a_per_record_problem_and_its_hint_in_chinese(repo: Path, chinese: list[str]) -> None:
    write(repo, "records/complaints/2026/C-2611-009.md", BAD_STATUS)
    result = run(*chinese, "-C", str(repo), "validate")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [E104_ZH]
    english = run("--lang", "en", "-C", str(repo), "validate")
    assert english.stdout.splitlines() == [E104_EN]


def test_a_cross_record_problem_in_chinese(repo: Path, chinese: list[str]) -> None:
    text = (repo / "records/complaints/2026/C-2611-001.md").read_text(encoding="utf-8")
    write(repo, "records/complaints/2026/C-2611-001.md", text.replace("customer: hengda-auto", "customer: hengda-autp"))
    result = run(*chinese, "-C", str(repo), "validate")
    assert result.stdout.splitlines() == [
        "records/complaints/2026/C-2611-001.md:5: E204 customer: 没有 customer 'hengda-autp'（是否想写 'hengda-auto'？）"]


def test_a_status_names_its_chinese_label_beside_the_code(repo: Path, chinese: list[str]) -> None:
    text = (repo / "records/complaints/2026/C-2611-001.md").read_text(encoding="utf-8")
    write(repo, "records/complaints/2026/C-2611-001.md", text.replace("status: registered", "status: approved"))
    lines = run(*chinese, "-C", str(repo), "validate").stdout.splitlines()
    assert ("records/complaints/2026/C-2611-001.md:4: E303 approvals: 状态为 approved（已核决）的客诉需要填写 "
            "approvals（核决）（请填写 'approvals:'，或把记录退回之前的状态）") in lines


def test_a_config_problem_in_chinese(repo: Path, chinese: list[str]) -> None:
    config = repo / "svcnotes.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[deadline]\nlimit_days = 20\n", encoding="utf-8")
    result = run(*chinese, "-C", str(repo), "validate")
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()  # a warning (its "warning: " prefix is the command line's word)
    assert line.endswith(" svcnotes.toml:56: C001 deadline: 未知的配置节 'deadline'（是否想写 'deadlines'？）")


def test_a_refused_verb_says_why_in_chinese(repo: Path, chinese: list[str]) -> None:
    result = run(*chinese, "-C", str(repo), "transition", "C-2611-001", "closed")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [
        "records/complaints/2026/C-2611-001.md:4: E401 status: 不能从 registered（已登记）转到 closed（已结案）"
        "（客诉从 registered（已登记）可以转到：investigating, not_established）"]
    assert git(repo, "status", "--porcelain") == ""


def test_a_refused_write_names_the_git_state_in_chinese(repo: Path, chinese: list[str]) -> None:
    (repo / ".git/MERGE_HEAD").write_text(git(repo, "rev-parse", "HEAD"), encoding="utf-8")
    result = run(*chinese, "-C", str(repo), "new", "customer", "--id", "acme", "--name", "Acme 公司")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].endswith(
        ".git/MERGE_HEAD: G002 合并（merge）正在进行中；svcnotes 不会在中途提交"
        "（完成它（git commit）或放弃它（git merge --abort），然后重新运行该命令）")


def test_an_import_mapping_problem_in_chinese(repo: Path, tmp_path: Path, chinese: list[str]) -> None:
    source = tmp_path / "登记表.csv"
    source.write_text("编号,客户,主题\nA1,恒达汽车零部件有限公司,支架尺寸超差\n", encoding="utf-8")
    mapping = write(tmp_path, "map.toml", 'kind = "complaint"\nkey = ["编号"]\n\n[columns]\n"编号" = "order_no"\n'
                                          '"客户" = "customer"\n"主题" = "titel"\n')
    result = run(*chinese, "-C", str(repo), "import", str(source), "--kind", "complaint", "--map", str(mapping),
                 "--dry-run")
    assert result.exit_code == 2
    assert f"{mapping}:7: M003 主题: 'titel' 不是可导入的 complaint 字段（是否想写 'title'？）" in result.output


def test_the_gate_explains_a_skipped_state_in_chinese(repo: Path, chinese: list[str]) -> None:
    git(repo, "switch", "-q", "-c", "skip")
    text = (repo / "records/complaints/2026/C-2611-001.md").read_text(encoding="utf-8")
    write(repo, "records/complaints/2026/C-2611-001.md", text.replace("status: registered", "status: proposed"))
    git(repo, "commit", "-q", "-am", "skip ahead")
    sha = git(repo, "rev-parse", "--short=10", "HEAD").strip()
    result = run(*chinese, "-C", str(repo), "check", "--base", "main")
    assert result.exit_code == 1
    assert (f"records/complaints/2026/C-2611-001.md:4: E601 status: 非法的状态转换：跳过了状态：registered（已登记） → "
            f"proposed（已提议）（提交 {sha}，作者 zhang.wei <zhang.wei@example.com>）（请依次经过 registered → "
            "investigating → proposed，每一步一个提交）") in result.stdout.splitlines()
    machines = [run("--lang", lang, "-C", str(repo), "check", "--base", "main", "--format", "gitlab").stdout
                for lang in ("zh-CN", "en")]
    assert machines[0] == machines[1] and "skips a state: registered → proposed" in machines[0]


def test_json_is_byte_identical_in_both_languages(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-009.md", BAD_STATUS)
    zh = run("--lang", "zh-CN", "-C", str(repo), "validate", "--format", "json")
    en = run("--lang", "en", "-C", str(repo), "validate", "--format", "json")
    assert zh.stdout == en.stdout
    assert "'closd' is not a valid status" in zh.stdout and "不是" not in zh.stdout


@pytest.mark.parametrize(("first", "then", "line"), [("en", "zh-CN", E104_ZH), ("zh-CN", "en", E104_EN)])
def test_the_validation_cache_written_in_one_language_reads_in_the_other(repo: Path, first: str, then: str,
                                                                          line: str) -> None:
    write(repo, "records/complaints/2026/C-2611-009.md", BAD_STATUS)
    run("--lang", first, "-C", str(repo), "validate")
    assert any((repo / ".svcnotes-cache").iterdir())
    assert run("--lang", then, "-C", str(repo), "validate").stdout.splitlines() == [line]
