"""An exit gate: a door whose scans are exits (``Checkin(direction="exit")``, ``eventdesk scan
--exit``). Someone leaving is let out and counted out, once; coming back in is a re-entry; an
event without re-entry has no exit gate. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from eventdesk.db import Store
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people.registration import register
from eventdesk.services.stats.reports import stats
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.door.test_scan_output import run
from tests.helpers import add_type, make_event, people


def running_event(store: Store, signer: Signer, *, reentry: bool) -> tuple[str, list[str]]:
    """An event running now and the payloads of its three free tickets."""
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
        allow_reentry=reentry,
    )
    add_type(store, slug, "Day", price_cents=0)
    payloads = []
    for email in people(store, 3):
        ticket = register(store, slug, email, "Day").tickets[0]
        payloads.append(signer.payload(ticket.ticket_id))
    return slug, payloads


def test_an_exit_gate_lets_out_once_and_the_entry_lets_back_in(
    store: Store, signer: Signer
) -> None:
    slug, (first, second, _third) = running_event(store, signer, reentry=True)
    entry = Checkin(store, station="Front door", event=slug)
    gate = Checkin(store, station="Exit gate", event=slug, direction="exit")
    assert entry.scan(first).result == "ok"
    assert entry.scan(second).result == "ok"
    assert stats(store, slug).inside == 2

    out = gate.scan(first)
    assert (out.result, out.direction) == ("ok", "exit")
    assert "Goodbye" in out.message
    assert stats(store, slug).inside == 1
    again = gate.scan(first)
    assert again.result == "not_checked_in"  # out already: nothing to check out
    assert gate.scan(first, direction="entry").result == "ok"  # a call may still say entry
    assert stats(store, slug).inside == 2
    assert gate.scan(first).result == "ok"
    back = entry.scan(first)
    assert back.result == "ok" and back.reentry
    assert stats(store, slug).inside == 2


def test_an_event_without_re_entry_has_no_exit_gate(store: Store, signer: Signer) -> None:
    slug, (first, *_rest) = running_event(store, signer, reentry=False)
    Checkin(store, station="Front door", event=slug).scan(first)
    refused = Checkin(store, station="Exit gate", event=slug, direction="exit").scan(first)
    assert refused.result == "no_reentry"
    assert stats(store, slug).inside == 1


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_scan_exit_runs_an_exit_gate_on_a_scanner(
    db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    slug, (first, second, third) = running_event(store, signer, reentry=True)
    entry = Checkin(store, station="Front door", event=slug)
    entry.scan(first)
    entry.scan(second)
    data = tmp_path / "data"
    data.mkdir()
    lines = f"{first}\n{third}\n{first}\n".encode()
    said = run(db_url, data, "scan", "--source", "-", "--exit", "--event", slug, stdin=lines)
    shown = [line for line in said.splitlines() if line.strip() and not line.startswith(" ")]
    assert shown[0].startswith("EXIT  [ok]  Goodbye"), said
    assert shown[1].startswith("REFUSED  [not_checked_in]"), said
    assert shown[2].startswith("REFUSED  [not_checked_in]"), said
    decided: list[dict[str, Any]] = [
        json.loads(line)
        for line in run(
            db_url, data, "--json", "scan", "--source", "-", "--exit", stdin=f"{second}\n".encode()
        ).splitlines()
    ]
    assert [(d["result"], d["direction"]) for d in decided] == [("ok", "exit")]
    assert stats(store, slug).inside == 0
