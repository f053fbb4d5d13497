"""Packaging: every dependency is used and has a proven floor; the package ships what it needs."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".ci"))
from floors import floors  # noqa: E402

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_top_level_modules() -> set[str]:
    """Top-level modules svcnotes imports (absolute imports only), from its source."""
    out: set[str] = set()
    for path in (ROOT / "svcnotes").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.add(node.module.split(".")[0])
    return out


def third_party_imports() -> dict[str, set[str]]:
    """Imported module -> the distributions that provide it, for every module not in the standard library."""
    providers = importlib.metadata.packages_distributions()
    modules = {m for m in imported_top_level_modules() if m not in sys.stdlib_module_names and m != "svcnotes"}
    return {m: {canonical(d) for d in providers.get(m, [])} for m in modules}


def declared() -> set[str]:
    return {canonical(re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0]) for dep in PYPROJECT["project"]["dependencies"]}


def test_every_declared_dependency_is_imported_and_every_import_is_declared() -> None:
    imports = third_party_imports()
    undeclared = sorted(m for m, dists in imports.items() if not dists & declared())
    unused = sorted(d for d in declared() if not any(d in dists for dists in imports.values()))
    assert (undeclared, unused) == ([], [])


def test_every_dependency_has_a_floor_that_make_floors_installs() -> None:
    pins = floors(ROOT / "pyproject.toml")
    assert {canonical(p.split("==")[0]) for p in pins} == declared()
    assert "pygls==2.1.0" in pins  # 2.0.x lacks pygls.workspace.position_codec.ServerTextPosition: `svcnotes lsp` crashed
    assert "markdown==3.8.1" in pins  # older Markdown raises AssertionError on '<![' in a record body


def test_the_site_uses_no_private_markupsafe_name() -> None:
    for path in (ROOT / "svcnotes").rglob("*.py"):
        assert "markupsafe._" not in path.read_text(encoding="utf-8"), path


def test_licence_is_an_spdx_expression_with_its_file_and_lint_tools_are_pinned() -> None:
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert all("==" in dep for dep in project["optional-dependencies"]["dev"])
    assert PYPROJECT["tool"]["mypy"]["packages"] == ["svcnotes"]
