"""Real data: every yaml-test-suite case as front matter, every BLNS string through new -> validate -> load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.model.config import Config
from svcnotes.model.schema import KINDS
from svcnotes.store.frontmatter import decode, parse
from svcnotes.store.loader import build_record
from svcnotes.store.repository import Repository
from tests.conftest import CORPORA

YTS = CORPORA / "yaml-test-suite" / "cases"
CASES = sorted(p.name for p in YTS.iterdir()) if YTS.is_dir() else []
CODES = {f"E00{n}" for n in range(1, 10)} | {f"E10{n}" for n in range(1, 8)} | {"W106"}
# Where libyaml (a YAML 1.1 parser) and the 1.2 test suite disagree on data that still loads:
# `?foo: bar` is read as the complex-key indicator, and an explicit `!!str` empty value as null,
# which the loader treats the same as an empty string (an absent value).
LIBYAML_DIVERGES = {"652Z", "WZ62"}


def as_record(raw: bytes) -> bytes:
    """A service-note file whose front matter is `raw`."""
    return b"---\n" + raw + (b"" if raw.endswith(b"\n") or not raw else b"\n") + b"---\n\nbody\n"


def same(expected: Any, got: Any) -> bool:
    """Suite JSON vs loaded raw data (scalars are read as text: compare by YAML 1.2 meaning)."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and set(map(str, expected)) == set(got) and \
            all(same(v, got[str(k)]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(got, list) and len(expected) == len(got) and all(map(same, expected, got))
    if expected is None:
        return got is None or got == ""
    if isinstance(expected, str):
        return expected == got
    return isinstance(got, str) and yaml.safe_load(got) == expected


@pytest.mark.parametrize("case", CASES)
def test_yaml_test_suite_case_loads_or_gives_a_clean_problem(corpora: Path, case: str) -> None:
    folder = corpora / "yaml-test-suite" / "cases" / case
    data = as_record((folder / "in.yaml").read_bytes())
    text, problem = decode(data, "records/notes/2026/N-2611-001.md")
    if text is None:
        assert problem is not None and problem.code == "E002"
        return
    parsed = parse(text, "records/notes/2026/N-2611-001.md")
    record, problems = build_record(KINDS["note"], "records/notes/2026/N-2611-001.md", parsed, Config())
    last = text.count("\n") + 1
    for p in problems:
        assert p.code in CODES, p.format()
        assert p.line is None or 1 <= p.line <= last, p.format()
        assert p.message and p.format().startswith("records/notes/2026/N-2611-001.md")
    raw_yaml = (folder / "in.yaml").read_text(encoding="utf-8", errors="replace")
    single_doc = not any(line.startswith(("---", "...", "%")) for line in raw_yaml.splitlines())
    if parsed.ok and not parsed.problems and single_doc and (folder / "in.json").exists() and case not in LIBYAML_DIVERGES:
        try:
            expected = json.loads((folder / "in.json").read_text(encoding="utf-8"))
        except json.JSONDecodeError:  # several JSON documents
            return
        if isinstance(expected, dict):
            assert same(expected, parsed.data), (expected, parsed.data)


def test_every_yaml_test_suite_case_in_one_repository_validates_without_a_traceback(corpora: Path, repo: Path) -> None:
    for n, case in enumerate(CASES, 1):
        path = repo / f"records/notes/2026/N-2611-{n:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(as_record((YTS / case / "in.yaml").read_bytes()))
    result = CliRunner().invoke(cli, ["-C", str(repo), "validate", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert problems and all(p["path"] and p["code"] and p["message"] for p in problems)


@pytest.fixture
def blns(corpora: Path) -> list[str]:
    """The Big List of Naughty Strings."""
    return json.loads((corpora / "blns" / "blns.json").read_text(encoding="utf-8"))


def test_every_blns_string_survives_new_validate_and_load(repo: Path, blns: list[str]) -> None:
    runner = CliRunner()
    expected = {}
    for s in blns:
        args = ["-C", str(repo), "new", "complaint", "--customer", "hengda-auto", f"--title={s or '空'}",
                f"--customer-reply={s}", f"--body={s}", "--category", "other", "--severity", "normal", "--channel",
                "phone", "--received-at", "2026-11-20 10:00", "--today", "2026-11-20", "--no-commit"]
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, (s, result.output)
        expected[result.stdout.split()[0]] = s
    result = runner.invoke(cli, ["-C", str(repo), "validate"], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (0, "")
    records = {r.id: r for r in Repository(repo).complaints.list()}
    for rid, s in expected.items():
        record = records[rid]
        assert (record.data["title"], record.data.get("customer_reply", ""), record.body) == (s or "空", s, s), rid
