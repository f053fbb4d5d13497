"""Printing: real PDFs from headless Chromium (`--print-to-pdf`), read back with pdfinfo/pdftotext.

The register prints as a landscape A4 table whose header row (the column names, which the sort
buttons hold on screen) is repeated on every page; the complaint form prints as a portrait A4
paper form with a running header ("C-2603-005 · 客户抱怨处理表 … 第 2/3 页") on every page and
labelled sign-off boxes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.site.conftest import CHROMIUM

pytestmark = pytest.mark.browser

A4 = (595, 842)  # points, rounded


def _tools() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent")
    for tool in ("pdfinfo", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is absent (Debian's poppler-utils installs it)")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True) if shutil.which("fc-list") else None
    if fonts is None or not fonts.stdout.strip():
        pytest.skip("no Chinese font: Chromium would print boxes (Debian's fonts-wqy-microhei has one)")


def print_pdf(page: Path, out: Path, fragment: str = "") -> Path:
    """Print one page of the site to PDF the way a person's Chromium does (its scripts run first)."""
    _tools()
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    "--virtual-time-budget=5000", f"--print-to-pdf={out}", page.as_uri() + fragment],
                   check=True, capture_output=True, timeout=120)
    return out


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [(round(float(w)), round(float(h))) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:len(page_sizes(pdf))]


def test_register_prints_landscape_with_its_header_row_on_every_page(demo_site: Path, tmp_path: Path) -> None:
    from svcnotes.model.schema import KINDS

    pdf = print_pdf(demo_site / "complaints/index.html", tmp_path / "register.pdf", "#complaints.queue=all")
    sizes = page_sizes(pdf)
    texts = page_texts(pdf)
    assert len(sizes) >= 3, "152 complaints fill more than two landscape pages"
    assert set(sizes) == {A4[::-1]}, sizes  # every page A4 landscape
    labels = [KINDS["complaint"].by_name[n].zh for n in ("id", "customer", "category", "severity", "status")]
    for n, text in enumerate(texts, 1):
        for label in labels:
            assert label in text, f"page {n} lacks the column header {label!r}"
        assert f"第 {n}/{len(sizes)} 页" in text
        assert "客户抱怨案件登记追踪表" in text
    assert len(sizes) <= 8, f"{len(sizes)} pages: rows are breaking into one character per line"


def test_register_prints_what_it_shows_the_open_queue_by_default(demo_site: Path, tmp_path: Path) -> None:
    texts = page_texts(print_pdf(demo_site / "complaints/index.html", tmp_path / "open.pdf"))
    everything = "\n".join(texts)
    assert "C-2610-005" in everything  # an open, overdue complaint
    assert "已结案" not in everything.split("客诉编号", 1)[1]  # no closed complaint in the table


def test_complaint_form_prints_as_a_paper_form_with_running_header_and_signature_boxes(demo_site: Path, tmp_path: Path) -> None:
    page = next((demo_site / "complaints").rglob("C-2603-005.html"))
    pdf = print_pdf(page, tmp_path / "form.pdf")
    sizes = page_sizes(pdf)
    texts = page_texts(pdf)
    assert set(sizes) == {A4}, sizes  # portrait A4
    assert len(sizes) <= 3
    for n, text in enumerate(texts, 1):
        assert "C-2603-005" in text.splitlines()[0] and f"第 {n}/{len(sizes)} 页" in text.splitlines()[0], text[:200]
    last = texts[-1]
    for label in ("签核", "经办（业务部门）", "质量管理部", "总经理室生产管理组", "核决"):
        assert label in last
    assert last.count("签名") >= 4 and last.count("日期") >= 4
    assert "变更记录" not in "".join(texts)  # the history is for the screen, not the filed form


def test_english_form_numbers_its_pages_in_english(tmp_path: Path, site_repo: Path) -> None:
    from tests.site.helpers import build

    site, _ = build(site_repo, "--locale", "en", "--no-history")
    texts = page_texts(print_pdf(site / "complaints/2026/C-2611-001.html", tmp_path / "en.pdf"))
    assert re.search(r"Page 1/\d+", texts[0]) and "C-2611-001" in texts[0].splitlines()[0]
    assert "Approved by" in texts[-1] and "第" not in "".join(texts)


def test_monthly_statistics_print_as_a_filed_report_with_sign_off(demo_site: Path, tmp_path: Path) -> None:
    pdf = print_pdf(demo_site / "reports/monthly-2026-10.html", tmp_path / "monthly.pdf")
    sizes, texts = page_sizes(pdf), page_texts(pdf)
    assert set(sizes) == {A4[::-1]}
    for n, text in enumerate(texts, 1):
        assert "客诉案件统计表 2026-10" in text.splitlines()[0] and f"第 {n}/{len(sizes)} 页" in text.splitlines()[0]
    assert all(label in texts[-1] for label in ("编制", "审核", "核准", "签名", "日期"))
