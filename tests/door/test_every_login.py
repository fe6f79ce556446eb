"""Every login, every action, the same answers (docs/operators-guide.md, "Roles for many
stations"). One table of what a station does at an event, run on SQLite as the organizer's
station and on PostgreSQL as the organizer's login, a door's own login and a desk's own login,
each through the command line a station runs: check-in by scan and by hand, at the kiosk and
the desk, undo, exit and re-entry, a check-in list with a question, a session door, an unpaid
ticket, a walk-in, a payment, a cancellation, a reprint, a badge printed with the admission,
offline admissions uploaded, and a badge station's prints (online and offline). What a login
may do, it does, with the same result and the same words as the organizer's; what it may not do
is refused in one sentence, and nothing changed on the server."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.services.catalogue import program
from eventdesk.services.door.list_changes import ListChange, create_list
from eventdesk.services.people import attendees, payments
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.clitools import Cli
from tests.helpers import add_type, make_event, station_logins

PASSWORD = "pw-every-login"
LOGINS = ("organizer", "door", "desk")
STATION = {"organizer": "Office", "door": "Door 1", "desk": "Desk 1"}
PEOPLE = (
    # key, name, ticket type, paid
    ("anna", "Anna Eriksen", "Regular", True),
    ("ben", "Ben Okafor", "Regular", True),
    ("cleo", "Cleo Dubois", "Regular", True),
    ("dan", "Dan Müller", "Regular", True),
    ("eva", "Eva Rossi", "Regular", True),
    ("finn", "Finn Larsen", "Regular", False),
    ("gus", "Gus Novak", "Regular", True),
    ("hana", "Hana Sato", "Student", True),
    ("ivo", "Ivo Petrov", "Regular", True),
    ("jo", "Jo Banerjee", "Regular", True),
)


@dataclass
class World:
    """One event open now and its people, for one login's run of a scenario."""

    slug: str
    tickets: dict[str, str]  # key -> ticket id
    payloads: dict[str, str]  # key -> signed QR payload
    session_id: int
    lounge: str  # the check-in list with a question


def build_world(store: Store, signer: Signer, tag: str) -> World:
    """An event running now (doors open, re-entry allowed), its ticket types, a workshop under
    way, a lounge list that asks a question, and ten people with a ticket each."""
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        name=f"Door Day {tag}",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
        allow_reentry=True,
        timezone="Europe/Berlin",
    )
    add_type(store, slug, "Regular", price_cents=2500)
    add_type(store, slug, "Student", price_cents=900, needs_staff=True, attention="Check ID")
    workshop = program.add_session(
        store,
        slug,
        name="Workshop",
        starts=now - timedelta(minutes=30),
        ends=now + timedelta(hours=2),
    )
    lounge = create_list(
        store,
        slug,
        ListChange(name="Lounge", questions=["diet:yesno:Vegetarian lunch?:required"]),
    )
    attendees.add_attendees_bulk(
        store,
        [{"name": name, "email": f"{key}.{tag}@example.org"} for key, name, _, _ in PEOPLE],
    )
    tickets, payloads = {}, {}
    for key, _, kind, paid in PEOPLE:
        chosen = [workshop.id] if key == "eva" else []
        ticket = register(store, slug, f"{key}.{tag}@example.org", kind, sessions=chosen)
        ticket_id = ticket.tickets[0].ticket_id
        if paid:
            payments.pay(store, ticket_id, method="card", status="completed")
        tickets[key], payloads[key] = ticket_id, signer.payload(ticket_id)
    return World(slug, tickets, payloads, workshop.id, f"{slug}/{lounge.slug}")


@dataclass
class Station:
    """A station as a login runs it: its command line, and the server seen by its owner."""

    login: str  # organizer | door | desk
    cli: Cli
    owner: Store  # the organizer's view of the server (what changed)
    world: World
    url: str
    proxy: TcpProxy | None

    def run(self, *args: str, code: int | None = 0) -> tuple[int, str, str]:
        got, out, err = self.cli.call(*args)
        if code is not None:
            assert got == code, (self.login, args, got, out, err)
        return got, out, err

    def json(self, *args: str, code: int | None = 0) -> Any:
        """The JSON document printed; a refusal's is ``{"error", "exit_code", ...}``."""
        got, out, err = self.run("--json", *args, code=code)
        found = json.loads(out)
        if isinstance(found, dict) and "error" in found:
            assert found["exit_code"] == got, (found, got)
            assert err.strip() == f"eventdesk: {found['error']}", err  # and in one line
        return found

    def checkin(self, *args: str, code: int | None = None) -> dict[str, Any]:
        """A check-in's answer, its words with this station's name put as <station>."""
        found = self.json("checkin", "--event", self.world.slug, *args, code=code)
        return words(found, self)

    def value(self, sql: str, **params: Any) -> Any:
        with self.owner.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def ticket(self, key: str) -> str:
        return self.world.tickets[key]


