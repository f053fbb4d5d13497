"""Diagnosing unsaved text: exactly what `svcnotes validate` would report for the file, no more."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from svcnotes.editing.diagnose import diagnose, is_record_path
from svcnotes.store.repository import Repository
from svcnotes.workflow.validation import validate_all
from tests.conftest import COMPLAINT, write

REL = "records/complaints/2026/C-2611-001.md"
TODAY = date(2026, 11, 23)
BROKEN = COMPLAINT.replace("status: registered", "status: closd").replace("owner: zhang.wei", "owner: zhang.wie") \
    .replace("customer: hengda-auto", "customer: hengda-autp").replace("channel: phone\n", "")


def check(root: Path, text: str, rel: str = REL, today: date | None = TODAY) -> list[str]:
    repo = Repository(root)
    return [p.format() for p in diagnose(text, rel, repo.snapshot(), repo.config, today)]


def test_unsaved_text_gets_exactly_the_problems_validate_reports_once_saved(repo: Path) -> None:
    before = check(repo, BROKEN)
    write(repo, REL, BROKEN)
    saved = Repository(repo)
    assert before == [p.format() for p in validate_all(saved, TODAY)[0] if p.path == REL]
    assert before == [
        f"{REL}:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)",
        f"{REL}:5: E204 customer: no customer 'hengda-autp' (did you mean 'hengda-auto'?)",
        f"{REL}:9: E205 owner: 'zhang.wie' is not in the staff directory (did you mean 'zhang.wei'?)",
        f"{REL}:12: E101 channel: is required (add 'channel: ...' (受理渠道 / Channel))",
    ]


def test_the_buffer_counts_not_the_file_on_disk(repo: Path) -> None:
    assert check(repo, COMPLAINT.replace("severity: normal", "severity: hgh")) == [
        f"{REL}:12: E104 severity: 'hgh' is not a valid severity (allowed: minor, normal, major, critical)"]
    write(repo, REL, BROKEN)
    assert check(repo, COMPLAINT) == []


def test_rules_across_records_see_the_rest_of_the_repository(repo: Path) -> None:
    other = "records/complaints/2026/C-2611-002.md"
    text = COMPLAINT.replace("C-2611-001", "C-2611-002").replace("severity: normal", "severity: normal\nreopens: C-2611-001")
    assert check(repo, text, other) == [
        f"{other}:13: E411 reopens: reopens C-2611-001, which is registered, not closed or not_established "
        "(only a closed or not_established complaint can be reopened)"]


def test_a_new_file_not_saved_yet_is_checked_where_it_will_be(repo: Path) -> None:
    later, earlier = "records/complaints/2026/C-2611-009.md", "records/complaints/2026/C-2611-000.md"
    assert check(repo, COMPLAINT) == []
    # the same id twice: validate reports the duplicate on the file that comes later in path order
    assert check(repo, COMPLAINT, later) == [
        f"{later}:2: E201 id: id 'C-2611-001' does not match the file name 'C-2611-009.md' "
        "(rename the file to C-2611-001.md or set id: C-2611-009)",
        f"{later}:2: E203 id: id 'C-2611-001' is also used by records/complaints/2026/C-2611-001.md "
        "(give one of them a new number (svcnotes renumber))"]
    assert [line.split(": ")[1] for line in check(repo, COMPLAINT, earlier)] == ["E201 id"]
    unsaved = check(repo, COMPLAINT, earlier)
    write(repo, earlier, COMPLAINT)
    assert unsaved == [p.format() for p in validate_all(Repository(repo), TODAY)[0] if p.path == earlier]


def test_yaml_errors_and_missing_front_matter_are_located(repo: Path) -> None:
    assert check(repo, COMPLAINT.replace("title: 支架尺寸超差", "title: [支架")) [0].startswith(f"{REL}:4: E005 YAML syntax error")
    assert check(repo, "no fences here\n") == [
        f"{REL}:1: E003 no front matter: the file must start with a line '---' "
        "(put the YAML fields between two lines of '---' at the top of the file)"]


def test_future_dates_warn_only_when_today_is_given(repo: Path) -> None:
    assert check(repo, COMPLAINT, today=date(2026, 11, 1)) == [
        f"{REL}:6: W304 received_at: received_at 2026-11-02 is in the future (today is 2026-11-01) "
        "(check the date; pass --today to validate as of another day)",
        f"{REL}:7: W304 registered_at: registered_at 2026-11-02 is in the future (today is 2026-11-01) "
        "(check the date; pass --today to validate as of another day)"]
    assert check(repo, COMPLAINT, today=None) == []


def test_only_markdown_files_in_record_folders_are_diagnosed(repo: Path) -> None:
    assert is_record_path(REL) and is_record_path("records/customers/hengda-auto.md")
    for rel in ("README.md", "records/README.md", "records/unknown/x.md", "records/complaints/2026/notes.txt"):
        assert not is_record_path(rel)
        assert check(repo, "not a record", rel) == []
