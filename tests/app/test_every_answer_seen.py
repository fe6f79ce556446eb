"""Every answer of a rush is seen: the desk keeps the recent answers, newest first, each with
its person, and one that asks something of the desk (a VIP's lanyard, money to collect, see
the desk) stays marked until Ctrl+O says it is seen to; a card of someone else takes an answer off
the banner; a scan at a screen that decides nobody is held, shown, and decided at the desk. The
key is written as the key bar writes it, in the station's language, and what it says when
pressed stays clear of the key bar (issue 60)."""

from __future__ import annotations

from typing import Any

import pytest

from eventdesk.db import Store
from eventdesk.event_time import show
from eventdesk.services.door.scans import recent_scans
from eventdesk.services.people.payments import payment_summary
from eventdesk.services.people.registration import TicketInfo
from screens.desk.screen import DeskScreen
from screens.messages import ScanDecided
from screens.widgets.recent_answers import AnswerList
from tests.app.test_app_desk import banner_text, desk_app, event_tickets, hook, opened
from tests.apptools import DemoStation, app_on, wait_for
from tests.scanner_bursts import post_keys, scanner_lines

pytestmark = pytest.mark.asyncio


def fresh_tickets(store: Store, event: str) -> tuple[TicketInfo, TicketInfo, list[TicketInfo]]:
    """A VIP's ticket (an attention note), an unpaid one, and plain paid ones: each
    registered, with its QR, not checked in yet."""
    due = [
        t
        for t in event_tickets(store, event)
        if t.status == "registered" and t.qr_payload and t.checked_in_at is None
    ]
    vip = next(t for t in due if t.attention)
    unpaid = next(t for t in due if not t.attention and payment_summary(store, t.id).due_cents)
    plain = [
        t
        for t in due
        if not t.attention and not payment_summary(store, t.id).due_cents and t.sessions == ()
    ]
    return vip, unpaid, plain


def answers_shown(screen: DeskScreen) -> list[str]:
    return screen.query_one(AnswerList).lines


def on_screen(screen: DeskScreen) -> str:
    return banner_text(screen) + "\n" + "\n".join(answers_shown(screen))


