"""docs/cli.md, generated from click's own help (`python -m svcnotes.cli.reference > docs/cli.md`)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import click


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under `command` (groups first, then their subcommands by name) with its name path."""
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from walk(command.commands[name], (*path, name))


def summary(command: click.Command) -> str:
    """The first line of a command's help."""
    text = inspect.cleandoc(command.help or "")
    return text.splitlines()[0].strip() if text else ""


def example(command: click.Command) -> str:
    """The example command line in a command's help ('Example: ...', or the line after 'Example (...):')."""
    lines = [line.strip() for line in inspect.cleandoc(command.help or "").splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("Example"):
            after = line.split(":", 1)[1].strip() if ":" in line else ""
            if after:
                return after
            return next((nxt for nxt in lines[i + 1:] if nxt), "")
    return ""


def cli_reference(root: click.Command) -> str:
    """The Markdown reference: one section per command with its one-line description and example."""
    out = ["# Command reference", "",
           "Generated from the commands' help by `python -m svcnotes.cli.reference`; do not edit by hand.",
           "Run `svcnotes COMMAND --help` for every option.", ""]
    for path, command in walk(root):
        if not path:
            continue
        out += [f"## svcnotes {' '.join(path)}", "", summary(command), ""]
        ex = example(command)
        if ex:
            out += ["```", ex, "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    from svcnotes.cli import cli

    print(cli_reference(cli), end="")
