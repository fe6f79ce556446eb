"""``doctor``'s line on the server's standby (issue 61): what each state of a pair means for
the doors, from the facts PostgreSQL's views give (read from real clusters, a primary and its
standby, in tests/e2e/test_docs_standby.py; a server with no standby in
tests/door/test_every_login.py, as each login). Here, each state the views can show, and the
line it gives."""

from __future__ import annotations

import pytest

from eventdesk.services.stations.standby import (
    BEHIND_BYTES,
    BEHIND_SECONDS,
    Replication,
    StreamedTo,
    standby_finding,
)

MB = 1024 * 1024


def streaming(
    name: str = "standby1",
    sync: str | None = "sync",
    *,
    seconds: float | None = None,
    size: int = 0,
    hidden: bool = False,
) -> StreamedTo:
    """A standby connected and streaming; ``hidden``: as a login without pg_monitor sees it."""
    if hidden:
        return StreamedTo(name, None, None, None, None)
    return StreamedTo(name, "streaming", sync, seconds, size)


def pair(*standbys: StreamedTo, wanted: str = "", idle: tuple[str, ...] = ()) -> Replication:
    return Replication(in_recovery=False, wanted=wanted, standbys=standbys, idle_slots=idle)


def test_a_server_alone_is_well_and_says_what_it_risks() -> None:
    found = standby_finding(pair())
    assert found.check == "standby" and found.ok
    assert found.says.startswith("no standby: if the server's machine dies"), found.says


def test_a_synchronous_standby_caught_up() -> None:
    found = standby_finding(pair(streaming(), wanted="FIRST 1 (standby1)", idle=()))
    assert found.ok
    assert found.says == (
        "standby standby1 connected, synchronous: each write the server confirms is on both "
        "machines (caught up)"
    )


def test_a_standby_not_synchronous_says_what_may_be_lost_and_its_lag() -> None:
    found = standby_finding(pair(streaming(sync="async", seconds=2.46, size=4096)))
    assert found.ok
    assert "not synchronous: a write confirmed just before the primary dies" in found.says
    assert found.says.endswith("(2.5 s behind)"), found.says


@pytest.mark.parametrize(
    ("wanted", "synchronous"),
    [
        ("FIRST 1 (standby1)", True),
        ("ANY 1 (other, Standby1)", True),
        ('2 ("standby1", other)', True),
        ("standby1", True),
        ("*", True),
        ("other", False),
        ("", False),
    ],
)
def test_a_login_shown_only_the_standbys_name_reads_synchronous_from_the_setting(
    wanted: str, synchronous: bool
) -> None:
    """A door's own login (no pg_monitor) sees a standby's name, not its state: whether the
    server waits for it is the server's setting."""
    standbys = (streaming(hidden=True), streaming("other", hidden=True))
    found = standby_finding(pair(*standbys, wanted=wanted))
    assert found.ok, found.says
    first = found.says.split("; ")[0]
    assert ("standby1 connected, synchronous" in first) is synchronous, first
    assert first.endswith("(its lag is not shown to this login)"), first


def test_a_primary_waiting_for_a_standby_that_is_gone_says_what_to_do() -> None:
    found = standby_finding(pair(wanted="FIRST 1 (standby1)", idle=("standby1",)))
    assert not found.ok
    waits, slot = found.says.split("; ")
    assert waits == (
        "the server waits at every write for a synchronous standby (standby1) that is not "
        "connected, and the doors decide from their copies meanwhile: bring the standby back, "
        "or run the server alone (synchronous_standby_names emptied)"
    )
    assert slot.startswith("the replication slot standby1 keeps every change"), slot
    assert slot.endswith("drop the slot (pg_drop_replication_slot)"), slot


def test_fewer_synchronous_standbys_than_the_server_waits_for() -> None:
    found = standby_finding(
        pair(streaming("a"), streaming("b", sync="potential"), wanted="ANY 2 (a, b, c)")
    )
    assert not found.ok and found.says.startswith("the server waits at every write"), found.says


def test_a_slot_left_by_a_standby_that_is_gone_fills_the_disk() -> None:
    found = standby_finding(pair(idle=("old_standby",)))
    assert not found.ok
    assert found.says.startswith("the replication slot old_standby keeps every change")


@pytest.mark.parametrize(
    ("seconds", "size"), [(BEHIND_SECONDS + 1, MB), (1.0, BEHIND_BYTES + MB)], ids=["late", "far"]
)
def test_a_standby_that_fell_behind(seconds: float, size: int) -> None:
    found = standby_finding(pair(streaming(seconds=seconds, size=size), wanted="standby1"))
    assert not found.ok
    assert found.says == (
        f"standby standby1 is {round(seconds)} s ({size // MB} MB) behind the primary: check "
        "its machine and its network"
    )


def test_a_station_that_reached_a_standby_is_told_to_name_the_primary() -> None:
    found = standby_finding(Replication(True, "", (), ()))
    assert not found.ok
    assert "target_session_attrs=read-write" in found.says
