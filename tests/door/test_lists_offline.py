"""Check-in lists offline: a station's mirror copies the lists and their entries, a door on a
list decides from it by the same rules when the server does not answer (once per day
included), its answers and entries are uploaded, and an offline admission that another
station's entry made a second one that day is a conflict, as the event's are. Through a real
loopback proxy cut in front of the real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import CheckinAnswer, ListEntry, ScanConflict, Ticket
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.list_changes import ListChange, create_list, update_list
from eventdesk.services.stations.station_door import StationDoor
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.door.test_offline_stations import (  # the offline tests' own fixtures, shared
    ON_A_SERVER,
    POSTGRESQL,
    backend_fixed,
    proxy,
    stations,
)
from tests.helpers import add_type
from tests.offline_tools import DoorStation, open_event, through

__all__ = ["backend_fixed", "proxy", "stations"]  # fixtures used here by name


def entries(store: Store, ticket_id: str) -> list[tuple[str, str | None, bool]]:
    with store.read() as session:
        rows = session.execute(
            select(ListEntry.day, ListEntry.station, ListEntry.inside).where(
                ListEntry.ticket_id == ticket_id
            )
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


@ON_A_SERVER
@POSTGRESQL
def test_a_list_decides_offline_by_its_rules_and_uploads_entries_answers_and_conflicts(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    event = open_event(store, signer, 3)
    create_list(
        store,
        event.slug,
        ListChange(name="Bar", entries="daily", questions=["age:yesno:Over 18?:required"]),
    )
    first, second, third = event.ticket_ids
    a = stations("A", through(proxy, db_url))
    station = a.in_process()
    assert station.sync_round().online  # A's copy holds the list
    door = StationDoor(station, checkin_list="bar")
    online = door.checkin_ticket(first, answers={"age": "yes"})
    assert (online.result, online.offline, online.list_day) == ("ok", False, online.list_day)
    assert online.list_day  # a daily list's entry names its day

    proxy.cut()
    # Offline the same rules: the first guest's entry today is in the copy (made online).
    again = door.checkin_ticket(first)
    assert (again.result, again.offline, again.rule) == ("used_today", True, "entries")
    asked = door.checkin_ticket(second)
    assert (asked.result, asked.offline, asked.asks) == ("needs_answer", True, ("age",))
    admitted = door.checkin_ticket(second, answers={"age": "no"})
    assert (admitted.result, admitted.offline) == ("ok", True)
    offline_third = door.checkin_ticket(third, answers={"age": "yes"})
    assert offline_third.result == "ok"
    # Meanwhile another station admits the third guest on the same list today.
    elsewhere = Checkin(store, station="B", checkin_list=f"{event.slug}/bar").checkin_ticket(
        third, answers={"age": "yes"}
    )
    assert elsewhere.result == "ok"

    proxy.restore()
    synced = station.sync_round()
    assert (synced.online, synced.pending, synced.conflicts) == (True, 0, 1), synced
    day = online.list_day
    assert entries(store, second) == [(day, "A", True)]
    assert entries(store, third) == [(day, "B", True)]
    with store.read() as session:
        answers = session.execute(
            select(CheckinAnswer.ticket_id, CheckinAnswer.value, CheckinAnswer.station)
        ).all()
        conflict = session.execute(select(ScanConflict)).scalar_one()
    assert sorted(tuple(a) for a in answers) == sorted(
        [(first, "yes", "A"), (second, "no", "A"), (third, "yes", "B")]
    )
    assert (conflict.ticket_id, conflict.station, conflict.other_station) == (third, "A", "B")
    assert "admitted offline on list bar" in conflict.detail

    # A rule changed on the server reaches the copy at the next refresh.
    add_type(store, event.slug, "VIP", price_cents=0)
    update_list(store, f"{event.slug}/bar", ListChange(ticket_types=["VIP"]))
    assert station.sync_round().online
    proxy.cut()
    refused = door.checkin_ticket(first)
    assert (refused.result, refused.offline, refused.message) == (
        "wrong_type",
        True,
        "Bar: VIP only.",
    )


@ON_A_SERVER
@POSTGRESQL
def test_an_offline_day_on_a_daily_default_list_is_the_events_arrival_too(
    backend_fixed: None,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    stations: Callable[..., DoorStation],
) -> None:
    event = open_event(store, signer, 1)
    update_list(store, f"{event.slug}/default", ListChange(entries="daily"))
    (guest,) = event.ticket_ids
    a = stations("A", through(proxy, db_url))
    station = a.in_process()
    assert station.sync_round().online
    door = StationDoor(station, event=event.slug)
    proxy.cut()
    admitted = door.checkin_ticket(guest)
    assert (admitted.result, admitted.offline, admitted.list) == ("ok", True, "default")
    proxy.restore()
    synced = station.sync_round()
    assert (synced.online, synced.pending, synced.conflicts) == (True, 0, 0), synced
    with store.read() as session:
        ticket = session.get(Ticket, guest)
        assert ticket is not None
        assert (ticket.checked_in_at, ticket.checked_in_station) == (admitted.at, "A")
    assert entries(store, guest) == [(admitted.list_day, "A", True)]
