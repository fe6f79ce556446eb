"""A name in Latin letters, for where its own letters cannot be shown: a machine with no font
for its script (badges.readable) reads it out as anyascii spells it ('김민준' -> 'GimMinJun',
'王小明' -> 'WangXiaoMing', 'Ελένη' -> 'Eleni').

anyascii (ISC licence, pure Python, no library of the system) has a spelling for every script
Unicode has; Unidecode is GPL, and PyICU needs ICU built on the machine.
"""

from __future__ import annotations

import functools
import unicodedata

from anyascii import anyascii

UNKNOWN = "?"  # a letter anyascii has no spelling for (rare: a script without a reading)


def latin(text: str) -> str:
    """``text`` in Latin letters: each character as anyascii spells it; a letter or digit it
    has no spelling for is a '?', never left out."""
    if text.isascii():
        return text
    return _latin(text)


@functools.lru_cache(maxsize=4096)
def _latin(text: str) -> str:
    spelled = []
    for ch in text:
        said = anyascii(ch)
        if not said and unicodedata.category(ch)[0] in "LN":
            said = UNKNOWN
        spelled.append(said)
    return "".join(spelled)
