"""What a record repository's CI installs: a wheel of the running svcnotes and a hash-locked requirements file.

svcnotes is not on a public package index, and a record repository holds confidential customer data,
so CI must never `pip install svcnotes` from wherever that name happens to resolve. `svcnotes
ci-setup` (and `init`) therefore write into the record repository:

- `.svcnotes/ci/svcnotes-<version>-py3-none-any.whl`: the running svcnotes, built from its own
  installed files (byte-for-byte reproducible: same code, same hash);
- `.svcnotes/ci/requirements.txt`: that wheel and every dependency pinned to the version that runs
  here, each with its sha256, for `pip install --require-hashes --no-deps -r` on a Linux x86-64 runner
  with the same Python minor version.

The dependency hashes come from `pip download` (the ordinary client: whatever index pip is configured
for, or `PIP_FIND_LINKS`/`PIP_NO_INDEX` for a local wheelhouse). May import svcnotes.model and the
standard library only; never click.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata as metadata
import importlib.util
import io
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import svcnotes

CI_DIR = ".svcnotes/ci"
REQUIREMENTS = f"{CI_DIR}/requirements.txt"
# The runner this lock is for: GitHub's ubuntu-latest and GitLab's python image are Linux x86-64 (glibc).
# pip does not widen a given --platform to older glibc tags, so every one the runner accepts is named.
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_24_x86_64", "manylinux_2_17_x86_64",
             "manylinux2014_x86_64", "manylinux_2_12_x86_64", "manylinux2010_x86_64", "manylinux_2_5_x86_64",
             "manylinux1_x86_64")
PLATFORM = "Linux x86-64, glibc 2.28 or newer"
INSTALL = f"python -m pip install --require-hashes --no-deps -r {REQUIREMENTS}"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class LockFailed(Exception):
    """pip could not fetch the dependencies to hash (offline, or a version missing from the index)."""


@dataclass(frozen=True)
class Lock:
    """The files `ci-setup` writes for CI's install: path relative to the repository -> bytes."""

    files: dict[str, bytes]
    python: str

    @property
    def requirements(self) -> str:
        """The hash-locked requirements text."""
        return self.files[REQUIREMENTS].decode("utf-8")


