"""Keyboard-wedge scanners typing through a keyboard layout that is not US, or with Caps Lock on.

A USB scanner sends key presses as a US keyboard would: Shift and the E key for ``E``, the 1 key
for ``1``, the full-stop key for ``.``. The computer turns the keys into characters with its own
layout, so on a French AZERTY layout ``ED1.`` arrives as ``ED&:``, on a German QWERTZ layout a
``Y`` arrives as ``Z``, and with Caps Lock on the letters arrive in lower case. A ticket payload
holds only A-Z, 0-9 and ``.``, and every one of them comes from one key (never a dead key), so
each layout's damage is a character-for-character table, undone by its inverse.

The tables are data, one per layout, from the real layouts (xkeyboard-config's ``de``, ``fr``
and ``be`` symbols; Microsoft's KBDFR and KBDBE for what Caps Lock does there): for each key a
scanner presses for a payload and that types something else than on a US keyboard, the
character typed without and with Shift. Caps Lock inverts Shift on a letter key everywhere; on
the other keys it does nothing (Linux, German layouts) or, on Windows' French and Belgian
layouts, acts as Shift too (the digit row types digits). ``repairs`` gives each reading of a line
through the known layouts; the ticket's signature tells which one, if any, is right.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import product

PAYLOAD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789."
CAPS_NOTE = "Caps Lock on"


def us_key(char: str) -> tuple[str, bool]:
    """The US key a scanner presses for a payload character (named by the character it types
    unshifted on a US keyboard), and whether it holds Shift."""
    if char.isalpha():
        return char.lower(), char.isupper()
    return char, False  # digits and the full stop: unshifted


@dataclass(frozen=True)
class KeyboardLayout:
    """What a keyboard layout types on the keys a scanner presses for a payload."""

    name: str
    title: str
    # US key -> the characters this layout types on it without and with Shift (two characters);
    # a key not listed types what it types on a US keyboard.
    keys: Mapping[str, str]
    # Keys, not letters, on which Caps Lock acts as Shift on some systems (Windows).
    caps_as_shift: str = ""
    repair: Mapping[int, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "repair", _inverse(self))

    def levels(self, key: str) -> str:
        """The key's characters without and with Shift."""
        if key in self.keys:
            return self.keys[key]
        return key + key.upper() if key.isalpha() else key + _US_SHIFTED[key]

    def types(self, key: str, shift: bool, caps: bool) -> set[str]:
        """What this layout can type for ``key`` (with Shift held or not, Caps Lock on or not)."""
        levels = self.levels(key)
        plain, shifted = levels[0], levels[1]
        if caps and plain.isalpha() and plain.lower() == plain and shifted == plain.upper():
            shift = not shift  # a letter: Caps Lock inverts Shift on every system
        elif caps and key in self.caps_as_shift:
            return {plain, shifted}  # as Shift on Windows, nothing on Linux
        return {shifted if shift else plain}

    def typed(self, text: str, caps: bool) -> set[str]:
        """Every way this layout types ``text`` (payload characters) from a scanner."""
        choices = [self.types(*us_key(char), caps) for char in text]
        return {"".join(chars) for chars in product(*choices)}


_US_SHIFTED = {
    "1": "!",
    "2": "@",
    "3": "#",
    "4": "$",
    "5": "%",
    "6": "^",
    "7": "&",
    "8": "*",
    "9": "(",
    "0": ")",
    ".": ">",
}


def _inverse(layout: KeyboardLayout) -> dict[int, str]:
    """A str.translate table from what the layout typed back to the payload's characters."""
    table: dict[int, str] = {}
    for char in PAYLOAD_CHARS:
        for caps in (False, True):
            for typed in layout.typed(char, caps):
                known = table.get(ord(typed))
                if known is not None and known != char:
                    raise ValueError(f"{layout.name}: {typed!r} is typed for {known} and {char}")
                table[ord(typed)] = char
    return {code: char for code, char in table.items() if chr(code) != char}


_DIGITS = "1234567890"


def _digit_row(unshifted: str) -> dict[str, str]:
    """A digit row that types ``unshifted`` without Shift and the digits with it."""
    return {digit: char + digit for digit, char in zip(_DIGITS, unshifted, strict=True)}


CAPS_LOCK = KeyboardLayout("us", "US layout", {})

# xkb de (basic, via latin(type4)) and Windows German: Y and Z swap; digits and "." stay put.
# Swiss and Austrian QWERTZ type the same on these keys.
QWERTZ = KeyboardLayout("qwertz", "QWERTZ layout", {"y": "zZ", "z": "yY"})

_AZERTY_LETTERS = {"q": "aA", "a": "qQ", "w": "zZ", "z": "wW", "m": ",?"}

# xkb fr (basic): the digit row types & é " ' ( - è _ ç à unshifted, the US full-stop key types
# ":" ("/" with Shift), the US M key types "," ("?" with Shift): M is where a US keyboard has
# ";". KBDFR: Caps Lock acts as Shift on the digit row and on the , ; : keys (of those a
# scanner presses: the US 1-0, M and full-stop keys).
AZERTY = KeyboardLayout(
    "azerty",
    "French AZERTY layout",
    {
        **_AZERTY_LETTERS,
        **_digit_row("&é\"'(-è_çà"),
        ".": ":/",
    },
    caps_as_shift=_DIGITS + "m.",
)

# xkb be (basic): as French but "§" on the 6 and "!" on the 8.
BELGIAN = KeyboardLayout(
    "azerty-be",
    "Belgian AZERTY layout",
    {
        **_AZERTY_LETTERS,
        **_digit_row("&é\"'(§è!çà"),
        ".": ":/",
    },
    caps_as_shift=_DIGITS + "m.",
)

LAYOUTS: tuple[KeyboardLayout, ...] = (CAPS_LOCK, QWERTZ, AZERTY, BELGIAN)


@dataclass(frozen=True)
class Repair:
    text: str  # the line as a US keyboard would have typed it
    note: str  # what was repaired, for staff ("French AZERTY layout, Caps Lock on")


def repairs(line: str) -> Iterator[Repair]:
    """Each different reading of ``line`` through the known layouts, not the line itself."""
    caps = any("a" <= char <= "z" for char in line)  # a payload's letters are capitals
    seen = {line}
    for layout in LAYOUTS:
        text = line.translate(layout.repair)
        if text in seen:
            continue
        seen.add(text)
        if layout is CAPS_LOCK:
            note = CAPS_NOTE
        else:
            note = f"{layout.title}, {CAPS_NOTE}" if caps else layout.title
        yield Repair(text, note)


def typed_forms(text: str) -> frozenset[str]:
    """Every way a scanner's ``text`` (payload characters) may arrive through a known layout,
    with Caps Lock off or on, ``text`` itself included."""
    forms = {text}
    for layout in LAYOUTS:
        for caps in (False, True):
            forms |= layout.typed(text, caps)
    return frozenset(forms)
