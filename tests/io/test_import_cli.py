"""`svcnotes import`: one commit per import, every row accounted for, re-runs import nothing; the real corpora."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.store.repository import Repository
from tests.conftest import git, write

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "import-examples"

MAPPING = """\
kind = "complaint"
source = "legacy"
key = ["编号"]

[columns]
"编号" = "order_no"
"客户" = "customer"
"日期" = "received_at"
"主题" = "title"
"状态" = "status"

[values.status]
"已结案" = "closed"
"处理中" = "investigating"

[defaults]
channel = "phone"
category = "product_quality"
severity = "normal"
"""

CSV = ("编号,客户,日期,主题,状态\r\n"
       "A1,恒达汽车零部件有限公司,2025/3/4,支架尺寸超差,已结案\r\n"
       "A2,新客户有限公司,2025-03-20,包装破损,处理中\r\n"
       "A2,新客户有限公司,2025-03-20,包装破损,处理中\r\n"
       "A3,新客户有限公司,不是日期,交期延误,处理中\r\n"
       "A4,新客户有限公司,2025-04-01\r\n")


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


@pytest.fixture
def source(repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    csv_path = tmp_path / "登记表.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + CSV.encode("utf-8"))
    mapping = write(tmp_path, "map.toml", MAPPING)
    return csv_path, mapping


def commits(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


def test_import_accounts_for_every_row_in_one_commit(repo: Path, source: tuple[Path, Path]) -> None:
    csv_path, mapping = source
    result = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "登记表.csv: 5 rows: 2 imported, 1 duplicate, 2 rejected" in lines
    assert "created 1 customer(s)" in lines
    assert "records C-2503-001 .. C-2503-002" in lines
    assert commits(repo) == 2
    message = git(repo, "log", "-1", "--format=%B")
    assert "Svc-Action: import" in message and "Svc-Import-Source: 登记表.csv" in message
    snap = Repository(repo).snapshot()
    first = snap.by_id["C-2503-001"]
    assert first.data["customer"] == "hengda-auto"  # matched by name
    assert first.data["first_responder"] == "zhang.wei"  # the git identity, nothing added to config
    assert first.data["imported"] == [{"source": "登记表.csv", "row": 2, "key": "legacy:A1"}]
    assert snap.by_id["C-2503-002"].data["customer"] in {r.id for r in snap.records["customer"]}
    assert git(repo, "status", "--porcelain") == ""


def test_running_the_same_import_again_creates_nothing(repo: Path, source: tuple[Path, Path]) -> None:
    csv_path, mapping = source
    run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping))
    again = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping))
    assert again.exit_code == 0
    assert "登记表.csv: 5 rows: 0 imported, 3 duplicate, 2 rejected" in again.output.splitlines()
    assert commits(repo) == 2


def test_dry_run_writes_nothing_and_report_lists_rejected_rows(repo: Path, source: tuple[Path, Path], tmp_path: Path) -> None:
    csv_path, mapping = source
    report = tmp_path / "rejected.csv"
    result = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping), "--dry-run",
                 "--report", str(report))
    assert result.exit_code == 0
    assert "登记表.csv: 5 rows: 2 would import, 1 duplicate, 2 rejected" in result.output.splitlines()
    assert commits(repo) == 1 and git(repo, "status", "--porcelain") == ""
    data = report.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = data.decode("utf-8-sig").splitlines()
    assert rows[0] == "row,outcome,reason,编号,客户,日期,主题,状态"
    assert [r.split(",")[0] for r in rows[1:]] == ["5", "6"]


def test_import_as_another_staff_member_sets_the_first_responder(repo: Path, source: tuple[Path, Path]) -> None:
    csv_path, mapping = source
    assert run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping), "--as", "li.na").exit_code == 0
    assert Repository(repo).complaints.get("C-2503-001").data["first_responder"] == "li.na"


def test_import_as_an_unknown_staff_id_stops_with_a_hint(repo: Path, source: tuple[Path, Path]) -> None:
    csv_path, mapping = source
    result = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping), "--as", "li.nna")
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == ("error: svcnotes.toml: I010 --as: 'li.nna' is not in the staff directory "
                                              "(did you mean 'li.na'?)")
    assert commits(repo) == 1


def test_a_missing_mapping_file_is_a_usage_error(repo: Path, source: tuple[Path, Path], tmp_path: Path) -> None:
    csv_path, _ = source
    result = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'nope.toml'}: I002 mapping file not found" in result.output


def test_suggest_map_prints_a_mapping_for_the_header(repo: Path, source: tuple[Path, Path]) -> None:
    csv_path, _ = source
    result = run(repo, "import", str(csv_path), "--kind", "complaint", "--suggest-map")
    assert result.exit_code == 0
    assert 'kind = "complaint"' in result.output.splitlines()


def test_import_reports_progress_as_rows_are_planned_and_stays_quiet_off_a_terminal(
        repo: Path, source: tuple[Path, Path]) -> None:
    from svcnotes.io.importer import run_import

    csv_path, mapping = source
    calls: list[tuple[int, int]] = []
    run_import(Repository(repo), csv_path, "complaint", mapping, dry_run=True, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (5, 5) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    quiet = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping), "--dry-run")
    assert "\r" not in quiet.output and "reading rows" not in quiet.output


def test_progress_redraws_one_line_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from svcnotes.cli.common import Progress

    progress = Progress("reading rows", enabled=True)
    for done in range(1, 1001):
        progress(done, 1000)
    progress.end()
    err = capsys.readouterr().err
    assert err.startswith("\rreading rows 1/1,000\rreading rows 10/1,000") and err.endswith("\rreading rows 1,000/1,000\n")
    assert err.count("\r") == 101  # the first row at once, then every 1%


# ---- acceptance on the real corpora ----------------------------------------------------------

CAR_FILES = ("renqiang06_2020-06_utf8.csv", "renqiang06_2021-02_utf8.csv", "sodagreen-qf_2021-01_utf8.csv",
             "David-YYJ_2020-06_gbk.csv")


def _accept(repo: Path, path: Path, mapping: str, rows: int) -> float:
    start = time.monotonic()
    first = run(repo, "import", str(path), "--kind", "complaint", "--map", str(EXAMPLES / mapping))
    seconds = time.monotonic() - start
    assert first.exit_code == 0, first.output
    assert f"{path.name}: {rows} rows: {rows} imported, 0 duplicate, 0 rejected" in first.output.splitlines()
    assert len(Repository(repo).complaints.list()) == rows + 1
    validated = run(repo, "validate")
    assert validated.exit_code == 0, [line for line in validated.output.splitlines() if not line.startswith("warning")][:5]
    again = run(repo, "import", str(path), "--kind", "complaint", "--map", str(EXAMPLES / mapping))
    assert f"{path.name}: {rows} rows: 0 imported, {rows} duplicate, 0 rejected" in again.output.splitlines()
    assert commits(repo) == 2
    return seconds


@pytest.mark.parametrize("name", CAR_FILES)
def test_every_12365auto_file_imports_validates_and_reimports_nothing(repo: Path, corpora: Path, name: str) -> None:
    _accept(repo, corpora / "cn-car-complaints-12365auto" / name, "12365auto-complaints.toml", 600)


def test_cfpb_sample_imports_validates_and_reimports_nothing(repo: Path, corpora: Path) -> None:
    seconds = _accept(repo, corpora / "cfpb-complaints" / "complaints_sample_tgschwartz.csv", "cfpb-complaints.toml", 6623)
    assert seconds < 120, f"importing 6,623 rows took {seconds:.0f} s"


def test_gbk_snapshot_after_the_utf8_one_imports_nothing_new(repo: Path, corpora: Path) -> None:
    car = corpora / "cn-car-complaints-12365auto"
    mapping = str(EXAMPLES / "12365auto-complaints.toml")
    run(repo, "import", str(car / "renqiang06_2020-06_utf8.csv"), "--kind", "complaint", "--map", mapping)
    result = run(repo, "import", str(car / "David-YYJ_2020-06_gbk.csv"), "--kind", "complaint", "--map", mapping)
    assert "David-YYJ_2020-06_gbk.csv: 600 rows: 0 imported, 600 duplicate, 0 rejected" in result.output.splitlines()


def test_the_suggested_mapping_imports_as_the_current_staff_member(repo: Path, tmp_path: Path) -> None:
    """--suggest-map leaves first_responder empty; importing with it must not reject every row."""
    csv_path = tmp_path / "reg.csv"
    csv_path.write_bytes("编号,投诉日期,客户名称,问题,状态\n9001,2025/6/8,恒达汽车零部件有限公司,尺寸超差,已结案\n".encode("gb18030"))
    suggested = run(repo, "import", str(csv_path), "--kind", "complaint", "--suggest-map")
    assert 'first_responder = ""' in suggested.stdout
    mapping = write(tmp_path, "suggested.toml", suggested.stdout)
    result = run(repo, "import", str(csv_path), "--kind", "complaint", "--map", str(mapping))
    assert "1 rows: 1 imported" in result.output.replace("1 row:", "1 rows:"), result.output
    imported = [r for r in Repository(repo).complaints.list() if r.get("imported")]
    assert [r.get("first_responder") for r in imported] == ["zhang.wei"]


def test_chinese_header_gbk_copy_imports_with_the_shipped_mapping(repo: Path, corpora: Path, tmp_path: Path) -> None:
    lines = (corpora / "cn-car-complaints-12365auto" / "renqiang06_2020-06_utf8.csv").read_text(encoding="utf-8").splitlines()
    header = "投诉编号,投诉品牌,投诉车系,投诉车型,问题简述,典型问题,投诉时间,投诉状态"
    rows = lines[1:301]
    path = tmp_path / "车质网投诉.csv"
    path.write_bytes(("\r\n".join([header, *rows, *rows[:30], *rows]) + "\r\n").encode("gbk"))
    result = run(repo, "import", str(path), "--kind", "complaint", "--map", str(EXAMPLES / "12365auto-complaints.toml"))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "车质网投诉.csv: 630 rows: 300 imported, 330 duplicate, 0 rejected"
    assert "M011" not in result.output
    again = run(repo, "import", str(path), "--kind", "complaint", "--map", str(EXAMPLES / "12365auto-complaints.toml"))
    assert again.stdout.splitlines()[0] == "车质网投诉.csv: 630 rows: 0 imported, 630 duplicate, 0 rejected"