def python_version() -> str:
    """The running Python's minor version ('3.11'): CI runs the same one, so the locked wheels fit."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _dist() -> metadata.Distribution:
    """The installed svcnotes distribution: its .dist-info (a source checkout's stale .egg-info may shadow it)."""
    found = list(metadata.distributions(name="svcnotes"))
    for dist in found:
        if dist.read_text("METADATA"):
            return dist
    if not found:
        raise metadata.PackageNotFoundError("svcnotes")
    return found[0]


def version() -> str:
    """The running svcnotes version."""
    return _dist().version


def wheel_name() -> str:
    """File name of the running svcnotes' wheel."""
    return f"svcnotes-{version()}-py3-none-any.whl"


def _theme_dir() -> Path:
    """The default theme's folder: installed svcnotes.theme, or templates/ of a source checkout."""
    checkout = Path(svcnotes.__file__).resolve().parent.parent / "templates"
    spec = importlib.util.find_spec("svcnotes.theme")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return checkout


def _package_files() -> list[tuple[str, Path]]:
    """(name in the wheel, file) for the svcnotes package and its theme, sorted, without byte code."""
    out: list[tuple[str, Path]] = []
    for prefix, folder in (("svcnotes", Path(svcnotes.__file__).resolve().parent), ("svcnotes/theme", _theme_dir())):
        for path in folder.rglob("*"):
            rel = path.relative_to(folder)
            if not path.is_file() or "__pycache__" in rel.parts or path.suffix == ".pyc":
                continue
            if prefix == "svcnotes" and rel.parts[0] == "theme":
                continue  # an installed wheel already has it: taken from the theme folder
            out.append((f"{prefix}/{rel.as_posix()}", path))
    return sorted(out)


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"sha256={digest}"


def build_wheel() -> bytes:
    """A wheel of the running svcnotes (its code, theme, metadata and entry points), reproducible byte for byte."""
    dist = _dist()
    info = f"svcnotes-{version()}.dist-info"
    members: list[tuple[str, bytes]] = [(name, path.read_bytes()) for name, path in _package_files()]
    members.append((f"{info}/METADATA", (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").encode("utf-8")))
    members.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: svcnotes ci-setup\nRoot-Is-Purelib: true\n"
                                     b"Tag: py3-none-any\n"))
    members.append((f"{info}/entry_points.txt", (dist.read_text("entry_points.txt") or "").encode("utf-8")))
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in members:
        writer.writerow([name, _record_hash(data), len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    members.append((f"{info}/RECORD", record.getvalue().encode("utf-8")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in members:
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    return buffer.getvalue()


def dependency_pins() -> dict[str, str]:
    """Every distribution svcnotes needs, transitively, as installed here: canonical name -> version."""
    pins: dict[str, str] = {}
    todo = ["svcnotes"]
    while todo:
        name = todo.pop()
        try:
            requires = (_dist().requires if name == "svcnotes" else metadata.requires(name)) or []
        except metadata.PackageNotFoundError:
            continue
        for req in requires:
            if ";" in req and "extra" in req.split(";", 1)[1]:
                continue  # optional extras (test, dev) are not what CI runs
            match = _NAME.match(req)
            if not match:
                continue
            dep = canonical(match.group(1))
            if dep in pins or dep == "svcnotes":
                continue
            try:
                pins[dep] = metadata.version(dep)
            except metadata.PackageNotFoundError:
                continue  # a marker excludes it here (e.g. Windows-only); pip decides for the runner
            todo.append(dep)
    return dict(sorted(pins.items()))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dist_name(filename: str) -> str:
    return canonical(filename.split("-")[0])


def download_dependencies(wheel: Path, dest: Path, python: str) -> list[Path]:
    """`pip download` the wheels the runner will install for `wheel`, pinned to the running versions."""
    pins = dependency_pins()
    constraints = dest / "constraints.txt"
    dest.mkdir(parents=True, exist_ok=True)
    constraints.write_text("".join(f"{name}=={ver}\n" for name, ver in pins.items()), encoding="utf-8")
    nodot = python.replace(".", "")
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--dest", str(dest),
           "--only-binary=:all:", *(arg for tag in PLATFORMS for arg in ("--platform", tag)), "--python-version", python, "--implementation", "cp",
           "--abi", f"cp{nodot}", "-c", str(constraints), str(wheel)]
    env = {**os.environ, "PIP_CONSTRAINT": ""}  # a machine-wide constraint file must not move the pins
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
        raise LockFailed(lines[-1] if lines else f"pip download exited {proc.returncode}")
    return sorted(p for p in dest.glob("*.whl") if _dist_name(p.name) != "svcnotes")


def build_lock(wheelhouse: Path | None = None) -> Lock:
    """The wheel and the hash-locked requirements for CI; dependency wheels are fetched into `wheelhouse`."""
    python = python_version()
    wheel = build_wheel()
    name = wheel_name()
    with tempfile.TemporaryDirectory(prefix="svcnotes-lock-") as tmp:
        local = Path(tmp) / name
        local.write_bytes(wheel)
        dest = wheelhouse or Path(tmp) / "wheels"
        deps = download_dependencies(local, dest, python)
        hashes: dict[tuple[str, str], list[str]] = {}
        for path in deps:
            parts = path.name.split("-")
            hashes.setdefault((_dist_name(path.name), parts[1]), []).append(_sha256(path))
    lines = [f"# Written by `svcnotes ci-setup` (svcnotes {version()}, Python {python}, {PLATFORM}): what CI installs,",
             f"# with: {INSTALL}",
             "# Regenerate with `svcnotes ci-setup --force` after upgrading svcnotes; never edit by hand.",
             f"./{CI_DIR}/{name} \\",
             f"    --hash=sha256:{hashlib.sha256(wheel).hexdigest()}"]
    for (dist, ver), digests in sorted(hashes.items()):
        lines.append(f"{dist}=={ver}" + "".join(f" \\\n    --hash=sha256:{d}" for d in sorted(set(digests))))
    return Lock({f"{CI_DIR}/{name}": wheel, REQUIREMENTS: ("\n".join(lines) + "\n").encode("utf-8")}, python)


def locked_version(root: Path) -> str | None:
    """The svcnotes version the repository's CI lock installs, or None when there is no lock."""
    path = root / REQUIREMENTS
    if not path.is_file():
        return None
    match = re.search(r"/svcnotes-([^-]+)-py3-none-any\.whl", path.read_text(encoding="utf-8"))
    return match.group(1) if match else None
