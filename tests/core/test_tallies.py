"""The live stats' running tallies equal a full count of the rows, whatever happened.

The database keeps the counts by triggers (migration 0010); ``recount`` counts the same figures
from the tickets, payments, session check-ins and scans themselves. Random mixes of
registrations (some waitlisted), cancellations (which promote from the waitlist), check-ins,
exits, undos, session check-ins, payments, refunds, bad scans, imports and an import taken back
must leave the two equal, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from eventdesk.db import Store
from eventdesk.errors import EventdeskError
from eventdesk.models import ImportRun, StatTally
from eventdesk.services.catalogue import program
from eventdesk.services.catalogue.events import show_event
from eventdesk.services.common import get_event
from eventdesk.services.data import import_runs
from eventdesk.services.data.csvio import import_attendees
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.undo import undo_checkin
from eventdesk.services.people import payments
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.services.stats.reports import stats
from eventdesk.services.stats.tallies import Counts, counts, recount
from eventdesk.tickets import Signer
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import add_type, make_event, people

__all__ = ["backend_fixed"]  # a fixture

DURING = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)  # the test events run 2030-06-01 09:00-18:00 UTC
_round = itertools.count(1)

OPS = (
    "register",
    "register_paid",
    "cancel",
    "checkin",
    "exit",
    "undo",
    "session",
    "undo_session",
    "pay",
    "refund",
    "garbage",
)
Op = tuple[str, int, int]  # (what, which ticket or person, minutes after DURING)
ops = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 11), st.integers(0, 400)),
    min_size=1,
    max_size=30,
)


class Scenario:
    """One event with a small capacity and a waitlist, a session, a free and a paid type."""

    def __init__(self, store: Store) -> None:
        self.store = store
        n = next(_round)
        self.slug = make_event(
            store,
            name=f"Tally {n}",
            starts="2030-06-01T09:00Z",
            ends="2030-06-01T18:00Z",
            capacity=5,
            allow_reentry=True,
        )
        add_type(store, self.slug, "Free", price_cents=0)
        add_type(store, self.slug, "Paid", price_cents=2500)
        self.workshop = program.add_session(
            store, self.slug, name="Workshop", starts="2030-06-01T09:00Z", ends="2030-06-01T18:00Z"
        ).id
        self.people = people(store, 12, prefix=f"t{n}x")
        self.door = Checkin(store, station="Door 1", event=self.slug)
        self.tickets: list[str] = []
        with store.read() as session:
            self.event_id = get_event(session, self.slug).id

    def ticket(self, which: int) -> str | None:
        """Most steps go to the first four tickets, so that one ticket sees several of them."""
        if not self.tickets:
            return None
        return self.tickets[which % (4 if which < 8 else len(self.tickets))]

    def payload(self, ticket: str) -> str:
        found = show_ticket(self.store, ticket).qr_payload
        assert found is not None
        return found

    def apply(self, op: Op) -> None:
        what, which, minutes = op
        at = DURING + timedelta(minutes=minutes)
        if what in ("register", "register_paid"):
            kind = "Paid" if what == "register_paid" else "Free"
            sessions = [self.workshop] if which % 2 else []
            try:
                made = register(
                    self.store, self.slug, self.people[which], kind, sessions=sessions, now=at
                )
            except EventdeskError:
                return  # registered already: nothing changed
            self.tickets.extend(t.ticket_id for t in made.tickets)
            return
        if what == "garbage":
            self.door.scan(f"not a ticket {which}", now=at)
            return
        ticket = self.ticket(which)
        if ticket is None:
            return
        try:
            if what == "cancel":
                cancel(self.store, ticket, now=at)
            elif what == "checkin":
                self.door.scan(self.payload(ticket), now=at)
            elif what == "exit":
                self.door.scan(self.payload(ticket), direction="exit", now=at)
            elif what == "undo":
                undo_checkin(self.store, ticket)
            elif what == "session":
                self.door.scan(self.payload(ticket), session_id=self.workshop, now=at)
            elif what == "undo_session":
                undo_checkin(self.store, ticket, session_id=self.workshop)
            elif what == "pay":
                payments.pay(self.store, ticket, method="cash")
            elif what == "refund":
                payments.refund(self.store, ticket, cancel=bool(which % 2), now=at)
        except EventdeskError:
            pass  # not allowed now (nothing to undo, nothing paid...): nothing changed

    def both(self) -> tuple[Counts, Counts]:
        with self.store.read() as session:
            return counts(session, self.event_id), recount(session, self.event_id)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
@example(steps=[("checkin", 1, 5), ("exit", 1, 10), ("checkin", 1, 20), ("exit", 1, 30)])
@example(steps=[("checkin", 0, 5), ("exit", 0, 10), ("cancel", 0, 20), ("checkin", 5, 30)])
@example(steps=[("checkin", 1, 5), ("session", 1, 6), ("undo_session", 1, 7), ("undo", 1, 8)])
@example(steps=[("pay", 2, 0), ("checkin", 2, 3), ("refund", 3, 5), ("checkin", 5, 9)])
def test_tallies_equal_a_recount_after_anything(
    store: Store, signer: Signer, steps: list[Op]
) -> None:
    scenario = Scenario(store)
    for person in range(6):  # five registered, one waiting; the steps may add more
        scenario.apply(("register_paid" if person == 2 else "register", person, 0))
    for step in steps:
        scenario.apply(step)
    kept, counted = scenario.both()
    assert kept == counted


def test_every_kind_of_count_is_kept(store: Store, signer: Signer) -> None:
    """One of each change, and the figures they make (so the property above compares counts
    that are really there, not two empty sets)."""
    s = Scenario(store)
    for step in [
        ("register", 0, 0),  # Free, no session
        ("register", 1, 0),  # Free, with the session
        ("register_paid", 2, 0),
        ("register", 3, 0),
        ("register", 4, 0),
        ("register", 5, 0),  # the sixth: waitlisted (capacity 5)
    ]:
        s.apply(step)
    assert sum(s.both()[0].waiting.values()) == 1
    assert show_event(store, s.slug).waitlisted == 1  # the event's card reads the tallies too
    s.apply(("checkin", 0, 5))
    s.apply(("checkin", 1, 25))
    s.apply(("session", 1, 26))
    s.apply(("exit", 1, 40))
    s.apply(("pay", 2, 0))
    s.apply(("refund", 2, 0))  # refunded in full: nets to zero; the place goes to the waitlist
    s.apply(("garbage", 0, 41))
    kept, counted = s.both()
    assert kept == counted
    assert sum(kept.checked_in.values()) == 2 and kept.inside == 1
    assert sorted(kept.arrivals.values()) == [1, 1]  # 10:00-10:10 and 10:20-10:30
    assert kept.waiting == {}
    assert kept.attended == {s.workshop: 1}
    assert kept.net == {"EUR": 0}
    results = {result: n for (_station, result), (n, _last, _off) in kept.scans.items()}
    assert results["ok"] == 4 and results["invalid"] == 1
    s.apply(("cancel", 0, 50))  # checked in, then cancelled: no longer counted as in
    kept, counted = s.both()
    assert kept == counted
    assert sum(kept.checked_in.values()) == 1 and kept.inside == 0  # the one inside left


def test_an_import_and_its_undoing_are_counted(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    s = Scenario(store)
    rows = "\n".join(f"Guest {i},guest{i}.{s.event_id}@example.com,Free" for i in range(8))
    csv = tmp_path / "guests.csv"
    csv.write_text(f"Name,Email,Ticket Type\n{rows}\n", encoding="utf-8")
    result = import_attendees(store, csv, s.slug)
    assert (result.imported, result.waitlisted) == (8, 3)  # five places, three wait
    kept, counted = s.both()
    assert kept == counted and sum(kept.waiting.values()) == 3
    with store.read() as session:
        run_id = session.scalar(
            select(func.max(ImportRun.id)).where(ImportRun.event_id == s.event_id)
        )
    assert run_id is not None
    with store.write() as session:  # as if the importing process had stopped before its end
        session.execute(update(ImportRun).where(ImportRun.id == run_id).values(state="staging"))
    import_runs.undo(store, run_id)
    kept, counted = s.both()
    assert kept == counted and kept.waiting == {}


def test_the_snapshot_reads_the_tallies(store: Store, signer: Signer) -> None:
    """stats() shows what the tallies hold: a tally changed by hand shows (so the snapshot is
    not counting the rows)."""
    s = Scenario(store)
    s.apply(("register", 0, 0))
    s.apply(("checkin", 0, 5))
    assert stats(store, s.slug, now=DURING + timedelta(minutes=30)).checked_in == 1
    with store.write() as session:
        session.execute(
            StatTally.__table__.update()  # type: ignore[attr-defined]
            .where(StatTally.event_id == s.event_id, StatTally.kind == "in")
            .values(n=StatTally.n + 41)
        )
    assert stats(store, s.slug, now=DURING + timedelta(minutes=30)).checked_in == 42


@POSTGRESQL
def test_postgresql_stations_add_to_shards_of_their_own(
    backend_fixed: None, store: Store, signer: Signer
) -> None:
    """Two connections checking in at once write different tally rows (no waiting on each
    other's), and the snapshot adds them up."""
    s = Scenario(store)
    for i in range(4):
        s.apply(("register", i, 0))
    payloads = [s.payload(t) for t in s.tickets[:2]]
    first, second = Store(store.url), Store(store.url)
    try:
        pids = []
        for one, payload in zip((first, second), payloads, strict=True):
            with one.engine.connect() as conn:  # the pool's one connection: the door's
                pids.append(conn.scalar(select(func.pg_backend_pid())))
            Checkin(one, station=f"Door {len(pids)}", event=s.slug).scan(payload, now=DURING)
        with store.read() as session:
            shards = set(
                session.scalars(
                    select(StatTally.shard).where(
                        StatTally.event_id == s.event_id, StatTally.kind == "in"
                    )
                )
            )
        assert shards == {pid % 16 for pid in pids}
        kept, counted = s.both()
        assert kept == counted and sum(kept.checked_in.values()) == 2
    finally:
        first.dispose()
        second.dispose()
