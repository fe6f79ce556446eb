"""Text folding for search, slugs and ids."""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
# Crockford base32: no I, L, O, U, so an id read aloud or typed from paper is unambiguous.
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_MARK = "U"  # the first letter of a code signed ahead (code_ticket_id), and only of those
TICKET_ID_LENGTH = 8  # every ticket's id: registered, imported or sold offline (``new_id``)


# Letters that are not a base letter plus an accent mark, so NFKD leaves them whole.
_PLAIN_LETTERS = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "đ": "dj",
        "Đ": "dj",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "h",
        "ŧ": "t",
        "Ŧ": "t",
        "ĸ": "k",
        "ŋ": "ng",
        "Ŋ": "ng",
    }
)


def fold(text: str) -> str:
    """Lower-case, accent-free form used for matching: 'Zoë Müller' -> 'zoe muller',
    'Łukasz Ørsted' -> 'lukasz orsted'."""
    if text.isascii():  # what the steps below make of plain ASCII
        return text.lower()
    return _fold(text)


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN_LETTERS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", stripped).casefold()


def words(text: str) -> list[str]:
    """The folded words of a text (letters and digits)."""
    return _WORD.findall(fold(text).replace("_", " "))


def slugify(text: str) -> str:
    slug = "-".join(words(text))
    slug = "".join(ch for ch in slug if ch.isascii())
    slug = re.sub(r"-+", "-", slug).strip("-")[:60].strip("-")
    if slug.isdigit():  # an all-digit slug would read as an event id
        slug = f"event-{slug}"
    return slug or "event"


def new_id(length: int = TICKET_ID_LENGTH) -> str:
    """A random id in Crockford base32: 5 bits a character, from one draw of random bytes."""
    bits = int.from_bytes(secrets.token_bytes((5 * length + 7) // 8), "big")
    return "".join(ID_ALPHABET[(bits >> (5 * i)) & 31] for i in range(length))


def ticket_id_shaped(text: str) -> bool:
    """Whether ``text`` (trimmed, in either case) could be a ticket's id: as many characters of
    the ids' alphabet as a ticket's id has. Only the database says whether it is one."""
    typed = text.strip().upper()
    if typed.startswith(CODE_MARK):  # a code signed ahead for a station's offline sale
        typed = typed[1:]
        return len(typed) == TICKET_ID_LENGTH - 1 and all(ch in ID_ALPHABET for ch in typed)
    return len(typed) == TICKET_ID_LENGTH and all(ch in ID_ALPHABET for ch in typed)


def code_ticket_id() -> str:
    """The id of a ticket whose code is signed ahead for a station's offline sale: U, the
    letter Crockford's base32 leaves out, then seven of it, so that no id ``new_id`` makes (nor
    an import's, nor the server's) is ever one of them."""
    return CODE_MARK + new_id(TICKET_ID_LENGTH - 1)


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix``.

    Byte order of UTF-8 equals code point order, so this bound is right for SQLite's BINARY
    collation and PostgreSQL's "C" collation alike.
    """
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:
        last = 0xE000
    if last > 0x10FFFF:
        return prefix_upper_bound(prefix[:-1]) if len(prefix) > 1 else "\U0010ffff"
    return prefix[:-1] + chr(last)


# --- text for a terminal ----------------------------------------------------------------------
# Characters a terminal acts on instead of showing: the C0 and C1 controls and DEL (escape
# sequences move the cursor, clear the screen, retitle the window), and the bidirectional
# embeddings, overrides and isolates (they reorder what follows them on the line). A name or a
# station's name from the database is shown with these written out (``\x1b``), never acted on.
_ACTED_ON = frozenset(
    [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_SHOWN = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _ACTED_ON}
_AS_LINES = {code: shown for code, shown in _SHOWN.items() if code != 0x0A}


def for_terminal_table(keep: str = "") -> dict[int, str]:
    """What ``for_terminal`` writes out, as a ``str.translate`` table (but ``keep``)."""
    return {code: shown for code, shown in _SHOWN.items() if chr(code) not in keep}


def for_terminal(value: object, *, lines: bool = False) -> str:
    """``value`` as text a terminal shows as it is: every character a terminal would act on
    written out; with ``lines``, line breaks are kept as line breaks."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable() and not lines:
        return text  # nothing to write out (the common case: no translation)
    return text.translate(_AS_LINES if lines else _SHOWN)


# JSON escapes the C0 controls itself; these it leaves as they are, and a terminal showing
# `--json` output would act on them.
_JSON_ESCAPED = {code: f"\\u{code:04x}" for code in _ACTED_ON if code >= 0x7F}


def json_for_terminal(document: str) -> str:
    """A JSON document (``json.dumps`` with ``ensure_ascii=False``) with every character a
    terminal acts on escaped: the same document for a program reading it."""
    return document.translate(_JSON_ESCAPED)
