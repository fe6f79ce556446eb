"""`eventdesk register` on a desk whose server is away (eventdesk/cli/offline_sale.py): sold from
the station's quota, as a desk's own PostgreSQL login and as the organizer's, behind a loopback
proxy the test cuts; the JSON says it was sold offline and what is left; past the quota it is
refused with exit 1 and the reason, an order of several tickets with exit 2; `sync` uploads the
sales once the server answers (registered, paid and checked-in tickets)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.models import Event, Payment, ScanLog, Ticket, TicketType
from eventdesk.services.stations import quota
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.clitools import Cli
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import add_type, make_event, station_logins

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "pw-quota-cli"


@pytest.fixture
def desk_login(db_url: str, store: Store) -> Iterator[str]:
    """The name of a desk's own login for station "Desk 1", dropped after."""
    with station_logins(db_url, store, "qcli", PASSWORD) as names:
        yield names["desk"]


@POSTGRESQL
@pytest.mark.parametrize("login", ["desk", "organizer"])
def test_register_offline_sells_from_the_quota_and_sync_uploads_it(
    backend_fixed: None,
    login: str,
    db_url: str,
    store: Store,
    proxy: TcpProxy,
    desk_login: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
    )
    add_type(store, slug, "Walk-in", quantity=10, price_cents=2500)
    quota.give(store, slug, "Walk-in", "Desk 1", 2)
    url = make_url(db_url).set(host="127.0.0.1", port=proxy.port)
    if login == "desk":
        url = url.set(username=desk_login, password=PASSWORD)
    data = tmp_path / "desk"
    data.mkdir()
    (data / "eventdesk.toml").write_text("[station]\noffline_after = 1.0\n")
    cli = Cli(capsys, url.render_as_string(hide_password=False), data, station="Desk 1")
    cli.run("sync")  # the station's copy, with its quota
    proxy.cut()
    sold = []
    for n, paid in enumerate(("cash", "card")):
        answer = cli.json(
            "register", slug, "--attendee", f"cli-walk-{n}@example.com", "--ticket-type", "Walk-in",
            "--paid", paid,
            "--name", f"Cli Walk{n}", "--company", "Offline Ltd",
        )  # fmt: skip
        ticket_id, nonce = answer.pop("ticket_id"), answer.pop("nonce")
        assert len(ticket_id) == 8 and nonce
        # No key signed codes ahead for this quota: the QR comes once uploaded (test_offline_codes)
        assert answer.pop("payload") is None
        assert answer == {
            "status": "registered",
            "waitlist_position": None,
            "ticket_type": "Walk-in",
            "attendee": f"Cli Walk{n}",
            "paid": paid,
            "checked_in": True,
            "offline": True,
            "provisional": True,
            "quota_left": 1 - n,
        }
        sold.append(ticket_id)
    _, err = cli.run(
        "register", slug, "--attendee", "cli-walk-9@example.com", "--ticket-type", "Walk-in",
        "--name", "Cli Late", code=1,
    )  # fmt: skip
    assert "no places left to sell offline for Walk-in" in err
    _, err = cli.run(
        "register", slug, "--attendee", "cli-walk-8@example.com", "--ticket-type", "Walk-in",
        "--name", "Two Of",
        "--quantity", "2", code=2,
    )  # fmt: skip
    assert err.splitlines()[-1] == (  # after the station's OFFLINE line
        "eventdesk: offline, a station sells one ticket at a time, without sessions, seats, "
        "holders or answers"
    )
    waiting = cli.json("station", "status")  # the sales wait, and say so (not "0 scans")
    assert (waiting["pending"], waiting["sales_pending"]) == (0, 2), waiting
    assert "walk-in sales waiting to upload: 2" in cli.out("station", "status")
    proxy.restore()
    synced = cli.json("sync")
    assert (synced["sales_uploaded"], synced["sales_pending"]) == (2, 0), synced
    with store.read() as session:
        kind = session.scalars(select(TicketType).where(TicketType.name == "Walk-in")).one()
        tickets = session.scalars(select(Ticket).where(Ticket.ticket_type_id == kind.id)).all()
        assert sorted(t.id for t in tickets) == sorted(sold) and kind.registered_count == 2
        assert all(t.status == "registered" and t.checked_in_station == "Desk 1" for t in tickets)
        paid = session.scalar(
            select(func.sum(Payment.amount_cents)).where(Payment.ticket_id.in_(sold))
        )
        assert paid == 5000
    assert [(q.places, q.sold) for q in quota.quotas(store, slug, "Desk 1")] == [(0, 2)]
    with store.read() as session:  # each walk-in admitted offline is in the scan log, once
        logged = session.execute(
            select(ScanLog.ticket_id, ScanLog.result, ScanLog.station, ScanLog.offline).where(
                ScanLog.ticket_id.in_(sold)
            )
        ).all()
    assert sorted(logged) == sorted((t, "ok", "Desk 1", True) for t in sold), logged
    # A place more, after two were sold and uploaded: the copy counts one left, not none.
    quota.give(store, slug, "Walk-in", "Desk 1", 1)
    cli.run("sync")
    proxy.cut()
    [left] = cli.json("station", "quota", slug)
    assert (left["places"], left["sold"]) == (1, 2), left
    answer = cli.json(
        "register", slug, "--attendee", "cli-walk-3@example.com", "--ticket-type", "Walk-in",
        "--paid", "cash", "--name", "Cli Walk3",
    )  # fmt: skip
    assert answer["quota_left"] == 0 and answer["offline"] is True, answer


