"""Scan conflicts and offline scans, made visible: `report conflicts`, the stats snapshot (and
its screen) and the scan log. The conflict rows are written here as an upload stores them."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from eventdesk.config import load_config
from eventdesk.db import Store
from eventdesk.event_time import event_zone, show
from eventdesk.models import ScanConflict, ScanLog
from eventdesk.services.catalogue.events import show_event
from eventdesk.services.common import get_event
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scans import recent_scans
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import register
from eventdesk.services.stats.reports import report, stats
from eventdesk.services.stats.tallies import counts, recount
from eventdesk.tickets import Signer
from screens.app import make_app
from screens.stats.screen import StatsScreen, clock
from tests.app.test_app_stats import shown
from tests.apptools import wait_for
from tests.clitools import Cli
from tests.helpers import add_type, make_event, people

ZONE = "Europe/Berlin"  # never UTC+0: an offset in a time shows the event's zone was used


def seconds(moment: datetime, zone: str) -> str:
    """A conflict's time as people read it: to the second (which of two came first)."""
    return show(moment, event_zone(zone), "stamp_seconds")


@dataclass
class Door:
    """An event whose doors admitted tickets online; nothing decided offline yet."""

    slug: str
    event_id: int
    title: str
    start: datetime
    held: str  # admitted by Door 1 at start + 10 min; its ticket names a holder
    bought: str  # admitted by Door 1 at start + 30 min
    cancelled: str  # cancelled
    spare: str  # nobody admitted it online

    def at(self, minutes: int) -> datetime:
        return self.start + timedelta(minutes=minutes)


@pytest.fixture
def door(store: Store, signer: Signer) -> Door:
    slug = make_event(store, timezone=ZONE)
    add_type(store, slug, "Regular", price_cents=0)
    buyers = people(store, 4, prefix="guest")
    held = register(store, slug, buyers[0], "Regular", holders=["Hal Holder"]).tickets[0]
    bought, cancelled, spare = (
        register(store, slug, email, "Regular").tickets[0].ticket_id for email in buyers[1:]
    )
    info = show_event(store, slug)
    made = Door(slug, info.id, info.title, info.starts_at, held.ticket_id, bought, cancelled, spare)
    desk = Checkin(store, station="Door 1", event=slug)
    assert desk.checkin_ticket(made.held, now=made.at(10)).admitted
    assert desk.checkin_ticket(made.bought, now=made.at(30)).admitted
    cancel(store, made.cancelled)
    return made


def offline_scan(
    store: Store,
    door: Door,
    ticket: str,
    station: str,
    minutes: int,
    nonce: str,
    conflict: tuple[str, str | None, int | None] | None = None,
) -> None:
    """A scan ``station`` admitted offline at ``minutes`` after the start, as uploaded; with
    ``conflict`` (reason, other station, its minutes) the conflict the upload stored."""
    moment = door.at(minutes)
    with store.write() as session:
        session.add(
            ScanLog(
                at=moment,
                station=station,
                operator="Olga",
                event_id=door.event_id,
                ticket_id=ticket,
                direction="entry",
                result="ok",
                nonce=nonce,
                offline=True,
            )
        )
        if conflict is not None:
            reason, other, other_minutes = conflict
            session.add(
                ScanConflict(
                    event_id=door.event_id,
                    ticket_id=ticket,
                    nonce=nonce,
                    reason=reason,
                    station=station,
                    at=moment,
                    operator="Olga",
                    other_station=other,
                    other_at=None if other_minutes is None else door.at(other_minutes),
                    detail=f"{reason} ({ticket})",
                    recorded_at=door.at(120),
                )
            )


def three_conflicts(store: Store, door: Door) -> None:
    """Stored in another order than they happened: the report sorts them by time."""
    offline_scan(
        store, door, door.held, "Door 2", 12, "n-held", ("already_checked_in", "Door 1", 10)
    )
    offline_scan(
        store, door, door.bought, "Door 3", 5, "n-bought", ("already_checked_in", "Door 1", 30)
    )
    offline_scan(store, door, door.cancelled, "Door 2", 40, "n-cancelled", ("revoked", None, None))
    offline_scan(store, door, door.spare, "Door 3", 45, "n-spare")  # no conflict


def run(capsys: pytest.CaptureFixture[str], db_url: str, data: Path, *args: str) -> str:
    return Cli(capsys, db_url, data).out(*args)


