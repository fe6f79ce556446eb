"""Staff notes on a PostgreSQL server and its stations (migration 0026): a desk's own login
writes the notes on a person and on an order (those columns only); a door's own login and a
desk's own login get them with their answers; a door's copy holds them (refreshed when they
change) and its offline answers carry them. Then the migration goes down and up again; and a
station's copy made before them is copied again in place, its scans kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from eventdesk.db import Store
from eventdesk.models import Order, Ticket
from eventdesk.services.people.attendees import set_attendee_note
from eventdesk.services.people.notes import set_order_note
from eventdesk.services.stations.mirror_read import order_notes_in_copy, person_in_copy
from eventdesk.services.stations.station_door import MirrorCheckin
from eventdesk.tickets import Signer
from tests.clitools import Cli
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import migrate, station_logins
from tests.offline_tools import DoorStation, open_event

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "pw-staff-notes"
PERSON_NOTE = "Press: escort to the press room"
ORDER_NOTE = "paid by invoice, collect PO"


def as_login(db_url: str, login: str) -> str:
    return make_url(db_url).set(username=login, password=PASSWORD).render_as_string(False)


@POSTGRESQL
def test_every_login_and_the_doors_copy_answer_with_the_notes(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    event = open_event(store, signer, 3)
    with store.read() as session:
        buyer, order = session.execute(
            select(Ticket.attendee_id, Ticket.order_id).where(Ticket.id == event.ticket_ids[0])
        ).one()
    with station_logins(db_url, store, "notes", PASSWORD) as names:
        desk_url, door_url = as_login(db_url, names["desk"]), as_login(db_url, names["door"])
        desk = Store(desk_url)
        try:
            assert set_attendee_note(desk, buyer, PERSON_NOTE).note == PERSON_NOTE
            assert set_order_note(desk, order, ORDER_NOTE).note == ORDER_NOTE
            # The note is the one column of an order a desk writes.
            with (
                desk.engine.connect() as conn,
                pytest.raises(DBAPIError, match="permission denied"),
            ):
                conn.execute(
                    text("UPDATE ticket_order SET buyer_id = buyer_id WHERE id = :i"), {"i": order}
                )
        finally:
            desk.dispose()
        with store.read() as session:
            assert session.scalar(select(Order.note).where(Order.id == order)) == ORDER_NOTE

        # A door's own login (by the QR code) and a desk's (by hand): the notes with the answer.
        for folder in ("door-cli", "desk-cli"):
            (tmp_path / folder).mkdir()
        door_cli = Cli(capsys, door_url, tmp_path / "door-cli", station="Door 1")
        scanned = door_cli.json("checkin", "--event", event.slug, event.payloads[0])
        assert (scanned["result"], scanned["note"], scanned["order_note"]) == (
            "ok",
            PERSON_NOTE,
            ORDER_NOTE,
        )
        desk_cli = Cli(capsys, desk_url, tmp_path / "desk-cli", station="Desk 1")
        by_hand = desk_cli.json("checkin", "--event", event.slug, "--ticket", event.ticket_ids[1])
        assert (by_hand["result"], by_hand["note"], by_hand["order_note"]) == (
            "ok",
            PERSON_NOTE,
            ORDER_NOTE,
        )

        # A door's copy holds them, and a change reaches it at the next refresh.
        door = DoorStation("Door 1", tmp_path / "door", door_url, 10.0)
        try:
            station = door.in_process()
            assert station.sync_round().online
            person, _tickets = person_in_copy(station.mirror, buyer)
            assert person.note == PERSON_NOTE
            assert order_notes_in_copy(station.mirror, [order]) == {order: ORDER_NOTE}
            set_order_note(store, order, "collect PO at the desk")
            assert station.sync_round().online
            assert order_notes_in_copy(station.mirror, [order]) == {order: "collect PO at the desk"}
            # Decided from the copy alone: the same notes with the answer.
            offline = MirrorCheckin(station.mirror, station="Door 1", event=event.slug)
            answer = offline.scan(event.payloads[2], nonce="offline-notes-1")
            assert (answer.result, answer.note, answer.order_note) == (
                "ok",
                PERSON_NOTE,
                "collect PO at the desk",
            )
        finally:
            door.close()


@POSTGRESQL
def test_the_migration_goes_down_and_up_again(
    backend_fixed: None, db_url: str, store: Store, signer: Signer
) -> None:
    open_event(store, signer, 1)
    with store.read() as session:
        order = session.scalars(select(Order.id)).one()
    set_order_note(store, order, ORDER_NOTE)
    engine = create_engine(db_url)
    found = (
        "SELECT table_schema || '.' || table_name FROM information_schema.columns "
        "WHERE table_name IN ('attendee', 'ticket_order') AND column_name = 'note' ORDER BY 1"
    )
    try:
        migrate(engine, "0025", down=True)
        with engine.connect() as conn:
            assert conn.execute(text(found)).all() == []
            assert (
                conn.execute(
                    text("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'ticket_order_sync%'")
                ).scalar()
                == 0
            )
        migrate(engine, "head")
        with engine.connect() as conn:
            assert list(conn.execute(text(found)).scalars()) == [
                f"{schema}.{table}"
                for schema in ("public", "station_desk", "station_door")
                for table in ("attendee", "ticket_order")
            ]
    finally:
        engine.dispose()