def words(answer: dict[str, Any], station: Station) -> dict[str, Any]:
    """What a station said, with what differs from station to station (its name, ticket ids,
    the time) put as placeholders, so that every login's words can be compared."""
    if answer.get("session_id") == station.world.session_id:
        answer = {**answer, "session_id": "<session>"}
    said = json.dumps(answer, ensure_ascii=False)
    said = said.replace(STATION[station.login], "<station>")
    said = said.replace(station.world.slug, "<event>")
    for key, ticket_id in station.world.tickets.items():
        said = said.replace(ticket_id, f"<{key}>")
    said = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(\+00:00|Z)?", "<time>", said)
    said = re.sub(r"\b\d\d:\d\d\b", "<hh:mm>", said)
    return dict(json.loads(said))


# --- the scenarios: each returns what the station answered, comparable across logins ----------
def scan_twice(s: Station) -> Any:
    first = s.checkin(s.world.payloads["anna"])
    again = s.checkin(s.world.payloads["anna"])
    admitted_at = s.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=s.ticket("anna"))
    return first, again, admitted_at == STATION[s.login]


def by_hand(s: Station) -> Any:
    answer = s.checkin("--ticket", s.ticket("ben"))
    if "error" in answer:
        return answer
    return answer, s.value(
        "SELECT checked_in_at IS NOT NULL FROM ticket WHERE id = :t", t=s.ticket("ben")
    )


def kiosk(s: Station) -> Any:
    """A self-service kiosk sends a ticket that needs staff to the desk, and admits the rest."""
    student = s.checkin("--self-service", s.world.payloads["hana"])
    regular = s.checkin("--self-service", s.world.payloads["ivo"])
    return student, regular


def undo(s: Station) -> Any:
    s.checkin(s.world.payloads["cleo"])
    undone = words(s.json("checkin", "undo", s.ticket("cleo")), s)
    return undone, s.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=s.ticket("cleo"))


def exit_and_reentry(s: Station) -> Any:
    entered = s.checkin(s.world.payloads["dan"])
    left = s.checkin("--exit", "--ticket", s.ticket("dan"))
    outside = not s.value("SELECT inside FROM ticket WHERE id = :t", t=s.ticket("dan"))
    back = s.checkin(s.world.payloads["dan"])
    return entered, left, outside, back


def list_with_a_question(s: Station) -> Any:
    asked = s.checkin("--list", s.world.lounge, s.world.payloads["gus"])
    answered = s.checkin("--list", s.world.lounge, "--answer", "diet=yes", s.world.payloads["gus"])
    kept = s.value(
        "SELECT value FROM checkin_answer WHERE ticket_id = :t AND key = 'diet'", t=s.ticket("gus")
    )
    return asked, answered, kept


def session_door(s: Station) -> Any:
    session = str(s.world.session_id)
    registered = s.checkin("--session", session, s.world.payloads["eva"])
    not_registered = s.checkin("--session", session, s.world.payloads["jo"])
    return registered, not_registered


def cancelled_session_door(s: Station) -> Any:
    """The organizer cancels the workshop (issue 43): its door admits nobody, from the server
    or, while it is away, from the station's copy."""
    program.cancel_session(s.owner, s.world.session_id, station="Office")
    session = str(s.world.session_id)
    online = s.checkin("--session", session, s.world.payloads["eva"])
    if s.proxy is None:
        return online, None
    s.json("sync")
    s.proxy.cut()
    try:
        offline = s.checkin("--session", session, s.world.payloads["eva"])
    finally:
        s.proxy.restore()
    return online, offline


def one_nonce_two_lines(s: Station) -> Any:
    """A nonce names one scan: with another line it is refused, and that ticket not admitted."""
    nonce = uuid.uuid4().hex
    first = s.checkin("--nonce", nonce, s.world.payloads["anna"])
    other = s.json(
        "checkin", "--event", s.world.slug, "--nonce", nonce, s.world.payloads["ben"], code=2
    )
    ben = s.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=s.ticket("ben"))
    return first["result"], "names another scan" in other["error"], ben


