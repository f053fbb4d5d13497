"""`svcnotes build`: every page, summary line, incremental writes, overrides, failures, redaction, locales."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.site.build import BuildOptions, build_site
from svcnotes.site.i18n import _UI
from svcnotes.store.repository import Repository
from tests.conftest import git, write
from tests.site.helpers import CJK, TODAY, audit, broken_links, build, pages, search_index

SUMMARY = re.compile(r"^Built (\d+) pages from (\d+) records in \d+\.\d s$", re.M)


def test_build_writes_every_page_and_prints_the_summary_line(site_repo: Path) -> None:
    site, output = build(site_repo)
    m = SUMMARY.search(output)
    assert m and m.group(2) == "4", output
    for rel in ("index.html", "complaints/index.html", "customers/index.html", "callbacks/index.html", "notes/index.html",
                "reports/index.html", "search.html", "search/complaint-2026-11.js", "static/site.css", "static/site.js",
                "complaints/2026/C-2611-001.html", "customers/hengda-auto.html", "callbacks/2026/CB-2611-001.html",
                "notes/2026/N-2611-001.html", "reports/monthly-2026-11.html", "reports/supervision-2026-11.html"):
        assert (site / rel).is_file(), rel
    assert int(m.group(1)) == len(pages(site))


def test_every_internal_link_of_the_site_resolves(site_repo: Path) -> None:
    site, _ = build(site_repo)
    assert broken_links(site) == []


def test_every_page_declares_the_csp_and_has_no_inline_script_handler_or_javascript_url(site_repo: Path) -> None:
    site, _ = build(site_repo)
    for page in pages(site):
        a = audit(page)
        assert a.csp, f"{page}: no strict CSP meta"
        assert a.bad == [], f"{page}: {a.bad}"


def test_complaint_page_shows_the_form_sections_and_the_history_with_field_changes(site_repo: Path) -> None:
    site, _ = build(site_repo)
    html = (site / "complaints/2026/C-2611-001.html").read_text(encoding="utf-8")
    for heading in ("受理", "产品信息", "客户要求", "分类", "调查分析", "处理", "核决", "纠正和预防措施", "客户沟通", "结案"):
        assert f">{heading}</h2>" in html
    assert 'class="timeline"' in html and "C-2611-001: start investigating" in html
    assert "赵敏" in html  # the author's staff name, not the git id
    assert "<li>赵敏 将状态从 已登记 改为 调查中</li>" in html  # a sentence with names and labels, never codes
    assert 'href="../../customers/hengda-auto.html"' in html and 'href="../../callbacks/2026/CB-2611-001.html"' in html


def test_no_history_flag_builds_without_timelines(site_repo: Path) -> None:
    site, _ = build(site_repo, "--no-history")
    assert 'class="timeline"' not in (site / "complaints/2026/C-2611-001.html").read_text(encoding="utf-8")


def test_customer_file_shows_agreement_requirements_and_its_records(site_repo: Path) -> None:
    site, _ = build(site_repo)
    html = (site / "customers/hengda-auto.html").read_text(encoding="utf-8")
    assert "服务协议期内" in html and "每批附出货检验报告" in html
    assert "C-2611-001" in html and "CB-2611-001" in html and "N-2611-001" in html


def test_search_index_lists_every_record_with_lowercased_text(site_repo: Path) -> None:
    site, _ = build(site_repo)
    entries = {e["u"]: e for e in search_index(site)}
    assert set(entries) == {"complaints/2026/C-2611-001.html", "customers/hengda-auto.html",
                            "callbacks/2026/CB-2611-001.html", "notes/2026/N-2611-001.html"}
    assert "支架尺寸超差" in entries["complaints/2026/C-2611-001.html"]["x"]


def test_second_build_writes_nothing_and_one_edit_rewrites_few_pages(site_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    repo = Repository.open(site_repo)
    first = build_site(repo, BuildOptions(out=out, today=date(2026, 11, 23)))
    assert first.written > first.pages
    again = build_site(Repository.open(site_repo), BuildOptions(out=out, today=date(2026, 11, 23)))
    assert (again.written, again.rendered) == (0, 0)
    note = site_repo / "records/notes/2026/N-2611-001.md"
    note.write_text(note.read_text(encoding="utf-8").replace("要求本周内答复", "要求周五前答复"), encoding="utf-8")
    edited = build_site(Repository.open(site_repo), BuildOptions(out=out, today=date(2026, 11, 23)))
    assert "notes/2026/N-2611-001.html" in edited.written_urls and "search/note-2026-11.js" in edited.written_urls
    assert "complaints/2026/C-2611-001.html" not in edited.written_urls
    grams = [u for u in edited.written_urls if u.startswith("search/g")]  # the gram shards holding changed grams
    assert edited.written - len(grams) <= 4, edited.written_urls


def test_deleted_record_page_is_removed_on_the_next_build(site_repo: Path, tmp_path: Path) -> None:
    site, _ = build(site_repo, out=tmp_path / "out")
    (site_repo / "records/notes/2026/N-2611-001.md").unlink()
    build(site_repo, out=site)
    assert not (site / "notes/2026/N-2611-001.html").exists()


def test_record_repository_templates_override_the_theme(site_repo: Path) -> None:
    write(site_repo, "templates/note.html", '{% extends "_record.html" %}{% block after_sections %}<p>OWN-THEME</p>{% endblock %}')
    site, _ = build(site_repo)
    assert "OWN-THEME" in (site / "notes/2026/N-2611-001.html").read_text(encoding="utf-8")
    assert "OWN-THEME" not in (site / "callbacks/2026/CB-2611-001.html").read_text(encoding="utf-8")


def test_a_failing_page_names_its_source_file_and_the_build_continues(site_repo: Path) -> None:
    write(site_repo, "templates/note.html", "{{ record.nothing.here }}")
    result = CliRunner().invoke(cli, ["-C", str(site_repo), "build", "--out", str(site_repo / "site"), "--today", TODAY],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert ("error: records/notes/2026/N-2611-001.md: notes/2026/N-2611-001.html: UndefinedError: "
            "'dict object' has no attribute 'nothing'") in result.output
    assert (site_repo / "site/complaints/2026/C-2611-001.html").is_file()
    strict = CliRunner().invoke(cli, ["-C", str(site_repo), "build", "--strict", "--out", str(site_repo / "site2"),
                                      "--today", TODAY], catch_exceptions=False)
    assert strict.exit_code == 1
    assert "error: records/notes/2026/N-2611-001.md: notes/2026/N-2611-001.html" in strict.output


def test_redact_masks_contact_names_phones_emails_and_addresses_everywhere(site_repo: Path) -> None:
    site, _ = build(site_repo, "--redact")
    secrets = ("刘建国", "13812345678", "liu.jianguo@hengda.example", "021-62345678", "purchase@hengda.example", "墨玉路")
    for path in [*pages(site), *(site / "search").glob("*.js")]:
        text = path.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.relative_to(site)} leaks {leaked}"
    assert "•••" in (site / "customers/hengda-auto.html").read_text(encoding="utf-8")
    assert "质量经理" in (site / "customers/hengda-auto.html").read_text(encoding="utf-8")  # roles are not personal


def test_unredacted_build_shows_the_contacts(site_repo: Path) -> None:
    site, _ = build(site_repo)
    assert "13812345678" in (site / "customers/hengda-auto.html").read_text(encoding="utf-8")


ASCII_CONFIG_NAME = 'name = "Service Department"\nlocale = "en"'


def _ascii_repo(repo: Path) -> Path:
    """The fixture with record data and the organisation name in ASCII, so CJK on a page is UI text."""
    cfg = repo / "svcnotes.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('name = "测试客服部"\nlocale = "zh-CN"', ASCII_CONFIG_NAME)
                   .replace('name = "张伟"', 'name = "Zhang Wei"').replace('name = "李娜"', 'name = "Li Na"')
                   .replace('name = "王强"', 'name = "Wang Qiang"').replace('name = "陈刚"', 'name = "Chen Gang"')
                   .replace('name = "赵敏"', 'name = "Zhao Min"'), encoding="utf-8")
    write(repo, "records/customers/hengda-auto.md", "---\nid: hengda-auto\nname: Hengda Auto Parts\ntier: key\n---\n\nA customer.\n")
    path = repo / "records/complaints/2026/C-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8").replace("客户来电反映支架尺寸超差。", "Customer called.")
                    .replace("支架尺寸超差", "Bracket out of tolerance"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "ascii data")
    return repo


def test_english_build_has_no_chinese_ui_text(repo: Path) -> None:
    site, _ = build(_ascii_repo(repo), "--locale", "en", "--no-history")  # history shows the old Chinese data
    assert (site / "index.html").read_text(encoding="utf-8").count('<html lang="en">') == 1
    for page in pages(site):
        text = " ".join(audit(page).text)
        found = CJK.findall(text)
        assert not found, f"{page.relative_to(site)}: {''.join(found)[:40]}"


def test_chinese_build_has_no_english_ui_labels(repo: Path) -> None:
    site, _ = build(_ascii_repo(repo), "--locale", "zh-CN", "--no-history")
    english = [en for zh, en in _UI.values() if zh != en and " " in en and "{" not in en]
    for page in pages(site):
        text = " ".join(audit(page).text)
        leaked = [e for e in english if e in text]
        assert not leaked, f"{page.relative_to(site)}: {leaked}"


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_locale_option_sets_the_page_language(repo: Path, locale: str) -> None:
    site, _ = build(repo, "--locale", locale)
    assert f'<html lang="{locale}">' in (site / "complaints/index.html").read_text(encoding="utf-8")


def test_timeline_lists_changes_but_not_every_field_of_the_created_entry(site_repo: Path) -> None:
    site, _ = build(site_repo)
    html = (site / "complaints/2026/C-2611-001.html").read_text(encoding="utf-8")
    entries = html[html.index('<ol class="timeline">'):html.index("</ol>", html.index('<ol class="timeline">'))].split("\n    <li>")[1:]
    assert len(entries) == 2
    assert "<li>赵敏 将状态从 已登记 改为 调查中</li>" in entries[0]
    assert 'class="changes"' not in entries[1]  # the created entry: the form shows its values


def test_report_index_titles_are_the_titles_the_report_pages_show(site_repo: Path) -> None:
    import re

    site, _ = build(site_repo)
    index = (site / "reports/index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="(?:\.\./)?(?:reports/)?([A-Za-z0-9-]+\.html)"(?: title="([^"]+)")?>(.*?)</a>', index)
    links = [(href, title or text) for href, title, text in links]
    reports = [(href, title) for href, title in links if (site / "reports" / href).is_file() and href != "index.html"]
    assert len(reports) >= 7
    for href, title in reports:
        page = (site / "reports" / href).read_text(encoding="utf-8")
        assert f"<title>{title} ·" in page, href


def test_a_build_in_a_long_running_process_leaves_nothing_kept_from_the_collector(site_repo: Path, tmp_path: Path) -> None:
    """`svcnotes serve` builds again and again in one process: what one build keeps out of the cyclic
    collector while it runs (its site) is collected as usual once it is done."""
    import gc

    repo = Repository.open(site_repo)
    before = gc.get_freeze_count()
    for _ in range(2):
        result = build_site(repo, BuildOptions(out=tmp_path / "site", today=date.fromisoformat(TODAY)))
        assert result.pages > 0 and not result.failures
        assert gc.get_freeze_count() == before
