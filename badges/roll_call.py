"""The roll call on paper (``report inside --pdf``): who is inside now, for an evacuation or a
head count at a door, with a box to tick beside each name.

A4 (badges.paper_table), its headings on the first page: the title, what it is of, when it was
made and how many there are (services.stats.inside.words_for, the words the command and the
stats screen use), then a row a person: the box, the name, the ticket type, when and at which
station they came in last, the ticket. A name in a script no font on this machine has prints
in Latin letters (badges.readable), and the command says so.
"""

from __future__ import annotations

from badges.paper_table import Column, PaperTable, Type, write_paper_table
from badges.readable import latin_said
from eventdesk.i18n import _
from eventdesk.services.stats.inside import RollCall, made_at, since_text, words_for

ROLL_CALL = Type(title_pt=16, line_pt=10, table_pt=10, foot_pt=8, row=7.0, box=4.2, box_column=8)


def _columns() -> tuple[Column, ...]:
    return (
        # TRANSLATORS: the headings of the roll call's table (report inside --pdf)
        Column(60, _("name")),
        Column(28, _("ticket type")),
        Column(26, _("since")),
        Column(32, _("station")),
        Column(26, _("ticket")),
    )


def write_roll_call(call: RollCall, path: str) -> tuple[int, str]:
    """The roll call as a PDF in ``path``: how many pages it has, and what to say of
    its names no font on this machine draws (they print in Latin letters; "" when none)."""
    table = PaperTable(
        title=_("Roll call: who is inside now"),
        lines=tuple(words_for(call)),
        columns=_columns(),
        rows=tuple(
            (
                p.name,
                p.ticket_type,
                since_text(call, p.since),
                p.station or "?",
                p.ticket_id,
            )
            for p in call.people
        ),
        foot=f"{call.title} · {made_at(call)}",
        type=ROLL_CALL,
        closing=_("ticked: ______ of {count}    checked by: ____________________").format(
            count=call.count
        ),
    )
    pages = write_paper_table(table, path)
    return pages, latin_said(p.name for p in call.people)
