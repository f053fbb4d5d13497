"""Every validation code: exact `path:line: CODE field: message (hint)` lines and exit codes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from svcnotes.checks import CHECKS, register, run_checks
from svcnotes.cli import cli
from svcnotes.model.problems import Problem
from svcnotes.store.repository import Repository
from tests.conftest import COMPLAINT, write

REL = "records/complaints/2026/C-2611-001.md"


def validate(repo: Path, *args: str) -> tuple[int, list[str]]:
    """(exit code, stdout lines) of `svcnotes validate`."""
    result = CliRunner().invoke(cli, ["-C", str(repo), "validate", *args], catch_exceptions=False)
    return result.exit_code, result.stdout.splitlines()


def complaint(repo: Path, old: str, new: str, rel: str = REL) -> None:
    """Write the fixture complaint with one text replacement."""
    assert old in COMPLAINT
    write(repo, rel, COMPLAINT.replace(old, new))




def test_missing_required_field_is_e101_at_the_closing_fence_with_hint(repo: Path) -> None:
    complaint(repo, "channel: phone\n", "")
    assert validate(repo) == (1, [f"{REL}:12: E101 channel: is required (add 'channel: ...' (受理渠道 / Channel))"])


def test_missing_required_nested_field_is_e101_at_the_entry(repo: Path) -> None:
    complaint(repo, "severity: normal\n", "severity: normal\ncapa:\n  - action: 加严检验\n    due: 2026-12-01\n    status: open\n")
    assert validate(repo) == (1, [f"{REL}:14: E101 capa[0].owner: 'owner' is required (add 'owner: ...' (负责人 / Owner))"])


def test_wrong_type_is_e102(repo: Path) -> None:
    complaint(repo, "severity: normal\n", "severity: normal\nquantity: twelve\n")
    assert validate(repo) == (1, [f"{REL}:13: E102 quantity: 'twelve' is not a whole number (write digits only, e.g. 120)"])


def test_list_where_a_value_belongs_is_e102(repo: Path) -> None:
    complaint(repo, "title: 支架尺寸超差", "title: [a, b]")
    assert validate(repo) == (1, [f"{REL}:3: E102 title: expected a single value, found a list "
                                  "(write the value on the same line as the field name)"])


def test_bad_date_is_e103(repo: Path) -> None:
    complaint(repo, "registered_at: 2026-11-02", "registered_at: 2026-11-31")
    assert validate(repo) == (1, [f"{REL}:7: E103 registered_at: '2026-11-31' is not a real calendar date "
                                  "(day is out of range for month) (check the day and month)"])


def test_date_in_another_format_is_e103(repo: Path) -> None:
    complaint(repo, "registered_at: 2026-11-02", "registered_at: 2026/11/02")
    assert validate(repo) == (1, [f"{REL}:7: E103 registered_at: '2026/11/02' is not a date (write YYYY-MM-DD, e.g. 2026-11-05)"])


def test_bad_enum_is_e104_with_did_you_mean(repo: Path) -> None:
    complaint(repo, "status: registered", "status: closd")
    assert validate(repo) == (1, [f"{REL}:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)"])


def test_configurable_enum_uses_the_config_categories(repo: Path) -> None:
    complaint(repo, "category: product_quality", "category: quality")
    assert validate(repo) == (1, [f"{REL}:11: E104 category: 'quality' is not a valid category (did you mean 'product_quality'?)"])


def test_id_of_the_wrong_shape_is_e105(repo: Path) -> None:
    write(repo, "records/complaints/2026/C-26110-01.md", COMPLAINT.replace("C-2611-001", "C-26110-01"))
    code, lines = validate(repo)
    assert code == 1
    assert "records/complaints/2026/C-26110-01.md:2: E105 id: 'C-26110-01' is not a complaint number " \
           "(numbers look like C-YYMM-NNN)" in lines


def test_customer_slug_with_capitals_is_e105(repo: Path) -> None:
    write(repo, "records/customers/Hengda.md", "---\nid: Hengda\nname: x\ntier: key\n---\n")
    code, lines = validate(repo)
    assert code == 1
    assert lines == ["records/customers/Hengda.md:2: E105 id: 'Hengda' is not a valid customer id "
                     "(use lower-case letters, digits and '-', e.g. hengda-auto)"]


def test_unknown_field_is_a_warning_w106_that_fails_only_with_strict(repo: Path) -> None:
    complaint(repo, "severity: normal", "severity: normal\nseverty: major")
    line = f"warning: {REL}:13: W106 severty: unknown field 'severty' for a complaint (did you mean 'severity'?)"
    assert validate(repo) == (0, [line])
    assert validate(repo, "--strict") == (1, [line])


def test_extension_fields_x_are_never_flagged(repo: Path) -> None:
    complaint(repo, "severity: normal", "severity: normal\nx_erp_ref: 4711")
    assert validate(repo, "--strict") == (0, [])


def test_amount_below_zero_is_e107(repo: Path) -> None:
    complaint(repo, "severity: normal", "severity: normal\namount: -5")
    assert validate(repo) == (1, [f"{REL}:13: E107 amount: -5 is below the minimum 0 (use a value of at least 0)"])


def test_satisfaction_above_five_is_e107(repo: Path) -> None:
    write(repo, "records/callbacks/2026/CB-2611-001.md",
          "---\nid: CB-2611-001\ncustomer: hengda-auto\nkind: periodic\ndue: 2026-11-10\nstatus: scheduled\nsatisfaction: 6\n---\n")
    assert validate(repo) == (1, ["records/callbacks/2026/CB-2611-001.md:7: E107 satisfaction: 6 is above the maximum 5 "
                                  "(use a value of at most 5)"])


def test_id_not_matching_file_name_is_e201(repo: Path) -> None:
    complaint(repo, "id: C-2611-001", "id: C-2611-002")
    assert validate(repo) == (1, [f"{REL}:2: E201 id: id 'C-2611-002' does not match the file name 'C-2611-001.md' "
                                  "(rename the file to C-2611-002.md or set id: C-2611-001)"])


def test_record_outside_a_record_folder_is_e201(repo: Path) -> None:
    from svcnotes.store.repository import read_record

    _, problems = read_record(repo, "records/misc/x.md", Repository(repo).config)
    assert [p.format() for p in problems] == ["records/misc/x.md: E201 file is not inside a record folder "
                                             "(put records under records/<kind>/)"]


def test_record_in_the_wrong_year_folder_is_e202(repo: Path) -> None:
    (repo / REL).unlink()
    write(repo, "records/complaints/2025/C-2611-001.md", COMPLAINT)
    assert validate(repo) == (1, ["records/complaints/2025/C-2611-001.md:2: E202 id: C-2611-001 is filed under '2025/' "
                                  "but belongs in '2026/' (move it to records/complaints/2026/)"])


def test_duplicate_id_is_e203(repo: Path) -> None:
    write(repo, "records/complaints/2027/C-2611-001.md", COMPLAINT)
    code, lines = validate(repo)
    assert code == 1
    assert "records/complaints/2027/C-2611-001.md:2: E203 id: id 'C-2611-001' is also used by " \
           f"{REL} (give one of them a new number (svcnotes renumber))" in lines


def test_a_former_number_another_branch_took_is_no_problem(repo: Path) -> None:
    # what `renumber` leaves once both branches are merged: C-2611-001 here, the renumbered one aliased to it
    write(repo, "records/complaints/2026/C-2611-002.md",
          COMPLAINT.replace("C-2611-001", "C-2611-002").replace("severity: normal", "severity: normal\naliases: [C-2611-001]"))
    assert validate(repo) == (0, [])


def test_one_former_number_on_two_records_is_e203(repo: Path) -> None:
    for n in ("002", "003"):
        write(repo, f"records/complaints/2026/C-2611-{n}.md",
              COMPLAINT.replace("C-2611-001", f"C-2611-{n}").replace("severity: normal", "severity: normal\naliases: [C-2611-000]"))
    assert validate(repo) == (1, [
        "records/complaints/2026/C-2611-003.md:13: E203 aliases: former number 'C-2611-000' is also a former number "
        "of records/complaints/2026/C-2611-002.md (a former number belongs to one record; keep it on the record it "
        "was taken from)"])


def test_unknown_customer_reference_is_e204(repo: Path) -> None:
    complaint(repo, "customer: hengda-auto", "customer: hengda-auot")
    assert validate(repo) == (1, [f"{REL}:5: E204 customer: no customer 'hengda-auot' (did you mean 'hengda-auto'?)"])


def test_complaint_reopening_itself_is_e204(repo: Path) -> None:
    complaint(repo, "severity: normal", "severity: normal\nreopens: C-2611-001")
    assert validate(repo) == (1, [f"{REL}:13: E204 reopens: a complaint cannot reopen itself (name the original complaint)"])


def test_callback_referring_to_a_missing_complaint_is_e204(repo: Path) -> None:
    write(repo, "records/callbacks/2026/CB-2611-001.md",
          "---\nid: CB-2611-001\ncustomer: hengda-auto\ncomplaint: C-2611-009\nkind: post_resolution\ndue: 2026-11-10\n"
          "status: scheduled\n---\n")
    assert validate(repo) == (1, ["records/callbacks/2026/CB-2611-001.md:4: E204 complaint: no complaint 'C-2611-009' "
                                  "(did you mean 'C-2611-001'?)"])


def test_unknown_staff_id_is_e205(repo: Path) -> None:
    complaint(repo, "owner: zhang.wei", "owner: zhang.wie")
    assert validate(repo) == (1, [f"{REL}:10: E205 owner: 'zhang.wie' is not in the staff directory (did you mean 'zhang.wei'?)"])


def test_nested_staff_reference_is_located_at_its_own_line(repo: Path) -> None:
    complaint(repo, "severity: normal\n", "severity: normal\nhandovers:\n  - from: zhang.wei\n    to: nobody.here\n"
                                          "    at: 2026-11-03 10:00\n")
    code, lines = validate(repo)
    assert code == 1
    assert f"{REL}:15: E205 handovers[0].to: 'nobody.here' is not in the staff directory (allowed: zhang.wei, li.na, wang.qiang, chen.gang, zhao.min)" in lines


def test_dates_running_backwards_are_e301(repo: Path) -> None:
    complaint(repo, "registered_at: 2026-11-02", "registered_at: 2026-11-01")
    assert validate(repo) == (1, [f"{REL}:7: E301 registered_at: registered_at 2026-11-01 is before received_at 2026-11-02 "
                                  "(registered_at must not be earlier than received_at)"])


def test_defective_quantity_above_quantity_is_e302(repo: Path) -> None:
    complaint(repo, "severity: normal", "severity: normal\nquantity: 10\ndefective_qty: 12")
    assert validate(repo) == (1, [f"{REL}:14: E302 defective_qty: defective quantity 12 is larger than the quantity 10 "
                                  "(check both numbers)"])


def test_closed_complaint_without_closing_fields_is_e303(repo: Path) -> None:
    complaint(repo, "status: registered", "status: investigating\nclosed_at: 2026-11-20")
    assert validate(repo) == (0, [])
    complaint(repo, "status: registered", "status: resolved")
    code, lines = validate(repo)
    assert code == 1
    assert f"{REL}:4: E303 told_at: a resolved complaint needs told_at (告知客户时间) " \
           "(fill in 'told_at:' or move the record back)" in lines
    assert {line.split()[1] for line in lines} == {"E303"}


def test_state_requirements_of_imported_records_are_warnings(repo: Path) -> None:
    complaint(repo, "severity: normal", "severity: normal\nimported:\n  - source: old.xlsx\n    row: 4")
    text = (repo / REL).read_text(encoding="utf-8").replace("status: registered", "status: closed")
    (repo / REL).write_text(text, encoding="utf-8")
    code, lines = validate(repo)
    e303 = [line for line in lines if " E303 " in line]
    assert code == 0 and len(e303) == 13 and all(line.startswith(f"warning: {REL}:4: E303 ") for line in e303)
    assert validate(repo, "--strict")[0] == 1


def test_validate_json_has_the_same_problems_as_data(repo: Path) -> None:
    import json

    complaint(repo, "status: registered", "status: closd")
    result = CliRunner().invoke(cli, ["-C", str(repo), "validate", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["errors"] == 1 and data["warnings"] == 0
    assert data["problems"] == [{"code": "E104", "message": "'closd' is not a valid status", "path": REL, "line": 4,
                                 "field": "status", "hint": "did you mean 'closed'?", "severity": "error"}]


def test_validate_paths_limits_the_report_but_checks_against_the_whole_repo(repo: Path) -> None:
    complaint(repo, "status: registered", "status: closd")
    assert validate(repo, "records/customers") == (0, [])
    assert validate(repo, "records/complaints/2026")[0] == 1


def test_run_checks_runs_every_registered_check_and_sorts_by_file_and_line(repo: Path) -> None:
    calls = []

    def check_always(snapshot, config):  # type: ignore[no-untyped-def]
        """Test-only check: one problem at line 1 of the complaint."""
        calls.append(1)
        return [Problem("E999", "test", REL, 1)]

    registered = register(check_always)
    assert register(check_always) is registered
    try:
        problems = run_checks(Repository(repo).snapshot(), Repository(repo).config)
    finally:
        CHECKS.remove(registered)
    assert calls == [1] and [p.code for p in problems] == ["E999"]
