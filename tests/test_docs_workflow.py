"""docs/workflow.md is the generated workflow reference and stays true to the code."""

from __future__ import annotations

import re
from pathlib import Path

from svcnotes.model.config import Config
from svcnotes.workflow.docs import EDGE_VERBS, transition_table, workflow_reference
from svcnotes.workflow.states import TRANSITIONS, guards

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_MD = ROOT / "docs" / "workflow.md"


def test_docs_workflow_md_is_current() -> None:
    assert WORKFLOW_MD.read_text(encoding="utf-8") == workflow_reference(), (
        "docs/workflow.md is stale: run python -m svcnotes.workflow.docs > docs/workflow.md")


def test_every_allowed_transition_has_a_row_and_no_row_is_invented() -> None:
    table = transition_table()
    rows = set(re.findall(r"^\| `(\w+)` \| `(\w+)` \|", table, re.MULTILINE))
    assert rows == {(a, b) for a, targets in TRANSITIONS.items() for b in targets}


def test_edge_verbs_name_only_allowed_transitions() -> None:
    stale = [edge for edge in EDGE_VERBS if edge[1] not in TRANSITIONS.get(edge[0], ())]
    assert stale == []


def test_every_rule_checked_on_entering_a_status_is_described() -> None:
    text = workflow_reference()
    for status in TRANSITIONS:
        for check in guards(status):
            assert f"**{check.name}**" in text


def test_every_workflow_command_example_appears_in_the_docs() -> None:
    from svcnotes.cli import callbacks, workflow

    text = workflow_reference()
    commands = []
    for command in [*workflow.COMMANDS, *callbacks.COMMANDS]:
        commands.extend(command.commands.values() if hasattr(command, "commands") else [command])
    examples = [m.group(1).strip() for c in commands for m in [re.search(r"Example: (.+)", c.help or "")] if m]
    assert len(examples) >= 15
    missing = [e for e in examples if e not in text]
    assert missing == []


def test_default_figures_come_from_the_config() -> None:
    text = workflow_reference()
    config = Config()
    assert f"`deadlines.due_soon_days` ({config.due_soon_days})" in text
    for phrase in config.forbidden_phrases:
        assert f"- {phrase}\n" in text
