"""A build on two cores (forked render workers) makes the site one process makes, and the Markdown
bodies the workers rendered reach the build's Markdown cache, so the next build renders none again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import generate
from svcnotes.site.markup import MADE_BY
from svcnotes.store.repository import Repository

TODAY = "2026-11-23"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hundreds of records, each complaint with a Markdown body: enough pages for the workers to be used."""
    root = tmp_path_factory.mktemp("parallel") / "repo"
    generate(root, 150)
    return root


def build(root: Path, out: Path, workers: int) -> None:
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "SVCNOTES_TODAY": TODAY, "SVCNOTES_WORKERS": str(workers)}
    done = subprocess.run([sys.executable, "-m", "svcnotes", "build", "--out", str(out)], cwd=root, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_two_workers_make_the_site_one_process_makes_and_keep_every_body_they_rendered(repo: Path, tmp_path: Path) -> None:
    shutil.rmtree(repo / ".svcnotes-cache", ignore_errors=True)  # every body rendered in this build
    build(repo, tmp_path / "two", workers=2)
    cache = json.loads((repo / ".svcnotes-cache" / "markdown.json").read_text(encoding="utf-8"))
    cache.pop(MADE_BY)
    bodies = {r.body for rs in Repository.open(repo).snapshot().records.values() for r in rs if r.body.strip()}
    assert len(bodies) > 20 and len(cache) == len(bodies)  # one entry per distinct body, none lost
    shutil.rmtree(repo / ".svcnotes-cache", ignore_errors=True)
    build(repo, tmp_path / "one", workers=1)
    assert tree(tmp_path / "two") == tree(tmp_path / "one")
