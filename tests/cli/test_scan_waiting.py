"""`scan` at a station whose server is away: what it says at the end of its input of the offline
scans still waiting to upload counts them as they are (the outbox's own count)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests import forks
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.offline_tools import DoorStation, open_event, through

__all__ = ["backend_fixed"]  # a fixture
pytestmark = [pytest.mark.slow, POSTGRESQL]  # real `eventdesk` processes at an offline station


@pytest.mark.parametrize("server", ["refusing", "silent"])
def test_scan_counts_the_offline_scans_still_waiting_as_they_are(
    backend_fixed: None,
    server: str,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    event = open_event(store, signer, 4)
    door = DoorStation("Door Count", tmp_path / "door-count", through(proxy, db_url), 1.0)
    copied = door.run("sync")
    assert copied.code == 0 and copied.json["online"], copied.err
    proxy.cut() if server == "refusing" else proxy.stall()

    done = forks.run(
        door.command("scan", "--source", "-", "--event", event.slug),
        input="".join(f"{payload}\n" for payload in event.payloads),
        capture_output=True,
        text=True,
        timeout=120,
        env={**door.environ(), "EVENTDESK_SOUND": "off"},
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.count('"offline": true') == 4, done.stdout
    assert len(door.outbox()) == 4
    waiting = [line for line in done.stderr.splitlines() if "still waiting to upload" in line]
    assert len(waiting) == 1 and ": 4 offline scans still waiting" in waiting[0], done.stderr
