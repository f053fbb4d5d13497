"""The corpora in ../shared/corpora imported through the CLI, in the encodings and layouts a
department's files arrive in (GBK, UTF-8 with BOM, UTF-16 as Excel's "Unicode text", XLSX): every
row is accounted for. The variants are derived here from the corpus files, standing in for the
held-out real ones; the naughty-strings and XSS lists go through an import as titles, bodies and
customer names."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.store.repository import Repository
from tests.conftest import git, write

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "import-examples"
CAR_MAP = str(EXAMPLES / "12365auto-complaints.toml")


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def totals(line: str) -> tuple[int, list[int]]:
    """`name: 600 rows: 598 imported, 1 duplicate, 1 rejected` -> (600, [598, 1, 1])."""
    rows, rest = line.split(" rows: ")[0].rsplit(": ", 1)[1], line.split(" rows: ")[1]
    return int(rows), [int(part.split()[0]) for part in rest.split(", ")[:3]]


def _car_text(corpora: Path) -> str:
    return (corpora / "cn-car-complaints-12365auto" / "renqiang06_2020-06_utf8.csv").read_text(encoding="utf-8")


def variants(corpora: Path, folder: Path) -> dict[str, Path]:
    """The 12365auto file as it would arrive from other hands."""
    text = _car_text(corpora)
    rows = list(csv.reader(io.StringIO(text)))
    tabbed = io.StringIO()
    csv.writer(tabbed, delimiter="\t", lineterminator="\r\n").writerows(rows)
    files = {
        "utf8-bom.csv": ("\ufeff" + text).encode("utf-8"),
        "gbk-crlf.csv": text.replace("\n", "\r\n").encode("gbk"),
        "gb18030.csv": text.encode("gb18030"),
        "utf16-comma.csv": text.encode("utf-16"),
        "utf16-excel-unicode-text.txt": tabbed.getvalue().encode("utf-16-le").join([b"\xff\xfe", b""]),
        "utf16-be.csv": b"\xfe\xff" + text.encode("utf-16-be"),
    }
    out = {}
    for name, data in files.items():
        out[name] = folder / name
        out[name].write_bytes(data)
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for cells in rows:
        sheet.append(cells)
    out["excel.xlsx"] = folder / "excel.xlsx"
    book.save(out["excel.xlsx"])
    return out


def test_every_encoding_and_layout_of_the_car_file_imports_all_600_rows(repo: Path, corpora: Path, tmp_path: Path) -> None:
    files = variants(corpora, tmp_path)
    first = run(repo, "import", str(files["utf16-excel-unicode-text.txt"]), "--kind", "complaint", "--map", CAR_MAP)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0] == "utf16-excel-unicode-text.txt: 600 rows: 600 imported, 0 duplicate, 0 rejected"
    titles = sorted(r.data["title"] for r in Repository(repo).complaints.list() if r.get("imported"))
    assert len(titles) == 600 and not [t for t in titles if "\ufeff" in t or t != t.strip()]
    for name, path in files.items():
        if name == "utf16-excel-unicode-text.txt":
            continue
        dry = run(repo, "import", str(path), "--kind", "complaint", "--map", CAR_MAP, "--dry-run")
        assert dry.exit_code == 0, (name, dry.output)
        assert dry.stdout.splitlines()[0] == f"{name}: 600 rows: 0 would import, 600 duplicate, 0 rejected", name
    assert run(repo, "validate").exit_code == 0


@pytest.mark.parametrize("encoding", ["utf-16", "gb18030"])
def test_the_cfpb_sample_in_another_encoding_accounts_for_every_row(repo: Path, corpora: Path, tmp_path: Path,
                                                                    encoding: str) -> None:
    source = corpora / "cfpb-complaints" / "complaints_sample_tgschwartz.csv"
    path = tmp_path / f"cfpb-{encoding}.csv"
    path.write_bytes(source.read_bytes().decode("utf-8").encode(encoding))
    report = tmp_path / "rejected.csv"
    result = run(repo, "import", str(path), "--kind", "complaint", "--map", str(EXAMPLES / "cfpb-complaints.toml"),
                 "--dry-run", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{path.name}: 6623 rows: 6623 would import, 0 duplicate, 0 rejected"
    assert report.read_text(encoding="utf-8-sig").count("\n") == 1  # the header line alone


NAUGHTY_MAP = """\
kind = "complaint"
source = "naughty"
key = ["n"]

