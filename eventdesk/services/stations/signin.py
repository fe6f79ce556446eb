"""Signing staff in at a station: on the server while it answers, else from the mirror.

An SQLite station is its own server: ``auth.verify_staff`` on its store. A station on a server asks
the server within its threshold (as a door does: ``services.stations.offline``); when it does not
answer, the station says offline and checks the PIN against its mirror
(``services.stations.mirror_staff``): desk and kiosk accounts sign in, with their wrong PINs counted
and uploaded later; an organizer is told that signing in needs the server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from eventdesk.db import Store
from eventdesk.services.people.auth import StaffInfo, list_staff, verify_staff
from eventdesk.services.stations.link import ServerAway
from eventdesk.services.stations.mirror_staff import (
    OFFLINE_NOTE,
    ORGANIZER_OFFLINE,
    offline_staff,
    verify_offline,
)
from eventdesk.services.stations.offline import Station
from eventdesk.values import utcnow

__all__ = ["OFFLINE_NOTE", "ORGANIZER_OFFLINE", "sign_in", "staff_to_choose"]

T = TypeVar("T")


def _on_server(station: Station, work: Callable[[], T]) -> T:
    """``work()`` on the server, waited for as long as the station waits to connect; raises
    ServerAway (and the station goes offline) when the server does not answer. The call runs
    in a thread of its own that ends with it (a person signs in from a short-lived worker)."""
    return station.link.call(work, timeout=station.connect_limit, one_off=True)


def _server_of(store: Store | None, station: Station) -> Store:
    return store if store is not None else station.server()


def sign_in(
    store: Store | None,
    station: Station | None,
    name: str,
    pin: str,
    *,
    now: datetime | None = None,
) -> StaffInfo:
    """Who signs in with ``name`` and ``pin`` at this station (``store``: its database; on a
    server, ``station``: its link and mirror). The errors of ``auth.verify_staff``; offline,
    an organizer gets NotAllowed with ORGANIZER_OFFLINE."""
    moment = now or utcnow()
    if station is None:
        assert store is not None, "a station's database, or the station on its server"
        return verify_staff(store, name, pin, now=moment)
    if station.link.online:
        try:
            return _on_server(
                station, lambda: verify_staff(_server_of(store, station), name, pin, now=moment)
            )
        except ServerAway:
            pass
    station.require_accepted()  # a station its server refuses signs no one in
    return verify_offline(station.mirror, name, pin, now=moment)


def staff_to_choose(store: Store | None, station: Station | None) -> tuple[list[StaffInfo], bool]:
    """The accounts a sign-in screen lists, and whether they come from the mirror (the server
    does not answer)."""
    if station is None:
        assert store is not None, "a station's database, or the station on its server"
        return list_staff(store), False
    if station.link.online:
        try:
            return _on_server(station, lambda: list_staff(_server_of(store, station))), False
        except ServerAway:
            pass
    return offline_staff(station.mirror), True
