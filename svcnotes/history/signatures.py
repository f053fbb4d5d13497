"""Commit signatures verified offline against the keys svcnotes.toml lists (never the runner's git config).

git's allowed-signers file is written from the policy's `[[staff]] signing_keys` into a temporary
folder and passed with `-c gpg.ssh.allowedSignersFile=...`; GPG fingerprints are trusted in a
temporary GNUPGHOME holding only the listed keys. The runner's global and system git config are
not read at all. A good signature (`%G?` = G) is then tied to a person by its key fingerprint
(`%GK`/`%GF`/`%GP`): identity is the signer, never the author e-mail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from svcnotes.model.config import Config, Staff
from svcnotes.model.keys import SigningKey
from svcnotes.model.message import msg
from svcnotes.store.gitops import GitError

# git's %G? letters, in words for error messages
MEANING = {
    "G": msg("good signature"), "U": msg("good signature from a key no staff member lists"), "B": msg("bad signature"),
    "X": msg("good signature that has expired"), "Y": msg("good signature made by an expired key"),
    "R": msg("good signature made by a revoked key"), "E": msg("signature that cannot be checked (key or tool missing)"),
    "N": msg("no signature"),
}


_GPG_ID = re.compile(r"[0-9A-Fa-f]{16,40}")


class NoVerifier(Exception):
    """The tool git needs to check signatures (ssh-keygen, gpg) is not installed."""


@dataclass(frozen=True)
class Signature:
    """git's verdict on one commit: %G? letter and the key that made it (SHA256:... or GPG fingerprint)."""

    status: str
    key: str = ""
    primary: str = ""  # a GPG subkey's primary key fingerprint

    def under(self, config: Config) -> Signature:
        """The verdict under one policy: a good signature from a key this policy does not list is U."""
        if self.status == "G" and self.signer(config) is None:
            return Signature("U", self.key, self.primary)
        return self

    def signer(self, config: Config) -> Staff | None:
        """The staff member whose listed key made this good signature (None: unsigned, bad or unlisted)."""
        if self.status != "G":
            return None
        return config.staff_by_key(self.key) or (config.staff_by_key(self.primary) if self.primary else None)

    def describe(self, config: Config) -> str:
        """`signed by li.na (SHA256:...)`, `not signed`, `bad signature (SHA256:...)` ..."""
        who = self.signer(config)
        if who is not None:
            return msg("signed by {who} ({key})", who=who.id, key=self.key)
        if self.status == "N":
            return msg("not signed")
        meaning = MEANING.get(self.status, self.status)
        listed = config.staff_by_key(self.key) if self.key else None
        if listed is not None:
            return msg("{meaning} ({key}, a key of {owner})", meaning=meaning, key=self.key, owner=listed.id)
        return msg("{meaning} ({key})", meaning=meaning, key=self.key) if self.key else meaning


def keys_of(configs: Iterable[Config]) -> list[tuple[str, SigningKey]]:
    """(staff id, key) of every key the given policies list, without repeats."""
    seen: dict[tuple[str, str], tuple[str, SigningKey]] = {}
    for config in configs:
        for person in config.staff.values():
            for key in person.signing_keys:
                seen.setdefault((person.id, key.fingerprint), (person.id, key))
    return list(seen.values())


def allowed_signers(configs: Iterable[Config]) -> str:
    """git's allowed-signers file for every SSH key listed (principal = staff id)."""
    return "".join(key.allowed_signers_line(sid) + "\n" for sid, key in keys_of(configs) if key.kind == "ssh")


def missing_tools(configs: Iterable[Config]) -> list[str]:
    """The verification tools the listed keys need that are not installed."""
    kinds = {key.kind for _, key in keys_of(configs)} or {"ssh"}
    need = [tool for kind, tool in (("ssh", "ssh-keygen"), ("gpg", "gpg")) if kind in kinds]
    return [tool for tool in need if shutil.which(tool) is None]


def _gpg_home(folder: Path, fingerprints: list[str]) -> None:
    """A GNUPGHOME trusting exactly the listed fingerprints (public keys taken from the user's keyring)."""
    folder.mkdir(mode=0o700)
    exported = subprocess.run(["gpg", "--batch", "--export", *fingerprints], capture_output=True).stdout
    env = {**os.environ, "GNUPGHOME": str(folder)}
    if exported:
        subprocess.run(["gpg", "--batch", "--import"], input=exported, capture_output=True, env=env)
    trust = "".join(f"{fpr}:6:\n" for fpr in fingerprints).encode()
    subprocess.run(["gpg", "--batch", "--import-ownertrust"], input=trust, capture_output=True, env=env)


def verify(root: Path, shas: Iterable[str], configs: Iterable[Config]) -> dict[str, Signature]:
    """git's verdict on each commit against the keys the policies list (NoVerifier when a tool is missing).

    One `git log --no-walk` for all of them; the runner's global and system git config are ignored."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    configs = list(configs)
    missing = missing_tools(configs)
    if missing:
        raise NoVerifier(" and ".join(missing))
    with tempfile.TemporaryDirectory(prefix="svcnotes-signers-") as tmp:
        allowed = Path(tmp) / "allowed_signers"
        allowed.write_text(allowed_signers(configs), encoding="utf-8")
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        gpg = [key.fingerprint for _, key in keys_of(configs) if key.kind == "gpg"]
        home = Path(tmp) / "gnupg"
        if gpg and shutil.which("gpg"):
            _gpg_home(home, gpg)
        else:
            home.mkdir(mode=0o700)
        env["GNUPGHOME"] = str(home)
        proc = subprocess.run(
            ["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", "-c", "gpg.ssh.program=ssh-keygen",
             "-c", "gpg.program=gpg", "-c", "gpg.ssh.revocationFile=", "log", "--no-walk=unsorted", "--stdin",
             "--format=%H%x1f%G?%x1f%GK%x1f%GF%x1f%GP"],
            cwd=root, input="\n".join(wanted) + "\n", capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise GitError(proc.stderr.strip() or "git log failed while checking signatures")
    out: dict[str, Signature] = {}
    for line in proc.stdout.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 5:
            sha, status, key, fpr, primary = parts
            if status == "E" and _GPG_ID.fullmatch(key) and not any(f.endswith(key.upper()) for f in gpg):
                status = "U"  # a GPG key no staff member lists (only listed keys are in the temporary keyring)
            out[sha] = Signature(status, fpr or key, primary if primary != (fpr or key) else "")
    return out
