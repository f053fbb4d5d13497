"""The VS Code task: `schema --write` merges it into tasks.json, its problem matcher reads real
`svcnotes validate` lines, and `validate --watch` frames each run with the lines it waits for."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.store.editor import (
    PROBLEM_REGEXP,
    TASK_LABEL,
    WATCH_BEGIN_REGEXP,
    WATCH_END_REGEXP,
    EditorFileError,
    strip_jsonc,
    validate_task,
    write_editor_schemas,
)
from svcnotes.store.repository import Repository
from tests.conftest import COMPLAINT, write

REL = "records/complaints/2026/C-2611-001.md"
BROKEN = COMPLAINT.replace("status: registered", "status: closd").replace("owner: zhang.wei", "owner: zhang.wie")


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def test_problem_matcher_reads_every_line_validate_prints(repo: Path) -> None:
    write(repo, REL, BROKEN)
    text = run(repo, "validate", "--today", "2026-11-01")
    data = json.loads(run(repo, "validate", "--today", "2026-11-01", "--format", "json").stdout)["problems"]
    lines = text.stdout.splitlines()
    assert len(lines) == len(data) == 4 and any(line.startswith("warning: ") for line in lines)
    pattern = re.compile(validate_task()["problemMatcher"]["pattern"]["regexp"])
    for line, problem in zip(lines, data, strict=True):
        m = pattern.match(line)
        assert m, line
        severity, file, number, code, message = m.groups()
        assert (severity or "error", file, int(number), code) == (problem["severity"], problem["path"], problem["line"], problem["code"])
        assert message.startswith(f"{problem['field']}: {problem['message']}")
    assert lines[0] == f"{REL}:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)"
    assert pattern.match(lines[0]).groups() == (None, REL, "4", "E104", "status: 'closd' is not a valid status (did you mean 'closed'?)")
    assert not pattern.match("1 error(s), 0 warning(s)") and not pattern.match("svcnotes validate: checking")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_problem_matcher_means_the_same_in_javascript_as_in_python() -> None:
    lines = [f"{REL}:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)",
             "warning: records/callbacks/2026/CB-2611-003.md:9: W304 due: due 2026-12-01 is in the future (x: y)",
             "svcnotes.toml:12: C002 staff.department: staff 'li.na' has unknown department 'sale'",
             "svcnotes validate: 1 error(s), 0 warning(s) in 2 records; watching for changes (Ctrl-C stops)",
             "svcnotes validate: checking", "2 error(s), 1 warning(s)"]
    script = ("const [p, b, e, lines] = JSON.parse(process.argv[1]);"
              "console.log(JSON.stringify(lines.map(l => [new RegExp(p).exec(l), new RegExp(b).test(l), new RegExp(e).test(l)])));")
    args = json.dumps([PROBLEM_REGEXP, WATCH_BEGIN_REGEXP, WATCH_END_REGEXP, lines])
    js = json.loads(subprocess.run(["node", "-e", script, args], capture_output=True, text=True, check=True).stdout)
    py = [[(lambda m: [m.group(0), *m.groups()] if m else None)(re.match(PROBLEM_REGEXP, line)),
           bool(re.search(WATCH_BEGIN_REGEXP, line)), bool(re.search(WATCH_END_REGEXP, line))] for line in lines]
    assert js == py
    assert [row[0] is not None for row in py] == [True, True, True, False, False, False]
    assert [row[1:] for row in py[3:5]] == [[False, True], [True, False]]


def test_schema_write_adds_the_task_and_keeps_other_tasks_settings_and_comments_free_json(repo: Path) -> None:
    write(repo, ".vscode/tasks.json", """\
        // See https://go.microsoft.com/fwlink/?LinkId=733558
        {
          "version": "2.0.0",
          "tasks": [
            {"label": "build site", "type": "shell", "command": "svcnotes build", /* ours */ "args": ["--url", "http://x//y"],},
          ],
        }
        """)
    write(repo, ".vscode/settings.json", '{"editor.tabSize": 2, "yaml.schemas": {"./other.json": ["*.yml"]},}\n')
    result = run(repo, "schema", "--write")
    assert result.exit_code == 0 and "wrote .vscode/tasks.json" in result.stdout.splitlines()
    tasks = json.loads((repo / ".vscode/tasks.json").read_text(encoding="utf-8"))
    assert [t["label"] for t in tasks["tasks"]] == ["build site", TASK_LABEL]
    assert tasks["tasks"][0]["args"] == ["--url", "http://x//y"]
    assert tasks["tasks"][1] == validate_task()
    settings = json.loads((repo / ".vscode/settings.json").read_text(encoding="utf-8"))
    assert settings["editor.tabSize"] == 2 and settings["yaml.schemas"]["./other.json"] == ["*.yml"]
    # run again: our task is brought up to date in place, never duplicated
    tasks["tasks"][1]["args"] = ["validate"]
    (repo / ".vscode/tasks.json").write_text(json.dumps(tasks), encoding="utf-8")
    run(repo, "schema", "--write")
    again = json.loads((repo / ".vscode/tasks.json").read_text(encoding="utf-8"))
    assert [t["label"] for t in again["tasks"]] == ["build site", TASK_LABEL] and again["tasks"][1] == validate_task()


def test_an_unreadable_editor_file_is_left_alone_and_nothing_is_written(repo: Path) -> None:
    write(repo, ".vscode/tasks.json", '{"version": "2.0.0",\n "tasks": [ {"label": "x" ]\n}\n')
    result = run(repo, "schema", "--write")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: .vscode/tasks.json:2: not valid JSON (")
    assert result.stderr.rstrip().endswith("then run svcnotes schema --write again; nothing written")
    assert (repo / ".vscode/tasks.json").read_text(encoding="utf-8").startswith('{"version": "2.0.0",\n "tasks": [ {"label"')
    assert not (repo / "schemas").exists() and not (repo / ".vscode/settings.json").exists()
    with pytest.raises(EditorFileError):
        write_editor_schemas(repo, Repository(repo).config)


def test_jsonc_comments_and_trailing_commas_inside_strings_are_kept() -> None:
    text = '{"a": "x // not a comment, /* nor this */", // comment\n "b": [1, 2,], /* c\n */ "c": "q\\",}",}'
    assert json.loads(strip_jsonc(text)) == {"a": "x // not a comment, /* nor this */", "b": [1, 2], "c": 'q",}'}
    assert strip_jsonc(text).count("\n") == text.count("\n")


def test_doctor_reports_a_missing_or_stale_task_and_passes_when_current(repo: Path) -> None:
    assert "FAIL  editor task: no .vscode/tasks.json" in run(repo, "doctor", "--no-site").stdout.splitlines()
    run(repo, "schema", "--write")
    assert (f"ok    editor task: '{TASK_LABEL}' runs svcnotes validate --watch for VS Code's Problems panel"
            in run(repo, "doctor", "--no-site").stdout.splitlines())
    tasks = json.loads((repo / ".vscode/tasks.json").read_text(encoding="utf-8"))
    tasks["tasks"][0]["problemMatcher"]["pattern"]["regexp"] = "^old$"
    (repo / ".vscode/tasks.json").write_text(json.dumps(tasks), encoding="utf-8")
    lines = run(repo, "doctor", "--no-site").stdout.splitlines()
    assert f"FAIL  editor task: the '{TASK_LABEL}' task in .vscode/tasks.json is out of date" in lines
    assert "      fix: svcnotes schema --write (then commit .vscode/tasks.json)" in lines
    (repo / ".vscode/tasks.json").write_text('{"tasks": []}', encoding="utf-8")
    assert f"FAIL  editor task: .vscode/tasks.json has no '{TASK_LABEL}' task" in run(repo, "doctor", "--no-site").stdout.splitlines()


class Watch:
    """`python -m svcnotes validate --watch` in a subprocess; its lines read with a deadline."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "svcnotes", "validate", "--watch"], cwd=root, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "SVCNOTES_TODAY": "2026-11-23"})
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line.rstrip("\n")) for line in self.proc.stdout], daemon=True).start()

    def run(self, timeout: float = 30) -> list[str]:
        """The lines of the next run: from the begin line to the end line, both included."""
        deadline, out = time.monotonic() + timeout, []
        while time.monotonic() < deadline:
            try:
                out.append(self.lines.get(timeout=0.1))
            except queue.Empty:
                continue
            if re.search(WATCH_END_REGEXP, out[-1]):
                return out
        raise AssertionError(f"no end of a run within {timeout} s: {out!r} (exit code {self.proc.poll()})")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def test_validate_watch_runs_again_after_a_change_framed_for_the_matcher(repo: Path) -> None:
    watch = Watch(repo)
    try:
        first = watch.run()
        assert re.search(WATCH_BEGIN_REGEXP, first[0]) and len(first) == 2
        assert first[-1] == "svcnotes validate: 0 error(s), 0 warning(s) in 2 records; watching for changes (Ctrl-C stops)"
        write(repo, REL, BROKEN)  # right away: the watcher runs before the first check
        second = watch.run()
        assert second[0] == "svcnotes validate: checking"
        assert second[1:] == [
            f"{REL}:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)",
            f"{REL}:10: E205 owner: 'zhang.wie' is not in the staff directory (did you mean 'zhang.wei'?)",
            "svcnotes validate: 2 error(s), 0 warning(s) in 2 records; watching for changes (Ctrl-C stops)"]
        write(repo, "notes.txt", "not a record\n")  # ignored
        write(repo, REL, COMPLAINT)
        assert watch.run()[1:] == [
            "svcnotes validate: 0 error(s), 0 warning(s) in 2 records; watching for changes (Ctrl-C stops)"]
    finally:
        watch.stop()
