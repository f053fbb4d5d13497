"""`make messages`, second step: add the command line's help texts and click's own messages to the .pot.

Babel extracts the `tr("...")`, `ntr(...)` and `Msg("...")` calls from the source; help texts are
docstrings and `help=` arguments, which no keyword marks, so this walks the click tree instead
(svcnotes.cli.language.help_texts: the very texts the help pages look up), and click's messages
are extracted from the installed click package (its `_()` and `ngettext()` calls):

    python .ci/messages.py svcnotes/locale/svcnotes.pot

A development tool (`make messages` runs it): needs Babel, from the `dev` extra, which the
package itself never imports.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Messages click passes to gettext through a variable (Babel cannot see them in click's source).
CLICK_VARIABLE_MESSAGES = ("required",)


def add_to_template(pot: Path) -> int:
    """Add the help texts and click's messages to the template `pot` (written back sorted, no locations);
    the number of messages added."""
    import click
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po, write_po

    from svcnotes.cli import cli
    from svcnotes.cli.language import help_texts

    with pot.open("rb") as fh:
        catalogue = read_po(fh)
    before = len(catalogue)
    for text in help_texts(cli):
        if text not in catalogue:
            catalogue.add(text, flags=("python-brace-format",) if "{" in text else ())
    click_dir = Path(click.__file__).parent
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(click_dir), method_map=[("**.py", "python")], keywords={"_": None, "ngettext": (1, 2)}):
        if message and message not in catalogue:
            catalogue.add(message)
    for message in CLICK_VARIABLE_MESSAGES:
        if message not in catalogue:
            catalogue.add(message)
    with pot.open("wb") as fh:
        write_po(fh, catalogue, no_location=True, sort_output=True)
    return len(catalogue) - before


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "svcnotes/locale/svcnotes.pot")
    print(f"{target}: {add_to_template(target)} help text(s) and click message(s) added", file=sys.stderr)