def unpaid(s: Station) -> Any:
    return s.checkin(s.world.payloads["finn"])


def walk_in(s: Station) -> Any:
    email = f"walk.in.{s.world.slug}@example.org"
    added = s.json("attendee", "add", "--name", "Walk Inn", "--email", email, code=None)
    if "error" in added:
        return added
    made = s.json("register", s.world.slug, "--attendee", email, "--ticket-type", "Regular")
    return {"status": made["status"], "waitlist_position": made["waitlist_position"]}


def pay(s: Station) -> Any:
    paid = s.json("pay", s.ticket("finn"), "--method", "cash", code=None)
    return paid if "error" in paid else {"paid": paid["paid"], "due": paid["due"]}


def cancel(s: Station) -> Any:
    said = s.json("cancel", s.ticket("jo"), code=None)
    return said if "error" in said else {"status": said["status"], "promoted": said["promoted"]}


def reprint(s: Station) -> Any:
    said = s.json("print", s.ticket("ivo"), code=None)
    if "error" in said:
        return said
    badge = s.cli.data_dir / "badges"
    return said["state"], any(s.ticket("ivo") in p.name for p in badge.iterdir())


def printed_with_the_admission(s: Station) -> Any:
    answer = s.checkin("--print", s.world.payloads["ivo"])
    badges = s.cli.data_dir / "badges"
    printed = any(s.ticket("ivo") in p.name for p in badges.iterdir())
    return answer["result"], answer["flags"], printed


def offline_then_uploaded(s: Station) -> Any:
    """The server goes away: the station admits from its copy, and uploads when it is back."""
    assert s.proxy is not None
    s.json("sync")
    s.proxy.cut()
    offline = s.checkin(s.world.payloads["jo"])
    s.proxy.restore()
    synced = s.json("sync")
    held = s.value("SELECT checked_in_station FROM ticket WHERE id = :t", t=s.ticket("jo"))
    logged = s.value(
        "SELECT count(*) FROM scan_log WHERE ticket_id = :t AND offline", t=s.ticket("jo")
    )
    return offline, (synced["uploaded"], synced["refused"]), held == STATION[s.login], logged


def badge_station(s: Station) -> Any:
    """A badge station prints and checks no one in: a first badge, a reprint, a badge for a
    person inside already and for an unpaid ticket (services.door.badge_only)."""
    s.checkin(s.world.payloads["anna"])  # inside, no badge printed at the door
    first = s.checkin("--print-only", s.world.payloads["ben"])
    again = s.checkin("--print-only", s.world.payloads["ben"])
    inside = s.checkin("--print-only", s.world.payloads["anna"])
    unpaid = s.checkin("--print-only", s.world.payloads["finn"])
    admitted = s.value(
        "SELECT count(*) FROM ticket WHERE id IN (:b, :f) AND checked_in_at IS NOT NULL",
        b=s.ticket("ben"),
        f=s.ticket("finn"),
    )
    reprints = s.value(
        "SELECT count(*) FROM print_job WHERE ticket_id = :t AND reason = 'reprint'",
        t=s.ticket("ben"),
    )
    logged = s.value(
        "SELECT count(*) FROM scan_log WHERE station = :s AND result IN ('printed', 'reprinted')",
        s=STATION[s.login],
    )
    return first, again, inside, unpaid, admitted, reprints, logged


def badge_station_offline(s: Station) -> Any:
    """The server away, a badge station prints from its copy, and uploads the scan (as no
    admission) when it is back."""
    assert s.proxy is not None
    s.json("sync")
    s.proxy.cut()
    try:
        offline = s.checkin("--print-only", s.world.payloads["cleo"])
    finally:
        s.proxy.restore()
    synced = s.json("sync")
    admitted = s.value("SELECT checked_in_at FROM ticket WHERE id = :t", t=s.ticket("cleo"))
    logged = s.value(
        "SELECT result FROM scan_log WHERE ticket_id = :t AND offline", t=s.ticket("cleo")
    )
    return offline, (synced["uploaded"], synced["refused"]), admitted, logged


ALLOWED = "same"
REFUSED = "refused"


def the_standby_line(s: Station) -> Any:
    """``doctor``'s line on the server's standby (a server with none here), as the login reads
    PostgreSQL's views; an SQLite station, its own server, has no such line."""
    found = s.json("doctor", "--event", s.world.slug, code=None)
    return next((row for row in found if row["check"] == "standby"), None)


def results(*answers: dict[str, Any]) -> list[str]:
    return [answer["result"] for answer in answers]


