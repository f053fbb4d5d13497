"""A record as an immutable value that knows the file and line each field came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Record:
    """One record: kind, id, relative path, typed field values, Markdown body and field lines."""

    kind: str
    id: str
    path: str
    data: Mapping[str, Any]
    body: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)
    digest: str = ""

    def __reduce__(self) -> tuple[Any, ...]:
        # much faster to pickle (the warm cache) than the dataclass default for slots
        return (Record, (self.kind, self.id, self.path, self.data, self.body, self.lines, self.digest))

    def get(self, name: str, default: Any = None) -> Any:
        """A field's typed value, or `default` when absent or empty."""
        value = self.data.get(name)
        return default if value is None else value

    def line(self, name: str) -> int | None:
        """The file line of a field (dotted paths such as 'approvals[0].by' work too)."""
        return self.lines.get(name) or self.lines.get(name.split("[", 1)[0].split(".", 1)[0])

    @property
    def status(self) -> str:
        """The record's status ('' for kinds without one)."""
        return str(self.data.get("status") or "")
