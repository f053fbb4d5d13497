"""Problem messages carry their English text, template and parameters: rendered in the reader's language,
English for machines and the cache; every message in the package is marked and translated."""

from __future__ import annotations

import ast
import gettext
import pickle
import string
from pathlib import Path

import pytest

from svcnotes.model.labels import coded
from svcnotes.model.message import Message, joined, label, msg, render
from svcnotes.model.problems import Problem, did_you_mean

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "svcnotes/locale/zh_CN/LC_MESSAGES/svcnotes.po"
# the calls that make a problem, and where their message and hint go: (positional indexes, keywords)
PROBLEM_MAKERS = {"Problem": (1, 5), "_refuse": (2, 4), "_fail": (1, 3), "bad": (1, 2), "_bad": (1, 4),
                  "CoercionError": (0, 1)}


def test_a_message_is_its_english_text_and_renders_in_chinese() -> None:
    m = msg("cannot move {current} → {to}", current=coded("complaint_status", "closed"), to="registered")
    assert m == "cannot move closed → registered" and isinstance(m, str)
    assert render(m, "en") == "cannot move closed → registered"
    assert render(m, "zh-CN") == "不能从 closed（已结案）转到 registered"
    assert render("plain text", "zh-CN") == "plain text"  # unmarked text (record data, git's words) as it is


def test_a_problem_line_is_rendered_in_the_asked_language_and_its_data_stays_english() -> None:
    p = Problem("E104", msg("'{raw}' is not a valid {name}", raw="closd", name=label("status", "状态")), "a.md", 4, "status",
                did_you_mean("closd", ["closed", "resolved"]))
    assert p.format("zh-CN") == "a.md:4: E104 status: 'closd' 不是有效的状态值（是否想写 'closed'？）"
    assert p.format("en") == "a.md:4: E104 status: 'closd' is not a valid status (did you mean 'closed'?)"
    assert p.to_dict()["message"] == "'closd' is not a valid status"
    assert type(p.to_dict()["message"]) is str and type(p.to_dict()["hint"]) is str


def test_a_pickled_problem_keeps_english_and_renders_in_either_language() -> None:
    p = Problem("E411", msg("reopens {original}, which is {status}, not {finished}", original="C-2611-001",
                            status=coded("complaint_status", "resolved"), finished="closed"),
                hint=joined([msg("approval"), "C-2611-002"]))
    back = pickle.loads(pickle.dumps(p))
    assert back == p and back.message == "reopens C-2611-001, which is resolved, not closed"
    assert back.format("zh-CN") == "<repository>: E411 重开的是 C-2611-001，它是 resolved（已告知客户），而不是 closed（核决, C-2611-002）"
    assert isinstance(back.message, Message) and back.message.template == p.message.template


def test_a_label_from_the_schema_is_english_or_chinese() -> None:
    kind = label("complaint", "客诉")
    assert (kind, render(kind, "zh-CN")) == ("complaint", "客诉")
    assert pickle.loads(pickle.dumps(kind)).render("zh-CN") == "客诉"


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    out = []
    for path in sorted((ROOT / "svcnotes").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if called == name:
                    out.append((path, node))
    return out


def _templates() -> set[str]:
    found = set()
    for path, call in _calls("msg"):
        first = call.args[0] if call.args else None
        assert isinstance(first, ast.Constant) and isinstance(first.value, str), \
            f"{path.relative_to(ROOT)}:{call.lineno}: msg() takes a literal template (Babel extracts it)"
        found.add(first.value)
    return found


def _po_entries() -> dict[str, str]:
    from tests.cli.test_i18n import _po_entries as entries

    return entries(PO.read_text(encoding="utf-8"))


def _fields(text: str) -> list[tuple[str, str, str]]:
    return sorted((f, spec or "", conv or "") for _, f, spec, conv in string.Formatter().parse(text) if f is not None)


def test_every_problem_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    templates, entries = _templates(), _po_entries()
    assert len(templates) > 400
    assert sorted(t for t in templates if not entries.get(t)) == []  # run `make messages`, then translate
    with PO.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    assert {t: compiled.gettext(t) for t in templates} == {t: entries[t] for t in templates}
    for template in templates:
        assert _fields(entries[template]) == _fields(template), template


@pytest.mark.parametrize("maker", sorted(PROBLEM_MAKERS))
def test_no_problem_is_made_with_unmarked_words(maker: str) -> None:
    """A message or hint written as a bare string or f-string would stay English: it must be msg(...)."""
    positions = PROBLEM_MAKERS[maker]
    bare = []
    for path, call in _calls(maker):
        if path.parts[-2] == "cli":
            continue
        args = [a for i, a in enumerate(call.args) if i in positions]
        args += [k.value for k in call.keywords if k.arg in ("message", "hint")]
        bare += [f"{path.relative_to(ROOT)}:{node.lineno}" for arg in args for node in _words(arg)]
    assert bare == []


def _words(expr: ast.expr) -> list[ast.expr]:
    """The bare strings and f-strings `expr` can evaluate to (through `a or b`, `a if c else b`, `a + b`)."""
    if isinstance(expr, ast.JoinedStr) or (isinstance(expr, ast.Constant) and isinstance(expr.value, str) and expr.value):
        return [expr]
    if isinstance(expr, ast.IfExp):
        return _words(expr.body) + _words(expr.orelse)
    if isinstance(expr, ast.BoolOp):
        return [w for v in expr.values for w in _words(v)]
    if isinstance(expr, ast.BinOp):
        return _words(expr.left) + _words(expr.right)
    return []