async def test_a_rush_keeps_a_vips_and_an_unpaid_answer_until_seen_to(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    vip, unpaid, plain = fresh_tickets(store, event)
    burst = [plain[0], vip, unpaid, plain[1], plain[2], plain[3]]
    decisions: list[ScanDecided] = []
    app = desk_app(station)
    async with app.run_test(size=(80, 24), message_hook=hook((ScanDecided,), decisions)) as pilot:
        screen = await opened(app, pilot)
        post_keys(app, scanner_lines([str(t.qr_payload) for t in burst], gap=0.02))
        await wait_for(lambda: len(decisions) == len(burst), pilot)
        await wait_for(lambda: not screen.scanning, pilot)
        await pilot.pause()
        # The last answer is on the banner; the VIP's and the unpaid one are still on
        # screen, marked, with their people, though three scans came after them.
        assert plain[3].attendee in banner_text(screen)
        shown = answers_shown(screen)
        assert any(line.startswith("⚑") and vip.attendee in line for line in shown), shown
        assert vip.attention and any(vip.attention[:20] in line for line in shown), shown
        assert any(line.startswith("⚑") and unpaid.attendee in line for line in shown), shown
        assert "Ctrl+O" in "\n".join(shown)
        # Its time is the event's, as the rows and the card say times.
        decided = next(d.result for d in decisions if d.result.ticket_id == vip.id)
        vip_line = next(line for line in shown if vip.attendee in line)
        assert show(decided.at, screen.zone, "clock") in vip_line, vip_line
        assert screen.zone.key != "UTC"
        # Newest first: the unpaid ticket came after the VIP's.
        lines = "\n".join(shown)
        assert lines.index(unpaid.attendee) < lines.index(vip.attendee)

        # More scans do not push them off.
        more = plain[4:]
        assert len(more) >= 3, "the demo has enough paid tickets"
        post_keys(app, scanner_lines([str(t.qr_payload) for t in more], gap=0.02))
        await wait_for(lambda: len(decisions) == len(burst) + len(more), pilot)
        await wait_for(lambda: not screen.scanning, pilot)
        await pilot.pause()
        shown = answers_shown(screen)
        assert any(line.startswith("⚑") and vip.attendee in line for line in shown), shown
        assert any(line.startswith("⚑") and unpaid.attendee in line for line in shown), shown

        # ^O: the oldest (the VIP's) is seen to, then the unpaid one; none waits after.
        await pilot.press("ctrl+o")
        await pilot.pause()
        shown = answers_shown(screen)
        assert not any(line.startswith("⚑") and vip.attendee in line for line in shown), shown
        assert any(line.startswith("⚑") and unpaid.attendee in line for line in shown), shown
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert not any(line.startswith("⚑") for line in answers_shown(screen))
        assert screen.board.recent.waiting == []


async def test_a_card_of_someone_else_takes_the_answer_off_the_banner(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    _vip, _unpaid, plain = fresh_tickets(store, event)
    ticket = plain[0]
    decisions: list[ScanDecided] = []
    app = desk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        screen = await opened(app, pilot)
        post_keys(app, scanner_lines([str(ticket.qr_payload)], gap=0.02))
        await wait_for(lambda: len(decisions) == 1, pilot)
        await wait_for(lambda: "ADMITTED" in banner_text(screen), pilot)
        await wait_for(lambda: screen.card is not None and _holds(screen, ticket), pilot)
        # Someone else is looked up: their card comes, and the answer is not beside it.
        other = plain[1]
        await pilot.press(*other.attendee)
        await wait_for(lambda: _holds(screen, other), pilot)
        await pilot.pause()
        assert "ADMITTED" not in banner_text(screen)
        assert ticket.attendee not in banner_text(screen)
        # The answer is not lost: it is in the list, with its person.
        assert any(ticket.attendee in line for line in answers_shown(screen))


def _holds(screen: DeskScreen, ticket: TicketInfo) -> bool:
    card = screen.card
    return card is not None and any(line.ticket.id == ticket.id for line in card.tickets)


async def test_scans_at_the_organizers_screen_are_held_then_decided_at_the_desk(
    station: DemoStation,
) -> None:
    store, event = station.store, station.summary.event
    scanned = [
        t
        for t in event_tickets(store, event)
        if t.status == "registered" and t.qr_payload and t.checked_in_at is None
    ][:12]
    assert len(scanned) == 12
    before = len(recent_scans(store, event, limit=10_000))
    decisions: list[Any] = []
    app = app_on(station.config, store=store, sign_in_as="Olivia Organizer", mode="organizer")
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await wait_for(lambda: app.current_mode == "organizer", pilot)
        post_keys(app, scanner_lines([str(t.qr_payload) for t in scanned], gap=0.05))
        # Held, and said on the screen (not a toast that fades): nothing decided yet.
        await wait_for(lambda: "12" in _held_line(app), pilot)
        assert "F1" in _held_line(app)
        assert decisions == []
        await pilot.press("f1")
        await wait_for(lambda: len(decisions) == len(scanned), pilot)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        assert {d.result.ticket_id for d in decisions} == {t.id for t in scanned}
        assert len(recent_scans(store, event, limit=10_000)) == before + len(scanned)
        await wait_for(lambda: _held_line(app) == "", pilot)


def _held_line(app: Any) -> str:
    from screens.base import HeldScans

    found = app.screen.query(HeldScans)
    return str(found.first().render()) if found and found.first().display else ""


async def test_the_kiosk_lists_a_bursts_refusals_and_see_the_desk_until_seen_to(
    station: DemoStation,
) -> None:
    from tests.app.test_app_kiosk import kiosk_app, started
    from tests.app.test_door_kiosk import needs_staff_ticket

    store, event = station.store, station.summary.event
    sent = needs_staff_ticket(station)
    _vip, _unpaid, plain = fresh_tickets(store, event)
    garbage = "ED1.not-a-ticket-at-all"
    lines = [str(sent.qr_payload), garbage, str(plain[0].qr_payload)]
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=(80, 24), message_hook=hook((ScanDecided,), decisions)) as pilot:
        kiosk = await started(app, pilot)
        post_keys(app, scanner_lines(lines, gap=0.02))
        await wait_for(lambda: len(decisions) == len(lines), pilot)
        await pilot.pause()
        recent = kiosk.query_one("#kiosk-recent", AnswerList)
        # The sign welcomes the last one; the two before are listed for staff, newest first.
        assert decisions[-1].result.admitted
        shown = recent.lines
        assert len(shown) == 2 and recent.display, shown
        assert "INVALID" in shown[0] and sent.attendee in shown[1], shown
        assert "see the desk" in shown[1]
        assert sent.attention and sent.attention not in "\n".join(shown)  # no staff note here
        await pilot.press("ctrl+o")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert recent.lines == [] and not recent.display


async def test_the_kiosk_lists_a_refusal_that_the_next_welcome_cut_short(
    station: DemoStation,
) -> None:
    from tests.app.test_app_kiosk import answered, kiosk_app, scan_with_wedge, started

    store, event = station.store, station.summary.event
    _vip, _unpaid, plain = fresh_tickets(store, event)
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=(80, 24), message_hook=hook((ScanDecided,), decisions)) as pilot:
        kiosk = await started(app, pilot)
        await scan_with_wedge(pilot, "ED1.not-a-ticket-at-all")
        panel = await answered(pilot, decisions, 1)
        assert panel.result is not None and not panel.result.admitted
        recent = kiosk.query_one("#kiosk-recent", AnswerList)
        assert recent.lines == []  # on the sign, for the person in front of it
        await scan_with_wedge(pilot, str(plain[0].qr_payload))
        await answered(pilot, decisions, 2)
        await pilot.pause()
        # The next person's welcome took the sign before the refusal's time was up.
        assert len(recent.lines) == 1 and "INVALID" in recent.lines[0], recent.lines


