"""The record commands through click: init, new, validate, list, show, schema, fix-encoding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from svcnotes.cli import cli
from tests.conftest import COMPLAINT, git, write

NEW_COMPLAINT = ["new", "complaint", "--customer", "hengda-auto", "--title", "外观划伤", "--category", "product_quality",
                 "--severity", "major", "--channel", "phone", "--received-at", "2026-11-20 10:00", "--today", "2026-11-20"]


def run(repo: Path | None, *args: str, **kw: object) -> Result:
    """Invoke svcnotes (with -C repo when given)."""
    prefix = ["-C", str(repo)] if repo else []
    return CliRunner().invoke(cli, [*prefix, *args], catch_exceptions=False, **kw)  # type: ignore[arg-type]


# init

def test_init_creates_config_folders_gitignore_and_a_git_repository(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    result = run(None, "init", str(target), "--name", "Acme 客服部", "--locale", "en")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:7] == ["created .git/", "created svcnotes.toml", "created records/customers/",
                                              "created records/complaints/", "created records/callbacks/",
                                              "created records/notes/", "created .gitignore"]
    assert (target / ".git").is_dir() and "/site/" in (target / ".gitignore").read_text(encoding="utf-8")
    assert 'name = "Acme 客服部"' in (target / "svcnotes.toml").read_text(encoding="utf-8")
    validated = run(target, "validate")
    assert (validated.exit_code, validated.stdout) == (0, "")


def test_init_refuses_an_existing_repository_with_exit_2(repo: Path) -> None:
    result = run(None, "init", str(repo))
    assert result.exit_code == 2
    assert result.stderr == f"error: {repo / 'svcnotes.toml'} already exists; nothing changed\n"


# new

def test_new_complaint_numbers_writes_and_commits(repo: Path) -> None:
    result = run(repo, *NEW_COMPLAINT, "--tags", "批量, 外观")
    assert (result.exit_code, result.stdout) == (0, "C-2611-002  records/complaints/2026/C-2611-002.md\n")
    text = (repo / "records/complaints/2026/C-2611-002.md").read_text(encoding="utf-8")
    assert "first_responder: zhang.wei\nowner: zhang.wei\n" in text and "status: registered\n" in text
    assert "tags:\n  - 批量\n  - 外观\n" in text
    assert git(repo, "log", "-1", "--format=%s").strip() == "C-2611-002: new complaint"
    assert git(repo, "status", "--porcelain").strip() == ""


def test_new_with_no_commit_leaves_the_file_uncommitted(repo: Path) -> None:
    assert run(repo, *NEW_COMPLAINT, "--no-commit").exit_code == 0
    assert git(repo, "status", "--porcelain").strip() == "?? records/complaints/2026/C-2611-002.md"


def test_new_with_a_bad_value_is_exit_2_with_the_exact_problem(repo: Path) -> None:
    args = [a if a != "major" else "majr" for a in NEW_COMPLAINT]
    result = run(repo, *args)
    assert result.exit_code == 2
    assert result.stderr == "error: E104 severity: 'majr' is not a valid severity (did you mean 'major'?)\n"
    assert not (repo / "records/complaints/2026/C-2611-002.md").exists()


def test_new_reports_every_bad_value_at_once(repo: Path) -> None:
    result = run(repo, *NEW_COMPLAINT, "--quantity", "0123", "--ship-date", "2026/10/01")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: E102 quantity: '0123' has a leading zero, which YAML 1.1 reads as octal (write 123 without the leading zero)",
        "error: E103 ship_date: '2026/10/01' is not a date (write YYYY-MM-DD, e.g. 2026-11-05)",
    ]


def test_new_without_a_required_field_off_a_terminal_is_e101(repo: Path) -> None:
    args = NEW_COMPLAINT[:4] + NEW_COMPLAINT[6:]  # no --title
    result = run(repo, *args)
    assert (result.exit_code, result.stderr) == (2, "error: E101 title: is required (pass --title)\n")


def test_new_customer_with_a_taken_slug_is_e203(repo: Path) -> None:
    result = run(repo, "new", "customer", "--id", "hengda-auto", "--name", "恒达", "--tier", "key")
    assert result.exit_code == 2
    assert result.stderr == "error: records/customers/hengda-auto.md: E203 id: 'hengda-auto' already exists (choose another id)\n"


def test_new_customer_callback_and_note(repo: Path) -> None:
    assert run(repo, "new", "customer", "--id", "xinghe-pack", "--name", "星河包装", "--today", "2026-11-20").stdout == \
        "xinghe-pack  records/customers/xinghe-pack.md\n"
    assert run(repo, "new", "callback", "--customer", "hengda-auto", "--kind", "periodic", "--due", "2026-12-01").stdout == \
        "CB-2612-001  records/callbacks/2026/CB-2612-001.md\n"
    assert run(repo, "new", "note", "--customer", "xinghe-pack", "--kind", "call_in", "--summary", "询问交期",
               "--at", "2026-11-21 14:00", "--body", "客户询问交期。").stdout == "N-2611-001  records/notes/2026/N-2611-001.md\n"
    customer = (repo / "records/customers/xinghe-pack.md").read_text(encoding="utf-8")
    assert "tier: normal\n" in customer and "since: 2026-11-20\n" in customer
    assert (repo / "records/notes/2026/N-2611-001.md").read_text(encoding="utf-8").endswith("---\n\n客户询问交期。")
    assert (run(repo, "validate").exit_code, run(repo, "validate").stdout) == (0, "")


def test_new_by_someone_outside_the_staff_directory_must_name_the_first_responder(repo: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "stranger@example.com")
    result = run(repo, *NEW_COMPLAINT, "--no-commit")
    assert (result.exit_code, result.stderr) == (2, "error: E101 first_responder: is required (pass --first-responder)\n")
    assert run(repo, *NEW_COMPLAINT, "--no-commit", "--first-responder", "li.na").exit_code == 0


def test_unknown_field_given_to_intake_is_e106(repo: Path) -> None:
    from svcnotes.model.config import Config
    from svcnotes.store.repository import InvalidRecord
    from svcnotes.workflow.intake import coerce_inputs

    with pytest.raises(InvalidRecord) as info:
        coerce_inputs("complaint", {"colour": "red"}, Config())
    assert [p.format() for p in info.value.problems] == ["<repository>: E106 colour: unknown field 'colour'"]


# validate

def test_validate_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path, "validate")
    assert result.exit_code == 2
    assert f"no svcnotes.toml in {tmp_path.resolve()} or any parent folder; run 'svcnotes init DIR' or pass -C DIR" \
        in result.stderr


def test_validate_prints_the_exact_line_and_a_summary(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-001.md", COMPLAINT.replace("status: registered", "status: closd"))
    result = run(repo, "validate")
    assert result.exit_code == 1
    assert result.stdout == ("records/complaints/2026/C-2611-001.md:4: E104 status: 'closd' is not a valid status "
                             "(did you mean 'closed'?)\n")
    assert result.stderr == "1 error(s), 0 warning(s)\n"


def test_validate_clean_says_how_many_records(repo: Path) -> None:
    result = run(repo, "validate")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "2 records, no problems\n")


# list

@pytest.fixture
def listed(repo: Path) -> Path:
    """The fixture repo plus a second, critical complaint of another owner in December."""
    write(repo, "records/complaints/2026/C-2612-001.md",
          COMPLAINT.replace("C-2611-001", "C-2612-001").replace("2026-11-02", "2026-12-01").replace("normal", "critical")
          .replace("owner: zhang.wei", "owner: li.na").replace("registered\n", "investigating\n"))
    return repo


def ids_of(result: Result) -> list[str]:
    """Ids from JSON list output."""
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


def test_list_filters_by_status_severity_owner_and_dates(listed: Path) -> None:
    base = ["list", "complaints", "--format", "json", "--today", "2026-12-02"]
    assert ids_of(run(listed, *base)) == ["C-2611-001", "C-2612-001"]
    assert ids_of(run(listed, *base, "--status", "investigating")) == ["C-2612-001"]
    assert ids_of(run(listed, *base, "--severity", "normal,major")) == ["C-2611-001"]
    assert ids_of(run(listed, *base, "--owner", "li.na")) == ["C-2612-001"]
    assert ids_of(run(listed, *base, "--since", "2026-12-01")) == ["C-2612-001"]
    assert ids_of(run(listed, *base, "--until", "2026-11-30")) == ["C-2611-001"]
    assert ids_of(run(listed, *base, "--customer", "nobody")) == []
    assert ids_of(run(listed, *base, "--category", "product_quality")) == ["C-2611-001", "C-2612-001"]


def test_list_overdue_uses_today(listed: Path) -> None:
    assert ids_of(run(listed, "list", "complaints", "--overdue", "--format", "json", "--today", "2026-11-10")) == []
    assert ids_of(run(listed, "list", "complaints", "--overdue", "--format", "json", "--today", "2026-12-31")) == \
        ["C-2611-001", "C-2612-001"]


def test_list_json_has_typed_values(listed: Path) -> None:
    rows = json.loads(run(listed, "list", "complaint", "--format", "json", "--today", "2026-11-10").stdout)
    assert rows[0] == {"id": "C-2611-001", "status": "registered", "received_at": "2026-11-02 09:30",
                       "due_date": "2026-11-22", "overdue": False, "customer": "hengda-auto",
                       "category": "product_quality", "severity": "normal", "owner": "zhang.wei", "title": "支架尺寸超差"}


def test_list_csv_has_a_localised_header_and_one_row_per_record(listed: Path) -> None:
    result = run(listed, "list", "complaints", "--format", "csv", "--today", "2026-11-10")
    assert result.stdout.splitlines() == [  # data: headers in organisation.locale whatever --lang, values as codes
        "客诉编号,状态,受理时间,最迟结案,逾期,客户,类别,严重度,当前负责人,主题",
        "C-2611-001,registered,2026-11-02 09:30,2026-11-22,no,hengda-auto,product_quality,normal,zhang.wei,支架尺寸超差",
        "C-2612-001,investigating,2026-12-01 09:30,2026-12-21,no,hengda-auto,product_quality,critical,li.na,支架尺寸超差",
    ]


def test_list_table_aligns_columns_with_cjk_width(listed: Path) -> None:
    lines = run(listed, "--lang", "zh-CN", "list", "customers").stdout.splitlines()
    assert lines[0].split() == ["客户代号", "客户名称", "客户分级", "区域", "行业", "客户经理", "服务协议结束"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["hengda-auto", "恒达汽车零部件有限公司", "重点客户", "张伟"]  # labels and names, not codes


def test_list_of_an_unknown_kind_is_a_usage_error(repo: Path) -> None:
    result = run(repo, "list", "complains")
    assert result.exit_code == 2 and "Invalid value for '{callback|callbacks|complaint|complaints|customer|" in result.stderr


# show

def test_show_renders_labels_values_and_body(repo: Path) -> None:
    result = run(repo, "--lang", "zh-CN", "show", "C-2611-001")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[0] == "客诉 C-2611-001  (records/complaints/2026/C-2611-001.md)"
    assert "主题            支架尺寸超差" in lines and lines[-1] == "客户来电反映支架尺寸超差。"


def test_show_json_and_by_former_number(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-2611-002.md",
          COMPLAINT.replace("C-2611-001", "C-2611-002").replace("severity: normal", "severity: normal\naliases: [C-2610-009]"))
    data = json.loads(run(repo, "show", "C-2610-009", "--format", "json").stdout)
    assert (data["id"], data["kind"], data["data"]["received_at"], data["data"]["aliases"]) == \
           ("C-2611-002", "complaint", "2026-11-02 09:30", ["C-2610-009"])


def test_show_of_a_missing_record_is_exit_1(repo: Path) -> None:
    result = run(repo, "show", "C-2611-404")
    assert (result.exit_code, result.stderr) == (1, "error: no record 'C-2611-404' (try: svcnotes list complaints)\n")


# schema

def test_schema_prints_json_schema_with_the_repository_staff(repo: Path) -> None:
    doc = json.loads(run(repo, "schema", "complaint").stdout)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["properties"]["owner"]["enum"] == ["chen.gang", "li.na", "wang.qiang", "zhang.wei", "zhao.min"]


def test_schema_works_outside_a_repository_and_needs_a_kind(tmp_path: Path) -> None:
    assert json.loads(run(tmp_path, "schema", "note").stdout)["title"] == "svcnotes Service note (服务记录)"
    result = run(tmp_path, "schema")
    assert result.exit_code == 2 and "name a kind (complaint, customer, callback, note) or pass --write" in result.stderr


def test_schema_write_puts_schemas_and_vscode_settings_in_the_repository(repo: Path) -> None:
    result = run(repo, "schema", "--write")
    assert result.stdout.splitlines() == ["wrote schemas/customer.schema.json", "wrote schemas/complaint.schema.json",
                                          "wrote schemas/callback.schema.json", "wrote schemas/note.schema.json",
                                          "wrote .vscode/settings.json", "wrote .vscode/tasks.json"]
    settings = json.loads((repo / ".vscode/settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"]["./schemas/complaint.schema.json"] == ["records/complaints/**/*.md"]


# fix-encoding

def test_fix_encoding_converts_gbk_atomically_and_validate_is_clean(repo: Path) -> None:
    rel = "records/complaints/2026/C-2611-001.md"
    original = COMPLAINT.replace("\n", "\r\n")
    (repo / rel).write_bytes(original.encode("gbk"))
    assert run(repo, "validate").exit_code == 1
    result = run(None, "fix-encoding", str(repo / rel))
    assert (result.exit_code, result.stdout) == (0, f"{repo / rel}: converted from gb18030 to UTF-8\n")
    assert (repo / rel).read_bytes() == original.encode("utf-8")
    assert sorted(p.name for p in (repo / rel).parent.iterdir()) == ["C-2611-001.md"]
    assert run(repo, "validate").exit_code == 0
    again = run(None, "fix-encoding", str(repo / rel))
    assert (again.exit_code, again.stdout) == (0, f"{repo / rel}: already UTF-8, unchanged\n")


def test_fix_encoding_of_an_undecodable_file_is_exit_1_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"---\n\x81\x20\xff\n")
    result = run(None, "fix-encoding", str(path))
    assert result.exit_code == 1
    assert result.stderr == (f"error: {path}: not valid gb18030 either (byte offset 4); "
                             "open it in an editor and save as UTF-8\n")
    assert path.read_bytes() == b"---\n\x81\x20\xff\n"


def test_fix_encoding_with_an_unknown_source_encoding(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes("客".encode("gbk"))
    result = run(None, "fix-encoding", "--from", "klingon", str(path))
    assert (result.exit_code, result.stderr) == (1, f"error: {path}: unknown encoding 'klingon'\n")


def test_list_with_a_mistyped_status_says_what_was_meant(listed: Path) -> None:
    result = run(listed, "list", "complaints", "--status", "investgating")
    assert result.exit_code == 2
    assert ("Error: Invalid value for --status: 'investgating' is not a complaint status "
            "(did you mean 'investigating'?)") in result.output
