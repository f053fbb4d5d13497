"""`svcnotes export data` -> Excel -> `svcnotes import`: lossless, by id, conflicts never overwrite."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.store.repository import Repository
from tests.conftest import git

ROOT = Path(__file__).resolve().parents[2]


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def record_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "records").rglob("*.md"))}


def demo_repository(tmp_path: Path) -> Path:
    src = tmp_path / "demo"
    src.mkdir()
    shutil.copytree(ROOT / "records", src / "records")
    shutil.copy(ROOT / "svcnotes.toml", src / "svcnotes.toml")
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-qm", "demo")
    return src


def empty_repository(tmp_path: Path, config: Path) -> Path:
    """What a department gets from `svcnotes init`, with the same svcnotes.toml as the source."""
    dst = tmp_path / "empty"
    dst.mkdir()
    git(dst, "init", "-q", "-b", "main")
    assert run(dst, "init", str(dst)).exit_code == 0
    shutil.copy(config, dst / "svcnotes.toml")
    git(dst, "add", "-A")
    git(dst, "commit", "-qm", "init")
    return dst


@pytest.mark.parametrize("out", ["data.xlsx", "data"], ids=["xlsx", "csv-folder"])
def test_demo_repository_round_trips_byte_identical(tmp_path: Path, out: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCNOTES_TODAY", "2026-11-23")  # the demo's today (the pre-commit hook validates too)
    src = demo_repository(tmp_path)
    target = tmp_path / out
    exported = run(src, "export", "data", str(target))
    assert exported.exit_code == 0, exported.output
    dst = empty_repository(tmp_path, src / "svcnotes.toml")
    result = run(dst, "import", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{out}: 509 rows: 509 created, 0 updated, 0 unchanged, 0 conflicts, 0 rejected"
    before, after = record_files(src), record_files(dst)
    assert after.keys() == before.keys()
    assert [name for name in before if before[name] != after[name]] == []
    # the same records field by field, nested entries (approvals, CAPA, contacts, attempts, ...) and bodies
    a, b = Repository(src).snapshot(), Repository(dst).snapshot()
    assert {r.id: (dict(r.data), r.body) for r in a.all()} == {r.id: (dict(r.data), r.body) for r in b.all()}
    assert sum(len(r.data.get("approvals") or ()) for r in b.all()) == 124
    assert git(dst, "status", "--porcelain") == ""
    again = run(dst, "import", str(target))
    assert again.stdout.splitlines() == [f"{out}: 509 rows: 0 created, 0 updated, 509 unchanged, 0 conflicts, 0 rejected"]


def export(repo: Path, tmp_path: Path) -> Path:
    out = tmp_path / "data.xlsx"
    assert run(repo, "export", "data", str(out)).exit_code == 0
    return out


def edit(path: Path, sheet: str, row: int, column: str, value: object) -> None:
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    headers = [c.value for c in ws[1]]
    ws.cell(row=row, column=headers.index(column) + 1).value = value
    book.save(path)


COMPLAINT = "records/complaints/2026/C-2611-001.md"


def test_an_edited_cell_updates_its_record_in_place_in_one_commit(repo: Path, tmp_path: Path) -> None:
    out = export(repo, tmp_path)
    edit(out, "complaints", 2, "severity", "major")
    edit(out, "complaints", 2, "body", "客户来电反映支架尺寸超差。\n\n补充：涉及两个批次。\n")
    result = run(repo, "import", str(out))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["data.xlsx: 2 rows: 0 created, 1 updated, 1 unchanged, 0 conflicts, 0 rejected",
                                          f"committed {git(repo, 'rev-parse', 'HEAD')[:10]}"]
    assert git(repo, "show", "--stat", "--format=%s", "HEAD").splitlines()[:2] == [
        "import 0 new and 1 updated record(s) from data.xlsx", ""]
    text = (repo / COMPLAINT).read_text(encoding="utf-8")
    assert "severity: major\n" in text and text.endswith("---\n\n客户来电反映支架尺寸超差。\n\n补充：涉及两个批次。\n")


def test_labels_typed_in_excel_are_read_back_as_codes(repo: Path, tmp_path: Path) -> None:
    out = export(repo, tmp_path)
    edit(out, "complaints", 2, "status", "调查中")
    edit(out, "complaints", 2, "channel", "E-mail")
    assert run(repo, "import", str(out)).exit_code == 0
    text = (repo / COMPLAINT).read_text(encoding="utf-8")
    assert "status: investigating\n" in text and "channel: email\n" in text


def test_a_row_changed_in_git_since_the_export_is_a_conflict_with_both_values(repo: Path, tmp_path: Path) -> None:
    out = export(repo, tmp_path)
    path = repo / COMPLAINT
    path.write_text(path.read_text(encoding="utf-8").replace("severity: normal", "severity: minor"), encoding="utf-8")
    git(repo, "commit", "-qam", "severity after review")
    changed = path.read_bytes()
    edit(out, "complaints", 2, "severity", "critical")
    result = run(repo, "import", str(out))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["data.xlsx: 2 rows: 0 created, 0 updated, 1 unchanged, 1 conflict, 0 rejected"]
    assert result.stderr.splitlines() == [
        "  complaints row 2: conflict: C-2611-001 changed in git since the export; not written",
        "    severity: sheet 'critical', repository 'minor'"]
    assert path.read_bytes() == changed


def test_an_unedited_row_never_undoes_a_change_made_in_git_since(repo: Path, tmp_path: Path) -> None:
    out = export(repo, tmp_path)
    path = repo / COMPLAINT
    path.write_text(path.read_text(encoding="utf-8").replace("severity: normal", "severity: minor"), encoding="utf-8")
    git(repo, "commit", "-qam", "severity after review")
    result = run(repo, "import", str(out))
    assert result.stdout.splitlines() == ["data.xlsx: 2 rows: 0 created, 0 updated, 2 unchanged, 0 conflicts, 0 rejected"]
    assert "severity: minor\n" in path.read_text(encoding="utf-8")


def test_new_rows_create_records_with_their_id_or_the_next_number(repo: Path, tmp_path: Path) -> None:
    out = export(repo, tmp_path)
    book = openpyxl.load_workbook(out)
    ws = book["complaints"]
    headers = [c.value for c in ws[1]]
    first = [c.value for c in ws[2]]
    for new_id, title in (("C-2611-050", "新客诉甲"), (None, "新客诉乙")):
        row = list(first)
        row[headers.index("id")] = new_id
        row[headers.index("title")] = title
        ws.append(row)
    book.save(out)
    result = run(repo, "import", str(out))
    assert result.stdout.splitlines()[0] == "data.xlsx: 4 rows: 2 created, 0 updated, 2 unchanged, 0 conflicts, 0 rejected"
    assert "title: 新客诉甲\n" in (repo / "records/complaints/2026/C-2611-050.md").read_text(encoding="utf-8")
    assert "title: 新客诉乙\n" in (repo / "records/complaints/2026/C-2611-051.md").read_text(encoding="utf-8")


def test_bad_cells_reject_their_row_with_sheet_row_and_reason(repo: Path, tmp_path: Path) -> None:
    out = export(repo, tmp_path)
    edit(out, "complaints", 2, "status", "closd")
    edit(out, "customers", 2, "name", None)
    result = run(repo, "import", str(out), "--report", str(tmp_path / "rejected.csv"))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "data.xlsx: 2 rows: 0 created, 0 updated, 0 unchanged, 0 conflicts, 2 rejected"
    assert result.stderr.splitlines() == [
        "  complaints row 2: rejected: status: 'closd' is not a valid status (did you mean 'closed'?)",
        "  customers row 2: rejected: missing required name"]
    assert (tmp_path / "rejected.csv").read_text(encoding="utf-8-sig").splitlines()[1] == \
        "complaints row 2,rejected,,status: 'closd' is not a valid status (did you mean 'closed'?)"


def test_rejected_rows_are_told_in_chinese_and_the_report_keeps_english(repo: Path, tmp_path: Path) -> None:
    """A Chinese user reads why each row was rejected in Chinese (the sheet, the row, the field by its
    label); the --report CSV is data and reads the same whatever --lang says."""
    out = export(repo, tmp_path)
    edit(out, "customers", 2, "name", None)
    book = openpyxl.load_workbook(out)
    ws = book["complaints"]
    ws.append([c.value for c in ws[2]])  # the same complaint again
    book.save(out)
    result = run(repo, "--lang", "zh-CN", "import", str(out), "--report", str(tmp_path / "rejected.csv"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "  complaints 第 3 行：拒收：编号 C-2611-001 与前面的一行重复",
        "  customers 第 2 行：拒收：缺少必填字段 客户名称"]
    assert (tmp_path / "rejected.csv").read_text(encoding="utf-8-sig").splitlines()[1:] == [
        "complaints row 3,rejected,,id C-2611-001 repeats an earlier row",
        "customers row 2,rejected,,missing required name"]


def test_nested_sheets_are_keyed_by_record_id(repo: Path, tmp_path: Path) -> None:
    out = export(repo, tmp_path)
    book = openpyxl.load_workbook(out)
    assert "complaints.capa" in book.sheetnames and book["_svcnotes"].sheet_state == "hidden"
    ws = book["complaints.capa"]
    assert [c.value for c in ws[1]] == ["record", "action", "owner", "due", "status", "verified_by", "verified_at"]
    ws.append(["C-2611-001", "加严来料检验", "zhao.min", "2026-12-01", "进行中", None, None])
    book.save(out)
    assert run(repo, "import", str(out)).exit_code == 0
    text = (repo / COMPLAINT).read_text(encoding="utf-8")
    assert "capa:\n  - action: 加严来料检验\n    owner: zhao.min\n    due: 2026-12-01\n    status: open\n" in text


def test_import_without_kind_of_a_plain_register_is_a_usage_error(repo: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("编号,主题\n1,x\n", encoding="utf-8")
    result = run(repo, "import", str(plain))
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == ("Error: --kind is needed: " + str(plain) + " is not a file written by "
                                              "`svcnotes export data` (then give --kind complaint/customer/callback)")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_record_lists_come_back_by_id_with_a_suggested_map_and_no_duplicate_customers(
        tmp_path: Path, locale: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCNOTES_TODAY", "2026-11-23")  # the demo's today (the pre-commit hook validates too)
    src = demo_repository(tmp_path)
    dst = empty_repository(tmp_path, src / "svcnotes.toml")
    for kind in ("customer", "complaint"):
        listed = run(src, "export", f"{kind}-list", "--include-personal", "--locale", locale)
        (tmp_path / f"{kind}.csv").write_bytes(listed.stdout_bytes)
        suggested = run(dst, "import", str(tmp_path / f"{kind}.csv"), "--kind", kind, "--suggest-map")
        mapping = suggested.stdout
        assert '= "id"' in mapping and "[defaults]\n\n" in mapping, mapping  # every required field has a column
        (tmp_path / f"{kind}.toml").write_text(mapping, encoding="utf-8")
        result = run(dst, "import", str(tmp_path / f"{kind}.csv"), "--kind", kind, "--map", str(tmp_path / f"{kind}.toml"))
        assert result.exit_code == 0 and " 0 rejected" in result.stdout.splitlines()[0], result.output
    a, b = Repository(src).snapshot(), Repository(dst).snapshot()
    assert sorted(r.id for r in b.records["customer"]) == sorted(r.id for r in a.records["customer"])
    assert sorted(r.id for r in b.records["complaint"]) == sorted(r.id for r in a.records["complaint"])
    for mine in b.records["complaint"]:
        theirs = a.by_id[mine.id]
        for name in ("status", "customer", "channel", "severity", "category", "amount", "received_at", "request"):
            assert mine.data.get(name) == theirs.data.get(name), (mine.id, name)
    for mine in b.records["customer"]:
        theirs = a.by_id[mine.id].data
        assert {k: mine.data.get(k) for k in ("name", "tier", "account_owner", "confidentiality")} == \
            {k: theirs.get(k) for k in ("name", "tier", "account_owner", "confidentiality")}


def test_a_value_an_xlsx_cannot_hold_exactly_sends_the_export_to_csv(repo: Path, tmp_path: Path) -> None:
    path = repo / COMPLAINT
    path.write_text(path.read_text(encoding="utf-8") + "bell\x07\n", encoding="utf-8")
    result = run(repo, "export", "data", str(tmp_path / "data.xlsx"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: 1 cell(s) cannot be kept exactly in an .xlsx file, e.g. complaints row 2 body: a control character "
        f"or carriage return; export to a folder of CSV files instead: svcnotes export data {tmp_path / 'data'}/")
    assert run(repo, "export", "data", str(tmp_path / "data")).exit_code == 0
    other = empty_repository(tmp_path, repo / "svcnotes.toml")
    assert run(other, "import", str(tmp_path / "data")).exit_code == 0
    assert (other / COMPLAINT).read_bytes() == path.read_bytes()


def test_an_import_validate_would_reject_writes_and_commits_nothing(repo: Path, tmp_path: Path) -> None:
    out = export(repo, tmp_path)
    book = openpyxl.load_workbook(out)
    book["customers"].append(["xinghe-tools", "星河工具有限公司", None, None, None, None, "normal"])
    book.save(out)
    edit(out, "complaints", 2, "first_responder", "no.one")
    before = record_files(repo)
    result = run(repo, "import", str(out))
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0].startswith("error: records/complaints/2026/C-2611-001.md:") and "no.one" in errors[0]
    assert errors[-1] == "error: nothing imported: the records above would not be valid"
    assert record_files(repo) == before and commits_in(repo) == 1


def commits_in(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


def test_importing_a_file_that_is_not_there_says_so(repo: Path, tmp_path: Path) -> None:
    result = run(repo, "import", str(tmp_path / "gone.xlsx"))
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {tmp_path / 'gone.xlsx'}: no such file or folder"
