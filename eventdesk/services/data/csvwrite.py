"""Writing an import's rows (eventdesk.services.data.csvio reads and checks them): each batch of
whole orders is placed by claim_places' rules and written in one short transaction, its rows
made beforehand so that the write lock is held only to place and write them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple, cast, get_args

from sqlalchemy import Connection, Table, func, select, update
from sqlalchemy.orm import Session

from eventdesk.errors import SoldOut
from eventdesk.i18n import _, ngettext
from eventdesk.models import (
    Attendee,
    Event,
    Order,
    QuestionAnswer,
    SearchToken,
    Seat,
    Ticket,
    TicketStatus,
    TicketType,
    TransactionLog,
)
from eventdesk.services.catalogue.places import claim_places
from eventdesk.services.common import get_event
from eventdesk.services.data import import_runs
from eventdesk.services.data.csvread import Row, TypeInfo
from eventdesk.services.data.import_runs import (
    driver_value,
    insert_rows,
    next_ids,
    reserve_ids,
    select_in,
)
from eventdesk.services.people.attendees import holder_tokens, person_tokens
from eventdesk.values import utcnow

_ATTENDEE = cast(Table, Attendee.__table__)
_ORDER = cast(Table, Order.__table__)
_TICKET = cast(Table, Ticket.__table__)
_TOKEN = cast(Table, SearchToken.__table__)
_LOG = cast(Table, TransactionLog.__table__)
_ANSWER = cast(Table, QuestionAnswer.__table__)


class Fresh(NamedTuple):
    """A row that becomes a ticket."""

    row: Row
    holder: str | None  # the name this ticket is for, when not the buyer's own
    attendee_id: int | None  # None: a person this import creates


# --- places ---------------------------------------------------------------------------------
class Places:
    """Room at the event and at each ticket type, taken order by order by claim_places' rules
    (an import's tickets have no sessions): plain counts, read with the event's lock and
    written back once a batch is placed."""

    def __init__(self, connection: Connection, event_id: int, *, lock: bool) -> None:
        query = select(
            Event.capacity, Event.registered_count, Event.waitlist_enabled, Event.venue_id
        ).where(Event.id == event_id)
        found = connection.execute(query.with_for_update() if lock else query).one()
        self.capacity, self.registered, self.waitlist, self.venue_id = found
        types = select(TicketType.id, TicketType.quantity, TicketType.registered_count).where(
            TicketType.event_id == event_id
        )
        self.quantity: dict[int, int | None] = {}
        self.used: dict[int, int] = {}
        for type_id, quantity, used in connection.execute(types):
            self.quantity[type_id], self.used[type_id] = quantity, used

    def claim(self, type_ids: list[int]) -> bool:
        count = len(type_ids)
        if self.capacity is not None and self.registered + count > self.capacity:
            return False
        wanted: dict[int, int] = {}
        for type_id in type_ids:
            wanted[type_id] = wanted.get(type_id, 0) + 1
        for type_id, n in wanted.items():
            limit = self.quantity[type_id]
            if limit is not None and self.used[type_id] + n > limit:
                return False
        self.registered += count
        for type_id, n in wanted.items():
            self.used[type_id] += n
        return True

    def save(self, connection: Connection, event_id: int) -> None:
        connection.execute(
            update(Event).where(Event.id == event_id).values(registered_count=self.registered)
        )
        for type_id, used in self.used.items():
            connection.execute(
                update(TicketType).where(TicketType.id == type_id).values(registered_count=used)
            )


def sold_out(slug: str, types: dict[int, TypeInfo], members: list[Fresh]) -> SoldOut:
    first = members[0].row
    if len(members) == 1:
        return SoldOut(
            _(
                "row {row}: {ticket_type} is sold out and {event} has no waitlist: nothing imported"
            ).format(row=first.number, ticket_type=types[first.type_id].name, event=slug)
        )
    return SoldOut(
        ngettext(
            "rows {rows} (order {order}): there is no room for all {count} tickets of the order "
            "and {event} has no waitlist: nothing imported",
            "rows {rows} (order {order}): there is no room for all {count} tickets of the order "
            "and {event} has no waitlist: nothing imported",
            len(members),
        ).format(
            rows=", ".join(str(m.row.number) for m in members),
            order=first.order,
            count=len(members),
            event=slug,
        )
    )


_Rows = list[tuple[Any, ...]]


class Batch:
    """One transaction's share of an import: whole orders. Its rows are made before the
    transaction, as they are when every order finds room (the ids it will get read or drawn
    beforehand), so the write lock is held only to place the orders and write them. Should
    an order wait or get a seat, or another station have taken those ids meanwhile, they are
    made again in the transaction. The rows of one Order # are one order, placed whole or
    waitlisted whole, never split."""

    def __init__(
        self,
        event_id: int,
        slug: str,
        types: dict[int, TypeInfo],
        orders: list[list[Fresh]],
        ticket_ids: list[str],
        payloads: list[str | None],
        run_id: int,
        station: str | None,
    ) -> None:
        self.event_id, self.slug, self.types = event_id, slug, types
        self.orders, self.run_id, self.station = orders, run_id, station
        self.ticket_ids, self.payloads = ticket_ids, payloads
        firsts: dict[str, Row] = {}  # each new person's first row
        for members in orders:
            for m in members:
                if m.attendee_id is None and m.row.key not in firsts:
                    firsts[m.row.key] = m.row
        self.new_rows = list(firsts.values())
        self.people_ids: list[int] = []
        self.order_ids: list[int] = []
        self.known_tokens: set[tuple[str, int]] = set()
        self.made: list[tuple[Table, tuple[str, ...], _Rows]] = []
        self._people: dict[str, int] = {}  # email key -> id, of the people this batch adds

    def prepare(self, connection: Connection, tickets: import_runs.TicketIds) -> None:
        """Made in a read before the transaction: the rows as they are when all find room."""
        _unused_ids(connection, self.ticket_ids, self.payloads, tickets)
        self.people_ids = next_ids(connection, _ATTENDEE, len(self.new_rows))
        self.order_ids = next_ids(connection, _ORDER, len(self.orders))
        known = {m.attendee_id for members in self.orders for m in members if m.holder}
        known.discard(None)  # new people's words are all in this batch
        self.known_tokens = _known_tokens(connection, cast(set[int], known)) if known else set()
        self.made = self._rows(connection, [[None] * len(m) for m in self.orders], 0)

    def write(self, session: Session) -> int:
        """In the write transaction: place the orders and write. Returns how many wait."""
        connection = session.connection()
        places = Places(connection, self.event_id, lock=True)
        seated = places.venue_id is not None and _has_seats(connection, places.venue_id)
        seats: list[list[str | None] | None] = []
        if seated:  # claim_places hands out the seats, on the event's own rows
            event = get_event(session, self.event_id, lock=True)
            types = {
                t.id: t
                for t in session.scalars(select(TicketType).where(TicketType.event_id == event.id))
            }
            given: list[str] = []
            for members in self.orders:
                claims = [(types[m.row.type_id], ()) for m in members]
                found = claim_places(session, event, claims, seated=True, exclude_seats=given)
                given.extend(seat for seat in found or () if seat is not None)
                seats.append(found)
        else:
            for members in self.orders:
                placed = places.claim([m.row.type_id for m in members])
                seats.append([None] * len(members) if placed else None)
        waitlisted = 0
        for members, found in zip(self.orders, seats, strict=True):
            if found is None:
                if not places.waitlist:
                    raise sold_out(self.slug, self.types, members)
                waitlisted += len(members)
        if seated or waitlisted or not self._ids_still_free(connection):
            self.people_ids = reserve_ids(session, _ATTENDEE, len(self.new_rows))
            self.order_ids = reserve_ids(session, _ORDER, len(self.orders))
            last = _last_waitlisted(connection, self.event_id) if waitlisted else 0
            self.made = self._rows(connection, seats, last)
        for table, columns, rows in self.made:
            insert_rows(connection, table, columns, rows)
        if seated:
            session.flush()  # the counters claim_places changed
        else:
            places.save(connection, self.event_id)
        return waitlisted

    def _ids_still_free(self, connection: Connection) -> bool:
        """SQLite: the ids read before are still the next ones (no other writer came
        between). PostgreSQL: they were drawn from the sequences, ours whatever happens."""
        if connection.dialect.name != "sqlite":
            return True
        return all(
            not ids or next_ids(connection, table, 1) == ids[:1]
            for table, ids in ((_ATTENDEE, self.people_ids), (_ORDER, self.order_ids))
        )

    def _who(self, fresh: Fresh) -> int:
        if fresh.attendee_id is not None:
            return fresh.attendee_id
        return self._people[fresh.row.key]

    def _rows(
        self,
        connection: Connection,
        seats: Sequence[list[str | None] | None],
        last_waitlisted: int,
    ) -> list[tuple[Table, tuple[str, ...], _Rows]]:
        """Every row the batch writes, for these places (per order: each ticket's seat, None
        for general admission; or None for the waitlist)."""
        run_id, station, event_id = self.run_id, self.station, self.event_id
        at = driver_value(connection, _TICKET.c.created_at, utcnow())
        inside = driver_value(connection, _TICKET.c.inside, False)
        self._people = dict(zip((r.key for r in self.new_rows), self.people_ids, strict=True))
        people = [
            (
                i,
                r.name,
                r.email,
                r.key,
                r.company,
                r.phone,
                0,
                at,
                run_id,
                r.language,
                r.badge_name,
                r.family_name,
            )
            for i, r in zip(self.people_ids, self.new_rows, strict=True)
        ]
        tokens = [
            (token, i)
            for i, r in zip(self.people_ids, self.new_rows, strict=True)
            for token in person_tokens(r.name, r.email, r.company)
        ]
        who = self._who
        orders = [
            (order_id, event_id, who(members[0]), at, run_id)
            for order_id, members in zip(self.order_ids, self.orders, strict=True)
        ]
        tickets: _Rows = []
        logs: _Rows = []
        holder_words: set[tuple[str, int]] = set()
        answers: _Rows = []
        ticket_ids, payloads, types = self.ticket_ids, self.payloads, self.types
        index = 0
        seq = last_waitlisted
        for order_id, members, found in zip(self.order_ids, self.orders, seats, strict=True):
            # The order's answers: each question's from the first of its rows that gives one.
            of_order: dict[int, str] = {}
            for fresh in members:
                for question_id, of_holder, value in fresh.row.answers:
                    if not of_holder:
                        of_order.setdefault(question_id, value)
            answers.extend((q, order_id, None, v, at) for q, v in of_order.items())
            for position, fresh in enumerate(members):
                row, holder = fresh.row, fresh.holder
                ticket_type = types[row.type_id]
                attendee_id = who(fresh)
                ticket_id = ticket_ids[index]
                if found is None:
                    seq += 1
                    status, seat, place, registered = "waitlisted", None, seq, None
                else:
                    status, seat, place, registered = "registered", found[position], None, at
                tickets.append(
                    (
                        ticket_id,
                        order_id,
                        event_id,
                        ticket_type.id,
                        attendee_id,
                        holder,
                        row.family_name if holder else None,
                        status,
                        ticket_type.price_cents,
                        ticket_type.currency,
                        seat,
                        place,
                        at,
                        registered,
                        payloads[index],
                        inside,
                        run_id,
                    )
                )
                tokens.append((ticket_id.lower(), attendee_id))
                answers.extend(
                    (question_id, None, ticket_id, value, at)
                    for question_id, of_holder, value in row.answers
                    if of_holder
                )
                if holder:
                    holder_words.update((t, attendee_id) for t in holder_tokens(holder))
                    detail = json.dumps({"import": True, "row": row.number, "holder": holder})
                else:
                    detail = _DETAIL % row.number
                logs.append(
                    (
                        at,
                        status,
                        event_id,
                        ticket_id,
                        attendee_id,
                        ticket_type.price_cents,
                        ticket_type.currency,
                        station,
                        detail,
                    )
                )
                index += 1
        if holder_words:
            holder_words -= self.known_tokens
            holder_words.difference_update(tokens)
            tokens.extend(holder_words)
        tokens.sort()  # in index order: the B-tree is filled front to back
        return [
            (_ATTENDEE, ATTENDEE_COLUMNS, people),
            (_TOKEN, ("token", "attendee_id"), tokens),
            (_ORDER, ORDER_COLUMNS, orders),
            (_TICKET, TICKET_COLUMNS, tickets),
            (_LOG, LOG_COLUMNS, logs),
            (_ANSWER, ANSWER_COLUMNS, answers),
        ]


def _has_seats(connection: Connection, venue_id: int) -> bool:
    return connection.scalar(select(Seat.id).where(Seat.venue_id == venue_id).limit(1)) is not None


_DETAIL = '{"import": true, "row": %d}'  # json.dumps({"import": True, "row": n}), without it
ATTENDEE_COLUMNS = (
    "id",
    "name",
    "email",
    "email_key",
    "company",
    "phone",
    "failed_pin_attempts",
    "created_at",
    "import_run_id",
    "language",
    "badge_name",
    "family_name",
)
ORDER_COLUMNS = ("id", "event_id", "buyer_id", "created_at", "import_run_id")
TICKET_COLUMNS = (
    "id",
    "order_id",
    "event_id",
    "ticket_type_id",
    "attendee_id",
    "holder_name",
    "holder_family_name",
    "status",
    "price_cents",
    "currency",
    "seat_label",
    "waitlist_seq",
    "created_at",
    "registered_at",
    "qr_payload",
    "inside",
    "import_run_id",
)
LOG_COLUMNS = (
    "at",
    "kind",
    "event_id",
    "ticket_id",
    "attendee_id",
    "amount_cents",
    "currency",
    "station",
    "detail",
)
ANSWER_COLUMNS = ("question_id", "order_id", "ticket_id", "value", "answered_at")
_STATUSES: tuple[str, ...] = get_args(TicketStatus)


def _unused_ids(
    connection: Connection,
    ticket_ids: list[str],
    payloads: list[str | None],
    tickets: import_runs.TicketIds,
) -> None:
    """Ticket ids are random: one may be taken already (about one in a million at a festival).
    Those are drawn again, in place."""
    while taken := {t for (t,) in select_in(connection, _TAKEN, ticket_ids)}:
        for index, ticket_id in enumerate(ticket_ids):
            if ticket_id in taken:
                ticket_ids[index], payloads[index] = tickets.another()


_TAKEN = "SELECT id FROM ticket WHERE id IN"


def _last_waitlisted(connection: Connection, event_id: int) -> int:
    """The highest waitlist place the event gave: the highest of each status, each one read at
    the end of the (event, status, waitlist place) index."""
    t = _TICKET.c
    places = [
        select(func.max(t.waitlist_seq)).where(t.event_id == event_id, t.status == status)
        for status in _STATUSES
    ]
    return max((int(connection.scalar(query) or 0) for query in places), default=0)


def _known_tokens(connection: Connection, attendee_ids: set[int]) -> set[tuple[str, int]]:
    """The search words already stored for these attendees (a holder's words may be there)."""
    head = "SELECT token, attendee_id FROM search_token WHERE attendee_id IN"
    return {(token, person) for token, person in select_in(connection, head, sorted(attendee_ids))}
