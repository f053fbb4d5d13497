"""svcnotes.editing sits above workflow and below the CLI: no click, no CLI, pygls only in server.py."""

from __future__ import annotations

from tests.test_meta import PACKAGE, ROOT, imports_of

ALLOWED = {"model", "store", "checks", "workflow", "editing"}


def test_editing_imports_only_lower_layers_and_keeps_pygls_in_the_server() -> None:
    bad = []
    for path in sorted((PACKAGE / "editing").glob("*.py")):
        for module in imports_of(path):
            parts = module.split(".")
            if parts[0] == "click" or (parts[0] == "svcnotes" and len(parts) > 1 and parts[1] not in ALLOWED | {"__version__"}):
                bad.append(f"{path.relative_to(ROOT)}: {module}")
            if parts[0] in ("pygls", "lsprotocol") and path.name != "server.py":
                bad.append(f"{path.relative_to(ROOT)}: {module}")
    assert bad == []