async def test_the_key_is_named_beside_the_answer_it_sees_to_next() -> None:
    """Ctrl+O sees to the oldest answer still asking for something: the "(Ctrl+O: seen)" hint is
    on that one's line. Before, it was on the newest marked line, which Ctrl+O reached last."""
    from eventdesk.services.door.scan_result import ScanResult, said
    from eventdesk.values import utcnow
    from screens.widgets.recent_answers import RecentAnswers

    recent = RecentAnswers()
    at = utcnow()  # any time: only the order matters here
    for name in ("Ada Oldest", "Ben Middle", "Cy Newest"):
        recent.add(ScanResult("needs_staff", said("see"), at, attendee=name), "wedge", marked=True)
    shown = AnswerList(rows=4)
    shown.show_answers(recent)
    [hinted] = [line for line in shown.lines if "(Ctrl+O: seen)" in line]
    assert "Ada Oldest" in hinted, shown.lines
    recent.acknowledge()  # Ada seen to: the hint moves to Ben
    shown.show_answers(recent)
    [hinted] = [line for line in shown.lines if "(Ctrl+O: seen)" in line]
    assert "Ben Middle" in hinted, shown.lines


async def test_a_german_desk_names_the_key_as_its_key_bar_and_says_seen_above_it(
    station: DemoStation,
) -> None:
    """At a German desk, 80x24: the banner and the list name the key "Strg+O", as the key bar
    writes its keys ("Strg+K"), never "^O"; pressed, its notice ("Erledigt: ...") is above the
    key bar, not over its keys."""
    import dataclasses

    from textual.widgets._toast import Toast

    from eventdesk.i18n import _, speaking
    from screens.widgets.key_bar import KeyBar

    store, event = station.store, station.summary.event
    _vip, unpaid, _plain = fresh_tickets(store, event)
    config = dataclasses.replace(station.config, language="de")
    decisions: list[ScanDecided] = []
    app = app_on(config, store=store, sign_in_as="Sam Desk", mode="desk")
    capture = hook((ScanDecided,), decisions)
    async with app.run_test(size=(80, 24), message_hook=capture, notifications=True) as pilot:
        screen = await opened(app, pilot)
        post_keys(app, scanner_lines([str(unpaid.qr_payload)], gap=0.02))
        await wait_for(lambda: len(decisions) == 1, pilot)
        await wait_for(lambda: screen.board.waiting and "Strg+O" in banner_text(screen), pilot)

        def keys_shown() -> list[str]:
            return [entry.label for line in screen.query_one(KeyBar).lines for entry in line]

        # The key bar is drawn again after the answer that waits (its keys refreshed)
        await wait_for(lambda: "Strg+O" in keys_shown(), pilot)
        keys = keys_shown()
        assert "Strg+O" in keys and not any(key.startswith("Ctrl") for key in keys), keys
        shown = on_screen(screen)
        assert "^O" not in shown, shown
        await pilot.press("ctrl+o")
        try:
            await wait_for(lambda: bool(screen.query(Toast)), pilot)
        except AssertionError:  # where the key went, for a run under load that loses it
            raise AssertionError(
                f"no notice after Strg+O: screens {app.screen_stack}, focused {app.focused}, "
                f"waiting {screen.board.waiting}"
            ) from None
        await pilot.pause()
        with speaking("de"):
            said = _("Seen to: {person}.").format(person=unpaid.attendee)
        [toast] = screen.query(Toast)
        assert said in str(toast.render())
        bar = screen.query_one(KeyBar).region
        assert toast.region.bottom <= bar.y, (toast.region, bar)
