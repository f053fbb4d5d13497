"""The direct reader of the plain layout gives exactly what libyaml + the walk give, or declines."""

from __future__ import annotations

import random

import yaml

from svcnotes.store import frontmatter
from svcnotes.store.frontmatter import _Loader, _Walker, parse
from svcnotes.store.simpleyaml import simple_yaml
from tests.fastpath import same_as_canonical

# Pieces of front matter, plain and tricky: quotes, nulls, comments, blocks, lists, odd spacing.
KEYS = ["id", "title", "status", "x-note", "a_b", "null", "yes", "on", "k9", "approvals", "tags"]
VALUES = [
    "plain", "C-2611-007", "2026-11-05 09:30", "12000", "0123", "yes", "no", "~", "null", "Null", "NULL", "",
    "'single'", "'it''s'", "''", "' padded '", "'a: b # c'", '"double"', '"with \\"escape"', '"a\\nb"', "'open",
    "客户要求退货。", "a: b", "a #b", "a#b", "C#", "ends:", "http://x:8080/a", "[]", "[a, b]", "{}", "{a: 1}",
    "&anchor x", "*alias", "!tag x", "- x", "-5", "?x", ":x", ",x", "%x", "@x", "`x", "|", "|-", "|+", ">", "| # c",
    "x  ", "  x", "x ' y", 'x " y', "x [y] {z}", "a,b", "\u00a0x", "x\u3000", "--- x", "...",
]
BLOCK_LINES = ["  line one", "  line two", "", "    indented more", "  # not a comment", "   ", "", "  a: b"]


def _piece(rng: random.Random) -> str:
    kind = rng.random()
    key = rng.choice(KEYS)
    if kind < 0.45:
        return f"{key}:{rng.choice([' ', '  ', ' '])}{rng.choice(VALUES)}{rng.choice(['', ' ', '  '])}"
    if kind < 0.55:
        return f"{key}: {rng.choice(['|', '|-'])}\n" + "\n".join(rng.choice(BLOCK_LINES) for _ in range(rng.randint(0, 4)))
    if kind < 0.8:
        indent = rng.choice(["", "  ", "  ", " "])
        lines = [f"{key}:"]
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.4:
                lines.append(f"{indent}- {rng.choice(VALUES)}")
            else:
                lines.append(f"{indent}- {rng.choice(KEYS)}: {rng.choice(VALUES)}")
                for _ in range(rng.randint(0, 2)):
                    lead = rng.choice([indent + "  ", indent + "  ", indent + "   ", indent + " "])
                    lines.append(f"{lead}{rng.choice(KEYS)}:{rng.choice([' ' + rng.choice(VALUES), ''])}")
        return "\n".join(lines)
    return rng.choice(["", "# comment", "  # indented comment", "   ", f"{key}:", f"{key} : x", f"{key}:x", "- x",
                       "  continued", "<<: x", "--- x", "%YAML 1.1", f"{key}:   # c"])


def _declined(answer: object) -> bool:
    return answer is None  # simple_yaml leaves the text to libyaml


def libyaml_result(text: str) -> tuple[dict, dict] | None:
    """What frontmatter's libyaml path gives for front-matter text (None on errors and problems)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if node is None:
        return {}, {}
    if not isinstance(node, yaml.MappingNode):
        return None
    walker = _Walker("p")
    data = walker.mapping(node, "")
    return None if walker.problems else (data, walker.lines)


def test_generated_front_matter_is_read_as_libyaml_reads_it_or_declined() -> None:
    rng = random.Random(20261123)
    texts = ["\n".join(_piece(rng) for _ in range(rng.randint(1, 6))) + "\n" for _ in range(20_000)]
    same_as_canonical(texts, simple_yaml, libyaml_result, declined=_declined, least=2_000)  # the subset is not trivially empty


def test_the_layout_svcnotes_writes_is_read_directly() -> None:
    text = ("id: C-2611-007\ntitle: 支架尺寸超差\nstatus: approved\nnote: 'yes'\nempty:\n"
            "approvals:\n  - by: chen.gang\n    role: gm\n    amount: 80000\n"
            "tags:\n  - 紧急\n  - 'no'\nreply: |-\n  您好，\n\n  已处理。\nlast: x\n")
    same_as_canonical([text], simple_yaml, libyaml_result, declined=_declined)
    assert simple_yaml(text) == (
        {"id": "C-2611-007", "title": "支架尺寸超差", "status": "approved", "note": "yes", "empty": None,
         "approvals": [{"by": "chen.gang", "role": "gm", "amount": "80000"}], "tags": ["紧急", "no"],
         "reply": "您好，\n\n已处理。", "last": "x"},
        {"id": 2, "title": 3, "status": 4, "note": 5, "empty": 6, "approvals": 7, "approvals[0].by": 8,
         "approvals[0].role": 9, "approvals[0].amount": 10, "tags": 11, "reply": 14, "last": 18})


def test_anything_else_is_left_to_libyaml() -> None:
    for text in ["a: b: c\n", "a: &x 1\nb: *x\n", "a: [1, 2]\n", "a: b\n  c\n", "a: 1\na: 2\n", "<<: x\n",
                 "a:\n  b: c\n", "a: 'multi\n  line'\n", "a: \"esc\\n\"\n", "a: >\n  folded\n", "- a\n"]:
        assert simple_yaml(text) is None, text


def test_parse_gives_the_same_record_with_and_without_the_direct_reader(monkeypatch) -> None:
    texts = ["---\nid: C-1\ntitle: x\n---\n\nbody\n", "---\nid: C-1\n---\n", "---\nid: C-1\n...\nbody", "---\n---\n",
             "---\nid: C-1\n---\n   \nbody\n\n", "---\nid: 1\n---\nno blank line\n", "--- \na: b\n---   \n\u3000\nx\n",
             "---\na: b\n", "no fence\n", "---\na: b\r\n---\r\nbody\r\n", "---\na:\n  - x\n  - y\n---\n",
             "---\na: b\n---\n\u2028\nbody\n", "---\na: b\u2028c\n---\n", "---\na: b\n---x\n...\n", "---\n...",
             "---\na: '\x85'\n---\n", "---\na:\tb\n---\n", "---\na: [\n---\n", "---\n- a\n---\n"]
    fast = [parse(t, "p") for t in texts]
    monkeypatch.setattr(frontmatter, "simple_yaml", lambda text: None)
    monkeypatch.setattr(frontmatter, "_parse_lf", lambda text, path: None)  # every text by splitlines
    slow = [parse(t, "p") for t in texts]
    assert fast == slow


def test_real_corpora_read_directly_agree_with_libyaml(corpora) -> None:  # type: ignore[no-untyped-def]
    """The YAML test suite's documents and the naughty strings as values: wherever the direct
    reader answers, it answers as libyaml does."""
    import json

    texts = [case.read_text(encoding="utf-8", errors="surrogateescape")
             for case in sorted((corpora / "yaml-test-suite" / "cases").glob("*/in.yaml"))]
    naughty = json.loads((corpora / "blns" / "blns.json").read_text(encoding="utf-8"))
    texts += [template.format(s) for s in naughty if "\n" not in s
              for template in ("a: {}\n", "a:\n  - {}\n", "a:\n  - k: {}\n", "a: |\n  {}\n", "a: '{}'\n")]
    handed = [text for text in texts  # parse never hands the others to the direct reader
              if not ("\t" in text or frontmatter._NOT_SIMPLE.search(text) or frontmatter._ODD_BREAKS.search(text))]
    same_as_canonical(handed, simple_yaml, libyaml_result, declined=_declined, least=1000)
