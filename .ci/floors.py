"""Print a pip constraints file pinning every dependency of svcnotes to its declared lower bound.

`make floors` installs svcnotes with these constraints (the oldest versions pyproject.toml allows)
and runs a smoke subset of the tests: a floor that is too low fails there, not on a user's machine.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^]]*\])?\s*>=\s*([^,;\s]+)")


def floors(pyproject: Path) -> list[str]:
    """`name==floor` for every runtime dependency declared with a `>=` lower bound."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    out = []
    for dep in deps:
        match = FLOOR.match(dep)
        if not match:
            raise SystemExit(f"dependency without a lower bound: {dep!r}")
        out.append(f"{match.group(1)}=={match.group(2)}")
    return out


def _release(text: str) -> tuple[str, ...]:
    parts = text.split(".")
    while len(parts) > 1 and parts[-1] == "0":
        parts.pop()
    return tuple(parts)


def check_installed(pins: list[str]) -> list[str]:
    """The pins whose installed version differs (the floors venv must really hold the floors)."""
    from importlib.metadata import PackageNotFoundError, version

    wrong = []
    for pin in pins:
        name, _, want = pin.partition("==")
        try:
            have = version(name)
        except PackageNotFoundError:
            have = "(not installed)"
        if _release(have) != _release(want):
            wrong.append(f"{name}: {have} installed, floor is {want}")
    return wrong


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--check"]
    pins = floors(Path(args[0] if args else "pyproject.toml"))
    if "--check" in sys.argv:
        problems = check_installed(pins)
        print("\n".join(problems) or f"all {len(pins)} dependencies at their floors", file=sys.stderr)
        raise SystemExit(1 if problems else 0)
    print("\n".join(pins))
