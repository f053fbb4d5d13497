"""No write path commits a record `svcnotes validate` rejects: rule × path, through the real CLI and git.

Each rule is one of validate's, defined once; each path must refuse (exit 1), print validate's own
located error line, and leave the working tree and HEAD as they were.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from tests.conftest import COMPLAINT, git, write

ID = "C-2611-001"
REL = "records/complaints/2026/C-2611-001.md"
NEW = "records/complaints/2026/C-2611-002.md"

# rule -> (CLI options that break it on `new`/`transition --set`, the validate line expected, for REL or NEW)
RULES = {
    "E302 defective above quantity": (
        {"quantity": "500", "defective_qty": "600"},
        "{path}:{line}: E302 defective_qty: defective quantity 600 is larger than the quantity 500 (check both numbers)"),
    "E204 unknown customer": (
        {"customer": "nobody"},
        "{path}:{line}: E204 customer: no customer 'nobody' (allowed: hengda-auto)"),
    "E409 forbidden phrase with a space in it": (
        {"customer_reply": "这个情况我们不 清楚"},
        "{path}:{line}: E409 customer_reply: forbidden phrase '不清楚' in customer-facing text (答复客户内容) "
        "(rephrase it (服务禁用语, see conduct.forbidden_phrases and conduct.allowed_contexts in svcnotes.toml))"),
}


def run(repo: Path, *args: str):
    today = [] if args[0] in ("renumber", "import") else ["--today", "2026-11-06"]
    return CliRunner().invoke(cli, ["-C", str(repo), *args, *today], catch_exceptions=False)


def state(repo: Path) -> tuple[str, str]:
    """HEAD and the porcelain status: what a refused write must leave as it was."""
    return git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")


def line_of(repo: Path, rel: str, key: str) -> int:
    lines = (repo / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.startswith(f"{key}:"))


def assert_refused(repo: Path, result, before: tuple[str, str], expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert expected in result.stderr.splitlines(), result.stderr
    assert state(repo) == before


def validate_lines(repo: Path) -> list[str]:
    return run(repo, "validate").stdout.splitlines()


@pytest.mark.parametrize("rule", sorted(RULES))
def test_new_refuses_a_record_validate_would_reject(repo: Path, rule: str) -> None:
    options, line = RULES[rule]
    before = state(repo)
    args = ["new", "complaint", "--title", "t", "--customer", "hengda-auto", "--channel", "phone",
            "--category", "delivery", "--severity", "normal"]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", value]
    result = run(repo, *args)
    assert result.exit_code == 1, result.output
    assert not (repo / NEW).exists() and state(repo) == before
    # the very line validate prints once the same record is written by hand
    write(repo, NEW, COMPLAINT.replace(ID, "C-2611-002").replace("customer: hengda-auto\n", "")
          .replace("---\n\n", "".join(f"{k}: {v}\n" for k, v in {"customer": "hengda-auto", **options}.items()) + "---\n\n"))
    expected = [x.split(": ", 1)[1] for x in validate_lines(repo) if rule.split()[0] in x]  # past 'path:line'
    assert expected and all(x in result.stderr for x in expected)
    assert f"error: {NEW}:" in result.stderr


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_verb_refuses_to_write_what_validate_would_reject(repo: Path, rule: str) -> None:
    options, line = RULES[rule]
    before = state(repo)
    sets = [f"--set={k}={v}" for k, v in options.items()]
    result = run(repo, "transition", ID, "investigating", *sets)
    assert result.exit_code == 1, result.output
    assert state(repo) == before
    assert "error: C-2611-001: refused" in result.stderr


def test_new_complaint_cannot_start_closed(repo: Path) -> None:
    before = state(repo)
    result = run(repo, "new", "complaint", "--title", "t", "--customer", "hengda-auto", "--channel", "phone",
                 "--category", "delivery", "--severity", "normal", "--status", "closed")
    assert result.exit_code == 1
    assert "error: E605 status: a new complaint starts as 'registered', not 'closed' " \
           "(create it registered and move it through the workflow (svcnotes transition ID STATUS))" \
           in result.stderr.splitlines()
    assert "refused: validate would reject this record; nothing written or committed" in result.stderr
    assert state(repo) == before and not (repo / NEW).exists()


BROKEN = {  # a hand edit committed past the rules (as a merge might): validate rejects the record
    "E302": ("severity: normal\n", "severity: normal\nquantity: 500\ndefective_qty: 600\n",
             f"{REL}:14: E302 defective_qty: defective quantity 600 is larger than the quantity 500 (check both numbers)"),
    "E204": ("customer: hengda-auto", "customer: nobody",
             f"{REL}:5: E204 customer: no customer 'nobody' (allowed: hengda-auto)"),
    "E416": ("severity: normal\n", "severity: normal\non_hold:\n  - from: 2026-11-05\n    to: 2026-11-03\n",
             f"{REL}:15: E416 on_hold[0].to: hold 1 ends 2026-11-03 before it starts 2026-11-05 "
             "(set `to` on or after `from`)"),
}
PATHS = {
    "investigate": ["investigate", ID],
    "hold": ["hold", ID, "--reason", "等待客户回复"],
    "capa add": ["capa", "add", ID, "--action", "点检", "--owner", "zhang.wei", "--due", "2026-12-01"],
    "assign": ["assign", ID, "--to", "li.na"],
    "renumber": ["renumber", ID],
}


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_every_write_path_refuses_to_commit_a_record_validate_rejects(repo: Path, rule: str, path: str) -> None:
    old, new, expected = BROKEN[rule]
    text = (repo / REL).read_text(encoding="utf-8")
    (repo / REL).write_text(text.replace(old, new), encoding="utf-8")
    git(repo, "commit", "-qam", "hand edit")
    assert expected in validate_lines(repo)
    before = state(repo)
    result = run(repo, *PATHS[path])
    assert result.exit_code == 1, result.output
    if path == "renumber":  # refused where it would be written: at its new number
        expected = expected.split(": ", 1)[1]
    assert expected in result.stderr, result.stderr
    assert state(repo) == before


def test_import_refuses_rows_validate_would_reject_and_writes_nothing(repo: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text('kind = "complaint"\nsource = "legacy"\nkey = ["编号"]\n\n[columns]\n"编号" = "order_no"\n'
                       '"客户" = "customer"\n"日期" = "received_at"\n"主题" = "title"\n"数量" = "quantity"\n'
                       '"不良" = "defective_qty"\n\n[defaults]\nchannel = "phone"\ncategory = "product_quality"\n'
                       'severity = "normal"\nstatus = "registered"\n', encoding="utf-8")
    table = tmp_path / "in.csv"
    table.write_text("编号,客户,日期,主题,数量,不良\nA1,恒达汽车零部件有限公司,2025-03-04,支架,500,600\n", encoding="utf-8")
    before = state(repo)
    result = run(repo, "import", str(table), "--kind", "complaint", "--map", str(mapping))
    assert result.exit_code == 1, result.output
    # the row is rejected alone (with validate's own located problem); with every row rejected nothing is written
    assert ("  row 2: rejected: E302 defective_qty: defective quantity 600 is larger than the quantity 500 "
            "(check both numbers)") in result.stderr.splitlines()
    assert "in.csv: 1 row: 0 imported, 0 duplicate, 1 rejected" in result.stdout.splitlines()
    assert state(repo) == before
