"""A badge station's kiosk (`[station] purpose = "badges"`): a valid ticket's badge prints and
the kiosk says so ("Your badge is printing", then "... again"), never a welcome, and no one is
checked in; a person inside already gets a badge too; a ticket that is not valid is refused as
at any kiosk."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventdesk.services.door.printing import list_jobs
from eventdesk.services.people.registration import show_ticket
from screens.messages import ScanDecided
from tests.app.test_app_kiosk import (
    admissible,
    already_in,
    answered,
    event_tickets,
    hook,
    kiosk_app,
    scan_with_wedge,
    started,
)
from tests.apptools import DemoStation

pytestmark = pytest.mark.asyncio


async def test_a_badge_stations_kiosk_prints_and_checks_no_one_in(station: DemoStation) -> None:
    badges = replace(station, config=replace(station.config, purpose="badges"))
    store, event = station.store, station.summary.event
    tickets = event_tickets(store, event)
    fresh = admissible(store, tickets)[0]
    inside = already_in(tickets)
    assert fresh.qr_payload and inside.qr_payload
    decisions: list[ScanDecided] = []
    app = kiosk_app(badges)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        screen = await started(app, pilot)
        screen.repeat_seconds = 0  # the same ticket again at once: a reprint, not a bounce
        await scan_with_wedge(pilot, fresh.qr_payload)
        panel = await answered(pilot, decisions, 1)
        said = panel.plain()
        assert panel.verdict == "ok" and "Your badge is printing" in said, said
        assert "again" not in said and "Welcome" not in said and "go in" not in said
        assert decisions[0].result.result == "printed"
        await scan_with_wedge(pilot, fresh.qr_payload)
        panel = await answered(pilot, decisions, 2)
        assert "Your badge is printing again" in panel.plain(), panel.plain()
        await scan_with_wedge(pilot, inside.qr_payload)  # inside already: a badge all the same
        panel = await answered(pilot, decisions, 3)
        assert panel.verdict == "ok" and "Your badge is printing" in panel.plain()
        assert "Already" not in panel.plain()
        await scan_with_wedge(pilot, fresh.qr_payload[:-4] + "AAAA")  # not a genuine ticket
        panel = await answered(pilot, decisions, 4)
        assert panel.verdict == "bad" and "Not a valid ticket" in panel.plain()
    assert show_ticket(store, fresh.id).checked_in_at is None
    queued = [job for job in list_jobs(store) if job.ticket_id == fresh.id]
    assert sorted(job.reason for job in queued) == ["badge", "reprint"]
