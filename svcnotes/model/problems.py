"""The one error shape: every data problem is a value, collected in full, never raised."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from svcnotes.i18n import language
from svcnotes.model.message import msg, render


class Severity(str, Enum):  # noqa: UP042 -- StrEnum would change str()/format() from "Severity.ERROR" to "error"
    """How bad a problem is: errors fail a run, warnings only with --strict."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem: code, severity, file, line, field, message and a hint to fix it."""

    code: str
    message: str
    path: str = ""
    line: int | None = None
    field: str = ""
    hint: str = ""
    severity: Severity = Severity.ERROR

    def __reduce__(self) -> tuple[object, ...]:
        # fast pickling for the validation cache
        return (Problem, (self.code, self.message, self.path, self.line, self.field, self.hint, self.severity))

    def format(self, lang: str | None = None) -> str:
        """Render as `path:line: CODE field: message (hint)`, message and hint in `lang` (default: the
        current language, svcnotes.i18n); the path, code and field are never translated."""
        where = self.path or "<repository>"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.code} {self.text(lang)}"

    def text(self, lang: str | None = None) -> str:
        """`field: message (hint)` in `lang` (default: the current language), as editors show it."""
        lang = lang or language()
        field = f"{self.field}: " if self.field else ""
        hint = ""
        if self.hint:  # Chinese text takes full-width brackets
            hint = f"（{render(self.hint, lang)}）" if lang == "zh-CN" else f" ({render(self.hint, lang)})"
        return f"{field}{render(self.message, lang)}{hint}"

    def to_dict(self) -> dict[str, object]:
        """Plain data for --format json: the English message and hint, whatever the language."""
        return {"code": self.code, "message": str(self.message), "path": self.path, "line": self.line,
                "field": self.field, "hint": str(self.hint), "severity": self.severity.value}

    @property
    def is_error(self) -> bool:
        """True when this problem fails a run without --strict."""
        return self.severity is Severity.ERROR


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A 'did you mean ...?' hint for the closest choice, or a list of the allowed ones."""
    options = list(choices)
    close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
    if close:
        return msg("did you mean '{choice}'?", choice=close[0])
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return msg("allowed: {choices}", choices=shown)


def sort_key(problem: Problem) -> tuple[str, int, str, str]:
    """Order problems by file, then line, then code."""
    return (problem.path, problem.line or 0, problem.code, problem.field)
