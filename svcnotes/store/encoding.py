"""Converting record files saved in GBK/GB18030 (Notepad, Excel) to UTF-8, safely."""

from __future__ import annotations

import codecs
from pathlib import Path

from svcnotes.model.message import msg
from svcnotes.store.writer import atomic_write


class EncodingFixError(Exception):
    """The file is in neither UTF-8 nor the source encoding."""


def fix_file(path: Path, source: str = "gb18030") -> bool:
    """Rewrite `path` as UTF-8 if it is not already; True when it changed. Line endings are kept."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
        return False
    except UnicodeDecodeError:
        pass
    try:
        codecs.lookup(source)
        text = raw.decode(source)
    except LookupError:
        raise EncodingFixError(msg("unknown encoding '{source}'", source=source)) from None
    except UnicodeDecodeError as exc:
        raise EncodingFixError(msg("not valid {source} either (byte offset {offset}); open it in an editor and save "
                                   "as UTF-8", source=source, offset=exc.start)) from None
    atomic_write(path, text)
    return True
