"""Names in the order a reader of a language expects: the Unicode collation algorithm (UCA,
with its default table DUCET, through pyuca), by family name, with the tailorings the
languages below need where DUCET's order is not theirs.

DUCET alone is right for English, German (ä ö ü with a o u, ß as ss), French, Italian,
Portuguese and Dutch: "Ångström" sorts under A, "Nguyễn" under N, and no name falls after "Zoe"
for an accent it carries, as it did when names were compared by code point. Tailored here, as
the languages' own rules (CLDR's) order their letters:

- Swedish (sv) and Finnish (fi): å, ä, ö are letters of their own after z, in that order; æ
  sorts with ä, ø with ö, ü with y.
- Danish (da) and Norwegian (nb, nn, no): æ, ø, å after z, in that order; ä sorts with æ, ö
  with ø, ü with y, and "aa" (the old spelling of å, as in Aagaard) with å.
- Spanish (es): ñ is a letter of its own after n.

Any other language sorts by DUCET. A code with a region (sv_SE, es-MX) takes its language's.

The family name is the part given apart where a person's name came in parts (registration's
``--family``, an import's Last Name, a shop's name parts: attendee.family_name,
ticket.holder_family_name), so "Nguyễn Thị Minh Khai" with family name Nguyễn sorts under N.
A name given as one string is told apart as it always was: its last word ("Ana María López"
under L), or its first where it is written in Chinese, Japanese or Korean characters ("山田 太郎"
under 山田), where the family name comes first. A name written family-first in Latin letters
(Vietnamese, Hungarian) and given as one string cannot be told apart and sorts by its last word.

The language a sort uses: ``sorting_in(code)`` for a block, else the language the text is
being written in (eventdesk.i18n).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from eventdesk.errors import InvalidInput
from eventdesk.i18n import _, current

ROOT = "root"  # DUCET, untailored

# A letter "after z" gets z's weight and then one of these, above every letter's own: it sorts
# after every z-word and before the letter after it ("Zorn" < "Åberg" < "Åkesson" < "Ärlig").
_ABOVE_ALL = 0xFB00

# Per language: a letter (lower case; its capitals follow) -> what it sorts as: (a letter, its
# rank after it, its variant: 0 the letter itself, 1 one sorted with it) or a string whose order
# it takes.
_Rule = tuple[str, int, int] | str
_NORDIC_SV: dict[str, _Rule] = {
    "å": ("z", 1, 0),
    "ä": ("z", 2, 0),
    "æ": ("z", 2, 1),
    "ö": ("z", 3, 0),
    "ø": ("z", 3, 1),
    "ü": "y\u0308",
}
_NORDIC_DA: dict[str, _Rule] = {
    "æ": ("z", 1, 0),
    "ä": ("z", 1, 1),
    "ø": ("z", 2, 0),
    "ö": ("z", 2, 1),
    "å": ("z", 3, 0),
    "aa": ("z", 3, 1),
    "ü": "y\u0308",
}
TAILORINGS: dict[str, dict[str, _Rule]] = {
    "sv": _NORDIC_SV,
    "fi": _NORDIC_SV,
    "da": _NORDIC_DA,
    "nb": _NORDIC_DA,
    "nn": _NORDIC_DA,
    "no": _NORDIC_DA,
    "es": {"ñ": ("n", 1, 0)},
}

_sorting: ContextVar[str | None] = ContextVar("eventdesk_sorting", default=None)


@cache
def _collator() -> Any:
    """DUCET (Unicode 10, as pyuca ships it), read once: some 0.2 s."""
    from pyuca.collator import Collator_10_0_0

    return Collator_10_0_0()


def language_code(value: str) -> str:
    """The language a code names ("sv", "sv_SE", "es-MX" -> "sv", "es"), checked against the
    languages Babel knows; anything else is refused, saying what a code looks like."""
    from babel import Locale, UnknownLocaleError

    text = value.strip().replace("-", "_")
    try:
        if text:
            return str(Locale.parse(text).language)
    except (UnknownLocaleError, ValueError, TypeError):
        pass
    raise InvalidInput(
        _("no language {code!r}: give a code such as en, de, sv or es").format(code=value),
        field="lang",
    )


def tailoring(lang: str | None) -> str:
    """The order ``lang`` sorts in: its own tailoring's code, or ``root`` (DUCET)."""
    code = (lang or "").strip().replace("-", "_").split("_")[0].lower()
    return code if code in TAILORINGS else ROOT


