"""Arrival alerts on every login (tests/door/test_every_login.py runs the stations): an awaited
person admitted by the organizer's station, a door's own login or a desk's own login, online or
from the station's copy and uploaded by its sync, makes the same alert on the server, kept until
an organizer has seen it, and the station's answer says why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventdesk.services.door.alerts import mark_seen, set_attendee_alert, unseen_alerts
from tests.door.test_every_login import (
    ALLOWED,
    STATION,
    Scenario,
    Station,
    play,
    play_options,
    server_logins,
)

__all__ = ["play_options", "server_logins"]  # fixtures
SPEAKER = "speaker, take to the green room"


def _holder(s: Station, key: str) -> int:
    return int(s.value("SELECT attendee_id FROM ticket WHERE id = :t", t=s.ticket(key)))


def _kept(s: Station, nonce: str) -> tuple[Any, list[tuple[str | None, str, str | None]]]:
    """The scan log's JSON for the scan ``nonce`` says; the alerts not seen yet."""
    answer = s.value("SELECT answer FROM scan_log WHERE nonce = :n", n=nonce)
    said = json.loads(answer).get("alert") if answer else None
    unseen = unseen_alerts(s.owner, s.world.slug)
    return said, [(a.name, a.reason, a.station) for a in unseen]


def _seen(s: Station) -> bool:
    """Seen by the organizer: no alert left unseen, and it is still kept."""
    ids = [a.id for a in unseen_alerts(s.owner, s.world.slug)]
    mark_seen(s.owner, ids)
    kept = s.value(
        "SELECT count(*) FROM arrival_alert a JOIN event e ON e.id = a.event_id "
        "WHERE e.slug = :e AND a.seen_at IS NOT NULL",
        e=s.world.slug,
    )
    return unseen_alerts(s.owner, s.world.slug) == [] and kept == len(ids) == 1


def awaited_online(s: Station) -> Any:
    set_attendee_alert(s.owner, _holder(s, "anna"), SPEAKER)
    answer = s.checkin("--nonce", f"alert-{s.world.slug}", s.world.payloads["anna"])
    said, unseen = _kept(s, f"alert-{s.world.slug}")
    nobody = s.checkin(s.world.payloads["ben"])  # not awaited: no alert
    return answer["result"], answer["alert"], said, unseen, nobody["alert"], _seen(s)


def awaited_offline(s: Station) -> Any:
    """Admitted from the station's copy while the server is away: the alert is made when the
    scan is uploaded."""
    assert s.proxy is not None
    set_attendee_alert(s.owner, _holder(s, "jo"), SPEAKER)
    s.json("sync")
    s.proxy.cut()
    try:
        offline = s.checkin(s.world.payloads["jo"])
        before = unseen_alerts(s.owner, s.world.slug)
    finally:
        s.proxy.restore()
    synced = s.json("sync")
    unseen = unseen_alerts(s.owner, s.world.slug)
    return (
        offline["result"],
        offline["offline"],
        offline["alert"],  # the station's copy knew why
        before,
        synced["uploaded"],
        [(a.name, a.reason, a.station) for a in unseen],
        _seen(s),
    )


SCENARIOS = (
    Scenario(
        "an awaited person admitted",
        awaited_online,
        lambda said: (
            said == ["ok", SPEAKER, SPEAKER, [["Anna Eriksen", SPEAKER, "<station>"]], None, True]
        ),
    ),
    Scenario(
        "an awaited person admitted offline, uploaded",
        awaited_offline,
        lambda said: (
            said == ["ok", True, SPEAKER, [], 1, [["Jo Banerjee", SPEAKER, "<station>"]], True]
        ),
        sqlite=False,
    ),
)


def _placed(said: Any, login: str) -> Any:
    """The station's own name as <station>, so that every login's answers compare (as JSON
    has them: a tuple is a list)."""
    return json.loads(json.dumps(said).replace(json.dumps(STATION[login])[1:-1], "<station>"))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_every_login_makes_the_same_alert(
    scenario: Scenario, db_url: str, play_options: dict[str, Any]
) -> None:
    on_sqlite = db_url.startswith("sqlite")
    if on_sqlite and not scenario.sqlite:
        pytest.skip("an SQLite station is its own server: it has no copy and no outbox")
    organizer = _placed(play(scenario, "organizer", **play_options), "organizer")
    assert scenario.expect(organizer), f"{scenario.name}: {organizer}"
    if on_sqlite:
        return
    for login in ("door", "desk"):
        assert getattr(scenario, login) == ALLOWED
        said = _placed(play(scenario, login, **play_options), login)
        assert said == organizer, f"{scenario.name}: the {login}'s login said otherwise"
