"""Editor integration: JSON Schemas in the repository and the VS Code YAML mapping."""

from __future__ import annotations

import json
from pathlib import Path

from svcnotes.model.config import Config
from svcnotes.model.jsonschema import json_schema
from svcnotes.model.schema import KINDS
from svcnotes.store.writer import atomic_write


def write_editor_schemas(root: Path, config: Config) -> list[str]:
    """Write schemas/<kind>.schema.json and map them in .vscode/settings.json; return written paths."""
    written = []
    mapping = {}
    for name, kind in KINDS.items():
        rel = f"schemas/{name}.schema.json"
        atomic_write(root / rel, json.dumps(json_schema(name, config), ensure_ascii=False, indent=2) + "\n")
        written.append(rel)
        mapping[f"./{rel}"] = [f"records/{kind.folder}/**/*.md"]
    settings_path = root / ".vscode" / "settings.json"
    settings = {}
    if settings_path.exists():
        try:
            settings = json.loads(settings_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            settings = {}
    settings["yaml.schemas"] = {**settings.get("yaml.schemas", {}), **mapping}
    settings.setdefault("files.associations", {}).setdefault("*.md", "markdown")
    atomic_write(settings_path, json.dumps(settings, ensure_ascii=False, indent=2) + "\n")
    written.append(".vscode/settings.json")
    return written
