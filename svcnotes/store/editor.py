"""Editor integration files: JSON Schemas, the VS Code YAML mapping and the VS Code validate task.

`svcnotes schema --write` writes them; `svcnotes doctor` compares them with what would be
written. Files that exist are merged, never replaced: other settings and tasks stay, and a
file that cannot be read as JSON (with comments, as VS Code allows) is left untouched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from svcnotes.model.config import Config
from svcnotes.model.jsonschema import json_schema
from svcnotes.model.message import msg
from svcnotes.model.schema import KINDS
from svcnotes.store.writer import atomic_write

SETTINGS = ".vscode/settings.json"
TASKS = ".vscode/tasks.json"
TASK_LABEL = "svcnotes: validate"

# `svcnotes validate --watch` prints WATCH_BEGIN before each run and a WATCH_END line after it:
# the task's background patterns, so VS Code replaces the previous run's problems with the new ones.
WATCH_BEGIN = "svcnotes validate: checking"
WATCH_END = "svcnotes validate: {errors} error(s), {warnings} warning(s) in {records} records; watching for changes"
WATCH_BEGIN_REGEXP = r"^svcnotes validate: checking"
WATCH_END_REGEXP = r"^svcnotes validate: \d+ error\(s\), \d+ warning\(s\) in \d+ records"

# One problem line of `svcnotes validate`, e.g.
#   records/complaints/2026/C-2611-007.md:12: E104 status: 'closd' is not a complaint status (...)
#   warning: records/callbacks/2026/CB-2611-003.md:9: W304 due: ...
# Groups: 1 severity ("warning" or none = error), 2 file, 3 line, 4 code, 5 message.
# Plain enough to mean the same in Python's re and in JavaScript (VS Code).
PROBLEM_REGEXP = r"^(?:(warning): )?([^\s:][^:]*):(\d+): ([A-Z]\d{3}) (.*)$"


class EditorFileError(Exception):
    """An existing editor file cannot be read as JSON, so it is not touched."""


def schema_mapping() -> dict[str, list[str]]:
    """yaml.schemas: each kind's schema file -> the glob of its record files."""
    return {f"./schemas/{name}.schema.json": [f"records/{kind.folder}/**/*.md"] for name, kind in KINDS.items()}


def validate_task() -> dict[str, Any]:
    """The VS Code task that keeps `svcnotes validate --watch` running and feeds its lines to Problems."""
    return {
        "label": TASK_LABEL,
        "detail": "svcnotes validate --watch: record problems in the Problems panel, updated on every save",
        "type": "shell",
        "command": "svcnotes",
        "args": ["validate", "--watch"],
        "isBackground": True,
        "runOptions": {"runOn": "folderOpen"},
        "presentation": {"reveal": "never", "panel": "dedicated", "showReuseMessage": False},
        "problemMatcher": {
            "owner": "svcnotes",
            "source": "svcnotes",
            "fileLocation": ["relative", "${workspaceFolder}"],
            "pattern": {"regexp": PROBLEM_REGEXP, "severity": 1, "file": 2, "line": 3, "code": 4, "message": 5},
            "background": {"activeOnStart": True, "beginsPattern": WATCH_BEGIN_REGEXP, "endsPattern": WATCH_END_REGEXP},
        },
    }


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (VS Code's settings and tasks) as plain JSON, lines kept."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[i:end + 1])
            i = end + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * text.count("\n", i, end))
            i = end
        else:
            out.append(c)
            i += 1
    plain = "".join(out)
    # a comma before a closing bracket, outside strings: strings are skipped by matching them first
    return re.sub(r'("(?:\\.|[^"\\])*")|,(\s*[}\]])', lambda m: m.group(1) or m.group(2), plain)


def read_json_file(path: Path, rel: str) -> dict[str, Any]:
    """An editor JSON file as a dict ({} when absent); EditorFileError when it cannot be read."""
    if not path.exists():
        return {}
    try:
        data = json.loads(strip_jsonc(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError) as exc:
        raise EditorFileError(msg("{path}: cannot read: {error}", path=rel, error=str(exc))) from None
    except json.JSONDecodeError as exc:
        raise EditorFileError(msg("{path}:{line}: not valid JSON ({error}); fix it or move it away, then run "
                                  "svcnotes schema --write again", path=rel, line=exc.lineno, error=exc.msg)) from None
    if not isinstance(data, dict):
        raise EditorFileError(msg("{path}: expected a JSON object at the top; fix it or move it away", path=rel))
    return data


def merged_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """settings.json with the schema mapping added (other keys and other mappings kept)."""
    out = dict(settings)
    out["yaml.schemas"] = {**(settings.get("yaml.schemas") or {}), **schema_mapping()}
    associations = dict(out.get("files.associations") or {})
    associations.setdefault("*.md", "markdown")
    out["files.associations"] = associations
    return out


def merged_tasks(tasks: dict[str, Any]) -> dict[str, Any]:
    """tasks.json with the svcnotes task added or brought up to date (other tasks kept in place)."""
    out = dict(tasks)
    out.setdefault("version", "2.0.0")
    listed = [t for t in (tasks.get("tasks") or []) if isinstance(t, dict)] if isinstance(tasks.get("tasks"), list) else []
    ours = validate_task()
    if any(t.get("label") == TASK_LABEL for t in listed):
        out["tasks"] = [ours if t.get("label") == TASK_LABEL else t for t in listed]
    else:
        out["tasks"] = [*listed, ours]
    return out


def current_task(root: Path) -> dict[str, Any] | None:
    """The svcnotes task in the repository's tasks.json, as written there (None when absent)."""
    try:
        tasks = read_json_file(root / TASKS, TASKS).get("tasks")
    except EditorFileError:
        return None
    for task in tasks if isinstance(tasks, list) else []:
        if isinstance(task, dict) and task.get("label") == TASK_LABEL:
            return task
    return None


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_editor_schemas(root: Path, config: Config) -> list[str]:
    """Write schemas/<kind>.schema.json, map them in .vscode/settings.json, add the validate task to
    .vscode/tasks.json; return the written paths. Nothing is written if an editor file is unreadable."""
    settings = merged_settings(read_json_file(root / SETTINGS, SETTINGS))
    tasks = merged_tasks(read_json_file(root / TASKS, TASKS))
    written = []
    for name in KINDS:
        rel = f"schemas/{name}.schema.json"
        atomic_write(root / rel, _dump(json_schema(name, config)))
        written.append(rel)
    atomic_write(root / SETTINGS, _dump(settings))
    atomic_write(root / TASKS, _dump(tasks))
    return [*written, SETTINGS, TASKS]
