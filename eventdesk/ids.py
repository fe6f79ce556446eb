"""Record ids as people type them: ASCII digits that fit every database's integer column."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER


def as_id(text: str | int) -> int | None:
    """The integer id a text stands for, or None when it cannot be one (a slug, '²', 10**20)."""
    if isinstance(text, int):
        return text if 0 < text <= MAX_ID else None
    value = text.strip()
    if not value or len(value) > 10 or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