@POSTGRESQL
@pytest.mark.parametrize("login", ["desk", "organizer"])
def test_register_offline_at_a_door_for_several_events_sells_into_the_event_named(
    backend_fixed: None,
    login: str,
    db_url: str,
    store: Store,
    proxy: TcpProxy,
    desk_login: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A door for Friday and Saturday, each selling a "Day ticket" from this station's quota:
    `register EVENT` offline sells from the quota of EVENT's type, into EVENT, whichever of the
    door's events it is (the second one too), and the upload makes that event's ticket."""
    now = utcnow().replace(microsecond=0)
    days = [
        make_event(
            store,
            name=f"Door Day {n}",
            starts=(now - timedelta(hours=1)).isoformat(),
            ends=(now + timedelta(hours=6)).isoformat(),
        )
        for n in (1, 2)
    ]
    for slug in days:
        add_type(store, slug, "Day ticket", quantity=10, price_cents=2500)
        quota.give(store, slug, "Day ticket", "Desk 1", 1)
    url = make_url(db_url).set(host="127.0.0.1", port=proxy.port)
    if login == "desk":
        url = url.set(username=desk_login, password=PASSWORD)
    data = tmp_path / "desk"
    data.mkdir()
    doors = ", ".join(f'"{slug}"' for slug in days)
    (data / "eventdesk.toml").write_text(f"[station]\noffline_after = 1.0\nevents = [{doors}]\n")
    cli = Cli(capsys, url.render_as_string(hide_password=False), data, station="Desk 1")
    cli.run("sync")
    proxy.cut()
    sold = {}
    for slug in reversed(days):  # the door's second event first
        answer = cli.json(
            "register", slug, "--attendee", f"{slug}-walk@example.com",
            "--ticket-type", "Day ticket", "--paid", "cash", "--name", f"Walk {slug}",
        )  # fmt: skip
        assert (answer["offline"], answer["quota_left"]) == (True, 0), answer
        sold[slug] = answer["ticket_id"]
    _, err = cli.run(
        "register", days[1], "--attendee", "late@example.com", "--ticket-type", "Day ticket",
        "--name", "Too Late", code=1,
    )  # fmt: skip
    assert "no places left to sell offline for Day ticket" in err  # its own quota, spent
    proxy.restore()
    synced = cli.json("sync")
    assert (synced["sales_uploaded"], synced["sales_pending"]) == (2, 0), synced
    with store.read() as session:
        made = session.execute(
            select(Event.slug, TicketType.name, Ticket.checked_in_at)
            .join(Ticket, Ticket.event_id == Event.id)
            .join(TicketType, TicketType.id == Ticket.ticket_type_id)
            .where(Ticket.id.in_(sold.values()))
        ).all()
    assert sorted((slug, kind) for slug, kind, _at in made) == [
        (slug, "Day ticket") for slug in days
    ]
    assert all(at is not None for _slug, _kind, at in made)
    for slug in days:
        assert [(q.places, q.sold) for q in quota.quotas(store, slug, "Desk 1")] == [(0, 1)]
