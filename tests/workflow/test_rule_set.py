"""The declared rule set: currency, holds, CAPA, reopening, renumbering, conduct; each rule once, each path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.model.config import parse_config
from svcnotes.model.record import Record
from svcnotes.store.repository import Repository
from svcnotes.workflow import approvals, verbs
from svcnotes.workflow.commits import CommitOptions
from svcnotes.workflow.conduct import find_phrases
from svcnotes.workflow.states import InvalidTransition
from svcnotes.workflow.validation import validate_repository
from tests.conftest import CONFIG, git, identity_env, write

ID = "C-2611-001"
REL = "records/complaints/2026/C-2611-001.md"
DAY = date(2026, 11, 6)
OPTS = CommitOptions()


def run(repo: Path, *args: str, today: str = "2026-11-06"):
    return CliRunner().invoke(cli, ["-C", str(repo), *args, "--today", today], catch_exceptions=False)


def act_as(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    for key, value in identity_env(name).items():
        monkeypatch.setenv(key, value)


def errors(repo: Path) -> list[str]:
    return [p.format() for p in validate_repository(Repository(repo)) if p.is_error]


# --- money in its currency ---------------------------------------------------------------------

def _propose(repo: Path, amount: str, currency: str) -> None:
    assert run(repo, "investigate", ID).exit_code == 0
    result = run(repo, "propose", ID, "--cause-class", "quality", "--cause-analysis", "模具磨损", "--responsible-dept",
                 "manufacturing", "--countermeasure", "更换模具", "--resolution", "allowance", "--amount", amount,
                 "--currency", currency)
    assert result.exit_code == 0, result.output


def test_a_sales_manager_cannot_approve_4900_usd_under_a_5000_cny_limit(repo: Path, monkeypatch) -> None:
    cfg = repo / "svcnotes.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("[deadlines]", "[approval.rates]\nUSD = 7.1\n\n[deadlines]"),
                   encoding="utf-8")
    git(repo, "commit", "-qam", "rates")
    _propose(repo, "4900", "USD")
    act_as(monkeypatch, "li.na")
    refused = run(repo, "approve", ID)
    assert refused.exit_code == 1
    line = (repo / REL).read_text(encoding="utf-8").splitlines().index("amount: 4900") + 1
    assert (f"{REL}:{line}: E406 amount: li.na (rep, sales_manager) may not approve amount 4900 USD "
            "(it needs the role 'deputy_gm')") in refused.stderr.splitlines()
    act_as(monkeypatch, "wang.qiang")
    assert run(repo, "approve", ID).exit_code == 0
    assert errors(repo) == []


def test_an_amount_in_a_currency_without_a_rate_is_refused_with_a_hint(repo: Path) -> None:
    assert run(repo, "investigate", ID).exit_code == 0
    head = git(repo, "rev-parse", "HEAD")
    refused = run(repo, "propose", ID, "--cause-class", "quality", "--cause-analysis", "模具磨损", "--responsible-dept",
                  "manufacturing", "--countermeasure", "更换模具", "--resolution", "allowance", "--amount", "4900",
                  "--currency", "USD")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[1] == (
        f"{REL}:4: E415 currency: amount is in USD, but the approval limits are in CNY and no rate for USD is recorded "
        "(add the rate under [approval.rates] in svcnotes.toml (e.g. USD = 7.1, CNY per USD), or give the amount in CNY)")
    assert git(repo, "rev-parse", "HEAD") == head
    # written by hand, validate says the same at the currency line
    text = (repo / REL).read_text(encoding="utf-8").replace("severity: normal\n", "severity: normal\nresolution: allowance\n"
                                                             "amount: 4900\ncurrency: USD\n").replace("investigating", "registered")
    (repo / REL).write_text(text, encoding="utf-8")
    assert f"{REL}:15: E415 currency: amount is in USD" in "\n".join(errors(repo))


def test_role_coverage_converts_at_the_recorded_rate() -> None:
    config, _ = parse_config(CONFIG + "\n[approval.rates]\nUSD = 7.1\n")
    assert approvals.required_role(Decimal(700), "normal", config, "USD") == "sales_manager"  # 4,970 CNY
    assert approvals.required_role(Decimal(4900), "normal", config, "USD") == "deputy_gm"  # 34,790 CNY
    assert not approvals.role_covers("gm", Decimal(1), "normal", config, "EUR")  # no rate: nobody


def test_the_gate_can_judge_one_approval_with_the_same_rules_and_codes() -> None:
    config, _ = parse_config(CONFIG)
    data = {"id": ID, "severity": "normal", "proposed_by": "li.na", "amount": Decimal(6000), "currency": "CNY"}
    entry = {"by": "li.na", "role": "sales_manager", "amount": Decimal(6000)}
    assert [p.code for p in approvals.entry_problems(entry, 0, data, config)] == ["W417", "E405"]
    entry = {"by": "zhao.min", "role": "deputy_gm", "amount": Decimal(6000)}
    assert [p.code for p in approvals.entry_problems(entry, 0, data, config)] == ["E404"]


# --- holds -------------------------------------------------------------------------------------

def test_hold_and_resume_record_who_why_and_when(repo: Path) -> None:
    held = run(repo, "hold", ID, "--reason", "客户加工中未确定", today="2026-11-04")
    assert held.exit_code == 0 and held.stdout.startswith(f"{ID}: on hold (客户加工中未确定)")
    assert run(repo, "hold", ID, "--reason", "again", today="2026-11-05").exit_code == 1
    assert run(repo, "resume", ID, today="2026-11-09").exit_code == 0
    hold = Repository(repo).complaints.get(ID).get("on_hold")[0]
    assert hold == {"from": date(2026, 11, 4), "to": date(2026, 11, 9), "reason": "客户加工中未确定",
                    "by": "zhang.wei", "resumed_by": "zhang.wei"}
    assert git(repo, "log", "-1", "--format=%B").count("Svc-Action: resume") == 1
    assert run(repo, "resume", ID).stderr.splitlines()[1].endswith(f"E416 on_hold: {ID} is not on hold "
                                                                   f"(put it on hold: svcnotes hold {ID} --reason ...)")


def test_an_open_hold_pauses_the_clock_only_up_to_the_maximum_then_the_case_is_overdue_and_escalated(repo: Path) -> None:
    from svcnotes.workflow.deadlines import complaint_deadline

    assert run(repo, "hold", ID, "--reason", "等待客户", today="2026-11-03").exit_code == 0
    r = Repository(repo)
    record = r.complaints.get(ID)
    inside = complaint_deadline(record, r.config, date(2026, 11, 30))
    assert not inside.overdue and inside.escalate_to == ""
    late = complaint_deadline(record, r.config, date(2027, 1, 10))  # open 69 days: 30 paused, then the clock ran
    assert late.paused_days == 30 and late.overdue and late.escalate_to == "gm_office"


@pytest.mark.parametrize(("hold", "expected"), [
    ("  - from: 2026-11-05\n    to: 2026-11-03\n", "E416 on_hold[0].to: hold 1 ends 2026-11-03 before it starts 2026-11-05"),
    ("  - from: 2026-09-01\n    to: 2026-11-05\n", "E416 on_hold[0].to: hold 1 lasts 66 days, longer than the maximum 30"),
])
def test_hand_edited_holds_that_break_the_rules_are_located_errors(repo: Path, hold: str, expected: str) -> None:
    text = (repo / REL).read_text(encoding="utf-8").replace("severity: normal\n", "severity: normal\non_hold:\n" + hold)
    (repo / REL).write_text(text, encoding="utf-8")
    found = errors(repo)
    assert len(found) == 1 and found[0].startswith(f"{REL}:15: {expected}")


def test_an_open_hold_past_the_maximum_is_an_error_as_of_today() -> None:
    from svcnotes.workflow.holds import hold_problems

    config, _ = parse_config(CONFIG)
    data = {"id": ID, "status": "investigating", "on_hold": [{"from": date(2026, 10, 1)}]}
    assert hold_problems(data, config, date(2026, 10, 30)) == []
    assert [p.code for p in hold_problems(data, config, date(2026, 10, 31))] == ["W416"]


# --- CAPA ----------------------------------------------------------------------------------------

def test_capa_is_verified_only_when_done_and_never_by_its_owner(repo: Path, monkeypatch) -> None:
    assert run(repo, "capa", "add", ID, "--action", "点检", "--owner", "zhao.min", "--due", "2026-12-01").exit_code == 0
    act_as(monkeypatch, "zhao.min")
    still_open = run(repo, "capa", "verify", ID, "1")
    assert still_open.exit_code == 1
    assert still_open.stderr.splitlines()[1] == (
        f"{REL}:17: E412 capa[0].status: CAPA 1 is open: only a done CAPA can be verified "
        f"(its owner marks it done first: svcnotes capa done {ID} 1)")
    assert run(repo, "capa", "done", ID, "1").exit_code == 0
    own = run(repo, "capa", "verify", ID, "1")
    assert own.exit_code == 1 and "E418 capa[0].status: zhao.min cannot verify CAPA 1: CAPA 1 verified by its own owner" in own.stderr


def test_capa_due_in_the_past_is_refused_at_creation(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    result = run(repo, "capa", "add", ID, "--action", "点检", "--owner", "zhao.min", "--due", "2026-11-01")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1].endswith("E419 capa: CAPA due date 2026-11-01 is in the past (today is 2026-11-06) "
                                                  "(give a due date from today on (--due YYYY-MM-DD))")
    assert git(repo, "rev-parse", "HEAD") == head


def test_a_capa_verified_by_its_owner_by_hand_is_e418(repo: Path) -> None:
    text = (repo / REL).read_text(encoding="utf-8").replace("severity: normal\n", (
        "severity: normal\ncapa:\n  - action: 点检\n    owner: zhao.min\n    due: 2026-12-01\n    status: verified\n"
        "    verified_by: zhao.min\n    verified_at: 2026-11-05\n"))
    (repo / REL).write_text(text, encoding="utf-8")
    assert errors(repo) == [f"{REL}:18: E418 capa[0].verified_by: CAPA 1 verified by its own owner zhao.min "
                            "(someone from quality other than the owner verifies it)"]


# --- reopening and renumbering -----------------------------------------------------------------

def test_a_not_established_complaint_can_be_reopened_as_the_procedure_says(repo: Path) -> None:
    assert run(repo, "reject", ID, "--reason", "客户使用不当").exit_code == 0
    result = run(repo, "reopen", ID, "--note", "客户不接受结论")
    assert result.exit_code == 0, result.output
    new = Repository(repo).complaints.get("C-2611-002")
    assert new.get("reopens") == ID and new.status == "registered"
    assert errors(repo) == []


def test_reopening_an_open_complaint_points_at_what_works(repo: Path) -> None:
    result = run(repo, "reopen", ID)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1] == (
        f"{REL}:4: E411 status: {ID} is registered; only a closed or not_established complaint can be reopened "
        "(it is still open: carry on with it (from registered it may go to: investigating, not_established))")


def test_after_renumber_and_merge_the_alias_never_clashes(repo: Path) -> None:
    # another branch creates C-2611-002; this branch created its own C-2611-002 and renumbers it
    git(repo, "checkout", "-qb", "other")
    assert run(repo, "new", "complaint", "--title", "other", "--customer", "hengda-auto", "--channel", "phone",
               "--category", "delivery", "--severity", "normal").exit_code == 0
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-qb", "mine")
    write(repo, "records/complaints/2026/C-2611-002.md", (repo / REL).read_text(encoding="utf-8").replace(ID, "C-2611-002"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "mine")
    moved = CliRunner().invoke(cli, ["-C", str(repo), "renumber", "C-2611-002"], catch_exceptions=False)
    assert moved.exit_code == 0, moved.output
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "other")
    git(repo, "merge", "-q", "--no-edit", "mine")
    assert errors(repo) == []
    assert run(repo, "investigate", "C-2611-002").exit_code == 0  # later work is not blocked


# --- conduct ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "found"), [
    ("这个我们不 清楚", ["不清楚"]),
    ("这个我们不，清楚", ["不清楚"]),
    ("跟我们ｍｅｉ没关系", []),
    ("跟我们 没 关系！", ["跟我们没关系"]),
    ("请勿随便拆卸设备", []),
    ("您随便吧", ["随便"]),
    ("请勿随便拆卸设备，其他的随便", ["随便"]),
])
def test_phrases_are_found_after_normalising_width_spaces_and_punctuation(text: str, found: list[str]) -> None:
    config, _ = parse_config(CONFIG)
    assert [h.phrase for h in find_phrases(text, config.forbidden_phrases, config.allowed_contexts)] == found


def test_the_result_and_outgoing_notes_are_checked_too(repo: Path) -> None:
    write(repo, "records/notes/2026/N-2611-001.md", "---\nid: N-2611-001\nat: 2026-11-05 10:00\nauthor: zhang.wei\n"
          "customer: hengda-auto\nkind: email\nsummary: 回复客户\n---\n\n您好：\n这个问题我们不 知道。\n")
    write(repo, "records/notes/2026/N-2611-002.md", "---\nid: N-2611-002\nat: 2026-11-05 10:00\nauthor: zhang.wei\n"
          "customer: hengda-auto\nkind: call_in\nsummary: 客户说不知道型号\n---\n\n内部记录：不知道。\n")
    text = (repo / REL).read_text(encoding="utf-8").replace("severity: normal\n", "severity: normal\nresult: 我们不管\n")
    (repo / REL).write_text(text, encoding="utf-8")
    assert errors(repo) == [
        f"{REL}:13: E409 result: forbidden phrase '我们不管' in customer-facing text (处理结果) "
        "(rephrase it (服务禁用语, see conduct.forbidden_phrases and conduct.allowed_contexts in svcnotes.toml))",
        "records/notes/2026/N-2611-001.md:11: E409 (body): forbidden phrase '不知道' in customer-facing text (正文) "
        "(rephrase it (服务禁用语, see conduct.forbidden_phrases and conduct.allowed_contexts in svcnotes.toml))"]


def test_a_safety_instruction_passes_on_every_path(repo: Path) -> None:
    result = run(repo, "transition", ID, "investigating", "--set", "customer_reply=请勿随便拆卸设备，我们周五上门。")
    assert result.exit_code == 0, result.output
    refused = run(repo, "transition", ID, "proposed", "--set", "customer_reply=随便你")
    assert refused.exit_code == 1 and "E409 customer_reply: forbidden phrase '随便'" in refused.stderr


def test_a_rule_judges_the_same_record_the_same_way_everywhere() -> None:
    """The language server's diagnose, validate and transition all see E409 on the same text."""
    from svcnotes.workflow.states import transition
    from tests.workflow.complaint_helpers import complete, config, record

    rec = record(complete(status="registered"))
    _, problems = transition(rec, "investigating", {"customer_reply": "不 清 楚"}, config(), None)
    assert [p.code for p in problems if p.is_error] == ["E409"]
    assert isinstance(rec, Record)
    with pytest.raises(InvalidTransition):
        raise InvalidTransition(problems)
    assert verbs.transition_to  # the verbs go through transition()


def test_validate_warns_of_an_open_hold_past_the_maximum_as_of_today_however_it_runs(repo: Path) -> None:
    text = (repo / REL).read_text(encoding="utf-8").replace(
        "severity: normal\n", "severity: normal\non_hold:\n  - from: 2026-11-03\n    reason: 等待客户\n")
    (repo / REL).write_text(text, encoding="utf-8")
    expected = (f"warning: {REL}:14: W416 on_hold[0].from: hold 1 has been open since 2026-11-03, longer than the maximum 30 days: "
                f"the deadline clock runs again and the case is escalated (svcnotes resume {ID} (and chase the customer))")
    for _ in range(2):  # cold, then from the cache
        assert run(repo, "validate", today="2026-12-02").exit_code == 0
        late = run(repo, "validate", today="2026-12-03")
        assert late.exit_code == 0 and late.stdout.splitlines() == [expected]  # time passing: a warning
        assert run(repo, "validate", "--strict", today="2026-12-03").exit_code == 1
    from svcnotes.editing.diagnose import diagnose

    r = Repository(repo)
    assert ["warning: " + p.format() for p in diagnose(text, REL, r.snapshot(), r.config, date(2026, 12, 3))] == [expected]
