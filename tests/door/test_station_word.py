"""The server believes only what it can check of a station (docs/operators-guide.md, "Roles for
many stations" and "A station carried off"), on the operator's guide's site
(tests/door/test_station_logins.py), through real `eventdesk` processes.

Before: `station accept-outbox` took a hand-edited copy's rows as written (a payload FORGED
admitted under another station's name, an undo annulling the organizer's own check-in, an
admission under the name "Organizer", a row made after the revocation and dated 2 minutes back);
a door's login admitted any event's tickets (by naming another event, through its functions in
plain SQL, or in an edited upload); an override decided offline named whoever the copy said and
got no transaction-log row; a desk's login wrote "promoted" for a ticket never waitlisted and
"badge_queued" with no print job, as often as it liked; a station's refusals were stored without
end."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from eventdesk.migrations.stations_0029 import REFUSALS_KEPT
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.door.test_copy_at_rest import new_login, organizer, through
from tests.door.test_station_logins import Site, admissible, payload_of, run_cli, site
from tests.offline_tools import copy_sql

pytestmark = pytest.mark.slow  # real eventdesk processes, on test_station_logins.py's site

__all__ = ["site"]  # the module's fixture, used here


def _clone(data: Path, seq: int, **changed: Any) -> None:
    """A row added to a station's copy's outbox as a thief holding its key would: an honest
    row's columns, ``changed``, a nonce of its own."""
    with copy_sql(data) as conn:
        conn.row_factory = None
        columns = [row[1] for row in conn.execute("PRAGMA table_info(outbox)")]
        found = conn.execute("SELECT * FROM outbox WHERE seq = ?", (seq,)).fetchone()
        values = dict(zip(columns, found, strict=True))
        values.pop("seq")
        values.update(nonce=uuid.uuid4().hex, state="pending", **changed)
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        conn.execute(f"INSERT INTO outbox ({names}) VALUES ({marks})", list(values.values()))


def _stamp(moment: Any) -> str:
    """A time as the copy keeps it (SQLite text, as eventdesk writes it)."""
    return str(moment.isoformat(sep=" "))


def test_accept_outbox_takes_only_what_the_station_itself_could_upload(
    site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "door5"
    own = new_login(site, "five", "Door 5")
    honest, forged, org_ticket, other, late = (admissible(site, n) for n in range(5))
    assert len({honest, forged, org_ticket, other, late}) == 5
    assert run_cli(site.organizer_url, site.organizer_dir, "checkin", "--ticket", org_ticket,
                   station="Office").returncode == 0  # fmt: skip
    with TcpProxy("127.0.0.1", make_url(site.door_url).port or 5432) as proxy:
        url = through(proxy, own)
        run_cli(url, data, "sync", station="Door 5")  # nothing left to upload: the server notes it
        proxy.cut()
        said = json.loads(
            run_cli(
                url, data, "--json", "checkin", payload_of(site, honest), station="Door 5"
            ).stdout
        )
        assert (said["result"], said["offline"]) == ("ok", True)
    organizer(site, "station", "revoke", "Door 5", "--keep-pins")
    org_at = site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=org_ticket)
    with copy_sql(data) as conn:
        seq, at = conn.execute("SELECT seq, at FROM outbox ORDER BY seq").fetchone()
    revoked_at = site.value("SELECT max(revoked_at) FROM station_key WHERE station = 'Door 5'")
    _clone(data, seq, station="Door 9", ticket_id=forged, payload="FORGED")
    _clone(data, seq, ticket_id=forged, payload="FORGED")
    _clone(data, seq, kind="undo", effect="undo", result="undone", ticket_id=org_ticket,
           payload=None, was_at=_stamp(org_at), was_station="Office")  # fmt: skip
    _clone(data, seq, station="Organizer", ticket_id=other, payload=payload_of(site, other))
    _clone(data, seq, ticket_id=late, payload=payload_of(site, late),
           at=_stamp(revoked_at - timedelta(minutes=2)))  # fmt: skip
    looked = organizer(site, "station", "accept-outbox", "Door 5", "--from", str(data),
                       "--dry-run")  # fmt: skip
    fates = [(r["ticket_id"], r["fate"]) for r in looked["rows"]]  # type: ignore[attr-defined]
    assert fates == [
        (honest, "taken"),
        (forged, "refused"),
        (forged, "refused"),
        (org_ticket, "refused"),
        (other, "refused"),
        (late, "refused"),
    ], looked
    whys = [r["why"] for r in looked["rows"]]  # type: ignore[attr-defined]
    assert "names station Door 9" in whys[1] and "names station Organizer" in whys[4]
    assert "last uploaded everything it had" in whys[5]
    assert site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=honest) is None
    taken = organizer(site, "station", "accept-outbox", "Door 5", "--from", str(data), "--yes")
    assert (taken["uploaded"], len(taken["refused"])) == (1, 5), taken  # type: ignore[arg-type]
    held = {
        ticket: site.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=ticket)
        for ticket in (honest, forged, org_ticket, other, late)
    }
    assert held == {
        honest: "Door 5",
        forged: None,
        org_ticket: "Office",  # the organizer's own check-in stands
        other: None,
        late: None,
    }
    assert at is not None


