"""Signing keys as svcnotes.toml lists them: SSH public key lines and GPG fingerprints (pure, no I/O).

An SSH key is matched on its type and key data (never its comment), through the same SHA256
fingerprint `ssh-keygen -l` and git's `%GK` print. A GPG key is its 40-hex fingerprint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

from svcnotes.model.message import msg

SSH_TYPES = frozenset({
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
})
_GPG = re.compile(r"(?:0x)?([0-9A-Fa-f]{40})")


class BadKey(ValueError):
    """A signing key line that is neither an SSH public key nor a GPG fingerprint."""


@dataclass(frozen=True)
class SigningKey:
    """One key: 'ssh' (type, base64 data) or 'gpg' (fingerprint); `fingerprint` is how git names it."""

    kind: str
    key_type: str
    data: str
    fingerprint: str

    def allowed_signers_line(self, principal: str) -> str:
        """The line of git's allowed-signers file naming `principal` for this SSH key."""
        return f'{principal} namespaces="git" {self.key_type} {self.data}'


def ssh_fingerprint(data: str) -> str:
    """SHA256:... of base64 key data, as ssh-keygen -l and git's %GK print it."""
    raw = base64.b64decode(data, validate=True)
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def parse_key(text: str) -> SigningKey:
    """A key from one `signing_keys` entry (BadKey saying what is wrong and what to write instead)."""
    line = text.strip()
    if not line:
        raise BadKey(msg("is empty"))
    gpg = _GPG.fullmatch(line.replace(" ", ""))
    if gpg:
        fpr = gpg.group(1).upper()
        return SigningKey("gpg", "openpgp", fpr, fpr)
    if "PRIVATE KEY" in line:
        raise BadKey(msg("is a private key: list the public key (the .pub file), and keep the private key secret"))
    parts = line.split()
    # allowed-signers lines may start with principals and options: the key type is the first known type
    for i, part in enumerate(parts):
        if part in SSH_TYPES:
            if i + 1 >= len(parts):
                raise BadKey(msg("has the key type {type} but no key data after it", type=part))
            data = parts[i + 1]
            try:
                raw = base64.b64decode(data, validate=True)
                (n,) = struct.unpack(">I", raw[:4])
                embedded = raw[4:4 + n].decode("ascii")
            except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
                raise BadKey(msg("has key data that is not valid base64 for {type}", type=part)) from None
            if embedded != part:
                raise BadKey(msg("says {type} but its key data is a {embedded} key", type=part, embedded=embedded or "broken"))
            return SigningKey("ssh", part, data, ssh_fingerprint(data))
    if parts and parts[0].startswith("ssh-"):
        raise BadKey(msg("has an unknown SSH key type '{type}'", type=parts[0]))
    raise BadKey(msg("is neither an SSH public key ('ssh-ed25519 AAAA...') nor a 40-hex GPG fingerprint"))
