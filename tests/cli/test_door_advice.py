"""What `checkin` and `scan` say of a door's event that is over fits how the event was named
(issue 43): given with `--event`, the user is not told to choose the door's event with
`--event`; they are told when its check-in closed, that its tickets are refused, how an
organizer lets late arrivals in, and which events are open now. A kept event, or one named by
`event =` in eventdesk.toml, is advised where it was set. Times derive from the clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.door_event import keep_door
from eventdesk.event_time import show
from eventdesk.services.catalogue import events
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.helpers import add_type, people


def _event(store: Store, signer: Signer, name: str, hours: tuple[int, int]) -> tuple[str, str]:
    """An event from ``hours[0]`` to ``hours[1]`` hours from now, and one ticket's payload."""
    now = utcnow().replace(microsecond=0)
    made = events.create_event(
        store,
        name=name,
        starts=(now + timedelta(hours=hours[0])).isoformat(),
        ends=(now + timedelta(hours=hours[1])).isoformat(),
    )
    add_type(store, made.slug, "Regular", price_cents=0)
    (email,) = people(store, 1, prefix=made.slug.replace("-", ""))
    return made.slug, signer.payload(
        register(store, made.slug, email, "Regular").tickets[0].ticket_id
    )


def _closed(store: Store, slug: str) -> str:
    """When the event's check-in closed, as the door says it (the event's zone)."""
    info = events.show_event(store, slug)
    return show(info.ends_at + timedelta(hours=6), info.zone)


def test_an_ended_event_given_with_event_is_advised_as_such(
    store: Store, signer: Signer, cli: Cli
) -> None:
    ended, payload = _event(store, signer, "Advice Day Conf", (-17, -7))  # closed an hour ago
    evening, _ = _event(store, signer, "Advice Evening Meetup", (-1, 3))

    out, err = cli.run("--json", "checkin", "--event", ended, payload, code=1)
    assert '"expired"' in out
    assert "choose this door's event" not in err and "--event EVENT" not in err, err
    assert f"Advice Day Conf has ended (check-in closed {_closed(store, ended)})" in err, err
    assert "its tickets are refused as expired" in err, err
    assert f"eventdesk event update {ended} --checkin-closes TIME" in err, err
    assert f"open now: Advice Evening Meetup (--event {evening})" in err, err

    # Nothing open now: nothing named.
    events.cancel_event(store, evening)
    err = cli.run("checkin", "--event", ended, payload, code=1)[1]
    assert "open now" not in err and "--checkin-closes TIME" in err, err


def test_a_cancelled_event_given_with_event_is_advised_as_such(
    store: Store, signer: Signer, cli: Cli
) -> None:
    cancelled, payload = _event(store, signer, "Advice Cancelled Fair", (-1, 5))
    events.cancel_event(store, cancelled)

    out, err = cli.run("--json", "checkin", "--event", cancelled, payload, code=1)
    assert '"revoked"' in out
    assert "Advice Cancelled Fair was cancelled: its tickets are refused" in err, err
    assert "choose this door's event" not in err and "--event EVENT" not in err, err


def test_a_kept_ended_event_is_advised_where_the_door_is_chosen(
    store: Store, signer: Signer, cli: Cli, db_url: str
) -> None:
    ended, payload = _event(store, signer, "Advice Kept Conf", (-17, -7))
    config = load_config(data_dir=cli.data_dir, database_url=db_url, station="Desk 1")
    keep_door(config, ended, how="test", now=utcnow())

    err = cli.run("checkin", payload, code=1)[1]
    assert "Advice Kept Conf has ended" in err, err
    assert '"Use at this door"' in err and "--event EVENT for this run" in err, err
    assert "eventdesk.toml" not in err, err  # nothing is set there


def test_an_ended_event_of_the_settings_file_is_advised_there(
    store: Store, signer: Signer, cli: Cli
) -> None:
    ended, payload = _event(store, signer, "Advice File Conf", (-17, -7))
    settings = Path(cli.data_dir) / "eventdesk.toml"
    settings.write_text(f'event = "{ended}"\n')

    err = cli.run("checkin", payload, code=1)[1]
    assert "Advice File Conf has ended" in err, err
    assert f"event = in {settings} names it: change it there" in err, err
    assert "--event EVENT for this run" in err, err


def test_an_event_that_has_not_ended_is_not_advised(store: Store, signer: Signer, cli: Cli) -> None:
    running, payload = _event(store, signer, "Advice Running Conf", (-1, 5))
    assert cli.run("checkin", "--event", running, payload)[1] == ""
