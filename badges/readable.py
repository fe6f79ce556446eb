"""What a command says of names no font here draws: they print in Latin letters (badges.fonts'
``readable``: the part of a name in a script no font on this machine has is written in Latin
letters, eventdesk.transliteration, the rest as it is), naming the fonts that would draw the
names as they are written (the paper lists, badges.door_list and badges.roll_call).
"""

from __future__ import annotations

from collections.abc import Iterable

from badges.fonts import font_advice, uncovered
from eventdesk.i18n import ngettext


def latin_said(names: Iterable[str], extra: tuple[str, ...] = ()) -> str:
    """What a command says of ``names`` (one a person) that print in Latin letters: how many,
    the characters no font here draws and the fonts to install; "" when every one prints as
    it is written."""
    changed = [name for name in names if uncovered(name, extra)]
    if not changed:
        return ""
    missing = uncovered("".join(changed), extra)
    # TRANSLATORS: said by report inside --pdf and report door-list --pdf; {fonts} names fonts
    # and the Debian packages holding them
    return ngettext(
        "{count} name prints in Latin letters: no font here draws {characters}; install "
        "{fonts} to print it as it is written",
        "{count} names print in Latin letters: no font here draws {characters}; install "
        "{fonts} to print them as they are written",
        len(changed),
    ).format(count=len(changed), characters=" ".join(missing), fonts=font_advice(missing))
