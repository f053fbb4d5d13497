"""`svcnotes keys`: a staff member's SSH signing key made or registered, git set to sign in this
repository, and the svcnotes.toml change proposed on a branch in an admin's signed commit.

Nothing here trusts a key by itself: a key counts once an admin's PR lists it in svcnotes.toml
and that PR has merged (the gate reads keys from the merge base).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from svcnotes.history.signatures import allowed_signers
from svcnotes.model.config import CONFIG_FILE, Config, Staff, parse_config
from svcnotes.model.keys import BadKey, SigningKey, parse_key
from svcnotes.model.message import msg, reason
from svcnotes.store import gitops
from svcnotes.store.writer import atomic_write

DEFAULT_KEY = Path("~/.ssh/id_ed25519")
SIGNERS_FILE = "svcnotes_allowed_signers"  # under .git/: lets `git log --show-signature` check locally


class CannotRegister(Exception):
    """A key cannot be made, read or registered (the message says why and what to do)."""


@dataclass(frozen=True)
class KeyFile:
    """A public key: where it is, its line and its parsed form."""

    path: Path  # the .pub file
    line: str
    key: SigningKey


def _ssh_keygen() -> str:
    tool = shutil.which("ssh-keygen")
    if tool is None:
        raise CannotRegister(msg("ssh-keygen is not installed: install OpenSSH (Debian/Ubuntu: apt-get install "
                                 "openssh-client; Windows: Settings > Apps > Optional features > OpenSSH Client)"))
    return tool


def read_public(path: Path) -> KeyFile:
    """The public key at `path` (or at path + .pub when `path` is a private key)."""
    path = path.expanduser()
    pub = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
    if not pub.exists() and path.exists() and path != pub:
        try:  # a private key without its .pub beside it: derive the public half
            line = subprocess.run([_ssh_keygen(), "-y", "-f", str(path)], capture_output=True, text=True,
                                  check=True, stdin=subprocess.DEVNULL).stdout.strip()
        except subprocess.CalledProcessError as exc:
            raise CannotRegister(f"{path}: ssh-keygen cannot read it ({exc.stderr.strip() or 'unknown error'}); "
                            "give the .pub file instead") from None
        return KeyFile(path, line, _parse(line, path))
    try:
        line = pub.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise CannotRegister(msg("no key at {path}: make one with 'svcnotes keys setup --new', or give --key PATH",
                                 path=str(pub))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CannotRegister(f"{pub} cannot be read ({exc.__class__.__name__}: {exc}); check its permissions") from None
    return KeyFile(pub, line, _parse(line, pub))


def _parse(line: str, where: Path) -> SigningKey:
    try:
        key = parse_key(line)
    except BadKey as exc:
        raise CannotRegister(msg("{where}: the key {error}", where=str(where), error=reason(exc))) from None
    if key.kind != "ssh":
        raise CannotRegister(msg("{where}: not an SSH public key", where=str(where)))
    return key


def create_key(path: Path, comment: str, passphrase: bool = True) -> KeyFile:
    """A new ed25519 key pair at `path` (ssh-keygen asks for the passphrase unless `passphrase` is False)."""
    path = path.expanduser()
    if path.exists() or path.with_name(path.name + ".pub").exists():
        raise CannotRegister(msg("{path} already exists: use it with --key {path}, or choose another --key path", path=str(path)))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    args = [_ssh_keygen(), "-q", "-t", "ed25519", "-C", comment, "-f", str(path)]
    if not passphrase:
        args[2:2] = ["-N", ""]
    if subprocess.run(args, stdin=None if passphrase else subprocess.DEVNULL).returncode != 0:
        raise CannotRegister(msg("ssh-keygen could not create {path}", path=str(path)))
    return read_public(path)


def configure_git(root: Path, key: KeyFile, config: Config) -> list[str]:
    """Make git sign every commit in this repository with `key` (local config only); returns what was set."""
    private = key.path.with_suffix("") if key.path.suffix == ".pub" else key.path
    signing = private if private.is_file() else key.path  # a .pub alone: the private half is in ssh-agent
    settings = [("gpg.format", "ssh"), ("user.signingkey", str(signing)), ("commit.gpgsign", "true"),
                ("tag.gpgsign", "true"), ("gpg.ssh.allowedSignersFile", str(Path(".git") / SIGNERS_FILE))]
    for name, value in settings:
        gitops.git(root, "config", "--local", name, value)
    write_signers(root, config)
    return [f"{name} = {value}" for name, value in settings]


def write_signers(root: Path, config: Config) -> Path:
    """.git/svcnotes_allowed_signers from the keys svcnotes.toml lists (for `git log --show-signature`)."""
    git_dir = Path(gitops.git(root, "rev-parse", "--git-dir").strip())
    target = (root / git_dir / SIGNERS_FILE) if not git_dir.is_absolute() else git_dir / SIGNERS_FILE
    atomic_write(target, allowed_signers([config]))
    return target


def with_key(text: str, staff_id: str, line: str) -> str:
    """svcnotes.toml text with `line` added to the signing_keys of [[staff]] `staff_id` (formatting kept)."""
    lines = text.splitlines(keepends=True)
    start = end = None
    for n, raw in enumerate(lines):
        s = raw.strip()
        if s.startswith("["):
            if start is not None and end is None:
                end = n
            if s == "[[staff]]":
                block_id = _block_id(lines, n)
                if block_id == staff_id:
                    start = n
    if start is None:
        raise CannotRegister(msg("no [[staff]] entry with id = \"{id}\" in {config}", id=staff_id, config=CONFIG_FILE))
    end = end if end is not None else len(lines)
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    block = "".join(lines[start + 1:end])
    keys = tomllib.loads(block).get("signing_keys", [])
    keys = [keys] if isinstance(keys, str) else list(keys)
    if any(_same(k, line) for k in keys):
        raise CannotRegister(msg("{id} already lists this key in {config}", id=staff_id, config=CONFIG_FILE))
    keys.append(line)
    rendered = "signing_keys = [\n" + "".join(f"  {_toml_str(k)},\n" for k in keys) + "]\n"
    kept = re.sub(r"(?ms)^signing_keys\s*=\s*(\[.*?\]|\".*?\")[ \t]*\n?", "", block)
    if kept and not kept.endswith("\n"):
        kept += "\n"
    return "".join(lines[:start + 1]) + kept + rendered + "".join(lines[end:])


def _block_id(lines: list[str], header: int) -> str:
    for raw in lines[header + 1:]:
        s = raw.strip()
        if s.startswith("["):
            return ""
        m = re.match(r"id\s*=\s*[\"'](.+?)[\"']", s)
        if m:
            return m.group(1)
    return ""


def _same(a: str, b: str) -> bool:
    try:
        return parse_key(a).fingerprint == parse_key(b).fingerprint
    except BadKey:
        return False


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Proposal:
    """The branch and commit that list a key in svcnotes.toml."""

    branch: str
    commit: str
    staff: str
    fingerprint: str


def propose(root: Path, config: Config, actor: Staff, staff_id: str, key_line: str, branch: str = "") -> Proposal:
    """On a new branch from HEAD, list `key_line` for `staff_id` in svcnotes.toml and commit it signed by `actor`,
    who must hold an admin role (the gate accepts svcnotes.toml changes only from an admin's signed commit)."""
    if not any(role in config.admin_roles for role in actor.roles):
        raise CannotRegister(msg("{actor} holds no admin role ({roles}): the gate accepts {config} changes only in an "
                                 "admin's signed commit. Send your public key line (svcnotes keys show) to an admin, who "
                                 "runs: svcnotes keys propose --staff {id} --key 'ssh-ed25519 AAAA...'", actor=actor.id,
                                 roles=", ".join(config.admin_roles), config=CONFIG_FILE, id=staff_id))
    if staff_id not in config.staff:
        raise CannotRegister(msg("no staff member '{id}' in {config}", id=staff_id, config=CONFIG_FILE))
    key = _parse(key_line, Path("--key"))
    if gitops.git(root, "status", "--porcelain", "--", CONFIG_FILE).strip():
        raise CannotRegister(msg("{config} has uncommitted edits; commit or stash them first", config=CONFIG_FILE))
    if config.signed_approvals and gitops.git(root, "config", "--get", "commit.gpgsign", check=False).strip() != "true":
        raise CannotRegister(msg("git does not sign commits here, and approval.signed = true: run 'svcnotes keys setup' "
                                 "first"))
    path = root / CONFIG_FILE
    line = key_line.strip() if key_line.strip().startswith(key.key_type + " ") else f"{key.key_type} {key.data}"
    text = with_key(path.read_text(encoding="utf-8-sig"), staff_id, line)
    _, problems = parse_config(text)
    if any(p.is_error for p in problems):
        raise CannotRegister("the edited svcnotes.toml would not load: " + "; ".join(p.message for p in problems if p.is_error))
    branch = branch or f"keys/{staff_id}"
    if gitops.git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False).strip():
        raise CannotRegister(msg("branch {branch} already exists: pass --branch NAME", branch=branch))
    gitops.git(root, "checkout", "-q", "-b", branch)
    atomic_write(path, text)
    gitops.git(root, "add", "--", CONFIG_FILE)
    message = (f"svcnotes.toml: signing key for {staff_id}\n\nKey {key.fingerprint} signs for {staff_id} once this "
               f"merges.\n\nSvc-Action: keys\nSvc-Actor: {actor.id}\n")
    gitops.git(root, "commit", "-q", "-m", message, "--", CONFIG_FILE)
    sha = gitops.git(root, "rev-parse", "HEAD").strip()
    return Proposal(branch, sha, staff_id, key.fingerprint)