def test_a_door_login_bound_to_its_events_is_refused_every_other_events_ticket(
    site: Site, tmp_path: Path
) -> None:
    now = utcnow().replace(microsecond=0)
    other = organizer(site, "event", "create", "--name", "Bound Elsewhere",
                      "--starts", (now - timedelta(hours=1)).isoformat(),
                      "--ends", (now + timedelta(hours=5)).isoformat())  # fmt: skip
    slug = str(other["slug"])
    organizer(site, "ticket-type", "add", slug, "--name", "Free", "--price", "0")
    organizer(site, "attendee", "add", "--name", "Otto Other",
              "--email", f"otto-{slug}@example.org")  # fmt: skip
    made = organizer(site, "register", slug, "--attendee", f"otto-{slug}@example.org",
                     "--ticket-type", "Free")  # fmt: skip
    ticket = str(made["ticket_id"])
    payload = payload_of(site, ticket)
    own = new_login(site, "six", "Door 6")
    login = str(make_url(own).username)
    bound = organizer(site, "roles", "bind", login, "--event", site.event)
    assert bound["events"] == [site.event]
    assert {r["login"]: r["events"] for r in organizer(site, "roles", "list")}[login] == [  # type: ignore[attr-defined]
        site.event
    ]
    data = tmp_path / "door6"
    # Naming the other event at the door: refused by the server, nothing admitted.
    said = run_cli(own, data, "--json", "checkin", payload, "--event", slug, station="Door 6",
                   code=(1,))  # fmt: skip
    assert "is not one this station's login admits" in said.stderr, said.stderr
    # Through its functions in plain SQL: refused.
    engine = site.engine_as(login)
    with (
        pytest.raises(DBAPIError, match="not one this station's login admits"),
        engine.connect() as conn,
    ):
        conn.execute(
            text("SELECT station_api.admit('Door 6', :t, now(), :p, false, false)"),
            {"t": ticket, "p": payload},
        )
    # In an upload: decided from its copy while its server is away, refused when it comes.
    with TcpProxy("127.0.0.1", make_url(site.door_url).port or 5432) as proxy:
        url = through(proxy, own)
        run_cli(url, data, "sync", station="Door 6")
        proxy.cut()
        offline = json.loads(
            run_cli(
                url, data, "--json", "checkin", payload, "--event", slug, station="Door 6"
            ).stdout
        )
        assert (offline["result"], offline["offline"]) == ("ok", True)
        proxy.restore()
        synced = json.loads(run_cli(url, data, "--json", "sync", station="Door 6").stdout)
        assert synced["refused"] == 1 and "login admits" in synced["problems"][0], synced
    assert site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=ticket) is None
    # Its own event's tickets it admits as before. The door names its event: by itself it takes
    # the one running now, which from 18:00, with the demo's over, is the other.
    mine = admissible(site, 0)
    said = run_cli(
        own, data, "--json", "checkin", payload_of(site, mine), "--event", site.event,
        station="Door 6",
    )  # fmt: skip
    assert json.loads(said.stdout)["result"] == "ok"


def test_an_override_uploaded_names_only_someone_whose_pin_the_copy_held_and_is_logged(
    site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "desk"
    ticket = admissible(site, 0)
    with TcpProxy("127.0.0.1", make_url(site.desk_url).port or 5432) as proxy:
        url = through(proxy, site.desk_url)
        run_cli(url, data, "sync", station="Desk 1")
        proxy.cut()
        said = json.loads(
            run_cli(url, data, "--json", "checkin", "--ticket", ticket, station="Desk 1").stdout
        )
        assert (said["result"], said["offline"]) == ("ok", True)
        with copy_sql(data) as conn:
            seq, answer = conn.execute(
                "SELECT seq, answer FROM outbox WHERE ticket_id = ? ORDER BY seq", (ticket,)
            ).fetchone()
        forged = admissible(site, 1)
        for who in ("Olivia Organizer", "Nobody At All"):
            made = json.loads(answer)
            made["override"] = {"by": who, "reason": "forged", "refused": "unpaid", "rule": None}
            _clone(data, seq, ticket_id=forged, payload=f"ticket:{forged}",
                   answer=json.dumps(made))  # fmt: skip
        proxy.restore()
        synced = json.loads(run_cli(url, data, "--json", "sync", station="Desk 1").stdout)
    assert synced["refused"] == 2, synced
    assert all("could check offline" in p for p in synced["problems"]), synced["problems"]
    assert site.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=forged) is None
    logged = site.value(
        "SELECT count(*) FROM transaction_log WHERE kind = 'override' AND ticket_id = :t", t=forged
    )
    assert logged == 0