@dataclass(frozen=True)
class Scenario:
    name: str
    play: Callable[[Station], Any]
    expect: Callable[[Any], bool]  # the organizer's answers are right (on either database)
    door: str = ALLOWED  # what a door's own login gets
    desk: str = ALLOWED  # what a desk's own login gets
    sqlite: bool = True  # False: needs a server (an SQLite station has no copy)


SCENARIOS = (
    Scenario(
        "scan, then the same scan again",
        scan_twice,
        lambda said: (
            results(*said[:2]) == ["ok", "already_checked_in"]
            and said[0]["message"] == "Welcome, Anna Eriksen (Regular)."
            and "<station>" in said[1]["message"]
            and said[2]
        ),
    ),
    Scenario(
        "check-in by hand",
        by_hand,
        lambda said: results(said[0]) == ["ok"] and said[1],
        door=REFUSED,  # by id is a desk's: a door admits by the QR code
    ),
    Scenario(
        "a self-service kiosk",
        kiosk,
        lambda said: results(*said) == ["needs_staff", "ok"] and "desk" in said[0]["message"],
    ),
    Scenario(
        "undo",
        undo,
        lambda said: (
            said[0]["result"] == "undone"
            and said[0]["was_station"] == "<station>"
            and said[1] is None
        ),
    ),
    Scenario(
        "exit and re-entry",
        exit_and_reentry,
        lambda said: (
            results(said[0], said[1], said[3]) == ["ok", "ok", "ok"]
            and said[1]["direction"] == "exit"
            and said[2]
            and said[3]["message"] == "Welcome back, Dan Müller."
            and "re-entry" in said[3]["flags"]
        ),
    ),
    Scenario(
        "a check-in list with a question",
        list_with_a_question,
        lambda said: (
            results(said[0], said[1]) == ["needs_answer", "ok"]
            and said[0]["asks"] == ["diet"]
            and said[2] == "yes"
        ),
    ),
    Scenario(
        "a session door",
        session_door,
        lambda said: results(*said) == ["ok", "wrong_session"],
    ),
    Scenario(
        "a cancelled session's door",
        cancelled_session_door,
        lambda said: (
            said[0]["result"] == "wrong_session"
            and (
                said[1] is None
                or (said[1]["result"] == "wrong_session" and said[1]["offline"] is True)
            )
        ),
    ),
    Scenario(
        "a nonce names one scan",
        one_nonce_two_lines,
        lambda said: said == ("ok", True, None),
    ),
    Scenario(
        "an unpaid ticket",
        unpaid,
        lambda said: said["result"] == "unpaid" and "25.00" in said["message"],
    ),
    Scenario(
        "a walk-in",
        walk_in,
        lambda said: said == {"status": "registered", "waitlist_position": None},
        door=REFUSED,
    ),
    Scenario(
        "a payment",
        pay,
        lambda said: said["due"] in (0, "0.00") and said["paid"] not in (0, "0.00"),
        door=REFUSED,
    ),
    Scenario(
        "a cancellation",
        cancel,
        lambda said: said == {"status": "cancelled", "promoted": []},
        door=REFUSED,
    ),
    Scenario("a reprint", reprint, lambda said: said == ("done", True), door=REFUSED),
    Scenario(
        "a badge printed with the admission",
        printed_with_the_admission,
        lambda said: said[0] == "ok" and "badge queued" in said[1] and said[2],
    ),
    Scenario(
        "offline admissions uploaded",
        offline_then_uploaded,
        lambda said: (
            said[0]["result"] == "ok"
            and said[0]["offline"] is True
            and said[1] == (1, 0)
            and said[2]
            and said[3] == 1
        ),
        sqlite=False,
    ),
    Scenario(
        "a badge station",
        badge_station,
        lambda said: (
            results(*said[:4]) == ["printed", "reprinted", "printed", "printed"]
            and said[0]["message"] == "Badge printing for Ben Okafor."
            and all("badge queued" in answer["flags"] for answer in said[:4])
            and said[4:] == (0, 1, 4)
        ),
    ),
    Scenario(
        "a badge station while the server is away",
        badge_station_offline,
        lambda said: (
            said[0]["result"] == "printed"
            and said[0]["offline"] is True
            and said[1] == (1, 0)
            and said[2] is None
            and said[3] == "printed"
        ),
        sqlite=False,
    ),
    Scenario(
        "doctor's line on the server's standby",
        the_standby_line,
        lambda said: (
            said is None
            or (said["ok"] and said["says"].startswith("no standby: if the server's machine dies"))
        ),
    ),
)


