"""`eventdesk doctor` says what is true on every kind of station: a door for several events, a
station whose server does not answer (from its copy, with the events it has set), the
organizer's login (which keeps no copy by design), the scans waiting in a station's outbox, a
folder where nothing is set up yet (the self-check creates nothing there); and its lines for
people name each check as its JSON does.

Before: a door for "a,b" failed its label and fonts checks with "no event 'a,b'"; offline it
asked for --event; the organizer's login failed with "copy never filled"; nothing said of the
scans waiting to upload; the text said "labels" where the JSON says "label"; and a run in an
empty folder made ./data/badges."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.services.stations.offline import Station
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.clitools import Cli
from tests.conftest import PG_ENV, PG_SKIP
from tests.door.test_every_login import PASSWORD, server_logins
from tests.fonts_here import undrawable
from tests.offline_tools import STATION_OF, DoorStation, login_url, open_event

__all__ = ["server_logins"]  # a fixture


def by_check(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["check"]: row for row in found}


# --- every backend ------------------------------------------------------------------------------
def test_a_door_for_several_events_checks_each_of_them(
    cli: Cli, store: Store, signer: Signer, db_url: str
) -> None:
    first, second = open_event(store, signer, 2), open_event(store, signer, 3)
    (cli.data_dir / "eventdesk.toml").write_text(f'event = "{first.slug},{second.slug}"\n')
    if not db_url.startswith("sqlite"):
        cli.json("sync")
    found = by_check(cli.json("doctor"))
    for check in ("label", "fonts"):
        assert found[check]["ok"], found[check]
        assert "no event" not in found[check]["says"]
    assert found["fonts"]["says"] == (
        f"a font here draws every one of the 5 names of {first.slug}, {second.slug}"
    )
    # A name no font draws, in the second event only: said, the door's whole set checked.
    letter = undrawable()
    email = f"doctor-several-{second.slug}@example.com"
    attendees.add_attendee(store, name=f"Ana {letter}", email=email)
    register(store, second.slug, email, "Regular")
    if not db_url.startswith("sqlite"):
        cli.json("sync")
    fonts = by_check(cli.json("doctor", code=3))["fonts"]
    assert not fonts["ok"] and fonts["says"].startswith(
        "1 name prints in Latin letters for want of a font for "
    ), fonts


def test_the_text_names_each_check_as_the_json_does(
    cli: Cli, store: Store, signer: Signer, db_url: str
) -> None:
    event = open_event(store, signer, 1)
    if not db_url.startswith("sqlite"):
        cli.json("sync")
    keys = [row["check"] for row in cli.json("doctor", "--event", event.slug)]
    out = cli.out("doctor", "--event", event.slug)
    names = [line[4:].split(":", 1)[0] for line in out.splitlines() if line[:4] in ("ok  ", "!!  ")]
    assert "label" in keys
    assert names == [key.replace("_", " ") for key in keys]


def test_a_run_where_nothing_is_set_up_creates_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventdesk.cli import main

    empty = tmp_path / "nothing-here"
    empty.mkdir()
    monkeypatch.chdir(empty)
    for name in [n for n in os.environ if n in ("EVENTDESK_DATA_DIR", "EVENTDESK_DATABASE_URL")]:
        monkeypatch.delenv(name)
    capsys.readouterr()
    assert main(["doctor"]) == 3  # no database: said, and nothing else made
    out = capsys.readouterr().out
    assert "!!  database:" in out and "ok  printer:" in out
    assert sorted(empty.rglob("*")) == []


def test_a_badge_folder_that_cannot_be_made_is_said(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    (cli.data_dir / "eventdesk.toml").write_text(
        f'[printers.badges]\ntype = "folder"\npath = "{blocker / "badges"}"\n'
    )
    printer = by_check(cli.json("doctor", code=3))["printer"]
    assert not printer["ok"] and "choose another folder" in printer["says"], printer
    assert not (blocker / "badges").exists()


# --- stations on a server -----------------------------------------------------------------------
@pytest.fixture
def backend_fixed() -> None:
    """PostgreSQL only (see conftest.pytest_generate_tests)."""


def _station(
    db_url: str, login: str, logins: dict[str, str], folder: Path, proxy: TcpProxy, events: str
) -> DoorStation:
    """A station of ``login`` reaching the server through ``proxy``, its door's events set in
    its eventdesk.toml."""
    door = DoorStation(STATION_OF[login], folder, login_url(db_url, login, logins, PASSWORD, proxy))
    toml = (door.data_dir / "eventdesk.toml").read_text()
    (door.data_dir / "eventdesk.toml").write_text(f'event = "{events}"\n{toml}')
    return door


@pytest.fixture
def proxied(db_url: str) -> Iterator[TcpProxy]:
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as made:
        yield made


@pytest.mark.parametrize("login", ["door", "desk"])
@pytest.mark.usefixtures("backend_fixed")
@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_offline_the_doctor_checks_the_stations_own_events_from_its_copy(
    login: str,
    db_url: str,
    store: Store,
    signer: Signer,
    server_logins: dict[str, str],
    proxied: TcpProxy,
    tmp_path: Path,
) -> None:
    first, second = open_event(store, signer, 2), open_event(store, signer, 1)
    door = _station(
        db_url, login, server_logins, tmp_path / login, proxied, f"{first.slug},{second.slug}"
    )
    try:
        assert door.run("sync").code == 0
        proxied.cut()
        done = door.run("doctor")
        assert done.code == 3, done.err  # the server does not answer: said
        found = by_check(done.json)
        assert not found["database"]["ok"]
        assert found["copy"]["ok"], found["copy"]
        for check in ("label", "fonts"):
            assert found[check]["ok"], found[check]
            assert "--event" not in found[check]["says"], found[check]
        assert found["fonts"]["says"] == (
            f"a font here draws every one of the 3 names of {first.slug}, {second.slug}"
        )
    finally:
        door.close()


@pytest.mark.usefixtures("backend_fixed")
@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_scans_waiting_to_upload_are_counted(
    db_url: str,
    store: Store,
    signer: Signer,
    server_logins: dict[str, str],
    proxied: TcpProxy,
    tmp_path: Path,
) -> None:
    event = open_event(store, signer, 2)
    door = _station(db_url, "door", server_logins, tmp_path / "door", proxied, event.slug)
    try:
        assert door.run("sync").code == 0
        assert by_check(door.run("doctor").json)["outbox"] == {
            "check": "outbox",
            "ok": True,
            "says": "no scan waits to upload",
        }
        # A scan decided offline waits in the outbox: said, and well (just now).
        proxied.cut()
        answers = door.scan_lines([event.payloads[0]])
        assert answers[0]["offline"] is True and answers[0]["result"] == "ok", answers
        outbox = by_check(door.run("doctor").json)["outbox"]
        assert outbox["ok"], outbox
        assert outbox["says"].startswith("1 scan decided offline waits to upload, since ")
        assert outbox["says"].endswith("(0 minutes): it goes up at the next sync")
        # An hour on, the same scan has waited long: a problem, said plainly.
        from eventdesk.services.stations.doctor import check_outbox

        late = Station(
            door.in_process().config,
            lambda: Store(door.url),
            clock=lambda: utcnow() + timedelta(hours=1),
        )
        try:
            said = check_outbox(late)
        finally:
            late.close()
        assert not said.ok and said.says.startswith("1 scan decided offline has waited to upload")
        assert "(60 minutes): the other doors do not know of it" in said.says, said.says
        # Back online, the scan goes up: nothing waits.
        proxied.restore()
        assert door.run("sync").code == 0
        found = by_check(door.run("doctor").json)
        assert found["outbox"] == {"check": "outbox", "ok": True, "says": "no scan waits to upload"}
    finally:
        door.close()


@pytest.mark.parametrize("login", ["organizer", "door"])
@pytest.mark.usefixtures("backend_fixed")
@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=PG_SKIP)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_organizers_login_is_not_failed_for_keeping_no_copy(
    login: str,
    db_url: str,
    store: Store,
    signer: Signer,
    server_logins: dict[str, str],
    proxied: TcpProxy,
    tmp_path: Path,
) -> None:
    event = open_event(store, signer, 1)
    door = _station(db_url, login, server_logins, tmp_path / login, proxied, event.slug)
    try:
        assert door.run("station", "status").code == 0  # opens a copy, fills nothing
        done = door.run("doctor")
        copy = by_check(done.json)["copy"]
        if login == "organizer":
            assert copy["ok"], copy
            assert "organizer's login" in copy["says"]
        else:  # a door's own login works offline from its copy: none is a fault
            assert not copy["ok"] and "run `eventdesk sync`" in copy["says"], copy
        # Once synced, the organizer's copy is checked as any.
        assert door.run("sync").code == 0
        found = by_check(door.run("doctor").json)
        assert found["copy"] == {"check": "copy", "ok": True, "says": "copy is 0 minutes old"}
    finally:
        door.close()
