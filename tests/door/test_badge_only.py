"""A badge station (`scan --print-only`, `[station] purpose = "badges"`): a valid ticket's badge
printed, the first time ``printed`` and after that ``reprinted`` (its job a reprint), and no one
checked in: not counted as arrived, not refused by the door's hours nor by "already checked in";
a ticket that is not valid here is refused as at any door. On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from eventdesk.db import Store
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.printing import list_jobs
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests import forks
from tests.helpers import add_type, make_event, people

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


def run(db_url: str, data_dir: Path, *args: str, stdin: bytes | None = None, code: int = 0) -> str:
    done = forks.run(
        [EVENTDESK, "--db", db_url, "--data-dir", str(data_dir), "--station", "Badges", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env={**os.environ},
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    err = done.stderr.decode()
    assert done.returncode == code, (args, err)
    assert "Traceback" not in err
    return done.stdout.decode()


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def foyer(store: Store, signer: Signer, tmp_path: Path) -> dict[str, Any]:
    """An event running now (three tickets, one cancelled), and one next month whose door is
    not open yet (one ticket)."""
    now = utcnow().replace(microsecond=0)
    running = make_event(
        store,
        name="Foyer Running",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, running, "Regular", price_cents=0)
    later = make_event(
        store,
        name="Foyer Later",
        starts=(now + timedelta(days=30)).isoformat(),
        ends=(now + timedelta(days=30, hours=8)).isoformat(),
    )
    add_type(store, later, "Regular", price_cents=0)
    emails = people(store, 4, prefix="foyer")
    tickets = [
        register(store, running, email, "Regular").tickets[0].ticket_id for email in emails[:3]
    ]
    cancel(store, tickets[2])
    early = register(store, later, emails[3], "Regular").tickets[0].ticket_id
    data = tmp_path / "data"
    data.mkdir()
    return {
        "event": running,
        "later": later,
        "tickets": tickets,
        "early": early,
        "payloads": [signer.payload(t) for t in tickets],
        "early_payload": signer.payload(early),
        "data": data,
    }


def _checked_in(store: Store, ticket_ids: list[str]) -> dict[str, bool]:
    from eventdesk.models import Ticket

    with store.read() as session:
        return {t: session.get(Ticket, t).checked_in_at is not None for t in ticket_ids}  # type: ignore[union-attr]


def test_scan_print_only_prints_then_reprints_and_admits_no_one(
    db_url: str, store: Store, foyer: dict[str, Any]
) -> None:
    data, event = foyer["data"], foyer["event"]
    first, inside, cancelled = foyer["payloads"]
    # The second person is inside already (checked in at the door, no badge printed there).
    run(db_url, data, "--station", "Door 1", "--json", "checkin", inside, "--no-print")
    stdin = f"{first}\n{first}\n{inside}\n{cancelled}\n{foyer['early_payload']}\nnot a ticket\n"
    scanned = lines(
        run(
            db_url,
            data,
            "--json",
            "scan",
            "--source",
            "-",
            "--print-only",
            "--event",
            event,
            stdin=stdin.encode(),
        )
    )
    assert [s["result"] for s in scanned] == [
        "printed",
        "reprinted",
        "printed",  # a person inside gets a badge: never "already checked in"
        "revoked",
        "wrong_event",
        "invalid",
    ]
    assert all("badge queued" in s["flags"] for s in scanned[:3])
    # Not one of them was checked in by it: the first is not inside, nor counted as arrived.
    assert _checked_in(store, foyer["tickets"][:2]) == {
        foyer["tickets"][0]: False,
        foyer["tickets"][1]: True,
    }
    stats = json.loads(run(db_url, data, "--json", "stats", event))
    assert stats["checked_in"] == 1 and stats["inside"] == 1, stats
    assert sum(s["admitted"] for s in stats["stations"]) == 1
    assert "printed" not in stats["scan_problems"] and "reprinted" not in stats["scan_problems"]
    assert (stats["badges_printed"], stats["badges_reprinted"]) == (2, 1)
    assert "2 printed, 1 reprinted" in run(db_url, data, "stats", event)
    # The print queue has the three badges, the second marked as a reprint.
    queue = json.loads(run(db_url, data, "--json", "print-queue"))
    reasons = sorted((job["ticket_id"], job["reason"]) for job in queue)
    assert reasons == sorted(
        [
            (foyer["tickets"][0], "badge"),
            (foyer["tickets"][0], "reprint"),
            (foyer["tickets"][1], "badge"),
        ]
    )
    # The scan report counts each as printed or reprinted, not as an admission.
    report = json.loads(run(db_url, data, "--json", "report", "scans", event))
    by_result = {r["item"]: r["scans"] for r in report if r["section"] == "by result"}
    assert by_result.get("printed") == 2 and by_result.get("reprinted") == 1, report
    # Checked in later at the door, the first person is a first admission.
    door = json.loads(run(db_url, data, "--station", "Door 1", "--json", "checkin", first))
    assert door["result"] == "ok"


def test_print_only_is_not_held_by_the_doors_hours(db_url: str, foyer: dict[str, Any]) -> None:
    data, later = foyer["data"], foyer["later"]
    at_the_door = json.loads(
        run(db_url, data, "--json", "checkin", "--event", later, foyer["early_payload"], code=1)
    )
    assert at_the_door["result"] == "not_yet_valid"
    scanned = lines(
        run(
            db_url,
            data,
            "--json",
            "scan",
            "--source",
            "-",
            "--print-only",
            "--event",
            later,
            stdin=f"{foyer['early_payload']}\n".encode(),
        )
    )
    assert [s["result"] for s in scanned] == ["printed"]
    printed = json.loads(
        run(
            db_url,
            data,
            "--json",
            "checkin",
            "--print-only",
            "--event",
            later,
            foyer["early_payload"],
        )
    )
    assert printed["result"] == "reprinted" and printed["first_checked_in_at"] is None


def test_station_purpose_badges_makes_scan_print_only(db_url: str, foyer: dict[str, Any]) -> None:
    data = foyer["data"]
    (data / "eventdesk.toml").write_text('[station]\npurpose = "badges"\n')
    first = foyer["payloads"][0]
    scanned = lines(
        run(db_url, data, "--json", "scan", "--source", "-", stdin=f"{first}\n{first}\n".encode())
    )
    assert [s["result"] for s in scanned] == ["printed", "reprinted"]
    text = run(db_url, data, "scan", "--source", "-", stdin=f"{first}\n".encode())
    assert "REPRINTED" in text and "[reprinted]" in text
    # `checkin` at the same station still checks in (its desk's command).
    assert json.loads(run(db_url, data, "--json", "checkin", first))["result"] == "ok"


def test_station_purpose_is_checked(foyer: dict[str, Any], db_url: str) -> None:
    data = foyer["data"]
    (data / "eventdesk.toml").write_text('[station]\npurpose = "badge"\n')
    done = forks.run(
        [EVENTDESK, "--db", db_url, "--data-dir", str(data), "scan", "--source", "-"],
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    err = done.stderr.decode()
    assert done.returncode != 0 and "Traceback" not in err
    assert "station.purpose" in err and "'badge'" in err, err


def test_print_only_and_exit_do_not_go_together(db_url: str, foyer: dict[str, Any]) -> None:
    where = [EVENTDESK, "--db", db_url, "--data-dir", str(foyer["data"])]
    done = forks.run(
        [*where, "scan", "--source", "-", "--print-only", "--exit"],
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    err = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in err
    assert "--print-only and --exit do not go together" in err, err


def test_a_door_decides_print_only_in_one_group(store: Store, foyer: dict[str, Any]) -> None:
    """scan_many (a scanner's burst, decided together on SQLite) prints as scan does."""
    first, inside, cancelled = foyer["payloads"]
    door = Checkin(store, station="Badges", print_to="badges", print_only=True)
    results = door.scan_many([first, inside, first, cancelled])
    assert [r.result for r in results] == ["printed", "printed", "reprinted", "revoked"]
    assert not any(r.admitted for r in results)
    assert _checked_in(store, foyer["tickets"][:2]) == dict.fromkeys(foyer["tickets"][:2], False)
    assert len(list_jobs(store)) == 3