# --- the stations ------------------------------------------------------------------------------
@pytest.fixture
def server_logins(db_url: str) -> Iterator[dict[str, str]]:
    """This test's database's door and desk logins (cluster-wide roles, named for the run and
    the worker), dropped after it."""
    if db_url.startswith("sqlite"):
        yield {}
        return
    store = Store(db_url)
    try:
        with station_logins(db_url, store, "every", PASSWORD) as names:
            yield names
    finally:
        store.dispose()


def _url_as(db_url: str, login: str, names: dict[str, str], port: int | None) -> str:
    url = make_url(db_url)
    if login != "organizer":
        url = url.set(username=names[login], password=PASSWORD)
    if port is not None:
        url = url.set(host="127.0.0.1", port=port)
    return url.render_as_string(hide_password=False)


def _snapshot(store: Store) -> dict[str, list[str]]:
    """What a refusal must leave as it was: the tickets, payments, people and their logs."""
    taken = {}
    with store.connect() as conn:
        for table in ("ticket", "payment", "attendee", "transaction_log", "print_job"):
            rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
            taken[table] = [repr(tuple(row)) for row in rows]
    return taken


@pytest.fixture
def play_options(
    db_url: str,
    store: Store,
    signer: Signer,
    server_logins: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> dict[str, Any]:
    """What ``play`` (and the tests that play as each login) is given besides the login."""
    return {
        "db_url": db_url,
        "names": server_logins,
        "store": store,
        "signer": signer,
        "capsys": capsys,
        "folder": tmp_path,
    }


@contextmanager
def login_station(
    login: str,
    *,
    db_url: str,
    names: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    data: Path,
) -> Iterator[tuple[Cli, str, TcpProxy | None]]:
    """A station's command line as ``login`` (its data folder ``data``, made here), its
    database URL, and on PostgreSQL the loopback proxy it reaches the server through (a test
    cuts it for an outage; None on SQLite), closed after."""
    proxy = None if db_url.startswith("sqlite") else TcpProxy(*_host_port(db_url)).start()
    try:
        url = _url_as(db_url, login, names, proxy.port if proxy else None)
        data.mkdir()
        yield Cli(capsys, url, data, station=STATION[login]), url, proxy
    finally:
        if proxy is not None:
            proxy.close()


def play(
    scenario: Scenario,
    login: str,
    *,
    db_url: str,
    names: dict[str, str],
    store: Store,
    signer: Signer,
    capsys: pytest.CaptureFixture[str],
    folder: Path,
) -> Any:
    world = build_world(store, signer, f"{login}-{len(os.listdir(folder))}")
    with login_station(login, db_url=db_url, names=names, capsys=capsys, data=folder / login) as (
        cli,
        url,
        proxy,
    ):
        station = Station(login, cli, store, world, url, proxy)
        wanted = getattr(scenario, login) if login != "organizer" else ALLOWED
        before = _snapshot(store) if wanted == REFUSED else None
        said = scenario.play(station)
        if wanted == REFUSED:
            assert isinstance(said, dict) and said.get("exit_code") in (1, 2), (login, said)
            lines = str(said["error"]).strip().splitlines()
            assert len(lines) == 1, (login, said)  # one sentence, no traceback
            assert "database error" not in lines[0] and "internal error" not in lines[0], lines
            assert _snapshot(store) == before, f"{scenario.name}: a refusal changed the server"
        else:
            assert not (isinstance(said, dict) and "error" in said), (login, said)
        return said


def _host_port(db_url: str) -> tuple[str, int]:
    url = make_url(db_url)
    return url.host or "127.0.0.1", url.port or 5432


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_every_login_gives_the_same_answers(
    scenario: Scenario, db_url: str, play_options: dict[str, Any]
) -> None:
    on_sqlite = db_url.startswith("sqlite")
    if on_sqlite and not scenario.sqlite:
        pytest.skip("an SQLite station is its own server: it has no copy and no outbox")
    # The tests' own threshold (tests/conftest.py): an online answer on a busy machine is never
    # taken for an outage; the offline scenario's server refuses, which is known at once.
    organizer = play(scenario, "organizer", **play_options)
    assert scenario.expect(organizer), f"{scenario.name}: {organizer}"
    if on_sqlite:
        return
    for login in ("door", "desk"):
        said = play(scenario, login, **play_options)
        if getattr(scenario, login) == ALLOWED:
            assert said == organizer, f"{scenario.name}: the {login}'s login said otherwise"
