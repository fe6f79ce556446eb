"""A person forgotten on the server is forgotten on every door's copy at its next refresh: the
copy's search finds them by no word of theirs, and their row carries the pseudonym (PostgreSQL:
a server and its stations)."""

from __future__ import annotations

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.services.people.attendees import find_attendees
from eventdesk.services.people.forget import forget_attendee
from eventdesk.services.stations.mirror_read import find_in_copy
from eventdesk.services.stations.mirror_schema import ATTENDEE
from eventdesk.tickets import Signer
from tests.door.test_outage import POSTGRESQL, backend_fixed, proxy
from tests.offline_tools import DoorStation, copy_of, door_a, open_event

__all__ = ["backend_fixed", "door_a", "proxy"]  # fixtures


@POSTGRESQL
def test_a_forgotten_person_leaves_the_doors_copy_at_its_next_refresh(
    backend_fixed: None, store: Store, signer: Signer, door_a: DoorStation
) -> None:
    event = open_event(store, signer, 2)
    station = door_a.in_process()
    assert station.sync_round().online
    mirror = copy_of(door_a.data_dir)
    try:
        assert [p.name for p in find_in_copy(mirror, "Number0", limit=5)] == ["Guest Number0"]
    finally:
        mirror.close()
    person = find_attendees(store, f"offline-{event.slug}-0")[0].id
    made = forget_attendee(store, person)
    assert station.sync_round().online
    mirror = copy_of(door_a.data_dir)
    try:
        assert find_in_copy(mirror, "Number0", limit=5) == []
        assert find_in_copy(mirror, f"offline-{event.slug}-0", limit=5) == []
        with mirror.store.read() as session:
            names = list(session.scalars(select(ATTENDEE.c.name)))
        assert made.pseudonym in names and "Guest Number0" not in names
    finally:
        mirror.close()