[columns]
"客户" = "customer"
"标题" = "title"
"说明" = "body"

[defaults]
received_at = "2025-05-06"
status = "registered"
channel = "web"
category = "other"
severity = "normal"
"""


def _strings(corpora: Path) -> list[str]:
    import json

    naughty = json.loads((corpora / "blns" / "blns.json").read_text(encoding="utf-8"))
    xss = []
    for path in sorted((corpora / "xss-payloads" / "payloadsallthethings").glob("*.txt")):
        xss += path.read_text(encoding="utf-8", errors="replace").splitlines()[:40]
    return [s for s in naughty + xss if isinstance(s, str)]


def _naughty_xlsx(path: Path, rows: list[list[str]], clean: bool = True) -> None:
    import re

    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    unfit = re.compile("[\ud800-\udfff\ufffe\uffff]")  # not XML 1.0: Excel never writes them
    book = Workbook()
    book.active.append(["n", "客户", "标题", "说明"])
    for cells in rows:
        cells = [ILLEGAL_CHARACTERS_RE.sub("", c) for c in cells]  # openpyxl refuses control characters
        book.active.append([unfit.sub("", c) for c in cells] if clean else cells)
    book.save(path)


def test_a_workbook_broken_past_its_first_rows_is_a_located_error_and_writes_nothing(repo: Path, corpora: Path,
                                                                                     tmp_path: Path) -> None:
    rows = [[str(n), "客户", s, s] for n, s in enumerate(_strings(corpora), 1)]
    path = tmp_path / "broken.xlsx"
    _naughty_xlsx(path, rows, clean=False)  # openpyxl writes a character XML forbids: the sheet does not parse
    mapping = write(tmp_path, "naughty.toml", NAUGHTY_MAP)
    before = git(repo, "rev-parse", "HEAD")
    result = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: I001 cannot read the file: not well-formed (invalid token)")
    assert git(repo, "rev-parse", "HEAD") == before and git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_naughty_strings_and_xss_payloads_import_with_totals_that_add_up(repo: Path, corpora: Path, tmp_path: Path,
                                                                        suffix: str) -> None:
    strings = _strings(corpora)
    rows = [[str(n), f"客户{n % 3}" if n % 4 else s[:60], s, s] for n, s in enumerate(strings, 1)]
    path = tmp_path / f"naughty{suffix}"
    if suffix == ".csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows([["n", "客户", "标题", "说明"], *rows])
        path.write_bytes(out.getvalue().encode("utf-8"))
    else:
        _naughty_xlsx(path, rows)
    mapping = write(tmp_path, "naughty.toml", NAUGHTY_MAP)
    report = tmp_path / "rejected.csv"
    result = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping), "--report", str(report))
    assert "Traceback" not in result.output
    total, (imported, duplicate, rejected) = totals(result.stdout.splitlines()[0])
    assert total == len(rows) and imported + duplicate + rejected == total
    assert imported > 0.8 * total
    reported = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert len(reported) == rejected + 1 and all(r[2] for r in reported[1:])
    assert git(repo, "status", "--porcelain") == ""
    validated = run(repo, "validate")
    assert validated.exit_code == 0, validated.output[-2000:]
    again = run(repo, "import", str(path), "--kind", "complaint", "--map", str(mapping))
    assert totals(again.stdout.splitlines()[0]) == (total, [0, imported + duplicate, rejected])
