"""The languages eventdesk speaks: every text a person reads goes through ``_`` (or ``ngettext``
for a count), looked up in a gettext catalogue of the reader's language.

A language is one catalogue file, ``eventdesk/locale/CODE.po`` (docs/languages.md): read with
Babel and compiled in memory the first time it is used, so adding a language needs no build
step. English is the source text and needs no catalogue. The language a station speaks is set
once (``--lang``, ``EVENTDESK_LANG``, ``[station] language``); a kiosk answering an attendee in
their own language does so for one answer with ``speaking(code)``, which holds for the thread
(and task) that says it. JSON keys, result codes and the logs never change with the language.

Messages keep their values out of the text: ``_("Seat {seat}").format(seat=label)``, so that a
translation can put the value where its grammar wants it. A message that is defined before the
language is known (a table of refusals, a screen's title) is marked with ``N_`` where it is
written and translated with ``_`` where it is shown.
"""

from __future__ import annotations

import gettext
import hashlib
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Babel is loaded when a date, an amount or a language's name is written
    from babel import Locale

from eventdesk.errors import InvalidInput

SOURCE = "en"  # the language the messages are written in
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENV = "EVENTDESK_LANG"

_station = SOURCE  # the station's language, set once at start
_shown = SOURCE  # what the screens show now: the station's, or the one a kiosk's attendee chose
_speaking: ContextVar[str | None] = ContextVar("eventdesk_speaking", default=None)


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue where it is defined; ``_`` translates it where it is
    read."""
    return message


@cache
def languages() -> tuple[str, ...]:
    """The languages there is a catalogue for, English first."""
    found = sorted(path.stem for path in LOCALE_DIR.glob("*.po"))
    return (SOURCE, *[code for code in found if code != SOURCE])


def NC_(context: str, message: str) -> str:
    """Marks ``message``, with the ``context`` that tells it from the same English used another
    way, for the catalogue where it is defined; ``pgettext`` translates it where it is read."""
    return message


# TRANSLATORS: this catalogue's language named in itself, as its speakers look for it on the
# kiosk (Deutsch, Français, Español); not the word for "English"
LANGUAGE_NAME = NC_("language name", "English")


@cache
def own_name(code: str) -> str:
    """A language's name in itself ("Deutsch", "Français"), as a person looking for it reads it:
    its catalogue says it. Read from the catalogue's text alone, so that a kiosk showing its
    row of languages holds no catalogue but the one it speaks."""
    if code == SOURCE:
        return LANGUAGE_NAME
    text = (LOCALE_DIR / f"{code}.po").read_text(encoding="utf-8")
    found = _OWN_NAME.search(text)
    return found.group(1) if found and found.group(1) else code


_OWN_NAME = re.compile(r'msgctxt "language name"\nmsgid "English"\nmsgstr "([^"\\]*)"')


def language_of(value: str | None) -> str | None:
    """The catalogue ``value`` names ("de", "de_DE.UTF-8", "de-AT", "German" is not one), or None
    when there is none for it."""
    if not value:
        return None
    text = value.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    for candidate in (text, text.split("_")[0]):
        if candidate in languages():
            return candidate
    return None


def language_named(value: str) -> str | None:
    """The catalogue a spreadsheet's cell names: a code ("de", "de-AT") or the language's name,
    in English or in itself ("German", "Deutsch"); None when there is none for it."""
    code = language_of(value)
    if code is not None:
        return code
    wanted = value.strip().casefold()
    for known in languages():
        names = {own_name(known), _locale(known).get_display_name("en") or ""}
        if wanted in {name.casefold() for name in names}:
            return known
    return None


def parse_language(value: str, field: str = "language") -> str:
    """A language a station may be set to; anything else is refused, naming the ones there are."""
    code = language_of(value)
    if code is None:
        known = ", ".join(languages())
        raise InvalidInput(
            _("{where}: there is no language {value!r} here; the languages are {known}").format(
                where=field, value=value, known=known
            ),
            field=field,
        )
    return code


def set_language(value: str | None, field: str = "--lang") -> str:
    """Makes ``value`` the station's language (None: English) and says which it is. (The
    station's settings say which: eventdesk.config reads ``EVENTDESK_LANG`` with the others.)"""
    global _station, _shown
    _station = _shown = parse_language(value, field) if value else SOURCE
    return _station


def current() -> str:
    """The language the text being written now is read in."""
    return _speaking.get() or _shown


def station_language() -> str:
    return _station


def show_in(code: str | None) -> str:
    """The screens speak ``code`` from now on (a kiosk's attendee chose it); None: the station's
    language again."""
    global _shown
    _shown = language_of(code) or _station
    return _shown


@contextmanager
def speaking(code: str | None) -> Iterator[str]:
    """Within the block, text is written in ``code`` (a person's own language; None or one with
    no catalogue: what the screens speak now)."""
    chosen = language_of(code) or _shown
    token = _speaking.set(chosen)
    try:
        yield chosen
    finally:
        _speaking.reset(token)


@cache
def catalogue(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``code`` (English: the messages as written).

    Compiling a catalogue takes Babel some 40 ms; the compiled form is kept beside it
    (``CODE.mo``, marked with the catalogue's own checksum) where the folder can be written, so
    that a later start reads it in 2 ms. A compiled file of another version of the catalogue is
    never used: it is compiled again."""
    if code == SOURCE:
        return gettext.NullTranslations()
    source = (LOCALE_DIR / f"{code}.po").read_bytes()
    stamp = hashlib.sha256(source).hexdigest().encode()
    compiled_path = LOCALE_DIR / f"{code}.mo"
    try:
        kept = compiled_path.read_bytes()
    except OSError:
        kept = b""
    if kept.startswith(stamp):
        return gettext.GNUTranslations(io.BytesIO(kept[len(stamp) :]))
    compiled = _compile(code, source)
    try:
        partial = compiled_path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(stamp + compiled)
        os.replace(partial, compiled_path)
    except OSError:
        pass  # a folder that cannot be written (an installed package): compiled each time
    return gettext.GNUTranslations(io.BytesIO(compiled))


def _compile(code: str, source: bytes) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    messages = read_po(io.BytesIO(source), locale=code)
    compiled = io.BytesIO()
    write_mo(compiled, messages, use_fuzzy=False)
    return compiled.getvalue()


def pgettext(context: str, message: str) -> str:
    """``message`` in the reader's language, where ``context`` tells two uses of the same
    English apart (a key that cancels a form, and one that cancels a ticket)."""
    return catalogue(current()).pgettext(context, message)


def _(message: str) -> str:
    """``message`` in the reader's language."""
    return catalogue(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message for ``count`` things, in the reader's language (its own plural
    rules: French says "1 billet" and "0 billet")."""
    return catalogue(current()).ngettext(singular, plural, count)


def locale() -> Locale:
    """The reader's language as a Babel locale (for dates, numbers and money)."""
    return _locale(current())


@cache
def _locale(code: str) -> Locale:
    from babel import Locale

    return Locale.parse(code)
