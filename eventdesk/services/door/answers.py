"""The answers given at admission to the check-in lists' questions: for the attendee's card,
the exports and the reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from eventdesk.db import Store
from eventdesk.models import CheckinAnswer, CheckinList, ListEntry
from eventdesk.services.door.lists import rules_of


def answers_of(store: Store, ticket_id: str) -> list[tuple[str, str, str, str]]:
    """A ticket's answers: (list, key, question, answer), by list and in the list's order."""
    with store.read() as session:
        rows = session.execute(
            select(CheckinList, CheckinAnswer.key, CheckinAnswer.value)
            .join(CheckinAnswer, CheckinAnswer.list_id == CheckinList.id)
            .where(CheckinAnswer.ticket_id == ticket_id.strip().upper())
            .order_by(CheckinList.id)
        ).all()
        found = []
        for listed, key, value in rows:
            rules = rules_of(listed)
            order = [q.key for q in rules.questions]
            text = next((q.text for q in rules.questions if q.key == key), key)
            found.append(
                (order.index(key) if key in order else len(order), rules.name, key, text, value)
            )
        found.sort(key=lambda r: (r[1], r[0]))
        return [(name, key, text, value) for _i, name, key, text, value in found]


def answers_by_ticket(store: Store, event_id: int) -> dict[str, dict[str, str]]:
    """Every answer of an event's tickets, as ``{ticket: {"List: key": answer}}`` (exports)."""
    with store.read() as session:
        rows = session.execute(
            select(
                CheckinAnswer.ticket_id, CheckinList.name, CheckinAnswer.key, CheckinAnswer.value
            )
            .join(CheckinList, CheckinList.id == CheckinAnswer.list_id)
            .where(CheckinList.event_id == event_id)
        ).all()
    found: dict[str, dict[str, str]] = {}
    for ticket, name, key, value in rows:
        found.setdefault(ticket, {})[f"{name}: {key}"] = value
    return found


@dataclass(frozen=True)
class OnList:
    """What a check-in list (other than the event's own "once") knows of a ticket, for its
    card: its admissions (inside now or not, the last entry, on how many days) or an answer."""

    list: str
    inside: bool | None = None  # None: an answer, not an admission
    last_at: datetime | None = None
    station: str | None = None
    days: int = 0
    answer: str | None = None  # "Over 18? yes"


def on_lists(store: Store, ticket_ids: list[str]) -> dict[str, list[OnList]]:
    """What the check-in lists know of each ticket: its admissions on them, then its answers."""
    if not ticket_ids:
        return {}
    found: dict[str, list[OnList]] = {}
    with store.read() as session:
        entries = session.execute(
            select(
                ListEntry.ticket_id,
                CheckinList.name,
                func.count(),
                func.max(ListEntry.last_at),
                func.max(ListEntry.station),
                func.max(case((ListEntry.inside, 1), else_=0)),
            )
            .join(CheckinList, CheckinList.id == ListEntry.list_id)
            .where(ListEntry.ticket_id.in_(ticket_ids))
            .group_by(ListEntry.ticket_id, CheckinList.name)
        ).all()
    for ticket, name, days, last_at, station, inside in entries:
        found.setdefault(ticket, []).append(OnList(name, bool(inside), last_at, station, days))
    for ticket in ticket_ids:
        for name, _key, text, value in answers_of(store, ticket):
            found.setdefault(ticket, []).append(OnList(name, answer=f"{text} {value}"))
    return found
