"""Selling offline from a quota (docs/architecture.md, "Stations and the offline mirror"): an
organizer gives each desk a quota of places, held from every other sale; three desks whose
server is cut (a loopback proxy, testkit/proxy.py) sell walk-ins at once from their copies,
never past their quotas nor the event's places; on return their uploads make exactly what was
sold (people, orders, tickets, payments, check-ins), a repeated upload makes nothing twice, and
a forged sale past the quota from a desk's own login is refused by the server."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from eventdesk.db import Store
from eventdesk.errors import NotAllowed, SoldOut
from eventdesk.models import Attendee, Payment, Ticket, TicketType
from eventdesk.quota_models import QuotaSale, StationQuota
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.services.stations import quota, roles
from eventdesk.services.stations.mirror_quota import SALE_OUTBOX
from eventdesk.services.stations.quota_sale import sell
from eventdesk.station_api import NO_PLACES
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import add_type, make_event
from tests.offline_tools import DoorStation, copy_of

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "pw-quota"
QUOTAS = {"Desk A": 3, "Desk B": 3, "Desk C": 2}
PLACES = 10  # the ticket type's places: 2 sold online, 8 given to the desks


def _event(store: Store) -> str:
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
        capacity=50,
    )
    add_type(store, slug, "Walk-in", quantity=PLACES, price_cents=2500)
    for n in range(2):
        email = f"early-{slug}-{n}@example.com"
        attendees.add_attendee(store, name=f"Early Bird{n}", email=email)
        register(store, slug, email, "Walk-in")
    return slug


def test_a_quota_holds_its_places_from_every_other_sale_and_comes_back(store: Store) -> None:
    slug = _event(store)
    given = quota.give(store, slug, "Walk-in", "Desk A", 8)
    assert (given.places, given.sold) == (8, 0)
    with pytest.raises(SoldOut, match="only 0 place"):
        quota.give(store, slug, "Walk-in", "Desk B", 1)
    attendees.add_attendee(store, name="Late Comer", email=f"late-{slug}@example.com")
    with pytest.raises(SoldOut):
        register(store, slug, f"late-{slug}@example.com", "Walk-in", allow_waitlist=False)
    assert [q.places for q in quota.quotas(store, slug)] == [8]
    quota.give(store, slug, "Walk-in", "Desk A", 0)  # the unsold places given back
    placed = register(store, slug, f"late-{slug}@example.com", "Walk-in", allow_waitlist=False)
    assert placed.tickets[0].status == "registered"


@pytest.fixture
def desk_logins(db_url: str, store: Store) -> Iterator[dict[str, str]]:
    """A desk's own login for each station of QUOTAS, dropped after."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    tag = uuid.uuid4().hex[:8]
    names = {s: f"quota_{s[-1].lower()}_{tag}_{worker}" for s in QUOTAS}
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        for station, login in names.items():
            roles.add(store, login, kind="desk", station=station, password=PASSWORD)
        yield names
    finally:
        with admin.connect() as conn:
            for login in names.values():
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{login}"')
        admin.dispose()


def _login_url(db_url: str, login: str, port: int) -> str:
    url = make_url(db_url).set(username=login, password=PASSWORD, host="127.0.0.1", port=port)
    return url.render_as_string(hide_password=False)


