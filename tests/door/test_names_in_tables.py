"""The command line's tables line up in a terminal whatever the names' scripts: a cell is padded
by the cells it takes on the screen (a Hangul or Han letter takes two, a Thai vowel or tone mark
above a letter none), not by its characters. Before, each CJK name pushed the columns after it
one cell to the right a letter, and a Thai name pulled them left. On SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata

from eventdesk.db import Store
from eventdesk.services.people import attendees
from tests.clitools import Cli

# Korean, Chinese, Japanese, Thai (three marks over its letters) and a Latin name.
NAMES = ["김민준", "王小明", "山田 花子", "สมศักดิ์", "Ana Lee"]


def cells(text: str) -> int:
    """The cells ``text`` takes in a terminal, by Unicode's own tables: a wide or full-width
    letter two, a combining mark none, any other one."""
    return sum(
        0
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me")
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


def test_a_table_of_cjk_and_thai_names_lines_up(cli: Cli, store: Store) -> None:
    emails = [f"names-in-tables-{n}@example.org" for n in range(len(NAMES))]
    attendees.add_attendees_bulk(
        store, [{"name": n, "email": e} for n, e in zip(NAMES, emails, strict=True)]
    )
    lines = cli.out("attendee", "find", "names-in-tables").splitlines()
    heading, rows = lines[0], lines[2:]
    assert len(rows) == len(NAMES)
    where = cells(heading[: heading.index("email")])  # the email column's first cell
    for name, email in zip(NAMES, emails, strict=True):
        row = next(r for r in rows if email in r)
        assert name in row
        assert cells(row[: row.index(email)]) == where, (row, heading)
