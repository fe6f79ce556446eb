"""Tickets people already hold, from a shop's export (``eventdesk import tickets``).

Each row of the file is one ticket: its code (the barcode or reference the shop printed in its
QR) is kept unchanged as the ticket's code, so the person's own ticket opens our door
(eventdesk.tickets.Verifier.by_code looks it up). Eventbrite's attendee report and Tito's ticket
export are read by the columns those shops name; any other CSV by the usual names (Code,
Barcode, Name, Email, Ticket Type, Order, Paid, Price) or a code column given by name.

Importing the same shop's file again finds each ticket by its code: what changed (the holder's
name, the type, paid or not, cancelled) is changed, and a ticket of that shop no longer in the
file is cancelled (the door refuses it). A ticket the shop was paid for owes nothing at our door
(the money is the shop's); one the shop says is unpaid owes its price. Rows that cannot be read
are listed as problems, each with its row number; the others are imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput
from eventdesk.i18n import _
from eventdesk.models import Attendee, Order, RevokedCode, Ticket, TicketType
from eventdesk.services.common import email_key, get_event
from eventdesk.services.data.csvread import HEADERS, CsvFile, header_key
from eventdesk.services.data.import_runs import recount
from eventdesk.services.data.pretix_checkins import Exchanged
from eventdesk.services.people.attendees import replace_tokens_of
from eventdesk.text import fold, new_id
from eventdesk.tickets import CODE_LENGTH
from eventdesk.values import parse_amount, parse_email, utcnow

SHOPS = ("eventbrite", "tito", "csv")  # a pretix event is connected, not exported
CHUNK = 500  # rows written a transaction: a door waits at most that long
MAX_PROBLEMS = 50  # problems listed; the rest counted


@dataclass(frozen=True)
class Columns:
    """Each field's column, by the header's key (csvread.header_key), the first found."""

    code: tuple[str, ...]
    order: tuple[str, ...]
    name: tuple[str, ...]
    first: tuple[str, ...]
    last: tuple[str, ...]
    email: tuple[str, ...]
    ticket_type: tuple[str, ...]
    company: tuple[str, ...]
    state: tuple[str, ...]  # says a ticket is cancelled (refunded, void, not attending)
    paid: tuple[str, ...]  # says a ticket is paid or not
    price: tuple[str, ...]


# Eventbrite's attendee report ("Order #", "Barcode #", "Attendee Status", "Order Type") and
# Tito's ticket export ("Ticket Reference", "Ticket Full Name", "Ticket Email", "Void Status").
FORMATS = {
    "eventbrite": Columns(
        code=("barcodenumber", "barcode", "barcodes"),
        order=("ordernumber", "orderid"),
        name=("name", "attendeename"),
        first=("firstname",),
        last=("lastname", "surname"),
        email=("email", "emailaddress"),
        ticket_type=("tickettype", "ticketclass"),
        company=("company", "companyname", "organization"),
        state=("attendeestatus", "orderstatus"),
        paid=("ordertype", "paymentstatus"),
        price=("ticketprice", "price"),  # not "Total Paid": nothing for an unpaid order
    ),
    "tito": Columns(
        code=("ticketreference", "reference"),
        order=("orderreference",),
        name=("ticketfullname", "ticketname", "ordername"),
        first=("ticketfirstname",),
        last=("ticketlastname",),
        email=("ticketemail", "orderemail", "email"),
        ticket_type=("ticket", "release", "tickettype"),
        company=("ticketcompanyname", "ordercompanyname", "company"),
        state=("voidstatus", "ticketstatus", "state"),
        paid=("paymentstatus", "orderpaymentstatus"),
        price=("ticketprice", "price"),
    ),
    "csv": Columns(
        code=("code", "ticketcode", "barcode", "barcodenumber", "qrcode", "qr", "secret"),
        order=HEADERS["order"],
        name=HEADERS["name"],
        first=HEADERS["first"],
        last=HEADERS["last"],
        email=HEADERS["email"],
        ticket_type=HEADERS["ticket_type"],
        company=HEADERS["company"],
        state=("status", "ticketstatus", "state"),
        paid=("paid", "ispaid", "paymentstatus"),
        price=("price", "ticketprice", "amount"),
    ),
}
# What a state column says of a ticket that is no longer valid.
_CANCELLED = re.compile(r"^(cancel|refund|void|notattending|deleted|transferred|yes$|true$|1$)")
# What a paid column says of a ticket not paid for (Eventbrite: an offline order type).
_UNPAID = re.compile(
    r"^(no$|false$|0$|unpaid|notpaid|pending|offline|payat|paybycheck|paybyinvoice|invoice"
    r"|awaiting)"
)


@dataclass(frozen=True)
class ShopTicket:
    row: int  # as the spreadsheet numbers it
    code: str
    order: str  # the shop's order code ("" when the file has none: the code stands for it)
    name: str
    email: str
    ticket_type: str
    company: str | None
    cancelled: bool
    unpaid: bool
    price_cents: int | None
    # The shop's own name of the ticket, when its code may change (pretix: the order's code
    # and the position; a secret made again is a new code of the same ticket). None: the code.
    key: str | None = None
    seat: str | None = None  # a seat the shop sold with it ("Row 3, Seat 12")
    # What the shop holds it back for ("blocked", "approval": Ticket.shop_hold), the times it is
    # valid between, and the key of the ticket it is an add-on of.
    hold: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    parent_key: str | None = None
    # The family part of ``name`` where the shop gave it apart (a Last Name column, pretix's
    # name parts), which lists sort under (eventdesk.names); None: the name came whole.
    family: str | None = None


@dataclass
class ShopImport:
    """What ``import_tickets`` did: tickets created, changed, cancelled as gone from the
    file, and the rows it could not read ("row 7: …")."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    gone: int = 0
    types_created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    orders: int = 0  # the shop's orders the tickets are of
    pulled_at: datetime | None = None  # a shop's pull: when its answers were read
    # A shop's pull: the check-ins sent and taken (services.data.pretix_checkins).
    exchanged: Exchanged | None = None
    # A shop's pull: its check-in lists made ours (services.data.pretix_lists), and the ones
    # refused, each saying the rule our lists cannot honour.
    lists_made: list[str] = field(default_factory=list)
    lists_changed: list[str] = field(default_factory=list)
    lists_refused: list[str] = field(default_factory=list)
    lists_refused_names: list[str] = field(default_factory=list)
    list_slugs: dict[str, str] = field(default_factory=dict)  # the shop's list id -> ours
    changed_since: str | None = None  # a shop's pull: the next asks for changes since (ISO)

    def as_json(self) -> dict[str, object]:
        """What `import tickets --json` and `shop connect --json` say of it."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "gone": self.gone,
            "types_created": self.types_created,
            "problems": self.problems,
            "more_problems": self.more_problems,
        }

    def problem(self, row: int, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            # TRANSLATORS: {row} is the file's row number, {problem} what is wrong with it
            self.problems.append(_("row {row}: {problem}").format(row=row, problem=text))
        else:
            self.more_problems += 1


def _column(header: Sequence[str], names: Sequence[str]) -> int | None:
    found = _columns(header, names)
    return found[0] if found else None


def _columns(header: Sequence[str], names: Sequence[str]) -> list[int]:
    """The columns of ``names`` the header has, in the order of ``names``: a row's field is
    the first of them it fills (Tito: a ticket not assigned yet has its order's e-mail)."""
    keys = [header_key(h) for h in header]
    return [keys.index(name) for name in names if name in keys]


class _Reader:
    """A file's rows as ShopTickets, by the shop's columns."""

    def __init__(self, header: Sequence[str], shop: str, code_column: str | None) -> None:
        cols = FORMATS[shop]
        self.at = {
            name: _columns(header, getattr(cols, name))
            for name in (
                "order",
                "name",
                "first",
                "last",
                "email",
                "ticket_type",
                "company",
                "state",
                "paid",
                "price",
            )
        }
        wanted = (header_key(code_column),) if code_column else cols.code
        code_at = _column(header, wanted)
        if code_at is None:
            looked = code_column or ", ".join(cols.code)
            raise InvalidInput(
                # TRANSLATORS: {columns} are the column names looked for
                _(
                    "the file has no code column (looked for: {columns}); name it with "
                    "--code-column"
                ).format(columns=looked),
                field="code_column",
            )
        if not self.at["email"]:
            raise InvalidInput(_("the file has no email column"), field="email")
        self.code_at: int = code_at

    def _cell(self, record: Sequence[str], name: str) -> str:
        for at in self.at[name]:
            if at < len(record) and record[at].strip():
                return " ".join(record[at].split())
        return ""

    def code(self, record: Sequence[str]) -> str:
        """The row's code as the shop printed it ("" when the row has none)."""
        return record[self.code_at].strip() if self.code_at < len(record) else ""

    def ticket(self, number: int, record: Sequence[str]) -> ShopTicket:
        """Raises InvalidInput saying what is wrong with the row."""
        code = self.code(record)
        if not code:
            raise InvalidInput(_("it has no code"), field="code")
        if len(code) > CODE_LENGTH:
            raise InvalidInput(
                _("its code is longer than {most} characters").format(most=CODE_LENGTH),
                field="code",
            )
        email = parse_email(self._cell(record, "email"))
        name = self._cell(record, "name") or " ".join(
            part for part in (self._cell(record, "first"), self._cell(record, "last")) if part
        )
        family = self._cell(record, "last")[:200] or None
        price_text = re.sub(r"[^0-9.,]", "", self._cell(record, "price"))
        return ShopTicket(
            row=number,
            code=code,
            order=self._cell(record, "order").lstrip("#")[:64],
            name=(name or email.partition("@")[0])[:200],
            email=email,
            ticket_type=(self._cell(record, "ticket_type") or _("Ticket"))[:100],
            company=self._cell(record, "company")[:200] or None,
            cancelled=bool(_CANCELLED.match(header_key(self._cell(record, "state")))),
            unpaid=bool(_UNPAID.match(header_key(self._cell(record, "paid")))),
            price_cents=parse_amount(price_text, "price") if price_text else None,
            family=family if name else None,
        )


def read_tickets(
    path: Path, shop: str, code_column: str | None, done: ShopImport
) -> tuple[list[ShopTicket], set[str]]:
    """The file's tickets, each code once, and every code the file holds (a row with a problem
    but a code still holds its ticket: it is not gone)."""
    source = CsvFile(path)
    reader = _Reader(source.header, shop, code_column)
    tickets: list[ShopTicket] = []
    codes: set[str] = set()
    for number, record in source.records():
        try:
            ticket = reader.ticket(number, record)
        except InvalidInput as problem:
            code = reader.code(record)
            if code:
                codes.add(code)
            done.problem(number, str(problem))
            continue
        if ticket.code in codes:
            done.problem(number, _("its code {code} is on an earlier row").format(code=ticket.code))
            continue
        codes.add(ticket.code)
        tickets.append(ticket)
    return tickets, codes


def import_tickets(
    store: Store,
    path: str | Path,
    event_ref: str | int,
    *,
    shop: str,
    code_column: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ShopImport:
    """The shop's tickets in the file, made or brought up to date for the event (see the
    module's text); each CHUNK rows in a transaction of their own."""
    if shop not in SHOPS:
        raise InvalidInput(
            _("--from must be one of {shops}").format(shops=", ".join(SHOPS)), field="from"
        )
    done = ShopImport()
    tickets, codes = read_tickets(Path(path), shop, code_column, done)
    with store.read() as session:
        event_id = get_event(session, event_ref).id
    return write_tickets(store, event_id, shop, tickets, codes=codes, progress=progress, done=done)


def write_tickets(
    store: Store,
    event_id: int,
    shop: str,
    tickets: list[ShopTicket],
    *,
    codes: set[str] | None = None,
    progress: Callable[[int], None] | None = None,
    done: ShopImport | None = None,
    partial: bool = False,
) -> ShopImport:
    """A shop's tickets of the event, each CHUNK in a transaction of its own; then the shop's
    tickets it no longer has (none of ``codes``, nor of the tickets' keys) cancelled, unless
    ``tickets`` are only those that changed (``partial``)."""
    done = ShopImport() if done is None else done
    done.orders = len({t.order or t.code for t in tickets})
    held = {t.code for t in tickets} | (codes or set())
    keys = {t.key for t in tickets if t.key is not None}
    try:
        for chunk in _chunks(tickets):
            with store.write() as session:
                _Writer(session, event_id, shop, done).write(chunk)
            if progress is not None:
                progress(len(chunk))
        with store.write() as session:
            _tie_add_ons(session, event_id, tickets)
            if not partial:
                done.gone = _cancel_gone(session, event_id, shop, held, keys)
            recount(session, event_id)
    except IntegrityError:
        raise Conflict(
            _(
                "a ticket of the file was written at another station meanwhile: import the "
                "file again"
            ),
            field="file",
        ) from None
    return done


def _tie_add_ons(session: Session, event_id: int, tickets: list[ShopTicket]) -> None:
    """Each add-on's ticket tied to the ticket it was bought with (by the shop's keys)."""
    wanted = {t.key: t.parent_key for t in tickets if t.key is not None and t.parent_key}
    if not wanted:
        return
    keys = sorted(set(wanted) | set(wanted.values()))
    ids: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(keys), CHUNK):
        for ticket_id, key, parent in session.execute(
            select(Ticket.id, Ticket.shop_ref, Ticket.parent_id).where(
                Ticket.event_id == event_id, Ticket.shop_ref.in_(keys[start : start + CHUNK])
            )
        ):
            ids[str(key)] = (ticket_id, parent)
    for key, parent_key in wanted.items():
        child, mother = ids.get(key), ids.get(parent_key)
        if child is not None and mother is not None and child[1] != mother[0]:
            session.execute(update(Ticket).where(Ticket.id == child[0]).values(parent_id=mother[0]))


def ticket_types(session: Session, event_id: int, names: Iterable[str]) -> set[int]:
    """The ids of the event's ticket types of these names, each made (free) where none is yet:
    a shop's check-in list may name a product no ticket was sold of."""
    writer = _Writer(session, event_id, "", ShopImport())
    return {writer.type_of(name, None).id for name in names}


def _chunks(tickets: list[ShopTicket]) -> Iterator[list[ShopTicket]]:
    for start in range(0, len(tickets), CHUNK):
        yield tickets[start : start + CHUNK]


class _Writer:
    """One transaction's tickets written."""

    def __init__(self, session: Session, event_id: int, shop: str, done: ShopImport) -> None:
        self.session = session
        self.event_id = event_id
        self.shop = shop
        self.done = done
        self.now = utcnow()
        self.types = {
            fold(t.name): t
            for t in session.scalars(select(TicketType).where(TicketType.event_id == event_id))
        }
        self.currency = next(iter(self.types.values())).currency if self.types else "EUR"
        self.orders: dict[str, Order] = {}
        self.people: dict[str, Attendee] = {}
        self.touched: dict[str, Attendee] = {}  # by e-mail key: their search words again

    def write(self, chunk: list[ShopTicket]) -> None:
        found = {
            t.qr_payload: t
            for t in self.session.scalars(
                select(Ticket).where(Ticket.qr_payload.in_([c.code for c in chunk]))
            )
        }
        keys = [c.key for c in chunk if c.key is not None]
        by_key = (
            {
                t.shop_ref: t
                for t in self.session.scalars(
                    select(Ticket).where(
                        Ticket.event_id == self.event_id, Ticket.shop_ref.in_(keys)
                    )
                )
            }
            if keys
            else {}
        )
        self._known(chunk)
        fresh: list[ShopTicket] = []
        for row in chunk:
            held = by_key.get(row.key) if row.key is not None else None
            held = held or found.get(row.code)
            if row.unpaid and not row.cancelled and not self._priced(row):
                self.done.problem(
                    row.row,
                    _(
                        "the shop says it is not paid but the file has no price for it: "
                        "imported owing nothing (set its type's price and import again)"
                    ),
                )
            if held is not None and (held.event_id != self.event_id or not self._ours(held)):
                self.done.problem(
                    row.row,
                    _("its code {code} is already ticket {ticket}'s").format(
                        code=row.code, ticket=held.id
                    ),
                )
                continue
            if held is None:
                fresh.append(row)
            else:
                self._update(held, row)
        self._create(fresh)
        replace_tokens_of(self.session, list(self.touched.values()))

    def _known(self, chunk: list[ShopTicket]) -> None:
        """The chunk's people and orders read at once (a query a row would cost more than
        the row's own writes)."""
        emails = sorted({email_key(row.email) for row in chunk} - set(self.people))
        for person in self.session.scalars(select(Attendee).where(Attendee.email_key.in_(emails))):
            self.people[person.email_key] = person
        refs = sorted({row.order or row.code[:64] for row in chunk} - set(self.orders))
        for order in self.session.scalars(
            select(Order).where(
                Order.event_id == self.event_id, Order.shop == self.shop, Order.shop_ref.in_(refs)
            )
        ):
            self.orders[str(order.shop_ref)] = order

    def _priced(self, row: ShopTicket) -> bool:
        kind = self.types.get(fold(row.ticket_type))
        return bool(row.price_cents) or (kind is not None and kind.price_cents > 0)

    def _ours(self, ticket: Ticket) -> bool:
        order = self.session.get(Order, ticket.order_id)
        return order is not None and order.shop == self.shop

    def type_of(self, name: str, price_cents: int | None) -> TicketType:
        key = fold(name)
        kind = self.types.get(key)
        if kind is None:
            kind = TicketType(
                event_id=self.event_id,
                name=name,
                price_cents=price_cents or 0,
                currency=self.currency,
                quantity=None,
                priority_tier=1,
                registered_count=0,
            )
            self.session.add(kind)
            self.session.flush()
            self.types[key] = kind
            self.done.types_created.append(name)
        return kind

    def _person(self, row: ShopTicket) -> Attendee:
        """The row's person, added when new (the caller flushes)."""
        key = email_key(row.email)
        person = self.people.get(key)
        if person is None:
            person = Attendee(
                name=row.name,
                family_name=row.family,
                email=row.email,
                email_key=key,
                company=row.company,
                failed_pin_attempts=0,
                created_at=self.now,
            )
            self.session.add(person)
            self.people[key] = person
        self.touched[key] = person
        return person

    def _order(self, row: ShopTicket, buyer: Attendee) -> Order:
        """The row's order, added when new (the caller flushes)."""
        ref = row.order or row.code[:64]
        order = self.orders.get(ref)
        if order is None:
            order = Order(
                event_id=self.event_id,
                buyer_id=buyer.id,
                created_at=self.now,
                shop=self.shop,
                shop_ref=ref,
            )
            self.session.add(order)
            self.orders[ref] = order
        return order

    def _due(self, row: ShopTicket, kind: TicketType) -> int:
        """What the ticket owes at our door: nothing when the shop was paid."""
        if not row.unpaid:
            return 0
        return row.price_cents if row.price_cents is not None else kind.price_cents

    def _create(self, rows: list[ShopTicket]) -> None:
        """New tickets: their people, then their orders, then the tickets, a flush each."""
        if not rows:
            return
        people = [self._person(row) for row in rows]
        kinds = [self.type_of(row.ticket_type, row.price_cents) for row in rows]
        self.session.flush()
        orders = [self._order(row, person) for row, person in zip(rows, people, strict=True)]
        self.session.flush()
        ids = self._new_ids(len(rows))
        for ticket_id, row, person, kind, order in zip(
            ids, rows, people, kinds, orders, strict=True
        ):
            self.session.add(
                Ticket(
                    id=ticket_id,
                    order_id=order.id,
                    event_id=self.event_id,
                    ticket_type_id=kind.id,
                    attendee_id=person.id,
                    holder_name=None if fold(row.name) == fold(person.name) else row.name,
                    holder_family_name=(
                        None if fold(row.name) == fold(person.name) else row.family
                    ),
                    status="cancelled" if row.cancelled else "registered",
                    price_cents=self._due(row, kind),
                    currency=kind.currency,
                    created_at=self.now,
                    registered_at=self.now,
                    cancelled_at=self.now if row.cancelled else None,
                    qr_payload=row.code,
                    shop_ref=row.key,
                    seat_label=row.seat,
                    shop_hold=row.hold,
                    valid_from=row.valid_from,
                    valid_until=row.valid_until,
                    inside=False,
                )
            )
        self.done.created += len(rows)

    def _new_ids(self, count: int) -> list[str]:
        """``count`` ticket ids no ticket has (drawn again in the rare case one has)."""
        ids: set[str] = set()
        while len(ids) < count:
            drawn = {new_id() for _ in range(count - len(ids))} - ids
            taken = set(self.session.scalars(select(Ticket.id).where(Ticket.id.in_(drawn))))
            ids |= drawn - taken
        return sorted(ids)

    def _update(self, ticket: Ticket, row: ShopTicket) -> None:
        kind = self.type_of(row.ticket_type, row.price_cents)
        person = self.session.get(Attendee, ticket.attendee_id)
        holder = None if person is not None and fold(row.name) == fold(person.name) else row.name
        status = "cancelled" if row.cancelled else "registered"
        wanted = {
            "qr_payload": row.code,  # a secret the shop made again: the old one opens nothing
            "ticket_type_id": kind.id,
            "holder_name": holder,
            "holder_family_name": row.family if holder is not None else None,
            "status": status,
            "price_cents": self._due(row, kind),
            "seat_label": row.seat,
            "shop_hold": row.hold,
            "valid_from": row.valid_from,
            "valid_until": row.valid_until,
        }
        changed: dict[str, object] = {k: v for k, v in wanted.items() if getattr(ticket, k) != v}
        if not changed:
            self.done.unchanged += 1
            return
        if "qr_payload" in changed and ticket.qr_payload:
            revoke(self.session, self.event_id, ticket.qr_payload, ticket.id, self.now)
        if "status" in changed:
            changed["cancelled_at"] = self.now if row.cancelled else None
        for name, value in changed.items():
            setattr(ticket, name, value)
        if person is not None:
            self.touched[person.email_key] = person
        self.done.updated += 1


def revoke(session: Session, event_id: int, code: str, ticket_id: str | None, at: datetime) -> None:
    """``code`` no longer admits anyone: the door says the shop revoked it."""
    if session.get(RevokedCode, code) is None:
        session.add(RevokedCode(code=code, event_id=event_id, ticket_id=ticket_id, revoked_at=at))
        session.flush()


def _cancel_gone(
    session: Session, event_id: int, shop: str, codes: set[str], keys: set[str]
) -> int:
    """The shop's tickets for the event it no longer has, cancelled: the door refuses them."""
    held = session.execute(
        select(Ticket.id, Ticket.qr_payload, Ticket.shop_ref)
        .join(Order, Order.id == Ticket.order_id)
        .where(
            Ticket.event_id == event_id,
            Order.shop == shop,
            Ticket.status != "cancelled",
        )
    ).all()
    gone = [
        ticket_id
        for ticket_id, code, key in held
        if (key not in keys if key is not None else code not in codes)
    ]
    for start in range(0, len(gone), CHUNK):
        session.execute(
            update(Ticket)
            .where(Ticket.id.in_(gone[start : start + CHUNK]))
            .values(status="cancelled", cancelled_at=utcnow())
        )
    return len(gone)
