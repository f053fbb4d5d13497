"""The `build` and `serve` commands: help, exit codes, the serve announcement, output folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from svcnotes.cli import cli


def test_build_and_serve_have_help_with_an_example() -> None:
    for command in ("build", "serve"):
        result = CliRunner().invoke(cli, [command, "--help"], catch_exceptions=False)
        assert result.exit_code == 0 and "Example: svcnotes " + command in result.output


def test_build_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "no svcnotes.toml" in result.output


def test_build_out_is_relative_to_the_current_folder(site_repo: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["-C", str(site_repo), "build", "--out", "public", "--today", "2026-11-23"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "public/index.html").is_file()


def test_serve_announces_the_address_and_serves_the_site(site_repo: Path) -> None:
    env = {**os.environ, "SVCNOTES_TODAY": "2026-11-23", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "serve", "--port", "0", "--out", "site", "--no-history"],
                            cwd=site_repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        deadline = time.time() + 60
        line = ""
        while time.time() < deadline and not line.startswith("Serving on "):
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
        assert line.startswith("Serving on http://127.0.0.1:"), (line, proc.stderr.read() if proc.poll() is not None else "")
        url = line.split()[-1]
        with urllib.request.urlopen(url + "index.html", timeout=10) as response:
            html = response.read().decode("utf-8")
        assert "static/live-reload.js" in html
        with urllib.request.urlopen(url + "reload.json", timeout=10) as response:
            assert b'"version"' in response.read()
    finally:
        proc.terminate()
        proc.wait(10)


def test_build_as_a_process_prints_its_summary_and_leaves_a_complete_manifest(site_repo: Path) -> None:
    """`svcnotes build` skips the interpreter's teardown: output and files must be complete anyway."""
    import marshal

    env = {**os.environ, "SVCNOTES_TODAY": "2026-11-23"}
    done = subprocess.run([sys.executable, "-m", "svcnotes", "build", "--out", "site", "--no-history"], cwd=site_repo,
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Built ") and done.stdout.endswith(" s\n"), done.stdout
    manifests = list((site_repo / ".svcnotes-cache").glob("site-*.manifest"))
    assert len(manifests) == 1
    pages = marshal.loads(manifests[0].read_bytes())[1]["pages"]
    assert "index.html" in pages and all((site_repo / "site" / url).is_file() for url in pages)