# --- report conflicts -------------------------------------------------------------------------
def test_report_lists_conflicts_oldest_first(store: Store, door: Door) -> None:
    assert report(store, "conflicts", door.slug).rows == []
    three_conflicts(store, door)
    made = report(store, "conflicts", door.slug)
    assert made.rows == [
        (
            door.bought,
            "Guest Number1",  # no holder named: the buyer
            ["Door 3", "Door 1"],
            [door.at(5), door.at(30)],
            "already_checked_in",
            f"already_checked_in ({door.bought})",
            "n-bought",
        ),
        (
            door.held,
            "Hal Holder",
            ["Door 2", "Door 1"],
            [door.at(12), door.at(10)],
            "already_checked_in",
            f"already_checked_in ({door.held})",
            "n-held",
        ),
        (
            door.cancelled,
            "Guest Number2",
            ["Door 2", None],
            [door.at(40), None],
            "revoked",
            f"revoked ({door.cancelled})",
            "n-cancelled",
        ),
    ]
    assert made.title == f"Scan conflicts: {door.title} (times in {ZONE})"
    first = made.as_dicts()[0]
    assert {"ticket_id", "attendee", "stations", "times", "reason", "detail", "nonce"} <= set(first)
    assert first["stations"] == ["Door 3", "Door 1"]
    for text, moment in zip(first["times"], [door.at(5), door.at(30)], strict=True):
        parsed = datetime.fromisoformat(text)
        assert parsed == moment and parsed.microsecond == 0
        assert parsed.utcoffset() == moment.astimezone(ZoneInfo(ZONE)).utcoffset()
        assert parsed.utcoffset() != timedelta(0)
    assert made.as_dicts()[2]["times"][1] is None
    people_rows = made.for_people()
    assert people_rows[0][2] == "Door 3 / Door 1"
    assert people_rows[0][3] == f"{seconds(door.at(5), ZONE)} / {seconds(door.at(30), ZONE)}"
    assert people_rows[2][2:4] == ("Door 2 / ?", f"{seconds(door.at(40), ZONE)} / ?")


