"""docs/errors.md documents every problem code svcnotes can report, and no code it never reports."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ERRORS_MD = ROOT / "docs" / "errors.md"
# A problem code as a string literal in the source: Problem("E101", ...), code="E104", "W106", ...
CODE_LITERAL = re.compile(r"""["']([A-Z][0-9]{3})["']""")
# A documented code: the first cell of a table row in docs/errors.md.
DOC_ROW = re.compile(r"^\| ([A-Z][0-9]{3}) \|", re.MULTILINE)


def codes_in_source() -> set[str]:
    """Every problem code literal in svcnotes/ (Problem(...) arguments and code= defaults alike)."""
    found: set[str] = set()
    for path in (ROOT / "svcnotes").rglob("*.py"):
        found |= set(CODE_LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def codes_documented() -> list[str]:
    """The codes docs/errors.md explains, one table row each (a code may have a row per meaning)."""
    return DOC_ROW.findall(ERRORS_MD.read_text(encoding="utf-8"))


def test_the_scan_finds_codes_of_every_family() -> None:
    codes = codes_in_source()
    for example in ("E001", "E101", "E201", "E301", "E401", "E501", "W106", "C000", "I001", "M000"):
        assert example in codes


def test_every_code_used_in_svcnotes_is_documented() -> None:
    missing = sorted(codes_in_source() - set(codes_documented()))
    assert missing == [], f"codes used in svcnotes/ but not explained in docs/errors.md: {missing}"


def test_no_documented_code_is_stale() -> None:
    stale = sorted(set(codes_documented()) - codes_in_source())
    assert stale == [], f"docs/errors.md explains codes svcnotes/ no longer uses: {stale}"


def test_each_code_has_a_meaning_and_a_fix() -> None:
    for line in ERRORS_MD.read_text(encoding="utf-8").splitlines():
        if DOC_ROW.match(line):
            cells = [c.strip() for c in line.strip("|").split("|")]
            assert len(cells) >= 3 and all(cells[:3]), f"incomplete row: {line}"


def test_exit_statuses_and_json_shape_are_explained() -> None:
    text = ERRORS_MD.read_text(encoding="utf-8")
    for status in ("| 0 |", "| 1 |", "| 2 |"):
        assert status in text
    for key in ('"problems"', '"code"', '"message"', '"path"', '"line"', '"field"', '"hint"', '"severity"',
                '"errors"', '"warnings"'):
        assert key in text


def test_json_example_matches_what_validate_prints(repo: Path) -> None:
    import json

    from click.testing import CliRunner

    from svcnotes.cli import cli
    from tests.conftest import write

    write(repo, "records/complaints/2026/C-2611-901.md", "---\nid: C-2611-901\nstatus: closd\n---\n")
    result = CliRunner().invoke(cli, ["-C", str(repo), "validate", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    documented = json.loads(re.search(r"```json\n(.*?)```", ERRORS_MD.read_text(encoding="utf-8"), re.DOTALL).group(1))
    assert set(printed) == set(documented)
    assert set(printed["problems"][0]) == set(documented["problems"][0])
