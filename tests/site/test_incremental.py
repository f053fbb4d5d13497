"""An incremental build writes exactly what a clean build writes, after any kind of change.

Page keys (svcnotes/site/deps.py) decide from record digests which pages to rebuild; if a page's
key missed a dependency, the incremental site would keep a stale page and differ from a clean one.
Every step below makes one kind of change, then compares the incremental output with a clean build
byte for byte (registers split by month and the render workers forked, so those paths are covered).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from svcnotes.site import build as build_module
from svcnotes.site.build import BuildOptions, build_site
from svcnotes.store.repository import Repository
from tests.conftest import git, write

TODAY = date(2026, 11, 23)


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def build(repo: Path, out: Path, today: date = TODAY, history: bool = True):
    return build_site(Repository.open(repo), BuildOptions(out=out, today=today, register_split=1, workers=2, history=history))


def replace(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_complaint(repo: Path) -> None:
    text = (repo / "records/complaints/2026/C-2611-001.md").read_text(encoding="utf-8")
    write(repo, "records/complaints/2026/C-2610-001.md",
          text.replace("C-2611-001", "C-2610-001").replace("2026-11-", "2026-10-"))


STEPS = [
    ("customer renamed", lambda r: replace(r, "records/customers/hengda-auto.md", "short_name: 恒达汽车", "short_name: 恒达零部件")),
    ("complaint title", lambda r: replace(r, "records/complaints/2026/C-2611-001.md", "title:", "title: 再次")),
    ("callback done", lambda r: replace(r, "records/callbacks/2026/CB-2611-001.md", "due: 2026-11-25", "due: 2026-11-20")),
    ("note summary", lambda r: replace(r, "records/notes/2026/N-2611-001.md", "客户来电反映", "客户再次来电反映")),
    ("complaint in another month", add_complaint),
    ("commit (history changes)", lambda r: (git(r, "add", "-A"), git(r, "commit", "-q", "-m", "edits", who="zhao.min"))),
    ("note deleted", lambda r: (r / "records/notes/2026/N-2611-001.md").unlink()),
    ("staff renamed in svcnotes.toml", lambda r: replace(r, "svcnotes.toml", 'name = "张伟"', 'name = "张伟伟"')),
    ("theme override", lambda r: write(r, "templates/callback.html",
                                       '{% extends "_record.html" %}{% block after_sections %}<p>OWN</p>{% endblock %}')),
    ("broken record", lambda r: replace(r, "records/callbacks/2026/CB-2611-001.md", "status: scheduled", "status: sheduled")),
]


@pytest.mark.parametrize("history", [True, False])
def test_incremental_build_equals_a_clean_build_after_every_kind_of_change(site_repo: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch, history: bool):
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 1)
    live = tmp_path / "live"
    build(site_repo, live, history=history)
    for n, (what, change) in enumerate(STEPS):
        change(site_repo)
        result = build(site_repo, live, history=history)
        clean = build(site_repo, tmp_path / f"clean-{n}", history=history)
        assert tree(live) == tree(tmp_path / f"clean-{n}"), what
        assert result.written < clean.written or what in ("staff renamed in svcnotes.toml",), (what, result.written_urls)


def test_a_new_day_rebuilds_what_depends_on_today(site_repo: Path, tmp_path: Path):
    live = tmp_path / "live"
    build(site_repo, live)
    build(site_repo, live, today=date(2026, 12, 30))
    build(site_repo, tmp_path / "clean", today=date(2026, 12, 30))
    assert tree(live) == tree(tmp_path / "clean")


def test_unchanged_repository_renders_nothing(site_repo: Path, tmp_path: Path):
    build(site_repo, tmp_path / "out")
    again = build(site_repo, tmp_path / "out")
    assert (again.rendered, again.written) == (0, 0)


@pytest.mark.parametrize("cache", ["fresh", "deleted", "stale"])
def test_timelines_read_per_record_equal_the_whole_index(site_repo: Path, cache: str):
    import shutil

    from svcnotes.history.log import load_index
    from svcnotes.site.timeline import Timelines, index_timelines

    repo = Repository.open(site_repo)
    records = list(repo.snapshot().all())
    expected = index_timelines(site_repo, repo.config, "zh-CN", records)
    assert sum(len(v) for v in expected.values()) >= 5
    if cache == "deleted":
        shutil.rmtree(site_repo / ".svcnotes-cache", ignore_errors=True)
    if cache == "stale":  # the shard is one commit behind: prepare refreshes it
        load_index(site_repo, repo.config)
        replace(site_repo, "records/notes/2026/N-2611-001.md", "客户来电反映", "客户再次来电反映")
        git(site_repo, "commit", "-q", "-am", "note edited", who="li.na")
        records = list(Repository.open(site_repo).snapshot().all())
        expected = index_timelines(site_repo, repo.config, "zh-CN", records)
    timelines = Timelines(site_repo, repo.config, "zh-CN")
    timelines.prepare(len(records))
    assert timelines._reader is not None
    assert {r.path: timelines(r) for r in records if timelines(r)} == expected


def test_output_folder_removed_between_builds_in_one_process_is_rebuilt(site_repo: Path, tmp_path: Path):
    import shutil

    out = tmp_path / "out"
    build(site_repo, out)
    shutil.rmtree(out)
    build(site_repo, out)
    assert tree(out) == tree(build_and_return(site_repo, tmp_path / "clean"))


def build_and_return(repo: Path, out: Path) -> Path:
    build(repo, out)
    return out


def test_reports_are_recomputed_only_when_what_they_read_changed(site_repo: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    from svcnotes.reports.registry import ReportSpec

    live = tmp_path / "live"
    runs: list[str] = []
    original = ReportSpec.run
    monkeypatch.setattr(ReportSpec, "run", lambda self, *a: (runs.append(self.name), original(self, *a))[1])
    one = lambda: build_site(Repository.open(site_repo), BuildOptions(out=live, today=TODAY, workers=1))  # noqa: E731
    one()
    total = len(runs)
    assert total >= 7  # every report, each period with records
    runs.clear()
    path = site_repo / "records/complaints/2026/C-2611-001.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充说明：客户再次来电。\n", encoding="utf-8")
    one()
    assert runs == []  # a body edit: no report reads bodies
    replace(site_repo, "records/complaints/2026/C-2611-001.md", "title:", "title: 再次")
    one()
    assert runs  # the reports that list it are recomputed
    build_site(Repository.open(site_repo), BuildOptions(out=tmp_path / "clean", today=TODAY, workers=1))
    assert tree(live) == tree(tmp_path / "clean")


def test_a_change_to_a_reports_code_rebuilds_its_pages(site_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import dataclasses
    import shutil

    import svcnotes
    from svcnotes.reports.base import Text
    from svcnotes.reports.registry import REPORTS

    package = tmp_path / "svcnotes"
    shutil.copytree(Path(svcnotes.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = build_module.code_fingerprint(package)
    assert before == build_module.code_fingerprint()  # the copy is the running code
    registry = package / "reports/registry.py"
    registry.write_text(registry.read_text(encoding="utf-8").replace('"逾期反应及升级清单"', '"逾期及升级清单"'), encoding="utf-8")
    after = build_module.code_fingerprint(package)
    assert after != before

    live = tmp_path / "live"
    build(site_repo, live)
    # the edited code runs from now on: the report's title changed, and so did the code's fingerprint
    spec = REPORTS["overdue"]
    retitled = Text("逾期及升级清单", spec.title.en)
    monkeypatch.setitem(REPORTS, "overdue", dataclasses.replace(
        spec, title=retitled, function=lambda *a: dataclasses.replace(spec.function(*a), title=retitled)))
    monkeypatch.setattr(build_module, "code_fingerprint", lambda package=None: after)
    result = build(site_repo, live)
    build(site_repo, tmp_path / "clean")
    assert "<h1>逾期及升级清单</h1>" in (live / "reports/overdue.html").read_text(encoding="utf-8")
    assert tree(live) == tree(tmp_path / "clean")
    assert "reports/overdue.html" in result.written_urls
