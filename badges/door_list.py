"""The paper door list (``report door-list EVENT --pdf``): every valid ticket of an event, to
tick off at the door when every machine has failed (services.stats.door_list).

A4 in type read at arm's length (12 pt rows, a line under each; a long note set smaller, to
9 pt, before it is cut), headed on every page
with the event, what the list is for and when it was made, "page n of m" at the bottom: a box,
the holder's name, the ticket type, what a scan would refuse or ask (owes money, blocked by the
shop, valid only from or until a time, admitted by staff) before the attention note for staff
(the type's and the person's staff note), the ticket id that the ticks are entered back by
(``checkin import-ticks``).
"""

from __future__ import annotations

from badges.paper_table import Column, PaperTable, Type, write_paper_table
from badges.readable import latin_said
from eventdesk.i18n import _
from eventdesk.services.stats.door_list import DoorList, Holder, door_list_words

DOOR_LIST = Type(
    title_pt=16, line_pt=11, table_pt=12, foot_pt=10, row=8.0, box=5.5, box_column=11, least_pt=9
)


def _columns() -> tuple[Column, ...]:
    return (
        # TRANSLATORS: the headings of the paper door list's table (report door-list --pdf)
        Column(59, _("name")),
        Column(28, _("ticket type")),
        Column(53, _("attention")),
        Column(29, _("ticket")),  # an id of 8 letters at 12 pt, never set smaller
    )


def _attention(holder: Holder) -> str:
    """The attention cell: what a scan would refuse or ask first (it may send the person to the
    desk), then the notes for staff."""
    return " · ".join(part for part in (holder.door, holder.attention) if part)


def write_door_list(listed: DoorList, path: str) -> tuple[int, str]:
    """The door list as a PDF in ``path``: how many pages it has, and what to say of
    its names no font on this machine draws (they print in Latin letters; "" when none)."""
    table = PaperTable(
        # TRANSLATORS: the title of the paper door list
        title=_("Door list: {event}").format(event=listed.title),
        lines=tuple(door_list_words(listed)),
        columns=_columns(),
        rows=tuple((h.name, h.ticket_type, _attention(h), h.ticket_id) for h in listed.holders),
        foot=listed.title,
        type=DOOR_LIST,
        closing=_("ticked: ______ of {count}    checked by: ____________________").format(
            count=listed.count
        ),
        every_page=True,
    )
    pages = write_paper_table(table, path)
    return pages, latin_said(h.name for h in listed.holders)
