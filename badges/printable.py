"""What a printer may be sent of a badge's text and dots: attendee text without control
characters, text for a ZPL field, and bits flipped for the printers (1 is black there). Below
every output (badges.layout, pdf, zpl, render), which each build on it."""

from __future__ import annotations

import unicodedata


def clean(text: str) -> str:
    """Attendee text without control characters of any kind (C0, C1, DEL, bidi overrides)."""
    return "".join(
        " " if ch in "\t\r\n" else ch
        for ch in text
        if ch in "\t\r\n\u200c\u200d"  # joiners spell Persian and Indic names: kept
        or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    ).strip()


def zpl_field(text: str) -> str:
    """Text for a ^FD field under ^FH_ (hex escapes): ^, ~ and _ cannot start a command."""
    return "".join({"^": "_5E", "~": "_7E", "_": "_5F"}.get(ch, ch) for ch in clean(text))


def inverted(data: bytes) -> bytes:
    """Every bit flipped: Pillow's 1-bit image has 1 for white, printers take 1 for black."""
    import numpy

    return numpy.bitwise_not(numpy.frombuffer(data, dtype=numpy.uint8)).tobytes()