@POSTGRESQL
def test_three_desks_offline_sell_no_more_than_their_quotas_and_upload_it_once(
    backend_fixed: None,
    db_url: str,
    store: Store,
    proxy: TcpProxy,
    desk_logins: dict[str, str],
    tmp_path: Path,
) -> None:
    slug = _event(store)
    for station, places in QUOTAS.items():
        quota.give(store, slug, "Walk-in", station, places)
    with pytest.raises(SoldOut):  # every place is held or sold: none left to give
        quota.give(store, slug, "Walk-in", "Desk D", 1)
    desks = {
        name: DoorStation(
            name, tmp_path / name.replace(" ", "-"), _login_url(db_url, login, proxy.port)
        )
        for name, login in desk_logins.items()
    }
    stations = {name: desk.in_process() for name, desk in desks.items()}
    try:
        for station in stations.values():
            assert station.sync_round().online
        proxy.cut()
        sold: dict[str, list[str]] = {name: [] for name in stations}
        refused: dict[str, list[str]] = {name: [] for name in stations}
        start = threading.Barrier(len(stations))

        def sell_all(name: str) -> None:
            mirror = stations[name].mirror
            start.wait()
            for n in range(QUOTAS[name] + 2):  # two more than its quota
                try:
                    made = sell(
                        mirror,
                        slug,
                        "Walk-in",
                        station=name,
                        name=f"Walk In {name[-1]}{n}",
                        email=f"walk-{name[-1]}{n}-{slug}@example.com",
                        method="cash" if n % 2 else "card",
                    )
                    sold[name].append(made.ticket_id)
                except SoldOut as exc:
                    refused[name].append(exc.message)

        threads = [threading.Thread(target=sell_all, args=(name,)) for name in stations]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert {name: len(ids) for name, ids in sold.items()} == QUOTAS
        assert all(
            said == ["no places left to sell offline for Walk-in"] * 2 for said in refused.values()
        )
        proxy.restore()
        for name, station in stations.items():
            report = station.sync_round()
            assert report.online and report.uploaded == QUOTAS[name], report
        with store.read() as session:
            kind = session.scalars(select(TicketType).where(TicketType.name == "Walk-in")).one()
            tickets = session.scalars(
                select(Ticket).where(
                    Ticket.ticket_type_id == kind.id, Ticket.status == "registered"
                )
            ).all()
            assert len(tickets) == kind.registered_count == PLACES  # never more than it has
            offline = [t for t in tickets if t.checked_in_station in QUOTAS]
            assert sorted(t.id for t in offline) == sorted(i for ids in sold.values() for i in ids)
            assert all(t.checked_in_at is not None and t.price_cents == 2500 for t in offline)
            paid = session.scalar(
                select(func.sum(Payment.amount_cents)).where(
                    Payment.ticket_id.in_([t.id for t in offline])
                )
            )
            assert paid == 2500 * sum(QUOTAS.values())
            assert session.scalar(
                select(func.count()).select_from(Attendee).where(Attendee.name.like("Walk In %"))
            ) == sum(QUOTAS.values())
            assert {
                q.station: (q.places, q.sold) for q in session.scalars(select(StationQuota))
            } == {name: (n, n) for name, n in QUOTAS.items()}
        # An upload repeated after an unknown outcome: the same nonces make nothing twice.
        a = stations["Desk A"]
        with a.mirror.store.write_conn() as conn:
            conn.execute(update(SALE_OUTBOX).values(state="pending"))
        again = a.sync_round()
        assert again.online and again.refused == 0, again
        with store.read() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(Ticket).where(Ticket.ticket_type_id == kind.id)
                )
                == PLACES
            )
            assert session.scalar(select(func.count()).select_from(QuotaSale)) == PLACES - 2
        # A forged sale past the quota, from a desk's own login: refused by the server.
        forged = Store(_login_url(db_url, desk_logins["Desk A"], proxy.port))
        try:
            with pytest.raises(DBAPIError) as refused_sale, forged.write_conn() as conn:
                conn.execute(
                    text(
                        "SELECT * FROM station_api.quota_sale('Desk A', :nonce, "
                        "(SELECT event_id FROM ticket_type WHERE id = :type), :type, NULL, "
                        "'Forged Person', 'forged@example.com', NULL, now(), 'cash', true, "
                        "ARRAY[]::text[], NULL)"
                    ),
                    {"nonce": uuid.uuid4().hex, "type": kind.id},
                )
            assert getattr(refused_sale.value.orig, "sqlstate", None) == NO_PLACES
            with pytest.raises(NotAllowed), forged.write_conn() as conn:  # another's quota
                conn.execute(
                    text(
                        "SELECT * FROM station_api.quota_sale('Desk B', :nonce, 1, :type, "
                        "NULL, 'X', 'x@example.com', NULL, now(), NULL, true, ARRAY[]::text[], "
                        "NULL)"
                    ),
                    {"nonce": uuid.uuid4().hex, "type": kind.id},
                )
            # A quota is an organizer's to change: a desk's login has no grant on it.
            with pytest.raises(NotAllowed), forged.write_conn() as conn:
                conn.execute(text("UPDATE station_quota SET places = places + 5"))
        finally:
            forged.dispose()
        with store.read() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(Ticket).where(Ticket.ticket_type_id == kind.id)
                )
                == PLACES
            )
        mirror = copy_of(desks["Desk B"].data_dir)
        try:
            with mirror.store.read() as session:
                states = session.execute(select(SALE_OUTBOX.c.state)).scalars().all()
            assert states == ["done"] * QUOTAS["Desk B"]
        finally:
            mirror.close()
    finally:
        proxy.restore()
        for desk in desks.values():
            desk.close()
