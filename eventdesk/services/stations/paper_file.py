"""The file of a paper door list's ticks (``checkin import-ticks FILE``): read within a bound,
any byte answered with a sentence, never a traceback.

A paper door list holds at most tens of thousands of tickets: a file larger than MAX_BYTES, or
of more than MAX_TICKS ticket ids, is refused before it is read whole (its size is looked at
first; standard input is read up to the bound and no further). A file that is not UTF-8 text
(a NUL byte: a spreadsheet, or UTF-16 text) is refused, naming the line; a CSV whose line
cannot be read is refused, naming the line. A word that cannot be a ticket id is listed as
unknown, not looked up."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from eventdesk.errors import InvalidInput
from eventdesk.i18n import _
from eventdesk.values import number_text

MAX_BYTES = 5_000_000  # a paper door list's file: at most 5 MB
MAX_TICKS = 100_000  # and at most this many ticket ids
TICKET_HEADINGS = ("ticket_id", "ticket", "ticket id")
SHOWN_CHARS = 40  # of a word that is no ticket id, shown back


def too_large() -> str:
    """Why a file is refused for its size (the bound, said)."""
    return _(
        "larger than {size} MB: a paper door list's ticks are at most {size} MB and {count} "
        "ticket ids (split the file)"
    ).format(size=MAX_BYTES // 1_000_000, count=number_text(MAX_TICKS))


def read_tick_file(path: str, stdin: BinaryIO) -> str:
    """The text of the file at ``path`` (``-``: ``stdin``), within the bound, as UTF-8."""
    if path == "-":
        raw = stdin.read(MAX_BYTES + 1)
    else:
        try:
            with Path(path).open("rb") as file:
                size = file.seek(0, io.SEEK_END)
                if size > MAX_BYTES:
                    raise _cannot(path, too_large())
                file.seek(0)
                raw = file.read(MAX_BYTES + 1)
        except OSError as exc:
            raise _cannot(path, exc.strerror or str(exc)) from None
    if len(raw) > MAX_BYTES:
        raise _cannot(path, too_large())
    return tick_text(path, raw)


def tick_text(path: str, raw: bytes) -> str:
    """``raw`` as text: UTF-8 (a byte-order mark left out), with no NUL byte."""
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise _cannot(
            path,
            _(
                "line {line} holds a NUL byte: this is not a text file (save the list as UTF-8 "
                "text or CSV)"
            ).format(line=line),
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _cannot(
            path,
            _("line {line} is not UTF-8 text (save the list as UTF-8 text or CSV)").format(
                line=line
            ),
        ) from None


def _cannot(path: str, problem: str) -> InvalidInput:
    where = _("standard input") if path == "-" else path
    return InvalidInput(
        _("cannot read {path}: {problem}").format(path=where, problem=problem), field="file"
    )


def read_ticks(text: str) -> list[str]:
    """The ticket ids of a file of ticks: one a line (its first word), or a CSV with a ticket
    column (``ticket_id`` or ``ticket``); blank lines and lines starting with '#' left out.
    More than MAX_TICKS is refused."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines:
        return []
    first = lines[0]
    if not any(mark in first for mark in ",;\t"):
        found = [line.split()[0].upper() for line in lines]
    else:
        found = _column(lines)
    if len(found) > MAX_TICKS:
        raise InvalidInput(
            _("{count} ticket ids: a paper door list's ticks are at most {most}").format(
                count=number_text(len(found)), most=number_text(MAX_TICKS)
            ),
            field="file",
        )
    return found


def _column(lines: Sequence[str]) -> list[str]:
    """The ticket column of a CSV's lines (the delimiter: the heading's most frequent mark)."""
    heading = lines[0]
    delimiter = max(",;\t", key=heading.count)
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, strict=True)
    try:
        headings = [cell.strip().lower() for cell in next(reader)]
        column = next((headings.index(h) for h in TICKET_HEADINGS if h in headings), None)
        if column is None:
            raise InvalidInput(
                _("the CSV file has no ticket column (a heading ticket_id or ticket)"),
                field="file",
            )
        return [
            row[column].strip().upper()
            for row in reader
            if len(row) > column and row[column].strip()
        ]
    except csv.Error as exc:
        raise InvalidInput(
            _("the CSV file's row {row} cannot be read: {problem}").format(
                row=reader.line_num, problem=exc
            ),
            field="file",
        ) from None


def is_ticket_id(word: str) -> bool:
    """A word that can be a ticket id (the door's check by id: letters and digits, at most
    16); any other is unknown without a look-up."""
    return 0 < len(word) <= 16 and word.isascii() and word.isalnum()


def shown(word: str) -> str:
    """A word of the file as it is said back: printable, and not longer than a line."""
    clipped = "".join(ch if ch.isprintable() else "?" for ch in word[:SHOWN_CHARS])
    return clipped + ("…" if len(word) > SHOWN_CHARS else "")
