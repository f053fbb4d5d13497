"""svcnotes.toml: every bad key reported in one pass at its line (C000-C004)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from svcnotes.cli import cli
from svcnotes.model.config import load_config, parse_config
from tests.conftest import CONFIG


def formatted(text: str) -> list[str]:
    """Problems of a config text, formatted."""
    return [p.format() for p in parse_config(text)[1]]


def test_fixture_config_is_clean_and_typed() -> None:
    config, problems = parse_config(CONFIG)
    assert problems == []
    assert config.staff["li.na"].roles == ("rep", "sales_manager")
    assert [(lv.role, lv.max_amount) for lv in config.approval_levels] == \
           [("sales_manager", Decimal(5000)), ("deputy_gm", Decimal(50000)), ("gm", None)]
    assert config.staff_by_email("LI.NA@example.com").id == "li.na"


def test_toml_syntax_error_is_c000_at_its_line() -> None:
    assert formatted('[organisation]\nname = "x\n') == [
        "svcnotes.toml:2: C000 TOML syntax error: Illegal character '\\n' (at line 2, column 10) "
        "(fix the syntax; see docs/config.md)"]


def test_unknown_section_and_option_are_c001_warnings_with_hints() -> None:
    config, problems = parse_config('[organisaton]\nname = "x"\n[deadlines]\nlimit_day = 3\n')
    assert [p.format() for p in problems] == [
        "svcnotes.toml:1: C001 organisaton: unknown section 'organisaton' (did you mean 'organisation'?)",
        "svcnotes.toml:4: C001 deadlines.limit_day: unknown option 'deadlines.limit_day' (did you mean 'limit_days'?)",
    ]
    assert all(not p.is_error for p in problems)


def test_every_invalid_value_is_c002_in_one_pass() -> None:
    text = '[organisation]\nlocale = "fr"\n[deadlines]\ntarget_days = 30\nlimit_days = 20\n[targets]\nsatisfaction = 85\n'
    assert formatted(text) == [
        "svcnotes.toml:2: C002 organisation.locale: 'fr' is not a valid value (use zh-CN or en)",
        "svcnotes.toml:7: C002 targets.satisfaction: 85 is not a valid value (write a number from 0 to 1, e.g. 0.85)",
        "svcnotes.toml:3: C002 deadlines: minor: target_days 30 is after limit_days 20 (the target must not exceed the limit)",
        "svcnotes.toml:3: C002 deadlines: normal: target_days 30 is after limit_days 20 (the target must not exceed the limit)",
        "svcnotes.toml:3: C002 deadlines: major: target_days 30 is after limit_days 20 (the target must not exceed the limit)",
        "svcnotes.toml:3: C002 deadlines: critical: target_days 30 is after limit_days 20 (the target must not exceed the limit)",
    ]


def test_staff_with_unknown_department_is_c002() -> None:
    problems = formatted('[[staff]]\nid = "a"\ndepartment = "salez"\n')
    assert problems == ["svcnotes.toml:3: C002 staff.department: staff 'a' has unknown department 'salez' (did you mean 'sales'?)"]


def test_missing_config_is_c003(tmp_path: Path) -> None:
    _, problems = load_config(tmp_path)
    assert [p.format() for p in problems] == ["svcnotes.toml: C003 no svcnotes.toml (run 'svcnotes init' or create it)"]


def test_config_not_in_utf8_is_c004(tmp_path: Path) -> None:
    (tmp_path / "svcnotes.toml").write_bytes('[organisation]\nname = "客服部"\n'.encode("gbk"))
    _, problems = load_config(tmp_path)
    assert [p.format() for p in problems] == ["svcnotes.toml: C004 svcnotes.toml is not UTF-8 (save it as UTF-8)"]


def test_config_error_makes_validate_exit_2(repo: Path) -> None:
    (repo / "svcnotes.toml").write_text(CONFIG.replace('locale = "zh-CN"', 'locale = "fr"'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(repo), "validate"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == ["svcnotes.toml:3: C002 organisation.locale: 'fr' is not a valid value (use zh-CN or en)"]


def test_config_warning_alone_does_not_fail_validate(repo: Path) -> None:
    (repo / "svcnotes.toml").write_text(CONFIG + "\n[extras]\nx = 1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(repo), "validate"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"warning: svcnotes.toml:{CONFIG.count(chr(10)) + 2}: C001 extras: unknown section "
                                          "'extras' (allowed: approval, calendar, callbacks, complaints, conduct, deadlines, "
                                          "departments, ids, organisation, staff, targets)"]


def test_a_non_number_deadline_is_a_located_error_not_a_crash() -> None:
    config, problems = parse_config('[deadlines]\ntarget_days = "abc"\n\n[deadlines.severity.major]\nlimit_days = "x"\n')
    assert [p.format() for p in problems] == [
        "svcnotes.toml:2: C002 deadlines.target_days: 'abc' is not a valid value (write a whole number >= 0)",
        "svcnotes.toml:5: C002 deadlines.severity.major.limit_days: 'x' is not a valid value (write a whole number >= 0)",
    ]
    assert config.deadlines["major"].limit_days == 20 and config.deadlines["normal"].target_days == 15


def test_every_option_is_declared_once_with_a_type_and_a_docstring_and_documented() -> None:
    from svcnotes.model.config import OPTIONS

    docs = (Path(__file__).resolve().parents[2] / "docs" / "config.md").read_text(encoding="utf-8")
    for key, option in OPTIONS.items():
        assert option.key == key and option.type and option.doc.endswith((".", ")")), key
        assert f"`{key}`" in docs, f"{key} is not in docs/config.md"
    from svcnotes.model.config import config_reference

    assert docs == config_reference(), "docs/config.md is stale: run make docs"


def test_every_command_refuses_a_bad_config_with_exit_2_and_the_located_error(repo: Path) -> None:
    text = (repo / "svcnotes.toml").read_text(encoding="utf-8").replace("target_days = 15", 'target_days = "abc"')
    (repo / "svcnotes.toml").write_text(text, encoding="utf-8")
    line = text.splitlines().index('target_days = "abc"') + 1
    expected = f"error: svcnotes.toml:{line}: C002 deadlines.target_days: 'abc' is not a valid value (write a whole number >= 0)"
    for args in (["list", "complaints"], ["overdue"], ["report", "register"], ["investigate", "C-2611-001"],
                 ["validate"]):
        result = CliRunner().invoke(cli, ["-C", str(repo), *args], catch_exceptions=False)
        assert result.exit_code == 2, (args, result.output)
        assert expected.removeprefix("error: ") in result.output, (args, result.output)


def test_no_wrongly_typed_value_of_any_declared_option_crashes_the_loader() -> None:
    from svcnotes.model.config import OPTIONS

    for key in OPTIONS:
        table, _, name = key.rpartition(".")
        for value in ('"abc"', "5", "true", '[1, "x"]', "{ a = 1 }", "-3", "1.5", "[]"):
            text = f"[{table}]\n{name} = {value}\n" if table else f"{name} = {value}\n"
            parse_config(text)  # problems, never an exception
    for field in ("emails", "name", "department", "roles", "email"):
        for value in ("5", '"x"', "[1]", "{ a = 1 }"):
            parse_config(f'[[staff]]\nid = "a"\n{field} = {value}\n')
    assert formatted('[[staff]]\nid = "a"\nemails = 5\n') == [
        'svcnotes.toml:3: C002 staff.emails: emails of \'a\' must be a list of e-mail addresses (write emails = ["a@example.com"])']
