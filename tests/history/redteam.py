"""A signed-mode record repository for the red-team tests: real ssh-keygen keys, real signed commits."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from click.testing import CliRunner, Result

from svcnotes.cli import cli
from tests.conftest import COMPLAINT, CONFIG, CUSTOMER, identity_env, write

STAFF = ("zhang.wei", "li.na", "wang.qiang", "chen.gang", "zhao.min")
C1 = "records/complaints/2026/C-2611-001.md"


def make_key(folder: Path, name: str) -> Path:
    """A fresh ed25519 key pair (no passphrase) at folder/name; returns the private key's path."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@laptop", "-f", str(key)],
                   check=True, capture_output=True)
    return key


def make_keys(folder: Path) -> Path:
    """A key pair for every staff member and one for a stranger."""
    for sid in (*STAFF, "stranger"):
        make_key(folder, sid)
    return folder


def signed_config(keys: Path, signed: bool = True) -> str:
    """The fixture's config with every staff member's public key listed and approval.signed set."""
    text = CONFIG
    for sid in STAFF:
        pub = (keys / f"{sid}.pub").read_text().strip()
        text = text.replace(f'emails = ["{sid}@example.com"]\n',
                            f'emails = ["{sid}@example.com"]\nsigning_keys = ["{pub}"]\n')
    return text + f"\n[approval]\nsigned = {'true' if signed else 'false'}\n"


def env(who: str, key: Path | None, author: str | None = None) -> dict[str, str]:
    """Environment that commits as staff member `who` (author e-mail of `author` if given) signing with `key`."""
    out = identity_env(who)
    if author is not None:
        out.update({k: v for k, v in identity_env(author).items() if k.startswith("GIT_AUTHOR")})
    if key is not None:
        out.update({"GIT_CONFIG_COUNT": "3", "GIT_CONFIG_KEY_0": "gpg.format", "GIT_CONFIG_VALUE_0": "ssh",
                    "GIT_CONFIG_KEY_1": "user.signingkey", "GIT_CONFIG_VALUE_1": str(key),
                    "GIT_CONFIG_KEY_2": "commit.gpgsign", "GIT_CONFIG_VALUE_2": "true"})
    else:
        out.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "commit.gpgsign", "GIT_CONFIG_VALUE_0": "false"})
    return out


class Lab:
    """A repository plus everyone's keys; `git`/`run` act as a staff member, signing with their own key."""

    def __init__(self, tmp: Path, keys: Path, signed: bool = True) -> None:
        self.keys = keys
        self.root = tmp / "repo"
        self.root.mkdir()
        self.git("init", "-q", "-b", "main", who="chen.gang")
        write(self.root, "svcnotes.toml", signed_config(self.keys, signed))
        write(self.root, ".gitignore", "/site/\n.svcnotes-cache/\n")
        write(self.root, "records/customers/hengda-auto.md", CUSTOMER)
        write(self.root, "records/complaints/2026/C-2611-001.md", COMPLAINT)
        self.commit("set up", who="chen.gang")

    def key(self, name: str) -> Path:
        """The private key of a staff member (or 'stranger': a key nobody lists)."""
        return self.keys / name

    def git(self, *args: str, who: str = "zhang.wei", key: str | None = "", author: str | None = None) -> str:
        """Run git as `who`, signing with `key` (default: who's own; None: unsigned)."""
        signing = None if key is None else self.key(key or who)
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True, text=True,
                              env={**os.environ, **env(who, signing, author)}).stdout

    def commit(self, message: str, who: str = "zhang.wei", key: str | None = "", author: str | None = None) -> str:
        """Commit every change as `who`; returns the short sha (10)."""
        self.git("add", "-A", who=who, key=key)
        self.git("commit", "-q", "-m", message, who=who, key=key, author=author)
        return self.sha()

    def sha(self, rev: str = "HEAD") -> str:
        """A commit's 10-character id."""
        return self.git("rev-parse", "--short=10", rev).strip()

    def run(self, *args: str, who: str = "zhang.wei", key: str | None = "") -> Result:
        """svcnotes as `who` (its commits signed with who's key)."""
        signing = None if key is None else self.key(key or who)
        return CliRunner().invoke(cli, ["-C", str(self.root), *args], catch_exceptions=False,
                                  env=env(who, signing))

    def fingerprint(self, name: str) -> str:
        """SHA256:... of a key, as ssh-keygen prints it."""
        out = subprocess.run(["ssh-keygen", "-lf", str(self.key(name)) + ".pub"], capture_output=True, text=True,
                             check=True).stdout
        return out.split()[1]

    def propose(self, amount: str, who: str = "zhang.wei", branch: str = "pr-1") -> None:
        """On a new branch: investigate and propose C-2611-001 (signed by `who`)."""
        self.git("checkout", "-q", "-b", branch, who=who)
        assert self.run("investigate", "C-2611-001", "--today", "2026-11-03", who=who).exit_code == 0
        args = ["propose", "C-2611-001", "--amount", amount, "--today", "2026-11-04", "--cause-class", "quality",
                "--cause-analysis", "模具磨损", "--responsible-dept", "manufacturing", "--countermeasure", "更换模具",
                "--resolution", "allowance"]
        result = self.run(*args, who=who)
        assert result.exit_code == 0, result.output

    def line_of(self, text: str, rel: str = C1) -> int:
        """The line number of the first line of a file that, stripped, equals `text`."""
        lines = (self.root / rel).read_text(encoding="utf-8").splitlines()
        return next(n for n, line in enumerate(lines, 1) if line.strip() == text)
