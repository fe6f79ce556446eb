"""Names in any script, as a terminal shows them.

A terminal draws its cells left to right in the order it is given them: it neither reorders a
right-to-left run nor joins Arabic letters (and Textual writes each cell where it belongs, so a
terminal that would cannot). A name in Arabic or Hebrew is therefore put in the order it is read
(the Unicode bidirectional algorithm, python-bidi) and, for Arabic, in its joined letter forms
(arabic-reshaper) before a screen shows it; every other text is given back as it is. Wide
characters (Chinese, Japanese, Korean) take two cells each, which Rich and Textual count: a
column is cut with ``fit`` by cells, never by characters.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from rich.cells import cell_len, set_cell_size

# Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan..., and the presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")


def for_screen(text: str | None) -> str:
    """``text`` as the terminal should draw it: right-to-left runs in display order."""
    if not text:
        return ""
    if _RIGHT_TO_LEFT.search(text) is None:
        return text
    return _display(text)


@lru_cache(maxsize=4096)
def _display(text: str) -> str:
    # Loaded with the first such name: a station that never shows one never loads them.
    from bidi import get_display

    shaped = _reshaper().reshape(text) if _ARABIC.search(text) else text
    return "\n".join(get_display(line) for line in shaped.split("\n"))


@lru_cache(maxsize=1)
def _reshaper() -> Any:
    import arabic_reshaper

    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


def fit(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` terminal cells: cut with "…" where it is longer (a wide
    character counts two)."""
    if cell_len(text) <= cells:
        return text
    if cells <= 1:
        return "…"[:cells]
    return set_cell_size(text, cells - 1).rstrip() + "…"
