"""`svcnotes keys`: SSH signing keys for signed approvals (docs/security.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from svcnotes.cli.common import EXIT_USAGE, complete_staff_id, emit_rows, fail, format_option, open_repo
from svcnotes.i18n import tr
from svcnotes.model.message import exc_message


def _actor(repo: Any) -> Any:
    from svcnotes.workflow.commits import UnknownActor, current_actor

    try:
        return current_actor(repo)
    except UnknownActor as exc:
        fail(exc_message(exc), EXIT_USAGE)


@click.group()
def keys() -> None:
    """SSH signing keys: make or register yours, have git sign with it, list who signs with what.

    Example: svcnotes keys setup
    """


@keys.command("setup")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Your SSH key (private or .pub). Default: ~/.ssh/id_ed25519, made with --new.")
@click.option("--new", "new", is_flag=True, help="Make a new ed25519 key pair at --key (or ~/.ssh/id_ed25519).")
@click.option("--no-passphrase", is_flag=True, help="With --new: no passphrase (for a test or a CI bot only).")
@click.pass_context
def setup(ctx: click.Context, key_path: Path | None, new: bool, no_passphrase: bool) -> None:
    """Make (--new) or pick your SSH signing key and have git sign every commit in this repository with it.

    Sets gpg.format=ssh, user.signingkey, commit.gpgsign in this repository's git config and writes
    .git/svcnotes_allowed_signers from svcnotes.toml. Prints your public key line and whether
    svcnotes.toml lists it; if not, an admin runs `svcnotes keys propose`.

    Example: svcnotes keys setup --new
    """
    from svcnotes.history.keyring import DEFAULT_KEY, CannotRegister, configure_git, create_key, read_public

    repo = open_repo(ctx)
    actor = _actor(repo)
    path = key_path or DEFAULT_KEY
    try:
        found = create_key(path, f"{actor.id} (svcnotes)", not no_passphrase) if new else read_public(path)
        settings = configure_git(repo.root, found, repo.config)
    except CannotRegister as exc:
        fail(exc_message(exc), EXIT_USAGE)
        return
    click.echo(tr("{id}: git signs commits in {repo} with {key} ({fingerprint})").format(
        id=actor.id, repo=repo.root.name, key=found.path, fingerprint=found.key.fingerprint))
    for line in settings:
        click.echo(f"  git config {line}")
    listed = repo.config.staff_by_key(found.key.fingerprint)
    if listed is not None and listed.id == actor.id:
        click.echo(tr("svcnotes.toml lists this key for {id}: signed approvals work.").format(id=actor.id))
    else:
        click.echo(tr("svcnotes.toml does not list this key for {id} yet. Send this line to an admin ({roles}):").format(
            id=actor.id, roles=", ".join(repo.config.admin_roles)))
        click.echo(f"  {found.line}")
        click.echo(tr("who runs: svcnotes keys propose --staff {id} --key '{line}'").format(id=actor.id, line=found.line))


@keys.command("show")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The key (default: git's user.signingkey here, else ~/.ssh/id_ed25519).")
@click.pass_context
def show(ctx: click.Context, key_path: Path | None) -> None:
    """Print your public signing key line (what an admin lists in svcnotes.toml) and its fingerprint.

    Example: svcnotes keys show
    """
    from svcnotes.history.keyring import DEFAULT_KEY, CannotRegister, read_public
    from svcnotes.store import gitops

    repo = open_repo(ctx)
    configured = gitops.git(repo.root, "config", "--get", "user.signingkey", check=False).strip()
    try:
        found = read_public(key_path or (Path(configured) if configured else DEFAULT_KEY))
    except CannotRegister as exc:
        fail(exc_message(exc), EXIT_USAGE)
        return
    click.echo(found.line)
    click.echo(found.key.fingerprint, err=True)


@keys.command("propose")
@click.option("--staff", "staff_id", required=True, shell_complete=complete_staff_id, help="Whose key it is.")
@click.option("--key", "key", required=True,
              help="The public key line ('ssh-ed25519 AAAA... comment') or a path to the .pub file.")
@click.option("--branch", default="", help="Branch to create (default keys/STAFF).")
@click.pass_context
def propose(ctx: click.Context, staff_id: str, key: str, branch: str) -> None:
    """As an admin: list a staff member's key in svcnotes.toml on a new branch, in one commit signed by you.

    Push the branch and open a PR; the key counts once it merges (the gate reads keys from the base).

    Example: svcnotes keys propose --staff li.na --key ~/li.na.pub
    """
    from svcnotes.history.keyring import CannotRegister, read_public
    from svcnotes.history.keyring import propose as do_propose

    repo = open_repo(ctx)
    actor = _actor(repo)
    try:
        line = key if key.split(" ", 1)[0].startswith(("ssh-", "ecdsa-", "sk-")) else read_public(Path(key)).line
        done = do_propose(repo.root, repo.config, actor, staff_id, line, branch)
    except CannotRegister as exc:
        fail(exc_message(exc), EXIT_USAGE)
        return
    click.echo(tr("{branch}: svcnotes.toml lists {fingerprint} for {staff} (commit {commit}, by {id})").format(
        branch=done.branch, fingerprint=done.fingerprint, staff=done.staff, commit=done.commit[:10], id=actor.id))
    click.echo(tr("next: git push -u origin {branch}, open a PR; it applies once merged").format(branch=done.branch),
               err=True)


@keys.command("list")
@format_option("text", "json", "csv")
@click.pass_context
def list_keys(ctx: click.Context, fmt: str) -> None:
    """Every staff member's signing keys (fingerprints) and the mode the repository runs in.

    Example: svcnotes keys list
    """
    from svcnotes.doctor import mode_message

    repo = open_repo(ctx)
    rows = [{"staff": s.id, "roles": ", ".join(s.roles), "kind": k.kind, "fingerprint": k.fingerprint}
            for s in repo.config.staff.values() for k in s.signing_keys]
    rows += [{"staff": s.id, "roles": ", ".join(s.roles), "kind": "", "fingerprint": "(no key)" if fmt != "text"
              else tr("(no key)")} for s in repo.config.staff.values() if not s.signing_keys]
    columns = [("staff", "staff"), ("roles", "roles"), ("kind", "kind"), ("fingerprint", "fingerprint")]
    if fmt == "text":
        from svcnotes.i18n import language
        from svcnotes.site.i18n import enum_label

        rows = [{**r, "roles": ", ".join(enum_label(language(), "role", x) for x in r["roles"].split(", ") if x)}
                for r in rows]
        columns = [(key, head) for (key, _), head in zip(columns, (tr("Staff"), tr("Roles"), tr("Key type"),
                                                                 tr("Fingerprint")), strict=True)]
    emit_rows(rows, columns, fmt)
    if fmt == "text":
        click.echo(str(mode_message(repo.config)), err=True)


COMMANDS = [keys]
