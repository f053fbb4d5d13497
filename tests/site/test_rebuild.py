"""Rebuilds: the build-level key (site/stamp.py) and the pages keyed again after a change (site.build._Changes).

A build of an unchanged repository loads nothing but one stat pass; after any change it builds
exactly what a clean build of the same state writes. Edits here are settled (their mtimes moved
out of the racy window, as if made a few seconds ago), so the build-level key is trusted and used.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest

from svcnotes.site import build as build_module
from svcnotes.site import stamp
from svcnotes.site.build import BuildOptions, build_site
from svcnotes.store.repository import Repository
from tests.conftest import git, write
from tests.site.test_incremental import TODAY, add_complaint, replace, tree

_SETTLED = [0]


def settle(repo: Path) -> None:
    """Move the mtime of every file changed in the last seconds back out of the racy window (each
    settle to a time of its own, so two edits of the same size still differ in mtime)."""
    _SETTLED[0] += 1
    now = time.time()
    past = int((now - 10) * 1e9) + _SETTLED[0]
    for folder, _dirs, files in os.walk(repo):
        if ".git" in folder or ".svcnotes-cache" in folder:
            continue
        for name in files:
            path = os.path.join(folder, name)
            if os.stat(path).st_mtime > now - 5:
                os.utime(path, ns=(past, past))


def build(repo: Path, out: Path, today: date = TODAY, **options):
    return build_site(Repository.open(repo), BuildOptions(out=out, today=today, **{"register_split": 1, "workers": 2, **options}))


def unchanged_build(repo: Path, out: Path, monkeypatch: pytest.MonkeyPatch, today: date = TODAY):
    """A build that must not read a record (the build-level key matched)."""
    with monkeypatch.context() as m:
        m.setattr(build_module, "collect", lambda *a, **k: pytest.fail("the records were read"))
        return build(repo, out, today)


@pytest.fixture
def built(site_repo: Path, tmp_path: Path) -> Path:
    out = tmp_path / "live"
    settle(site_repo)
    build(site_repo, out)
    return out


def test_an_unchanged_repository_is_known_unchanged_without_reading_a_record(site_repo: Path, built: Path,
                                                                              monkeypatch: pytest.MonkeyPatch):
    before = tree(built)
    result = unchanged_build(site_repo, built, monkeypatch)
    assert (result.rendered, result.written, result.removed) == (0, 0, 0)
    assert result.summary().startswith(f"Built {sum(1 for u in before if u.endswith('.html')):,} pages from 4 records")
    assert tree(built) == before


def volumes(r: Path, shipments: int) -> None:
    write(r, "records/volumes.csv", f"month,shipments,deliveries,service_jobs\n2026-11,{shipments},90,5\n2026-10,80,70,4\n")


def retitle_template(r: Path) -> None:
    write(r, "templates/callback.html", '{% extends "_record.html" %}{% block after_sections %}<p>OWN</p>{% endblock %}')
    settle(r)
    replace(r, "templates/callback.html", "<p>OWN</p>", "<p>MINE</p>")


def rename(r: Path) -> None:
    git(r, "mv", "records/notes/2026/N-2611-001.md", "records/notes/2026/N-2611-002.md")
    replace(r, "records/notes/2026/N-2611-002.md", "id: N-2611-001", "id: N-2611-002")


def relink(r: Path) -> None:
    replace(r, "records/callbacks/2026/CB-2611-001.md", "complaint: C-2611-001", "complaint: C-2610-001")


CHANGES = [
    ("body only", lambda r: replace(r, "records/complaints/2026/C-2611-001.md", "\n---\n", "\n---\n补充说明。\n")),
    ("front matter", lambda r: replace(r, "records/complaints/2026/C-2611-001.md", "title:", "title: 再次")),
    ("same-size edit", lambda r: replace(r, "records/callbacks/2026/CB-2611-001.md", "due: 2026-11-25", "due: 2026-11-20")),
    ("record renamed", rename),
    ("record deleted", lambda r: (r / "records/notes/2026/N-2611-001.md").unlink()),
    ("complaint added", add_complaint),
    ("callback moved to another complaint", relink),
    ("volumes", lambda r: volumes(r, 100)),
    ("svcnotes.toml", lambda r: replace(r, "svcnotes.toml", 'name = "张伟"', 'name = "张伟伟"')),
    ("template edited", retitle_template),
    ("commit", lambda r: (replace(r, "records/notes/2026/N-2611-001.md", "客户来电反映", "客户再次来电反映"),
                          git(r, "commit", "-q", "-am", "note edited", who="zhao.min"))),
    ("empty commit", lambda r: git(r, "commit", "-q", "--allow-empty", "-m", "nothing", who="zhao.min")),
]


@pytest.mark.parametrize("what,change", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_rebuild_after_a_change_equals_a_clean_build_and_the_next_one_reads_nothing(
        site_repo: Path, built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str, change):
    first = {"volumes": lambda r: volumes(r, 50), "callback moved to another complaint": add_complaint}.get(what)
    if first is not None:  # something to change, first
        first(site_repo)
        settle(site_repo)
        build(site_repo, built)
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 1)
    change(site_repo)
    settle(site_repo)
    build(site_repo, built)
    build(site_repo, tmp_path / "clean")
    assert tree(built) == tree(tmp_path / "clean"), what
    assert unchanged_build(site_repo, built, monkeypatch).written == 0


def test_a_new_day_and_other_options_are_not_the_last_build(site_repo: Path, built: Path, tmp_path: Path):
    later = build(site_repo, built, today=date(2026, 12, 30))
    assert later.rendered > 0
    build(site_repo, tmp_path / "clean", today=date(2026, 12, 30))
    assert tree(built) == tree(tmp_path / "clean")
    assert build(site_repo, built, today=date(2026, 12, 30), history=False).rendered > 0


def test_other_code_or_libraries_build_again(site_repo: Path, built: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(build_module, "code_fingerprint", lambda package=None: "other code")
    assert build(site_repo, built).rendered > 0
    monkeypatch.setattr(build_module, "_libraries", lambda: "jinja2 of another version")
    assert build(site_repo, built).rendered > 0


def test_an_output_file_removed_or_folder_emptied_is_built_again(site_repo: Path, built: Path, tmp_path: Path):
    import shutil

    build(site_repo, tmp_path / "clean")
    (built / "callbacks/2026/CB-2611-001.html").unlink()
    assert "callbacks/2026/CB-2611-001.html" in build(site_repo, built).written_urls
    assert tree(built) == tree(tmp_path / "clean")
    shutil.rmtree(built / "complaints")
    build(site_repo, built)
    assert tree(built) == tree(tmp_path / "clean")


def test_a_file_removed_right_after_the_build_is_still_noticed(site_repo: Path, tmp_path: Path):
    out = tmp_path / "live"
    settle(site_repo)
    build(site_repo, out)  # every output folder was written within the racy window of the stamp
    saved = stamp.load(next((site_repo / ".svcnotes-cache").glob("site-*.stamp")))
    assert saved is not None and "callbacks/2026" in saved["racy"]
    mtime = os.stat(out / "callbacks/2026").st_mtime_ns
    (out / "callbacks/2026/CB-2611-001.html").unlink()
    os.utime(out / "callbacks/2026", ns=(mtime, mtime))  # as if removed in the same mtime tick
    assert build(site_repo, out).written_urls == ["callbacks/2026/CB-2611-001.html"]


def test_an_edit_within_the_racy_window_is_never_taken_for_unchanged(site_repo: Path, tmp_path: Path):
    out = tmp_path / "live"
    path = site_repo / "records/callbacks/2026/CB-2611-001.md"
    build(site_repo, out)  # the fixture's files were just written: no build-level key is saved
    stat = os.stat(path)
    replace(site_repo, "records/callbacks/2026/CB-2611-001.md", "due: 2026-11-25", "due: 2026-11-20")
    os.utime(path, ns=(stat.st_mtime_ns, stat.st_mtime_ns))  # same size, same mtime: only its bytes differ
    build(site_repo, out)
    build(site_repo, tmp_path / "clean")
    assert tree(out) == tree(tmp_path / "clean")


def test_a_build_with_failures_reports_them_again(site_repo: Path, built: Path, monkeypatch: pytest.MonkeyPatch):
    from svcnotes.site import pages

    monkeypatch.setattr(pages, "simple_page", lambda s, r: 1 / 0)
    replace(site_repo, "records/notes/2026/N-2611-001.md", "客户来电反映", "客户再次来电反映")
    settle(site_repo)
    assert build(site_repo, built).failures
    assert [f.url for f in build(site_repo, built).failures] == ["notes/2026/N-2611-001.html"]


def test_an_interrupted_build_is_never_taken_for_the_last_one(site_repo: Path, built: Path, monkeypatch: pytest.MonkeyPatch):
    (built / "index.html").write_text("half written", encoding="utf-8")
    (next((site_repo / ".svcnotes-cache").glob("site-*.manifest")).with_suffix(".building")).touch()
    assert build(site_repo, built).written_urls == ["index.html"]


def test_a_corrupt_stamp_is_ignored_with_a_warning(site_repo: Path, built: Path):
    path = next((site_repo / ".svcnotes-cache").glob("site-*.stamp"))
    path.write_bytes(b"\x00not json")
    result = build(site_repo, built)
    assert result.warnings == [f".svcnotes-cache/{path.name}: cache file corrupt or not written by this svcnotes; ignored and rebuilt"]
    assert (result.rendered, result.written) == (0, 0)


def test_a_body_edit_computes_no_dashboard_no_report_and_no_register(site_repo: Path, built: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    from svcnotes.reports.registry import ReportSpec
    from svcnotes.site import dashboard, pages

    made: list[str] = []
    original_dashboard, original_run, original_register = dashboard.dashboard_page, ReportSpec.run, pages.register_page
    monkeypatch.setattr(dashboard, "dashboard_page", lambda s: (made.append("dashboard"), original_dashboard(s))[1])
    monkeypatch.setattr(pages, "register_page", lambda s, part: (made.append(part.url), original_register(s, part))[1])
    monkeypatch.setattr(ReportSpec, "run", lambda self, *a: (made.append(self.name), original_run(self, *a))[1])
    path = site_repo / "records/complaints/2026/C-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充说明：客户再次来电。\n", encoding="utf-8")
    result = build(site_repo, built, workers=1)
    assert made == []
    assert "complaints/2026/C-2611-001.html" in result.written_urls
    replace(site_repo, "records/complaints/2026/C-2611-001.md", "title:", "title: 再次")
    build(site_repo, built, workers=1)
    assert "dashboard" in made and "complaints/index.html" in made  # front matter: the dashboard, reports, registers
    build(site_repo, tmp_path / "clean", workers=1)
    assert tree(built) == tree(tmp_path / "clean")


def test_a_markdown_cache_of_other_code_is_not_used(site_repo: Path, built: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    import json

    cache = site_repo / ".svcnotes-cache/markdown.json"
    entries = json.loads(cache.read_text(encoding="utf-8"))
    assert entries.pop("\0made_by")
    cache.write_text(json.dumps({k: "<p>stale</p>" for k in entries} | {"\0made_by": "other"}), encoding="utf-8")
    monkeypatch.setattr(build_module, "code_fingerprint", lambda package=None: "other code")
    build(site_repo, built)
    assert "<p>stale</p>" not in (built / "notes/2026/N-2611-001.html").read_text(encoding="utf-8")


def test_a_committed_edit_keys_again_only_the_pages_that_read_the_record(site_repo: Path, built: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    from svcnotes.site import dashboard, deps

    keyed: list[str] = []
    original_shown, original_dashboard = deps.shown_on_record_page, dashboard.dashboard_page
    monkeypatch.setattr(deps, "shown_on_record_page", lambda s, r: (keyed.append(r.id), original_shown(s, r))[1])
    monkeypatch.setattr(dashboard, "dashboard_page", lambda s: (keyed.append("dashboard"), original_dashboard(s))[1])
    path = site_repo / "records/notes/2026/N-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    git(site_repo, "commit", "-q", "-am", "N-2611-001: note extended", who="li.na")  # as a workflow verb does
    settle(site_repo)
    result = build(site_repo, built, workers=1)
    # the note's page, and the pages that list it: its complaint's and its customer's
    assert sorted(keyed) == ["C-2611-001", "N-2611-001", "hengda-auto"]
    assert "notes/2026/N-2611-001.html" in result.written_urls
    build(site_repo, tmp_path / "clean", workers=1)
    assert tree(built) == tree(tmp_path / "clean")


def count_register_planning(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from svcnotes.site import pages

    calls: list[int] = []
    original = pages.register_parts

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(pages, "register_parts", counted)
    return calls


def test_a_body_edit_keeps_the_registers_without_planning_them_and_a_missing_one_is_made_again(
        site_repo: Path, built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Registers show front matter only: after a body edit the last build's register pages are kept
    from the manifest (no register is sorted or keyed again); one deleted by hand is made again."""
    calls = count_register_planning(monkeypatch)
    replace(site_repo, "records/complaints/2026/C-2611-001.md", "\n---\n", "\n---\n补充说明。\n")
    settle(site_repo)
    build(site_repo, built, workers=1)
    assert calls == []
    replace(site_repo, "records/complaints/2026/C-2611-001.md", "补充说明。", "补充说明：已回电。")
    (built / "complaints/index.html").unlink()
    settle(site_repo)
    result = build(site_repo, built, workers=1)
    assert calls == [1]  # once, to make the missing page
    assert "complaints/index.html" in result.written_urls
    build(site_repo, tmp_path / "clean")
    assert tree(built) == tree(tmp_path / "clean")


@pytest.mark.parametrize("change", ["front matter", "split"])
def test_a_front_matter_edit_or_another_split_plans_the_registers_again(site_repo: Path, built: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch, change: str):
    calls = count_register_planning(monkeypatch)
    options = {}
    if change == "split":
        replace(site_repo, "records/complaints/2026/C-2611-001.md", "\n---\n", "\n---\n补充说明。\n")
        options = {"register_split": 1000}
    else:
        replace(site_repo, "records/complaints/2026/C-2611-001.md", "title:", "title: 再次")
    settle(site_repo)
    build(site_repo, built, **options)
    assert calls
    build(site_repo, tmp_path / "clean", **options)
    assert tree(built) == tree(tmp_path / "clean")
