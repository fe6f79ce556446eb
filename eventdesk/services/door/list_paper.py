"""What the paper door list of a check-in list says besides the event's (``report door-list
EVENT --list LIST``, services.stats.door_list): the list's name, days, hours and questions in
the lines under the title, and on each ticket's row what the list's own rules would refuse
before anything else (services/door/list_door.py's LIST_RULES, its first two rows: a ticket type
the list does not take, a ticket booked into none of the list's sessions: "refuse: not on this
list"), and money owed sent to the desk where the list (not only the event) refuses unpaid
tickets.

Read by the same statements from the server's tables, a station login's views of the same names,
or a station's copy (services.stats.inside's Tables), so a station prints it with its server
away."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, column, or_, select, table

from eventdesk.errors import NotFound
from eventdesk.i18n import _
from eventdesk.services.door.lists import DEFAULT, ListRules, default_rules, rules_of, short_day
from eventdesk.services.stats.inside import Tables

# A ticket's sessions, by the table's name (the server's, a login's view, the copy's).
_BOOKED = table("ticket_session", column("ticket_id"), column("session_id"), column("status"))


@dataclass(frozen=True)
class ListPaper:
    """A check-in list as its paper door list prints it."""

    name: str
    lines: tuple[str, ...]  # under the title: its days, hours and questions
    refuses_unpaid: bool | None  # the list's own word on unpaid tickets (None: the event's)
    off_list: frozenset[str]  # the ids of the event's tickets the list does not admit

    def marks(self, row: Any) -> list[str]:
        """What the list refuses of the ticket ``row`` before the event's rules."""
        if row.id in self.off_list:
            # TRANSLATORS: the paper door list of a check-in list: a ticket the list refuses
            return [_("refuse: not on this list")]
        return []


def list_paper(conn: Connection, tables: Tables, event_id: int, ref: str) -> ListPaper:
    """The check-in list ``ref`` (its slug or name) of the event, read from ``tables``."""
    lists = tables.checkin_list
    wanted = ref.strip()
    found = conn.execute(
        select(lists).where(
            lists.c.event_id == event_id,
            or_(lists.c.slug == wanted.lower(), lists.c.name == wanted),
        )
    ).first()
    if found is None:
        if wanted.lower() == DEFAULT:  # the default list with no rule set: the event's own
            return ListPaper(default_rules(event_id).name, (), None, frozenset())
        raise NotFound(
            _("no check-in list {list!r} for this event (`checkin-list list` names them)").format(
                list=wanted
            ),
            field="list",
        )
    rules = rules_of(found)
    return ListPaper(
        rules.name,
        _lines(rules),
        None if rules.unpaid is None else rules.unpaid != "admit",
        frozenset(_off_list(conn, tables, event_id, rules)),
    )


def _off_list(conn: Connection, tables: Tables, event_id: int, rules: ListRules) -> set[str]:
    k = tables.ticket.c
    off: set[str] = set()
    if rules.ticket_types is not None:
        off |= set(
            conn.scalars(
                select(k.id).where(
                    k.event_id == event_id, k.ticket_type_id.not_in(sorted(rules.ticket_types))
                )
            )
        )
    if rules.sessions is not None:
        booked = select(_BOOKED.c.ticket_id).where(
            _BOOKED.c.session_id.in_(sorted(rules.sessions)), _BOOKED.c.status == "registered"
        )
        off |= set(conn.scalars(select(k.id).where(k.event_id == event_id, k.id.not_in(booked))))
    return off


def _lines(rules: ListRules) -> tuple[str, ...]:
    said: list[str] = []
    if rules.days is not None:
        # TRANSLATORS: under a check-in list's paper door list's title: the days it is open
        said.append(_("open on {days}").format(days=", ".join(short_day(d) for d in rules.days)))
    if rules.hours:
        # TRANSLATORS: under a check-in list's paper door list's title: its hours ("09:00-12:00")
        said.append(_("open {hours}").format(hours=", ".join(_hours(rules.hours))))
    if rules.questions:
        # TRANSLATORS: under a check-in list's paper door list's title: asked at a first entry
        said.append(
            _("ask at the first entry: {questions}").format(
                questions="; ".join(q.text for q in rules.questions)
            )
        )
    return tuple(said)


def _hours(hours: Sequence[Any]) -> list[str]:
    return [
        f"{short_day(h.day)} {h.opens:%H:%M}-{h.closes:%H:%M}"
        if h.day
        else f"{h.opens:%H:%M}-{h.closes:%H:%M}"
        for h in hours
    ]
