"""The bench table says for each step whether its target was met, and by how much it was missed."""

from __future__ import annotations

from bench.run import Row, targets


def test_verdict_against_a_time_target():
    assert Row("build full, with history", 25.0, 800, target="20 s").verdict() == "missed by 25%"
    assert Row("build full, with history", 19.0, 800, target="20 s").verdict() == "met"


def test_verdict_against_a_ratio_target_uses_the_ratio_to_the_floor():
    assert Row("validate cold, 1 core", 9.0, 100, "parse", 1.1, target="1.25x").verdict() == "met"
    assert Row("validate cold, 1 core", 9.0, 100, "parse", 1.5, target="1.25x").verdict() == "missed by 20%"


def test_memory_over_the_limit_is_a_miss_even_when_fast():
    assert Row("check --base", 1.0, 2048, target="3 s").verdict() == "memory 2.00 GiB over 1.5 GiB"
    assert Row("no time target", 1.0, 2048).verdict() == "memory 2.00 GiB over 1.5 GiB"
    assert Row("no time target", 1.0, 200).verdict() == ""


def test_a_cpu_ratio_target_is_judged_beside_the_wall_ratio():
    row = Row("build full, with history", 20.0, 150, "hugo", 1.2, target="1.5x", cpu=30.0, cpu_ratio=3.0, cpu_target="2.5x")
    assert row.verdict() == "CPU missed by 20%"
    assert Row("build full", 20.0, 150, "hugo", 1.6, target="1.5x", cpu_ratio=2.0, cpu_target="2.5x").verdict() == "missed by 7%"


def test_a_ratio_target_without_its_floor_is_not_measured_rather_than_met():
    assert Row("build full, with history", 20.0, 150, target="1.5x", cpu_target="2.5x").verdict() == "not measured (no floor)"


def test_targets_are_the_speed_issue_s_for_the_size():
    assert targets("10k", "build full, with history") == ("1.5x", "2.5x")
    assert targets("1k", "rebuild, nothing changed") == ("0.5 s", "")
    assert targets("100k", "check --base main (20-record PR)") == ("1 s", "")
    assert targets("10k", "validate cold, 1 core") == ("1.25x", "")


def test_search_row_is_judged_on_time_and_bytes():
    fast_small = Row("search", 0.12, 0, target="0.2 s", limits=(("bytes", 400_000, 1_000_000),))
    assert fast_small.verdict() == "met"
    assert Row("search", 0.12, 0, target="0.2 s", limits=(("bytes", 1_500_000, 1_000_000),)).verdict() == "bytes missed by 50%"


def test_search_row_measures_the_search_page_in_chromium_or_says_why_not(tmp_path):
    from pathlib import Path

    from bench import search
    from bench.run import search_row
    from tests.site.helpers import build

    root = Path(__file__).resolve().parents[2]
    site, _ = build(root, out=tmp_path / "site")
    # in a thread of its own: another test's Chromium (a session fixture) may hold this thread's event loop
    import threading

    box: dict[str, Row] = {}
    worker = threading.Thread(target=lambda: box.setdefault("row", search_row("1k", site)))
    worker.start()
    worker.join()
    row = box["row"]
    why = search.unavailable()
    if why:
        assert row.note == f"not measured: {why}" and row.verdict() == ""
        return
    assert row.target == "0.2 s" and 0 < row.seconds < 5 and row.limits[0][0] == "bytes"
    assert 10_000 < row.limits[0][1] < 1_000_000, row.note  # the page, its scripts and a few index files
    assert row.note.count("/") >= len(search.DEFAULT_QUERIES)


def test_a_measured_build_follows_no_deletion_its_output_is_moved_aside_and_deleted_later(tmp_path, monkeypatch):
    from bench import run

    monkeypatch.setattr(run, "TRASH", tmp_path / ".trash")
    monkeypatch.setattr(run, "FORGET_SECONDS", 0)
    out = tmp_path / "site"
    (out / "complaints").mkdir(parents=True)
    (out / "complaints" / "C-1.html").write_text("<p>x</p>", encoding="utf-8")
    run.discard(out)
    assert not out.exists()
    [moved] = list((tmp_path / ".trash").iterdir())
    assert (moved / "complaints" / "C-1.html").read_text(encoding="utf-8") == "<p>x</p>"  # not deleted yet
    run.discard(out)  # nothing there: nothing to do
    run.empty_trash(wait=True)
    assert not (tmp_path / ".trash").exists()


def test_the_template_change_row_rebuilds_every_page_and_checks_that_it_did(repo, tmp_path):
    """The row measures a real rebuild after the repository overrides base.html, finds the change on
    every page, and leaves the repository's templates as they were; a build that missed pages is a miss."""
    from bench import run
    from tests.site.helpers import build

    out, _ = build(repo, out=tmp_path / "site")
    measured: list[run.Row] = []

    def measure(step, args):
        build(repo, *args[1:][2:], out=out)  # the bench's `build --out OUT`, run in-process
        measured.append(run.Row(step, 0.5, 80))
        return measured[-1]

    row = run.theme_change_row(repo, out, 10.0, measure)
    pages = list(out.rglob("*.html"))
    assert row is measured[0] and row.step == run.THEME_CHANGE and row.target == "10.0 s"
    assert row.note.startswith(f"{len(pages)} of {len(pages)} pages carry the change") and len(pages) > 5
    assert row.verdict() == "met"
    assert not (repo / "templates").exists()  # the override is gone again

    def no_build(step, args):
        measured.append(run.Row(step, 0.5, 80))
        return measured[-1]

    (out / "index.html").write_text("<html><body>old</body></html>", encoding="utf-8")
    stale = run.theme_change_row(repo, out, 10.0, no_build)
    assert stale.verdict() == "pages without the change: 1 (e.g. index.html)"
    assert not (repo / "templates").exists()