def test_a_desk_logs_only_the_actions_it_took_once_each(site: Site) -> None:
    ticket = admissible(site, 0)
    event = site.value("SELECT event_id FROM ticket WHERE id = :t", t=ticket)
    desk = site.engine_as(site.desk_login)
    row = {"e": event, "t": ticket}
    log = (
        "INSERT INTO transaction_log (at, kind, event_id, ticket_id, station, detail) "
        "VALUES (now(), :k, :e, :t, 'Desk 1', :d)"
    )
    with desk.connect() as conn:
        with pytest.raises(DBAPIError, match="not waiting to be promoted"):
            conn.execute(text(log), {**row, "k": "promoted", "d": "{}"})
        with pytest.raises(DBAPIError, match="no badge of ticket"):
            conn.execute(text(log), {**row, "k": "badge_queued", "d": '{"job": 999999}'})
        job = conn.execute(
            text(
                "INSERT INTO print_job (ticket_id, printer, reason, state, attempts, station, "
                "created_at, updated_at) VALUES (:t, 'desk', 'reprint', 'queued', 0, 'Desk 1', "
                "now(), now()) RETURNING id"
            ),
            {"t": ticket},
        ).scalar_one()
        said = json.dumps({"job": job})
        conn.execute(text(log), {**row, "k": "badge_queued", "d": said})  # its own job: once
        with pytest.raises(DBAPIError, match="no badge of ticket"):
            conn.execute(text(log), {**row, "k": "badge_queued", "d": said})
    desk.dispose()


def test_a_stations_refusals_are_kept_up_to_a_bound_and_a_flood_is_counted(site: Site) -> None:
    door = site.engine_as(site.door_login)
    ticket = admissible(site, 0)
    with door.connect() as conn:
        for n in range(REFUSALS_KEPT + 7):
            conn.execute(
                text("SELECT station_api.upload_refused('Door 1', :n, :t, now(), NULL, 'ok', :d)"),
                {"n": uuid.uuid4().hex, "t": ticket, "d": f"flood {n}"},
            )
    door.dispose()
    kept = site.value("SELECT count(*) FROM upload_refusal WHERE station = 'Door 1'")
    assert kept == REFUSALS_KEPT
    assert site.value("SELECT refused FROM refusal_flood WHERE station = 'Door 1'") == 7
    report = organizer(site, "report", "conflicts", site.event)
    floods = [r for r in report if r["reason"] == "flood"]  # type: ignore[union-attr]
    assert len(floods) == 1 and "7" in floods[0]["detail"], floods


def test_every_login_answers_a_genuine_ticket_of_an_ended_event_check_in_closed(
    site: Site, tmp_path: Path
) -> None:
    """The same answer on every login: "Check-in closed", never "not an eventdesk ticket code"
    (a door's login once said so of an ended event's genuine ticket)."""
    now = utcnow().replace(microsecond=0)
    ended = organizer(site, "event", "create", "--name", "Over Already",
                      "--starts", (now - timedelta(days=3)).isoformat(),
                      "--ends", (now - timedelta(days=3, hours=-4)).isoformat())  # fmt: skip
    slug = str(ended["slug"])
    organizer(site, "ticket-type", "add", slug, "--name", "Free", "--price", "0")
    organizer(site, "attendee", "add", "--name", "Late Lena", "--email", f"lena-{slug}@x.org")
    made = organizer(site, "register", slug, "--attendee", f"lena-{slug}@x.org",
                     "--ticket-type", "Free")  # fmt: skip
    payload = payload_of(site, str(made["ticket_id"]))
    said = {}
    for login, url, station in (
        ("organizer", site.organizer_url, "Office"),
        ("door", site.door_url, "Door 1"),
        ("desk", site.desk_url, "Desk 1"),
    ):
        done = run_cli(url, tmp_path / login, "--json", "checkin", payload, "--event", slug,
                       station=station, code=(1,))  # fmt: skip
        said[login] = json.loads(done.stdout)["result"]
    assert said == {"organizer": "expired", "door": "expired", "desk": "expired"}
