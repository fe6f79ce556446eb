"""Each scan may carry a nonce; the same nonce again gets the original decision back. A check-in
committed and then lost (the process killed before it printed, the answer never reached the
door) is retried with its nonce and answered `ok` again, not "already checked in"."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.models import ScanLog
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scan_result import ScanResult
from eventdesk.tickets import Signer
from tests import forks
from tests.helpers import payloads_now

EVENTDESK = forks.EVENTDESK  # what tests/forks.py forks


@pytest.fixture
def tickets(store: Store, signer: Signer) -> list[str]:
    """Payloads of three tickets of an event running now."""
    return payloads_now(store, signer, 3, name="Nonce Night", prefix="nonce")


def scans_logged(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(ScanLog)) or 0)


def test_the_same_nonce_gets_the_first_answer_again(store: Store, tickets: list[str]) -> None:
    door = Checkin(store, station="Door 1")
    nonce = uuid.uuid4().hex
    first = door.scan(tickets[0], nonce=nonce)
    assert first.result == "ok" and not first.replayed
    logged = scans_logged(store)
    again = Checkin(store, station="Door 1").scan(tickets[0], nonce=nonce)  # a restarted door
    assert again.replayed and again.result == "ok"
    assert (again.message, again.at, again.ticket_id, again.attendee, again.badge_queued) == (
        first.message,
        first.at,
        first.ticket_id,
        first.attendee,
        first.badge_queued,
    )
    assert scans_logged(store) == logged  # an answer given again is not a new scan
    # A new scan of the same ticket (another nonce, or none) is a new decision.
    assert door.scan(tickets[0], nonce=uuid.uuid4().hex).result == "already_checked_in"
    assert door.scan(tickets[0]).result == "already_checked_in"


def test_a_refusal_and_a_manual_check_in_are_kept_for_their_nonce(
    store: Store, tickets: list[str]
) -> None:
    door = Checkin(store, station="Desk 1")
    bad = uuid.uuid4().hex
    assert door.scan("garbage", nonce=bad).result == "invalid"
    assert door.scan("garbage", nonce=bad).replayed
    manual = uuid.uuid4().hex
    ticket_id = tickets[1].split(".")[1]
    assert door.checkin_ticket(ticket_id, nonce=manual).result == "ok"
    again = door.checkin_ticket(ticket_id, nonce=manual)
    assert again.replayed and again.result == "ok"


@pytest.mark.parametrize("nonce", ["", " ", "x" * 65, "nonce\x00", "nöncé"])
def test_a_bad_nonce_is_refused(store: Store, tickets: list[str], nonce: str) -> None:
    with pytest.raises(InvalidInput, match="nonce"):
        Checkin(store, station="Door 1").scan(tickets[2], nonce=nonce)


def test_two_doors_sending_one_nonce_at_once_admit_once(store: Store, tickets: list[str]) -> None:
    nonce = uuid.uuid4().hex
    answers: list[ScanResult] = []
    start = threading.Barrier(2)

    def door(name: str) -> None:
        desk = Checkin(store, station=name)
        start.wait()
        answers.append(desk.scan(tickets[2], nonce=nonce))

    threads = [threading.Thread(target=door, args=(f"Door {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [a.result for a in answers] == ["ok", "ok"]
    assert sorted(a.replayed for a in answers) == [False, True]
    assert len({(a.at, a.first_station) for a in answers}) == 1  # one decision, told twice


def run(db_url: str, data: Path, *args: str, code: int) -> dict[str, Any]:
    done = forks.run(
        [
            EVENTDESK,
            "--db",
            db_url,
            "--data-dir",
            str(data),
            "--station",
            "Door 1",
            "--json",
            *list(args),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ},
    )
    assert done.returncode == code, (args, done.stdout, done.stderr)
    return dict(json.loads(done.stdout))


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_checkin_retried_with_its_nonce_answers_ok_again(
    db_url: str, tickets: list[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    nonce = uuid.uuid4().hex
    first = run(db_url, data, "checkin", tickets[0], "--nonce", nonce, code=0)
    # The first answer was lost on its way to the door: the door sends the same scan again.
    again = run(db_url, data, "checkin", tickets[0], "--nonce", nonce, code=0)
    assert (first["result"], first["replayed"]) == ("ok", False)
    assert (again["result"], again["replayed"]) == ("ok", True)
    assert again["at"] == first["at"] and again["ticket_id"] == first["ticket_id"]
    other = run(db_url, data, "checkin", tickets[0], "--nonce", uuid.uuid4().hex, code=1)
    assert other["result"] == "already_checked_in" and other["replayed"] is False


def ticket_state(store: Store, payload: str) -> tuple[Any, ...]:
    ticket_id = payload.split(".")[1]
    with store.read() as session:
        row = session.execute(
            select(ScanLog.id).where(ScanLog.ticket_id == ticket_id).limit(1)
        ).first()
        from eventdesk.models import Ticket

        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return (ticket.checked_in_at, row)


def test_a_nonce_is_bound_to_its_line(store: Store, tickets: list[str]) -> None:
    """The same nonce with another line is refused, never answered with the first one's
    welcome: the second ticket is neither admitted nor logged as if it were."""
    door = Checkin(store, station="Door 1")
    nonce = uuid.uuid4().hex
    first = door.scan(tickets[0], nonce=nonce)
    assert first.result == "ok"
    logged = scans_logged(store)
    for send in (
        lambda: door.scan(tickets[1], nonce=nonce),
        lambda: door.checkin_ticket(tickets[1].split(".")[1], nonce=nonce),
        lambda: door.scan_many([tickets[2], tickets[1]], nonces=[uuid.uuid4().hex, nonce]),
        lambda: door.checkin_ticket(tickets[0].split(".")[1], nonce=nonce),  # by id, not a scan
    ):
        with pytest.raises(InvalidInput, match=f"nonce {nonce} names another scan"):
            send()
    twice = uuid.uuid4().hex  # one nonce for two lines in one group: neither is decided
    with pytest.raises(InvalidInput, match=f"nonce {twice} names another scan"):
        door.scan_many([tickets[2], tickets[1]], nonces=[twice, twice])
    assert scans_logged(store) == logged
    assert ticket_state(store, tickets[1]) == (None, None)
    # The same line with it is the same scan: its answer again.
    assert door.scan(f"  {tickets[0]} ", nonce=nonce).replayed
    by_id = uuid.uuid4().hex
    assert door.checkin_ticket(tickets[1].split(".")[1].lower(), nonce=by_id).result == "ok"
    assert door.checkin_ticket(f" {tickets[1].split('.')[1]}", nonce=by_id).replayed


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_checkin_with_another_lines_nonce_is_refused(
    db_url: str, tickets: list[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    nonce = uuid.uuid4().hex
    assert run(db_url, data, "checkin", tickets[0], "--nonce", nonce, code=0)["result"] == "ok"
    refused = run(db_url, data, "checkin", tickets[1], "--nonce", nonce, code=2)
    assert "names another scan" in refused["error"] and "result" not in refused
    again = run(db_url, data, "checkin", tickets[1], code=0)  # B was not admitted before
    assert (again["result"], again["replayed"]) == ("ok", False)
