"""`scan --json` says everything `checkin --json` says (one function builds both), plus the
payload and the latency; and every scan, a bad one at a door with no --event included, is in
some event's scan log, stats, report and export."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from eventdesk.db import Store
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests import forks
from tests.helpers import add_type, make_event, people

pytestmark = pytest.mark.slow  # `scan` as a process: its lines and exit codes

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


def run(db_url: str, data_dir: Path, *args: str, stdin: bytes | None = None, code: int = 0) -> str:
    done = forks.run(
        [EVENTDESK, "--db", db_url, "--data-dir", str(data_dir), "--station", "Door 1", *args],
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
def door(store: Store, signer: Signer, tmp_path: Path) -> dict[str, Any]:
    """An event running now (free tickets, a VIP with an attention flag) and one next month."""
    now = utcnow().replace(microsecond=0)
    running = make_event(
        store,
        name="Running",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, running, "VIP", price_cents=0, attention="Gold lanyard")
    later = make_event(
        store,
        name="Later",
        starts=(now + timedelta(days=30)).isoformat(),
        ends=(now + timedelta(days=30, hours=8)).isoformat(),
    )
    add_type(store, later, "Regular", price_cents=0)
    emails = people(store, 3)
    payloads = []
    for email in emails:
        ticket = register(store, running, email, "VIP").tickets[0]
        payloads.append(signer.payload(ticket.ticket_id))
    data = tmp_path / "data"
    data.mkdir()
    return {"event": running, "later": later, "payloads": payloads, "data": data}


def test_scan_json_has_every_key_checkin_json_has(db_url: str, door: dict[str, Any]) -> None:
    first, second, _third = door["payloads"]
    data = door["data"]
    by_checkin = json.loads(run(db_url, data, "--json", "checkin", first))
    again = json.loads(run(db_url, data, "--json", "checkin", first, code=1))
    stdin = f"{second}\n{first}\nnot a ticket\n".encode()
    scanned = lines(run(db_url, data, "--json", "scan", "--source", "-", stdin=stdin))
    assert [s["result"] for s in scanned] == ["ok", "already_checked_in", "invalid"]
    wanted = {
        "result",
        "ticket_id",
        "attendee",
        "ticket_type",
        "attention",
        "flags",
        "first_checked_in_at",
        "first_station",
        "offline",
    }
    assert wanted <= by_checkin.keys()
    for line in scanned:
        assert by_checkin.keys() <= line.keys(), by_checkin.keys() - line.keys()
        assert {"payload", "latency_ms"} <= line.keys()
        assert line["offline"] is False and isinstance(line["flags"], list)
    # The same decision says the same things either way.
    same = {k: v for k, v in scanned[1].items() if k not in ("payload", "latency_ms", "frame")}
    assert {k: same[k] for k in again if k != "at"} == {k: v for k, v in again.items() if k != "at"}
    assert scanned[0]["attention"] == "Gold lanyard" and scanned[0]["payload"] == second


def test_scan_json_says_badge_queued(db_url: str, door: dict[str, Any]) -> None:
    data = door["data"]
    (data / "eventdesk.toml").write_text("[station]\nauto_print = true\n")
    first, second, _ = door["payloads"]
    scanned = lines(
        run(db_url, data, "--json", "scan", "--source", "-", stdin=f"{first}\n".encode())
    )
    assert "badge queued" in scanned[0]["flags"]
    checked = json.loads(run(db_url, data, "--json", "checkin", second))
    assert "badge queued" in checked["flags"], checked
    assert len(list((data / "badges").glob("*.txt"))) == 2


def test_a_bad_scan_at_a_door_with_no_event_counts_for_the_event_running_now(
    db_url: str, door: dict[str, Any], tmp_path: Path
) -> None:
    data, event = door["data"], door["event"]
    first = door["payloads"][0]
    run(db_url, data, "checkin", "garbage at the desk", code=1)
    run(db_url, data, "checkin", "--ticket", "NOSUCH00", code=1)
    run(db_url, data, "scan", "--source", "-", stdin=f"{first}\nscanned garbage\n".encode())
    logged = json.loads(run(db_url, data, "--json", "scan-log", event))
    assert sorted(s["result"] for s in logged) == ["invalid", "invalid", "ok", "unknown"]
    assert json.loads(run(db_url, data, "--json", "scan-log", door["later"])) == []
    stats = json.loads(run(db_url, data, "--json", "stats", event))
    assert stats["scan_problems"] == {"invalid": 2, "unknown": 1}
    assert [(s["station"], s["scans"], s["problems"]) for s in stats["stations"]] == [
        ("Door 1", 4, 3)
    ]
    scans = json.loads(run(db_url, data, "--json", "report", "scans", event))
    by_result = {r["item"]: r["scans"] for r in scans if r["section"] == "by result"}
    assert by_result == {"invalid": 2, "ok": 1, "unknown": 1}
    out = tmp_path / "scans.csv"
    run(db_url, data, "export", "scans", event, "--output", str(out))
    with out.open(encoding="utf-8-sig", newline="") as fh:
        exported = sorted(r["Result"] for r in csv.DictReader(fh))
    assert exported == ["invalid", "invalid", "ok", "unknown"]
