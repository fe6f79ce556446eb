"""A name no font on the station draws prints on the badge in Latin letters (issue 60): the desk
that checks the person in gets their badge from a real label printer on a loopback socket and
is told, in a notification, that the name printed in Latin letters and which font would print
it as written; the kiosk says the badge is ready. Before, the job failed: nothing printed, the
desk was told "NOT printed" and the kiosk sent the person to the desk."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notify

from badges.fonts import readable
from devices.wedge import Line
from eventdesk.config import load_config, sqlite_url
from eventdesk.opening import open_store
from eventdesk.services.data.demo import DemoSummary
from eventdesk.services.people.attendees import update_attendee
from eventdesk.tickets import load_signer
from screens.kiosk.screen import BADGE_READY
from screens.messages import BadgePrinted
from testkit.zebra import FakeZebra
from tests.app.test_app_kiosk import admissible, answer_of, event_tickets, hook, started
from tests.apptools import STATION, DemoStation, app_on, wait_for
from tests.fonts_here import undrawable

pytestmark = pytest.mark.asyncio


async def test_the_badge_of_a_name_no_font_draws_prints_in_latin_letters_and_the_desk_is_told(
    demo_template: tuple[Path, DemoSummary], tmp_path: Path
) -> None:
    template, summary = demo_template
    data_dir = tmp_path / "data"
    shutil.copytree(template, data_dir)
    printer = FakeZebra().switch_on()
    (data_dir / "eventdesk.toml").write_text(
        f'[printers.front]\ntype = "tcp"\nhost = "127.0.0.1"\nport = {printer.port}\n'
        'language = "zpl"\ntimeout = 2\n'
    )
    config = load_config(
        data_dir=data_dir, database_url=sqlite_url(data_dir / "eventdesk.db"), station=STATION
    )
    store = open_store(config)
    store.signer = load_signer(data_dir)
    DemoStation(data_dir, summary, config, store)  # its apps run on the demo's clock
    letter = undrawable()
    name = f"Ramses {letter}"
    try:
        desk, kiosk = admissible(store, event_tickets(store, summary.event))[:2]
        for ticket in (desk, kiosk):
            update_attendee(store, ticket.attendee_id, name=name, badge_name="")
        seen: list[Any] = []
        printed: list[BadgePrinted] = []

        def capture(message: Message) -> None:
            hook((Notify,), seen)(message)
            hook((BadgePrinted,), printed)(message)

        def toasts(text: str) -> list[str]:
            return [m.notification.message for m in seen if text in m.notification.message]

        app = app_on(
            config, store=store, sign_in_as="Sam Desk", mode="desk", printer="front",
            auto_print=True,
        )  # fmt: skip
        async with app.run_test(size=(120, 40), message_hook=capture) as pilot:
            await wait_for(lambda: app.current_mode == "desk", pilot)
            assert desk.qr_payload
            app.scanner_gate.take_line(Line(desk.qr_payload), 0.0)
            await wait_for(lambda: bool(printed), pilot)
            [outcome] = {p.outcome.job.id: p.outcome for p in printed}.values()  # app, screen
            assert outcome.state == "done", outcome.detail
            said = (
                f"{name!r} prints in Latin letters as {readable(name)!r}: no font here draws "
                f"{letter}; install"
            )
            await wait_for(lambda: bool(toasts(said)), pilot)
            [toast] = toasts(said)
            assert toast.startswith(f"Badge for {desk.id} on front: ")
            assert not toasts("NOT printed")
            assert len(printer.labels) == 1 and b"^GFA," in printer.labels[0]

        printed.clear()
        app = app_on(
            config, store=store, sign_in_as="Kiosk Door 1", mode="kiosk", printer="front",
            auto_print=True,
        )  # fmt: skip
        async with app.run_test(size=(120, 40), message_hook=capture) as pilot:
            await started(app, pilot)
            assert kiosk.qr_payload
            app.scanner_gate.take_line(Line(kiosk.qr_payload), 0.0)
            await wait_for(lambda: bool(printed), pilot)
            assert {p.outcome.state for p in printed} == {"done"}
            await wait_for(lambda: answer_of(app).badge_line == BADGE_READY, pilot)
            assert len(printer.labels) == 2
    finally:
        printer.close()
        store.dispose()
