"""Reading record files: encodings, line endings, fences, YAML errors at file lines, duplicate keys, tabs."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.model.config import Config
from svcnotes.model.schema import KINDS
from svcnotes.store.frontmatter import decode, parse
from svcnotes.store.loader import build_record
from tests.conftest import COMPLAINT

REL = "records/complaints/2026/C-2611-001.md"


def validate(repo: Path, *args: str) -> tuple[int, list[str]]:
    """Run `svcnotes validate` in repo; (exit code, problem lines on stdout)."""
    result = CliRunner().invoke(cli, ["-C", str(repo), "validate", *args], catch_exceptions=False)
    return result.exit_code, result.stdout.splitlines()


def put(repo: Path, text: str | bytes, rel: str = REL) -> None:
    """Overwrite a record file with exact text or bytes."""
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def load(text: str) -> tuple[dict, list[str]]:
    """Parse and type complaint text; (data, formatted problems)."""
    record, problems = build_record(KINDS["complaint"], REL, parse(text, REL), Config())
    return dict(record.data), [p.format() for p in problems]


def test_fixture_repository_validates_clean(repo: Path) -> None:
    assert validate(repo) == (0, [])


def test_bom_and_crlf_are_read_like_plain_utf8(repo: Path) -> None:
    put(repo, b"\xef\xbb\xbf" + COMPLAINT.replace("\n", "\r\n").encode("utf-8"))
    assert validate(repo) == (0, [])
    data, problems = load(COMPLAINT.replace("\n", "\r\n"))
    assert problems == [] and data["title"] == "支架尺寸超差" and data["status"] == "registered"


def test_crlf_body_is_kept_byte_for_byte() -> None:
    text = COMPLAINT.replace("\n", "\r\n")
    parsed = parse(text, REL)
    assert parsed.body == "客户来电反映支架尺寸超差。\r\n"


def test_gbk_file_is_e002_naming_the_file_and_the_fix(repo: Path) -> None:
    put(repo, COMPLAINT.encode("gbk"))
    code, lines = validate(repo)
    assert code == 1
    assert lines == [f"{REL}:3: E002 file is not UTF-8 (byte 0xbc at offset 28). It looks like GBK/GB18030 "
                     f"(saved by Notepad or Excel). (run 'svcnotes fix-encoding {REL}' or save the file as UTF-8)"]


def test_decode_of_bytes_in_no_known_encoding_is_e002_without_guess() -> None:
    text, problem = decode(b"---\nid: \xff\xff\xff\n", "x.md")
    assert text is None and problem is not None
    assert problem.code == "E002" and problem.line == 2 and "GBK" not in problem.message


def test_missing_front_matter_is_e003(repo: Path) -> None:
    put(repo, "id: C-2611-001\n")
    assert validate(repo) == (1, [f"{REL}:1: E003 no front matter: the file must start with a line '---' "
                                  "(put the YAML fields between two lines of '---' at the top of the file)"])


def test_empty_file_is_e003() -> None:
    assert parse("", "x.md").problems[0].code == "E003"


def test_unterminated_front_matter_is_e004(repo: Path) -> None:
    put(repo, "---\nid: C-2611-001\ntitle: x\n")
    assert validate(repo) == (1, [f"{REL}:1: E004 front matter is not closed (add a line '---' after the last field)"])


def test_yaml_syntax_error_is_located_at_the_file_line_and_column(repo: Path) -> None:
    put(repo, COMPLAINT.replace("title: 支架尺寸超差", 'title: "支架尺寸超差'))
    code, lines = validate(repo)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith(f"{REL}:")
    # an unclosed quote runs on to the end of the block: the mark is a file line after the fence, not line 1
    assert " E005 YAML syntax error, column " in lines[0] and int(lines[0].split(":")[1]) >= 3


def test_mapping_value_error_points_at_the_offending_file_line(repo: Path) -> None:
    put(repo, COMPLAINT.replace("channel: phone", "channel: phone: fax"))
    assert validate(repo) == (1, [f"{REL}:8: E005 YAML syntax error, column 15: mapping values are not allowed in this context "
                                  "(check quoting, indentation and the colon after each key)"])


def test_front_matter_that_is_a_list_is_e006(repo: Path) -> None:
    put(repo, "---\n- a\n- b\n---\n")
    assert validate(repo) == (1, [f"{REL}:2: E006 front matter is a list, not a set of fields "
                                  "(write one 'field: value' per line)"])


def test_front_matter_that_is_a_single_value_is_e006() -> None:
    problems = parse("---\njust text\n---\n", "x.md").problems
    assert [p.format() for p in problems] == ["x.md:2: E006 front matter is a single value, not a set of fields "
                                             "(write one 'field: value' per line)"]


def test_duplicate_key_is_e007_and_the_first_value_is_kept(repo: Path) -> None:
    put(repo, COMPLAINT.replace("severity: normal\n", "severity: normal\nseverity: major\n"))
    assert validate(repo) == (1, [f"{REL}:13: E007 severity: duplicate key 'severity' (first at line 12); YAML would "
                                  "silently keep only the last (remove one of the two lines or merge their values)"])


def test_duplicate_nested_key_is_e007() -> None:
    text = COMPLAINT.replace("---\n\n", "capa:\n  - action: a\n    action: b\n    owner: zhang.wei\n    due: 2026-12-01\n"
                             "    status: open\n---\n\n")
    _, problems = load(text)
    assert any(p.startswith(f"{REL}:15: E007 capa[0].action: duplicate key 'action'") for p in problems), problems


def test_tab_indentation_is_e008_at_its_line(repo: Path) -> None:
    put(repo, COMPLAINT.replace("severity: normal", "tags:\n\t- a"))
    assert validate(repo) == (1, [f"{REL}:13: E008 tab used for indentation "
                                  "(YAML allows only spaces for indentation; replace the tab with spaces)"])


def test_merge_keys_and_non_text_keys_are_e009() -> None:
    _, problems = load(COMPLAINT.replace("severity: normal", "severity: normal\n<<: {a: b}\n[x]: y"))
    codes = [p.split(": ")[1].split()[0] for p in problems]
    assert codes.count("E009") == 2, problems


def test_alias_bomb_is_e009_not_a_hang() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 9):
        prev = chr(ord("a") + n - 1)
        cur = chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    parsed = parse("---\n" + "\n".join(lines) + "\n---\n", "x.md")
    assert [p.code for p in parsed.problems] == ["E009"]


def test_yaml11_values_keep_their_text_in_text_fields() -> None:
    text = COMPLAINT.replace("title: 支架尺寸超差", "title: no").replace("severity: normal",
                                                                      "severity: normal\norder_no: 0123\npart_no: 1e3\nrequest_note: 2026-11-05\nreporter: on")
    data, problems = load(text)
    assert problems == []
    assert (data["title"], data["order_no"], data["part_no"], data["request_note"], data["reporter"]) == \
           ("no", "0123", "1e3", "2026-11-05", "on")


def test_yaml11_values_in_typed_fields_are_clear_errors(repo: Path) -> None:
    put(repo, COMPLAINT.replace("severity: normal", "severity: normal\nquantity: 0123\ncustomer_accepted: no\namount: 1,200"))
    code, lines = validate(repo)
    assert code == 1
    assert f"{REL}:13: E102 quantity: '0123' has a leading zero, which YAML 1.1 reads as octal (write 123 without the leading zero)" in lines
    assert f"{REL}:14: E102 customer_accepted: 'no' is ambiguous (YAML 1.1 reads it as a boolean, YAML 1.2 as text) (write true or false)" in lines
    assert f"{REL}:15: E102 amount: '1,200' has a thousands separator (write 1200)" in lines


def test_exponent_and_dates_are_typed_by_the_schema_not_by_yaml() -> None:
    data, problems = load(COMPLAINT.replace("severity: normal", "severity: normal\namount: 1e3\nship_date: '2026-10-30'"))
    assert problems == []
    from datetime import date
    from decimal import Decimal
    assert data["amount"] == Decimal("1000") and data["ship_date"] == date(2026, 10, 30)


def test_unreadable_file_is_e001(repo: Path) -> None:
    from svcnotes.store.repository import read_record

    _, problems = read_record(repo, "records/complaints/2026/C-2611-404.md", Config())
    assert [(p.code, p.path) for p in problems] == [("E001", "records/complaints/2026/C-2611-404.md")]


def test_every_problem_of_a_run_is_reported_not_only_the_first(repo: Path) -> None:
    put(repo, "---\n- x\n---\n", "records/complaints/2026/C-2611-002.md")
    put(repo, COMPLAINT.replace("status: registered", "status: closd"))
    code, lines = validate(repo)
    assert code == 1 and len(lines) == 2
