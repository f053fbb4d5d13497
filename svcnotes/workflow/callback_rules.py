"""Validation rules of callbacks (回访制度), registered with svcnotes.checks.

They hold whether the CLI or a person in an editor wrote the file:
E501 a satisfaction of 2 or below needs the customer's comments;
E502 an `unreachable` callback needs the configured number of failed attempts at different times of day;
E503 attempts are listed in time order;
E504 a follow-up complaint is linked only from a done callback that asks for follow-up.
Done callbacks need conducted_by/done_at/channel through the schema's `required_in` (E303).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from svcnotes.checks import register_record
from svcnotes.model.config import Config
from svcnotes.model.message import msg
from svcnotes.model.problems import Problem, Severity
from svcnotes.workflow.callbacks import DAY_PARTS, UNREACHABLE_RESULTS, is_unreachable

if TYPE_CHECKING:
    from svcnotes.model.record import Record


def _imported(record: object) -> bool:
    return bool(getattr(record, "data", {}).get("imported"))


@register_record(["callback"], codes=("E501",))
def check_low_satisfaction_has_comment(record: Record, config: Config) -> list[Problem]:
    """A satisfaction score of 1 or 2 comes with the customer's comments (what went wrong)."""
    score = record.get("satisfaction")
    if isinstance(score, int) and score <= 2 and not str(record.get("comments", "")).strip():
        return [Problem("E501", msg("satisfaction {score} needs the customer's comments", score=score), record.path,
                        record.line("satisfaction"), "comments", msg("write what the customer said under 'comments:'"),
                        Severity.WARNING if _imported(record) else Severity.ERROR)]
    return []


@register_record(["callback"], codes=("E502",))
def check_unreachable_has_attempts(record: Record, config: Config) -> list[Problem]:
    """An unreachable callback shows the configured number of no-answer/busy attempts at different
    times of day (morning, afternoon, evening)."""
    needed = config.unreachable_after_attempts
    if record.status != "unreachable" or is_unreachable(record.get("attempts", []), needed):
        return []
    misses = len([a for a in record.get("attempts", []) if a.get("result") in UNREACHABLE_RESULTS])
    parts = min(needed, len(DAY_PARTS))
    return [Problem("E502", msg("unreachable needs {needed} no_answer/busy attempts at {parts} different times of "
                                "day; found {misses}", needed=needed, parts=parts, misses=misses), record.path, record.line("status"), "status",
                    msg("log the attempts (svcnotes callback attempt) or set status back to scheduled"),
                    Severity.WARNING if _imported(record) else Severity.ERROR)]


@register_record(["callback"], codes=("E503",))
def check_attempts_in_order(record: Record, config: Config) -> list[Problem]:
    """Attempts are listed oldest first, so the log reads as it happened."""
    out = []
    previous: datetime | None = None
    for i, attempt in enumerate(record.get("attempts", [])):
        at = attempt.get("at")
        if not isinstance(at, datetime):
            continue
        if previous is not None and at < previous:
            out.append(Problem("E503", msg("attempt {number} at {at:%Y-%m-%d %H:%M} is before the one above it "
                                           "({previous:%Y-%m-%d %H:%M})", number=i + 1, at=at, previous=previous), record.path,
                               record.line(f"attempts[{i}].at"), f"attempts[{i}].at", msg("list attempts oldest first")))
        previous = at if previous is None else max(previous, at)
    return out


@register_record(["callback"], codes=("E504",))
def check_follow_up_complaint(record: Record, config: Config) -> list[Problem]:
    """A follow-up complaint is linked only from a done callback marked follow_up."""
    if record.get("follow_up_complaint") and (record.status != "done" or record.get("follow_up") is False):
        return [Problem("E504", msg("follow_up_complaint is set but the callback is not a done callback needing follow-up"), record.path, record.line("follow_up_complaint"),
                        "follow_up_complaint", msg("set status: done and follow_up: true, or remove the link"))]
    return []
