"""A believable demo event: venue, sessions, VIP/Regular/Student tickets, a few hundred people."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from eventdesk.db import Store
from eventdesk.door_event import DOOR_CLOSES_AFTER
from eventdesk.errors import AlreadyRegistered, SoldOut
from eventdesk.event_time import DAY_CHANGE_HOURS, event_day
from eventdesk.services.catalogue import events, program
from eventdesk.services.catalogue.badge_layouts import assign_layout
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.list_changes import ListChange, create_list
from eventdesk.services.people import attendees, auth, payments, registration
from eventdesk.text import fold

FIRST_NAMES = [
    "Anna",
    "Lukas",
    "Zoë",
    "Mateo",
    "Aïcha",
    "Noah",
    "Søren",
    "Chloé",
    "Mehmet",
    "Priya",
    "Jonas",
    "Élodie",
    "Kenji",
    "Fatima",
    "Liam",
    "Ingrid",
    "Tomás",
    "Yuki",
    "Olga",
    "Ravi",
    "Sofia",
    "Björn",
    "Amara",
    "Diego",
    "Hannah",
    "Nikolai",
    "Leïla",
    "Marek",
    "Emma",
    "Kwame",
    "Inès",
    "Oskar",
    "Mei",
    "Rafael",
    "Aoife",
    "Felix",
    "Zeynep",
    "Pablo",
    "Ewa",
    "Sipho",
    "Clara",
    "Arjun",
    "Maja",
    "Hugo",
    "Nadia",
    "Tobias",
    "Lucía",
    "Emil",
    "Saanvi",
    "Jakub",
]
LAST_NAMES = [
    "Müller",
    "García",
    "Nguyen",
    "Kowalski",
    "Dubois",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Yamamoto",
    "Fernández",
    "Jensen",
    "O'Brien",
    "Novák",
    "Haddad",
    "Petrov",
    "Silva",
    "Andersson",
    "Kaya",
    "Bianchi",
    "Mendoza",
    "Lefèvre",
    "Fischer",
    "Takahashi",
    "Costa",
    "Lindqvist",
    "Moreau",
    "Horvat",
    "Banerjee",
    "Weber",
    "Ó Súilleabháin",
    "Zieliński",
    "Nakamura",
    "Dvořák",
    "Mensah",
    "Van der Berg",
    "Þórsdóttir",
    "Wójcik",
    "Castillo",
    "Eriksen",
    "Romano",
    "Chen",
    "Iyer",
]
COMPANIES = [
    "Nordlicht GmbH",
    "Acme Analytics",
    "Blue Harbour Labs",
    "Café Números",
    "Kettle & Co",
    "Orbital Freight",
    "Pixelwerk",
    "Sunmesh Energy",
    "Tessellate",
    "Université de Lyon",
    "Riverbend Health",
    "Quanta Systems",
    "Helios Software",
    "Vintry Logistics",
    None,
    None,
]
DEMO_ZONE = ZoneInfo("Europe/Berlin")  # where the demo event happens
# The station `eventdesk demo` runs as when none is named (--station, EVENTDESK_STATION, the
# data folder's file): a desk's name, as a real one would have, not the machine's host name.
DEMO_STATION = "Desk 1"
DEMO_DOORS = ("Door 1", "Door 2")  # where the demo's people came in
OPENS = time(8, 0)  # the demo's doors open (its keynote is an hour later)
OPEN_FOR = timedelta(hours=10)  # until 18:00
ARRIVALS_WITHIN = 120  # minutes: the demo's people came in during the two hours before now
STAYS_OPEN = timedelta(hours=3)  # a demo built late at night still admits for this long
STAFF = [
    ("Olivia Organizer", "organizer", "1234"),
    ("Sam Desk", "staff", "2345"),
    ("Kiosk Door 1", "kiosk", "3456"),
]


@dataclass
class DemoSummary:
    event: str
    title: str
    attendees: int
    registered: int
    waitlisted: int
    paid: int
    checked_in: int = 0
    staff: list[tuple[str, str, str]] = field(default_factory=list)
    attendee_pins: list[tuple[str, str]] = field(default_factory=list)
    # The moment the demo was built for (arrivals are before it), in the event's zone.
    now: datetime = field(default_factory=lambda: datetime.now(DEMO_ZONE))

    @property
    def day(self) -> date:
        """The event's day, in its own zone: the one ``now`` is in (before 05:00, the day
        before: event_time.event_day)."""
        return event_day(self.now, DEMO_ZONE)


def demo_hours(clock: datetime) -> tuple[datetime, datetime]:
    """When the demo's event starts (its doors open) and ends, built at ``clock``: from 08:00
    to 18:00 on the event's day ``clock`` is in, so that people have come in for a while before
    ``clock``. Built early in the morning, it opened an hour or two before (not before the
    day's 05:00); late at night, it goes on, so that its door still admits for a few hours."""
    day = event_day(clock, DEMO_ZONE)
    hour = clock.astimezone(DEMO_ZONE).replace(minute=0, second=0, microsecond=0)
    starts = min(datetime.combine(day, OPENS, DEMO_ZONE), hour - timedelta(hours=1))
    starts = max(starts, datetime.combine(day, time(DAY_CHANGE_HOURS, 0), DEMO_ZONE))
    ends = max(starts + OPEN_FOR, hour + STAYS_OPEN - DOOR_CLOSES_AFTER)
    return starts, ends


def arrival_time(rng: random.Random, starts: datetime, ends: datetime, clock: datetime) -> datetime:
    """When one of the demo's people came in: in the two hours before ``clock`` (or before the
    event's end, when it is over), never before its doors opened."""
    latest = min(clock, ends).astimezone(UTC)  # counted in UTC: right on a change of summer time
    span = min(ARRIVALS_WITHIN, int((latest - starts.astimezone(UTC)) / timedelta(minutes=1)))
    return latest - timedelta(minutes=rng.randint(1, span) if span >= 1 else 0)


def _email(name: str, taken: set[str], rng: random.Random) -> str:
    parts = [p for p in fold(name).replace("'", "").split() if p]
    ascii_parts = [
        "".join(ch for ch in p if ch.isascii() and ch.isalnum()) or "guest" for p in parts
    ]
    domain = rng.choice(["example.com", "example.org", "mail.example.net", "example.de"])
    base = ".".join(ascii_parts)
    email, n = f"{base}@{domain}", 2
    while email in taken:
        email, n = f"{base}{n}@{domain}", n + 1
    taken.add(email)
    return email


def build_demo(
    store: Store,
    *,
    attendee_count: int = 300,
    seed: int = 7,
    station: str | None = None,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill the store with one demo event happening today (or on ``now``'s day), doors open
    for a while (demo_hours). Deterministic for a given seed."""
    rng = random.Random(seed)
    clock = (now or datetime.now(DEMO_ZONE)).astimezone(DEMO_ZONE)
    starts, ends = demo_hours(clock)
    venue_name = "Harbour Conference Centre"
    if venue_name not in {v.name for v in events.list_venues(store)}:
        events.add_venue(
            store, name=venue_name, address="Kaistraße 12, 20457 Hamburg", capacity=600
        )
    capacity = max(10, int(attendee_count * 0.9))
    event = events.create_event(
        store,
        name=f"Northwind DevConf {starts.year}",
        starts=starts,
        ends=ends,
        capacity=capacity,
        venue=venue_name,
        category="Conference",
        timezone="Europe/Berlin",
        description="A one-day developer conference: talks, workshops and a hallway track.",
        station=station,
    )
    slug = event.slug
    sessions = [
        program.add_session(
            store,
            slug,
            name="Opening keynote",
            starts=starts + timedelta(hours=1),
            ends=starts + timedelta(hours=2),
            room="Main Hall",
        ),
        program.add_session(
            store,
            slug,
            name="Workshop: Testing with real databases",
            starts=starts + timedelta(hours=3),
            ends=starts + timedelta(hours=5),
            capacity=max(5, attendee_count // 10),
            room="Room 2",
        ),
        program.add_session(
            store,
            slug,
            name="Workshop: Label printers for fun and profit",
            starts=starts + timedelta(hours=6),
            ends=starts + timedelta(hours=8),
            capacity=max(5, attendee_count // 12),
            room="Room 3",
        ),
    ]
    vip_quantity = max(3, attendee_count // 15)
    student_quantity = max(3, attendee_count // 6)
    program.add_ticket_type(
        store,
        slug,
        name="VIP",
        price_cents=34900,
        currency="EUR",
        quantity=vip_quantity,
        tier=0,
        attention="VIP: hand over the gold lanyard",
    )
    program.add_ticket_type(store, slug, name="Regular", price_cents=14900, currency="EUR", tier=1)
    program.add_ticket_type(
        store,
        slug,
        name="Student",
        price_cents=4900,
        currency="EUR",
        quantity=student_quantity,
        tier=2,
        attention="Check student ID",
        needs_staff=True,  # a self-service kiosk sends students to the desk
    )
    # VIP badges carry their band across the top (the built-in "vip-ribbon" layout).
    assign_layout(store, slug, "VIP", "vip-ribbon", known=("vip-ribbon",))
    # A door of its own for the VIPs (services.door.lists): in and out all day, and a question
    # the lounge's staff answer at the first entry.
    create_list(
        store,
        slug,
        ListChange(
            name="VIP Lounge",
            ticket_types=["VIP"],
            entries="unlimited",
            questions=["lanyard:yesno:Gold lanyard handed over?:required"],
        ),
    )
    people = []
    emails: set[str] = set()
    for _ in range(attendee_count):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        people.append(
            {"name": name, "email": _email(name, emails, rng), "company": rng.choice(COMPANIES)}
        )
    # On a database that has people already (demo --db ...), they are registered again.
    known = attendees.known_emails(store, [p["email"] or "" for p in people])
    attendees.add_attendees_bulk(
        store, [p for p in people if (p["email"] or "").casefold() not in known]
    )
    summary = DemoSummary(
        event=slug,
        title=event.title,
        attendees=attendee_count,
        registered=0,
        waitlisted=0,
        paid=0,
        now=clock,
    )
    pin_holders = people[:5]
    for i, person in enumerate(pin_holders):
        pin = f"{4000 + i * 111}"
        attendees.set_attendee_pin(store, person["email"] or "", pin)
        summary.attendee_pins.append((person["email"] or "", pin))
    seats_left = {s.id: s.capacity for s in sessions}
    admitted_later: list[str] = []
    for person in people:
        roll = rng.random()
        ticket_type = "VIP" if roll < 0.1 else "Student" if roll < 0.3 else "Regular"
        # People pick workshops that still have room, as they would on a sign-up form.
        chosen = [s.id for s in sessions if rng.random() < 0.3 and seats_left[s.id] != 0]
        try:
            order = registration.register(
                store, slug, person["email"] or "", ticket_type, sessions=chosen, station=station
            )
        except (AlreadyRegistered, SoldOut):
            continue
        ticket = order.tickets[0]
        if ticket.status == "registered":
            for sid in chosen:
                left = seats_left[sid]
                seats_left[sid] = None if left is None else left - 1
        if ticket.status == "waitlisted":
            summary.waitlisted += 1
            continue
        summary.registered += 1
        pay_roll = rng.random()
        if pay_roll < 0.65:
            method = rng.choice(["card", "card", "cash", "invoice"])
            payments.pay(
                store,
                ticket.ticket_id,
                method=method,
                status="completed",
                reference=f"DEMO-{ticket.ticket_id}",
                station=station,
            )
            summary.paid += 1
        elif pay_roll < 0.7:
            payments.pay(store, ticket.ticket_id, method="comp", station=station)
            summary.paid += 1
        if pay_roll < 0.7 and rng.random() < 0.45:
            admitted_later.append(ticket.ticket_id)
    # Doors opened a while ago: some people are in already, through two doors.
    doors = [Checkin(store, station=name, operator="demo") for name in DEMO_DOORS]
    for ticket_id in admitted_later:
        arrival = arrival_time(rng, starts, ends, clock)
        if rng.choice(doors).checkin_ticket(ticket_id, now=arrival).admitted:
            summary.checked_in += 1
    existing = {s.name for s in auth.list_staff(store)}
    for name, role, pin in STAFF:
        if name not in existing:
            auth.add_staff(store, name=name, role=role, pin=pin)
        summary.staff.append((name, role, pin))
    return summary
