"""Terminal text measured in display columns: CJK characters take two."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal (wide and full-width characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """`text` on one line, cut with '…' or padded with spaces to exactly `width` columns."""
    text = text.replace("\n", " ")
    while display_width(text) > width:
        text = text[:-2] + "…"
    return text + " " * (width - display_width(text))