def test_report_conflicts_from_the_command_line(
    store: Store, door: Door, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    three_conflicts(store, door)
    data = tmp_path / "cli"
    found = json.loads(run(capsys, db_url, data, "--json", "report", "conflicts", door.slug))
    assert [row["ticket_id"] for row in found] == [door.bought, door.held, door.cancelled]
    assert [row["attendee"] for row in found] == ["Guest Number1", "Hal Holder", "Guest Number2"]
    assert [row["stations"] for row in found] == [
        ["Door 3", "Door 1"],
        ["Door 2", "Door 1"],
        ["Door 2", None],
    ]
    times = [[datetime.fromisoformat(t) if t else None for t in row["times"]] for row in found]
    assert times == [[door.at(5), door.at(30)], [door.at(12), door.at(10)], [door.at(40), None]]
    assert all(t.utcoffset() != timedelta(0) for row in times for t in row if t)
    assert [row["nonce"] for row in found] == ["n-bought", "n-held", "n-cancelled"]
    assert found[2]["reason"] == "revoked" and found[2]["detail"] == f"revoked ({door.cancelled})"

    sheet = tmp_path / "conflicts.csv"
    human = run(capsys, db_url, data, "report", "conflicts", door.slug, "--csv", str(sheet))
    assert human.startswith(f"Scan conflicts: {door.title} (times in {ZONE})")
    assert "stations" in human and "Door 3 / Door 1" in human and "Hal Holder" in human
    assert f"{seconds(door.at(12), ZONE)} / {seconds(door.at(10), ZONE)}" in human
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        written = list(csv.DictReader(fh))
    assert [row["stations"] for row in written] == [
        "Door 3 / Door 1",
        "Door 2 / Door 1",
        "Door 2 / ?",
    ]
    start, other = written[0]["times"].split(" / ")
    assert datetime.fromisoformat(start) == door.at(5)
    assert datetime.fromisoformat(other) == door.at(30)
    assert datetime.fromisoformat(start).utcoffset() != timedelta(0)


# --- the stats snapshot -----------------------------------------------------------------------
def test_stats_count_conflicts_and_offline_scans(store: Store, door: Door) -> None:
    before = stats(store, door.slug, now=door.at(60))  # also keeps a tally to add to
    assert (before.conflicts, before.offline_scans, before.latest_conflict) == (0, 0, None)
    assert "conflict" not in before.scan_problems
    three_conflicts(store, door)
    after = stats(store, door.slug, now=door.at(60))
    assert (after.conflicts, after.offline_scans) == (3, 4)
    assert after.scan_problems["conflict"] == 3
    assert after.latest_conflict == {
        "ticket_id": door.cancelled,
        "reason": "revoked",
        "detail": f"revoked ({door.cancelled})",
        "stations": ["Door 2", None],
        "times": [door.at(40), None],
    }
    with store.read() as session:  # the running tallies equal a count of the rows
        event_id = get_event(session, door.slug).id
        assert counts(session, event_id) == recount(session, event_id)
    offline_scan(store, door, door.spare, "Door 4", 50, "n-spare-again")
    assert stats(store, door.slug, now=door.at(60)).offline_scans == 5  # added to the tally


def test_stats_and_scan_log_on_the_command_line(
    store: Store, door: Door, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "cli"
    quiet = run(capsys, db_url, data, "stats", door.slug)
    assert "conflicts:" not in quiet and "offline scans:" not in quiet
    three_conflicts(store, door)
    human = run(capsys, db_url, data, "stats", door.slug)
    assert f"conflicts: 3 (see `eventdesk report conflicts {door.slug}`)" in human
    assert "offline scans: 4" in human
    figures = json.loads(run(capsys, db_url, data, "--json", "stats", door.slug))
    assert (figures["conflicts"], figures["offline_scans"]) == (3, 4)
    assert figures["scan_problems"]["conflict"] == 3

    logged = json.loads(run(capsys, db_url, data, "--json", "scan-log", door.slug))
    by_station = {(row["station"], row["ticket_id"]): row for row in logged}
    assert by_station[("Door 2", door.held)]["offline"] is True
    assert by_station[("Door 2", door.held)]["conflict"] == f"already_checked_in ({door.held})"
    assert by_station[("Door 3", door.spare)]["offline"] is True
    assert by_station[("Door 3", door.spare)]["conflict"] is None
    assert by_station[("Door 1", door.held)]["offline"] is False
    assert by_station[("Door 1", door.held)]["conflict"] is None


def test_recent_scans_name_offline_scans_and_their_conflicts(store: Store, door: Door) -> None:
    three_conflicts(store, door)
    rows = recent_scans(store, door.slug)
    marks = {(r.station, r.ticket_id): (r.offline, r.conflict) for r in rows}
    assert marks == {
        ("Door 1", door.held): (False, None),
        ("Door 1", door.bought): (False, None),
        ("Door 2", door.held): (True, f"already_checked_in ({door.held})"),
        ("Door 3", door.bought): (True, f"already_checked_in ({door.bought})"),
        ("Door 2", door.cancelled): (True, f"revoked ({door.cancelled})"),
        ("Door 3", door.spare): (True, None),
    }


# --- the stats screen -------------------------------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_stats_screen_shows_the_latest_conflict(
    store: Store,
    door: Door,
    db_url: str,
    tmp_path: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(StatsScreen, "refresh_seconds", 0.2)
    config = load_config(data_dir=tmp_path / "wall", database_url=db_url, station="Wall")
    app = make_app(
        config=config.with_options(event=door.slug), store=store, mode="stats", wall=True
    )
    app.backend.clock = lambda: door.at(60)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_for(lambda: screen.figures is not None, pilot)
        latest = screen.query_one("#latest-conflict")
        problems = screen.query_one("#problems-panel")
        assert not latest.display and "conflict" not in shown(problems)

        offline_scan(
            store, door, door.held, "Door 2", 12, "n-held", ("already_checked_in", "Door 1", 10)
        )
        await wait_for(lambda: latest.display and latest.size.height > 0, pilot)
        await pilot.pause()
        zone = ZoneInfo(ZONE)
        line = " ".join(shown(latest).split())
        assert line == (
            f"latest conflict: Door 2 {clock(door.at(12), zone)} "
            f"vs Door 1 {clock(door.at(10), zone)}"
        )
        bars = [
            " ".join(row.split()) for row in shown(screen.query_one("#scan-problems")).split("\n")
        ]
        assert any(row.startswith("conflict") and row.endswith(" 1") for row in bars), bars

        offline_scan(
            store, door, door.cancelled, "Door 3", 40, "n-cancelled", ("revoked", None, None)
        )
        want = f"latest conflict: Door 3 {clock(door.at(40), zone)} vs cancelled"
        await wait_for(lambda: " ".join(shown(latest).split()) == want, pilot)
        assert latest.size.height <= 2 and latest.size.width >= 20  # one or two lines
