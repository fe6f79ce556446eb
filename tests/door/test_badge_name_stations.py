"""A badge name on a PostgreSQL server and its stations (migration 0022): a desk's own login
adds a walk-in with one (and their language) through its view, and changes it for someone
registered, the one column of a person it may write; a door's own login copies it, and a badge
printed from the door's copy prints it. Then the migration goes down and up again; and a
station's copy made before it is copied again in place, its scans kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from badges.badge import badge_from_copy
from eventdesk.db import Store
from eventdesk.models import Attendee
from eventdesk.services.people.attendees import add_attendee, set_badge_name
from eventdesk.services.people.registration import register
from eventdesk.services.stations.mirror_read import person_in_copy
from eventdesk.tickets import Signer
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import migrate, station_logins
from tests.offline_tools import DoorStation, open_event

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "pw-badge-names"
LONG_NAME = "Maximiliane Alexandra von Hohenzollern-Sigmaringen-Württemberg"


def as_login(db_url: str, login: str) -> str:
    return make_url(db_url).set(username=login, password=PASSWORD).render_as_string(False)


@POSTGRESQL
def test_a_desks_login_keeps_and_changes_a_badge_name_and_a_doors_copy_prints_it(
    backend_fixed: None, db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    event = open_event(store, signer, 1)
    with station_logins(db_url, store, "badge", PASSWORD) as names:
        desk = Store(as_login(db_url, names["desk"]))
        try:
            made = add_attendee(
                desk,
                name=LONG_NAME,
                email="maxi@example.de",
                badge_name="Maxi von Hohenzollern",
                language="de",
            )
            with store.read() as session:
                row = session.get(Attendee, made.id)
                assert row is not None
                assert (row.badge_name, row.language) == ("Maxi von Hohenzollern", "de")
            ticket = register(store, event.slug, made.id, "Regular").tickets[0].ticket_id
            assert set_badge_name(desk, made.id, "Maxi").badge_name == "Maxi"
            # The one column of a person a desk writes.
            with (
                desk.engine.connect() as conn,
                pytest.raises(DBAPIError, match="permission denied"),
            ):
                conn.execute(
                    text("UPDATE attendee SET name = 'Someone Else' WHERE id = :i"),
                    {"i": made.id},
                )
        finally:
            desk.dispose()
        with store.read() as session:
            row = session.get(Attendee, made.id)
            assert row is not None and (row.name, row.badge_name) == (LONG_NAME, "Maxi")

        door = DoorStation("Door 1", tmp_path / "door", as_login(db_url, names["door"]), 10.0)
        try:
            station = door.in_process()
            assert station.sync_round().online
            assert badge_from_copy(station.mirror, ticket).name == "Maxi"
            person, _tickets = person_in_copy(station.mirror, made.id)
            assert (person.name, person.badge_name) == (LONG_NAME, "Maxi")
        finally:
            door.close()


@POSTGRESQL
def test_the_migration_goes_down_and_up_again(
    backend_fixed: None, db_url: str, store: Store
) -> None:
    add_attendee(store, name=LONG_NAME, email="maxi@example.de", badge_name="Maxi")
    engine = create_engine(db_url)
    try:
        migrate(engine, "0021", down=True)
        with engine.connect() as conn:
            columns = conn.execute(
                text(
                    "SELECT table_schema FROM information_schema.columns "
                    "WHERE table_name = 'attendee' AND column_name = 'badge_name'"
                )
            ).all()
            assert columns == []
            # The views of 0021 are there again, the desk's walk-in trigger on its own.
            assert (
                conn.execute(
                    text("SELECT count(*) FROM pg_trigger WHERE tgname = 'attendee_walk_in'")
                ).scalar()
                == 1
            )
        migrate(engine, "head")
        with engine.connect() as conn:
            schemas = conn.execute(
                text(
                    "SELECT table_schema FROM information_schema.columns "
                    "WHERE table_name = 'attendee' AND column_name = 'badge_name' ORDER BY 1"
                )
            ).scalars()
            assert list(schemas) == ["public", "station_desk", "station_door"]
    finally:
        engine.dispose()
