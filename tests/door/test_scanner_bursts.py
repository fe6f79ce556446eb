"""A scanner's lines in a rush, through the app's keys (Pilot): at the desk, with a person
typing in Search meanwhile, and at the kiosk. Every line is decided once, whole, in order, at
every gap between lines; the person's typing stays theirs; the answer and the card name the
last ticket scanned. (The same through a real terminal: tests/e2e/test_e2e_bursts.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.door.scans import recent_scans
from eventdesk.services.people.registration import TicketInfo, show_ticket
from screens.messages import ScanDecided
from tests.app.test_app_desk import admissible, banner_text, desk_app, hook, opened
from tests.app.test_app_kiosk import answer_of, kiosk_app, started
from tests.apptools import DemoStation, wait_for
from tests.scanner_bursts import GAPS_MS, Key, person_types, post_keys, scanner_lines

pytestmark = pytest.mark.asyncio
# Lines a burst has at each gap (the test station's demo has 15 tickets to admit).
PER_BURST = dict(zip(GAPS_MS, (3, 3, 2, 2, 2, 2), strict=True))
LINES = sum(PER_BURST.values())


def bursts(tickets: list[TicketInfo]) -> list[tuple[int, list[TicketInfo]]]:
    """The tickets in bursts, one burst at each gap."""
    assert len(tickets) >= LINES, "the demo has too few tickets to scan"
    out, at = [], 0
    for gap in GAPS_MS:
        out.append((gap, tickets[at : at + PER_BURST[gap]]))
        at += PER_BURST[gap]
    return out


def typing_around(scanner: list[Key], text: str) -> list[Key]:
    """A person typing ``text`` from before the burst to its last line, a key every 150 ms,
    leaving out the keys that would land amid a scanner's (one terminal cannot take both)."""
    first, last_line = scanner[0].time, max(k.time for k in scanner if k.key == "enter")
    keys = person_types(text, start=first - 0.3)
    return [
        key
        for key in keys
        if key.time < last_line - 0.2 and all(abs(key.time - k.time) > 0.015 for k in scanner)
    ]


async def test_the_desk_decides_every_line_whole_in_order_while_a_person_types(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    messages: list[Any] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        screen = await opened(app, pilot)
        search = screen.query_one("#search", Input)
        logged_before = {row.id for row in recent_scans(store, limit=10_000)}
        expected_typing = ""
        for gap, tickets in bursts(admissible(store, event)):
            lines = [ticket.qr_payload or "" for ticket in tickets]
            scanner = scanner_lines(lines, gap / 1000)
            typing = typing_around(scanner, "zoeyzoey")
            expected_typing += "".join(key.character or "" for key in typing)
            before = len(messages)
            post_keys(app, scanner + typing)
            wanted = before + len(lines)
            await wait_for(lambda n=wanted: len(messages) >= n, pilot)
            burst = messages[before:]
            assert [m.payload for m in burst] == lines, f"{gap} ms between lines"
            assert [m.result.result for m in burst] == ["ok"] * len(lines), gap
            assert all(show_ticket(store, t.id).checked_in_at is not None for t in tickets)
            last = tickets[-1]
            # The answer and the card name the last ticket scanned, and the person's typing
            # is in Search as they typed it.
            await wait_for(
                lambda t=last: (
                    t.attendee in banner_text(screen)
                    and screen.attendee_id == t.attendee_id
                    and not screen.scanning
                ),
                pilot,
            )
            await wait_for(lambda typed=expected_typing: search.value == typed, pilot)
        assert len(messages) == LINES  # each line decided once
        # Nobody was checked in who was not scanned: the scan log holds the scanned lines only.
        new = [row for row in recent_scans(store, limit=10_000) if row.id not in logged_before]
        assert sorted(row.ticket_id or "" for row in new) == sorted(
            m.result.ticket_id or "" for m in messages
        )


async def test_the_kiosk_decides_every_line_whole_in_order(station: DemoStation) -> None:
    store, event = station.store, station.summary.event
    messages: list[Any] = []
    staff_types = {t.name for t in list_ticket_types(store, event) if t.needs_staff}
    app = kiosk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), messages)) as pilot:
        await started(app, pilot)
        for gap, tickets in bursts(admissible(store, event)):
            lines = [ticket.qr_payload or "" for ticket in tickets]
            before = len(messages)
            post_keys(app, scanner_lines(lines, gap / 1000))
            wanted = before + len(lines)
            await wait_for(lambda n=wanted: len(messages) >= n, pilot)
            burst = messages[before:]
            assert [m.payload for m in burst] == lines, f"{gap} ms between lines"
            # A ticket that needs staff (an ID check) is sent to the desk by a kiosk.
            expected = ["needs_staff" if t.ticket_type in staff_types else "ok" for t in tickets]
            assert [m.result.result for m in burst] == expected, gap
            last = tickets[-1]
            await wait_for(lambda t=last: t.attendee in answer_of(app).plain(), pilot)
        assert len(messages) == LINES
        assert app.scanner_gate.lines_taken == LINES
