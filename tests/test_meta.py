"""Meta-tests: every command has help with an example and a docs entry; generated docs are current; layering holds."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import click
import pytest

from svcnotes.cli import cli
from svcnotes.cli.reference import cli_reference, example, walk
from svcnotes.model.docs import records_reference

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "svcnotes"
DOCS = ROOT / "docs"
COMMANDS = [(" ".join(path), command) for path, command in walk(cli) if path]

# layer -> the svcnotes subpackages it may import (besides itself); never click
LAYERS = {
    "model": set(),
    "store": {"model"},
    "checks": {"model", "store"},
    "workflow": {"model", "store", "checks"},
}
# modules below every layer: they import the standard library only (checked below), so any layer may use them
LEAVES = {"i18n"}  # the chosen language and the gettext catalogues (problem messages render through it)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_has_help_and_every_leaf_command_an_example(name: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"svcnotes {name} has no help"
    if not isinstance(command, click.Group):
        assert f"svcnotes {name}" in example(command), f"svcnotes {name}: help needs 'Example: svcnotes {name} ...'"


def test_every_command_is_mentioned_in_docs() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    missing = [name for name, _ in COMMANDS if f"svcnotes {name}" not in text]
    assert missing == [], f"commands not in docs/: {missing}"


def test_docs_cli_md_is_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference(cli), \
        "docs/cli.md is stale: run python -m svcnotes.cli.reference > docs/cli.md"


def test_docs_records_md_is_current() -> None:
    assert (DOCS / "records.md").read_text(encoding="utf-8") == records_reference(), \
        "docs/records.md is stale: run make docs (python -m svcnotes.model.docs > docs/records.md)"


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports (top level, inside functions and under TYPE_CHECKING), relative ones resolved."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names if module == "svcnotes")
    return found


def layer_violations(layer: str, root: Path = ROOT) -> list[str]:
    """`file: module` for each import a layer (under root/svcnotes/) must not make."""
    allowed = LAYERS[layer] | {layer}
    bad = []
    for path in sorted((root / "svcnotes" / layer).rglob("*.py")):
        for module in sorted(imports_of(path, root)):
            top = module.split(".")[0]
            if top == "click":
                bad.append(f"{path.relative_to(root)}: {module}")
            elif top == "svcnotes":
                parts = module.split(".")
                if len(parts) == 1 or parts[1] == "__version__" or parts[1] in LEAVES:
                    continue
                if parts[1] not in allowed:
                    bad.append(f"{path.relative_to(root)}: {module}")
            elif layer == "model" and top not in sys.stdlib_module_names:
                bad.append(f"{path.relative_to(root)}: {module} (model imports the standard library only)")
    return bad


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_lower_layers_never_import_click_or_a_higher_layer(layer: str) -> None:
    assert layer_violations(layer) == []


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_a_module_below_every_layer_imports_the_standard_library_only(leaf: str) -> None:
    path = PACKAGE / f"{leaf}.py"
    assert sorted(m for m in imports_of(path, ROOT) if m.split(".")[0] not in sys.stdlib_module_names) == []


def test_the_layer_check_catches_a_violation(tmp_path: Path) -> None:
    probe = tmp_path / "svcnotes" / "store" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from .. import __version__\nfrom . import ids\n"
                     "def f():\n    from svcnotes.workflow import commits\n    import click\n", encoding="utf-8")
    assert layer_violations("store", tmp_path) == ["svcnotes/store/probe.py: click", "svcnotes/store/probe.py: svcnotes.workflow"]


@pytest.mark.parametrize("package", sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()))
def test_every_package_says_what_it_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8"))) or ""
    assert "may import" in doc.lower(), f"svcnotes/{package}/__init__.py: docstring must say what it may import"
