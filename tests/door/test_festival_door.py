"""A door for several events (issue 46, part 3): a festival's days sold as events, one gate.
``checkin --event FRI,SAT,SUN`` admits a ticket of each, decided by its own event's rules (Sunday's
check-in has closed: its ticket is refused as expired while Friday's passes) and logged under its
own event; a ticket of an event outside the set is ``wrong_event``; the answer names the ticket's
event. On SQLite as the organizer's station and on PostgreSQL as the organizer's login, a door's
own login and a desk's own login, online and from the station's copy with the server cut."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.catalogue import events
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.list_changes import ListChange, create_list
from eventdesk.services.people import attendees, payments
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.door.test_every_login import login_station, play_options, server_logins
from tests.helpers import add_type, make_event

__all__ = ["play_options", "server_logins"]  # fixtures
DAYS = ("fri", "sat", "sun", "party")  # the door admits the first three


@dataclass
class Festival:
    slugs: dict[str, str]  # day -> event slug
    titles: dict[str, str]
    payloads: dict[str, str]  # day -> a paid ticket's signed line
    tickets: dict[str, str]


def build_festival(store: Store, signer: Signer, tag: str) -> Festival:
    """Four events running now (one of them, Sunday, with its check-in closed a minute ago),
    each with a paid ticket."""
    now = utcnow().replace(microsecond=0)
    slugs, titles, payloads, tickets = {}, {}, {}, {}
    for day in DAYS:
        title = f"Fest {day.title()} {tag}"
        slug = make_event(
            store,
            name=title,
            starts=(now - timedelta(hours=1)).isoformat(),
            ends=(now + timedelta(hours=8)).isoformat(),
        )
        if day == "sun":
            closed = (now - timedelta(minutes=1)).isoformat()
            events.update_event(store, slug, checkin_closes=closed)
        add_type(store, slug, "Day", price_cents=1500)
        email = f"{day}.{tag}@example.org"
        attendees.add_attendees_bulk(store, [{"name": f"Guest {day.title()}", "email": email}])
        ticket_id = register(store, slug, email, "Day").tickets[0].ticket_id
        payments.pay(store, ticket_id, method="card", status="completed")
        slugs[day], titles[day], tickets[day] = slug, title, ticket_id
        payloads[day] = signer.payload(ticket_id)
    return Festival(slugs, titles, payloads, tickets)


def _decide(cli: Cli, fest: Festival, day: str) -> tuple[Any, ...]:
    door = ",".join(fest.slugs[d] for d in ("fri", "sat", "sun"))
    code, out, _err = cli.call("--json", "checkin", "--event", door, fest.payloads[day])
    said = json.loads(out)
    return (
        said["result"],
        said.get("event") == fest.slugs[day],
        said.get("event_title") == fest.titles[day],
        said.get("rule"),
        said.get("offline", False),
        code,
    )


def _logged(store: Store, fest: Festival) -> dict[str, bool]:
    """Each day's ticket's scan-log rows are under its own event."""
    from sqlalchemy import text

    with store.connect() as conn:
        found = conn.execute(
            text(
                "SELECT s.ticket_id, e.slug FROM scan_log s JOIN event e ON e.id = s.event_id "
                "WHERE s.ticket_id IS NOT NULL"
            )
        ).all()
    return {
        day: bool(rows) and all(slug == fest.slugs[day] for _t, slug in rows)
        for day in DAYS
        if (rows := [r for r in found if r[0] == fest.tickets[day]])
    }


EXPECTED = {
    "fri": ("ok", True, True, None),
    "sat": ("ok", True, True, None),
    "sun": ("expired", True, True, "too_late"),  # its own event's rule
    "party": ("wrong_event", True, False, "other_event"),  # outside the set
}


def _play(
    login: str,
    offline: bool,
    *,
    db_url: str,
    names: dict[str, str],
    store: Store,
    signer: Signer,
    capsys: pytest.CaptureFixture[str],
    folder: Path,
) -> None:
    fest = build_festival(store, signer, f"{login}{int(offline)}{len(os.listdir(folder))}")
    data = folder / f"{login}-{int(offline)}"
    with login_station(login, db_url=db_url, names=names, capsys=capsys, data=data) as (
        cli,
        _url,
        proxy,
    ):
        if offline:
            assert proxy is not None
            assert cli.call("--json", "sync")[0] == 0
            proxy.cut()
        try:
            said = {day: _decide(cli, fest, day) for day in DAYS}
        finally:
            if proxy is not None and offline:
                proxy.restore()
        if offline:
            assert cli.call("--json", "sync")[0] == 0  # the scans uploaded
        for day in DAYS:
            result, right_event, titled, rule, was_offline, code = said[day]
            assert (result, right_event, titled, rule) == EXPECTED[day], (login, day, said[day])
            assert was_offline is offline, (login, day, said[day])
            assert code == (0 if result == "ok" else 1), (login, day, said[day])
        logged = _logged(store, fest)
        assert logged == dict.fromkeys(DAYS, True), (login, logged)  # each under its own


@pytest.mark.parametrize("offline", [False, True], ids=["online", "from the copy"])
def test_a_door_for_several_events_decides_each_by_its_own(
    offline: bool, db_url: str, play_options: dict[str, Any]
) -> None:
    on_sqlite = db_url.startswith("sqlite")
    if on_sqlite and offline:
        pytest.skip("an SQLite station is its own server: it has no copy")
    for login in ("organizer",) if on_sqlite else ("organizer", "door", "desk"):
        _play(login, offline, **play_options)


def test_a_list_serves_its_own_event_and_the_others_their_default(
    store: Store, signer: Signer
) -> None:
    """A door for Friday and Saturday on Friday's VIP list: Friday's day ticket is refused by
    that list, Saturday's is decided on Saturday's default list and admitted."""
    fest = build_festival(store, signer, "list")
    add_type(store, fest.slugs["fri"], "VIP")  # the list's type, held by nobody here
    create_list(store, fest.slugs["fri"], ListChange(name="VIP", ticket_types=["VIP"]))
    door = Checkin(
        store,
        station="Gate",
        event=f"{fest.slugs['fri']},{fest.slugs['sat']}",
        checkin_list="vip",
    )
    friday = door.scan(fest.payloads["fri"])
    saturday = door.scan(fest.payloads["sat"])
    party = door.scan(fest.payloads["party"])
    assert (friday.result, friday.list) == ("wrong_type", "vip")
    assert (saturday.result, saturday.list, saturday.event) == ("ok", "default", fest.slugs["sat"])
    assert saturday.event_title == fest.titles["sat"]
    assert party.result == "wrong_event"


def test_station_events_in_the_file(tmp_path: Path) -> None:
    """``[station] events = [...]`` is the door's events; with ``event =`` too it is refused."""
    (tmp_path / "eventdesk.toml").write_text('[station]\nevents = ["fri", "sat", "fri"]\n')
    config = load_config(data_dir=str(tmp_path), environ={})
    assert (config.door_event, config.door_event_in_file) == ("fri,sat", "fri,sat")
    (tmp_path / "eventdesk.toml").write_text('event = "sun"\n[station]\nevents = ["fri"]\n')
    with pytest.raises(InvalidInput, match="not both"):
        load_config(data_dir=str(tmp_path), environ={})
    (tmp_path / "eventdesk.toml").write_text('event = "fri,,sat"\n')
    with pytest.raises(InvalidInput, match="separated by commas"):
        load_config(data_dir=str(tmp_path), environ={})