def sort_language() -> str:
    """The language sorts are in now: ``sorting_in``'s, else the one text is written in."""
    return _sorting.get() or current()


@contextmanager
def sorting_in(lang: str | None) -> Iterator[str]:
    """Within the block, names sort as ``lang``'s readers expect (None: as they did)."""
    token = _sorting.set(lang or sort_language())
    try:
        yield tailoring(sort_language())
    finally:
        _sorting.reset(token)


class _Tailored:
    """DUCET with a language's letters moved: each of them is cut out of the text and given
    its own collation elements; the rest is DUCET's."""

    def __init__(self, rules: dict[str, _Rule]) -> None:
        base = _collator()
        self.base = base
        self.elements: dict[str, list[list[int]]] = {}
        for letter, rule in rules.items():
            for form in {letter, letter.capitalize(), letter.upper()}:
                capital = form[0].isupper()
                if isinstance(rule, str):
                    made = base.collation_elements(_nfd(rule.upper() if capital else rule))
                else:
                    anchor, rank, variant = rule
                    made = [
                        *base.collation_elements(anchor.upper() if capital else anchor),
                        [_ABOVE_ALL + rank, 0, 0],
                        *([[0, 0x20 + variant, 0x2]] if variant else []),
                    ]
                self.elements[_nfd(form)] = made
        ordered = sorted(self.elements, key=len, reverse=True)
        self.pattern = re.compile("(" + "|".join(map(re.escape, ordered)) + ")")

    def sort_key(self, text: str) -> tuple[int, ...]:
        found: list[list[int]] = []
        for n, piece in enumerate(self.pattern.split(_nfd(text))):
            if n % 2:
                found.extend(self.elements[piece])
            elif piece:
                found.extend(self.base.collation_elements(piece))
        return tuple(self.base.sort_key_from_collation_elements(found))


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@cache
def _tailored(code: str) -> _Tailored:
    return _Tailored(TAILORINGS[code])


def sort_key(text: str, lang: str | None = None) -> tuple[int, ...]:
    """``text``'s place in the order of ``lang`` (None: ``sort_language()``)."""
    code = tailoring(sort_language() if lang is None else lang)
    if code == ROOT:
        return tuple(_collator().sort_key(text))
    return _tailored(code).sort_key(text)


def _family_first(word: str) -> bool:
    """A word in Chinese, Japanese or Korean characters: a name whose family name is first."""
    letters = [ch for ch in word if ch.isalpha()]
    return bool(letters) and all(
        unicodedata.name(ch, "").startswith(("CJK ", "HANGUL ", "HIRAGANA ", "KATAKANA "))
        for ch in letters
    )


def family_name(name: str, family: str | None = None) -> str:
    """The part of a person's name a list sorts under: ``family`` where it was given apart,
    else the name's last word, or its first in a name written in Chinese, Japanese or Korean
    characters."""
    if family and family.strip():
        return family.strip()
    words = name.split()
    if not words:
        return ""
    return words[0] if len(words) > 1 and _family_first(words[0]) else words[-1]


def name_key(
    name: str, lang: str | None = None, *, family: str | None = None
) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """Sorted by family name (``family`` where it was given apart, else told from the name),
    then the whole name, in ``lang``'s order (None: the sort language now)."""
    code = sort_language() if lang is None else lang
    return (sort_key(family_name(name, family), code), sort_key(name, code), name)
