"""A walk-in at a desk whose server is away (screens.desk.walkin_offline): a desk's own
PostgreSQL login behind a loopback proxy the test cuts sells from its quota with Ctrl+N, paid in
cash, says so with the places left offline, shows the walk-in's card from the station's copy and
prints their badge from it; past the quota the dialog refuses, and says why; back online, the
app uploads the sales as registered, paid and checked-in tickets."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from textual.notifications import Notify
from textual.widgets import Input, Select, Static

from eventdesk.config import load_config
from eventdesk.models import Payment, Ticket
from eventdesk.opening import open_store
from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.stations import quota
from screens.app import make_app
from screens.desk.card import AttendeeCard
from screens.desk.forms import WalkInScreen
from screens.desk.screen import DeskScreen
from testkit.proxy import TcpProxy
from tests.app.test_app_kiosk import hook
from tests.app.test_station_logins_app import Logins, logins
from tests.apptools import wait_for
from tests.door.test_outage import POSTGRESQL, backend_fixed

__all__ = ["backend_fixed", "logins"]  # fixtures
LONG = 120.0  # a busy 2-core machine can be slow to notice the server gone, and back


def _said(messages: list[Any], text: str) -> list[str]:
    return [
        m.notification.message
        for m in messages
        if isinstance(m, Notify) and text in m.notification.message
    ]


async def _sell(pilot: Any, screen: DeskScreen, n: int, type_id: int) -> WalkInScreen:
    """Ctrl+N at the desk, the form filled for walk-in ``n``, paid in cash, and submitted."""
    app = pilot.app
    await pilot.press("ctrl+n")
    await wait_for(lambda: isinstance(app.screen, WalkInScreen), pilot, timeout=LONG)
    form = app.screen
    assert isinstance(form, WalkInScreen)
    kind = form.query_one("#walkin-type", Select)
    await wait_for(lambda: bool(form.offline) and not kind.is_blank(), pilot, timeout=LONG)
    form.query_one("#walkin-name", Input).value = f"Walk Offline{n}"
    form.query_one("#walkin-email", Input).value = f"walk-offline-{n}@example.com"
    assert kind.value == type_id  # the only type this station has a quota of: chosen
    form.query_one("#walkin-paid", Select).value = "cash"
    await pilot.pause()
    form.action_save()
    return form


@POSTGRESQL
@pytest.mark.asyncio
async def test_a_desk_whose_server_is_away_sells_walk_ins_from_its_quota(
    backend_fixed: None, logins: Logins, proxy: TcpProxy
) -> None:
    owner = logins.owner
    [regular] = [t for t in list_ticket_types(owner, logins.event) if t.name == "Regular"]
    quota.give(owner, logins.event, "Regular", "Desk 1", 2)
    url = make_url(logins.urls["desk"]).set(host="127.0.0.1", port=proxy.port)
    data = logins.data / "Desk-1"
    config = load_config(
        data_dir=data, database_url=url.render_as_string(hide_password=False), station="Desk 1"
    ).with_options(event=logins.event, printer="badges")
    app = make_app(config=config, store=open_store(config), sign_in_as="Sam Desk", mode="desk")
    seen: list[Any] = []
    async with app.run_test(size=(120, 40), message_hook=hook((Notify,), seen)) as pilot:
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot, timeout=LONG)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        station = app.backend.door_station
        assert station is not None
        await wait_for(station.mirror.has_copy, pilot, timeout=LONG)
        proxy.cut()
        await wait_for(lambda: app.backend.offline, pilot, timeout=LONG)

        await _sell(pilot, screen, 1, regular.id)
        await wait_for(lambda: isinstance(app.screen, DeskScreen), pilot, timeout=LONG)
        await wait_for(lambda: bool(_said(seen, "Walk Offline1")), pilot, timeout=LONG)
        [said] = _said(seen, "Walk Offline1")
        assert "sold a ticket offline (Regular" in said and "Paid 149.00 EUR (cash)" in said, said
        assert "Checked in." in said and "1 left to sell offline for Regular." in said, said
        assert "left to sell offline" in str(screen.query_one("#banner", Static).render())
        card = screen.query_one("#card", AttendeeCard)
        await wait_for(
            lambda: screen.card is not None and screen.card.attendee.name == "Walk Offline1",
            pilot,
            timeout=LONG,
        )
        assert "STATION'S COPY" in card.text and "✔ checked in" in card.text
        ticket_id = said.split(", ticket ")[1].split(")")[0]
        # The badge, printed from the copy by the station's printer worker (the folder printer).
        await wait_for(
            lambda: bool(list((data / "badges").glob(f"{ticket_id}-*.txt"))), pilot, timeout=LONG
        )
        badge = next((data / "badges").glob(f"{ticket_id}-*.txt")).read_text("utf-8")
        assert "WALK OFFLINE1" in badge
        # Its QR at once: a code the organizer's station signed ahead for Desk 1's quota
        assert f"ticket {ticket_id}" in badge and ticket_id.startswith("U"), badge
        assert "QR is signed once" not in said, said

        await _sell(pilot, screen, 2, regular.id)
        await wait_for(lambda: bool(_said(seen, "Walk Offline2")), pilot, timeout=LONG)
        assert "0 left to sell offline for Regular." in _said(seen, "Walk Offline2")[0]
        # Past the quota: refused in the dialog, which stays open with what was typed.
        form = await _sell(pilot, screen, 3, regular.id)
        problem = form.query_one("#walkin-problem", Static)
        await wait_for(
            lambda: "no places left to sell offline for Regular" in str(problem.render()),
            pilot,
            timeout=LONG,
        )
        assert app.screen is form and form.query_one("#walkin-name", Input).value
        await pilot.press("escape")

        proxy.restore()
        await wait_for(lambda: not app.backend.offline, pilot, timeout=LONG)

        def uploaded() -> list[Ticket]:
            with owner.read() as session:
                return list(
                    session.scalars(
                        select(Ticket).where(
                            Ticket.ticket_type_id == regular.id,
                            Ticket.checked_in_station == "Desk 1",
                        )
                    ).all()
                )

        await wait_for(lambda: len(uploaded()) == 2, pilot, timeout=LONG)
    made = uploaded()
    assert ticket_id in {t.id for t in made}
    assert all(t.qr_payload and t.qr_payload.split(".")[1] == t.id for t in made)  # kept
    assert all(t.status == "registered" and t.checked_in_at is not None for t in made)
    with owner.read() as session:
        paid = session.scalars(
            select(Payment.amount_cents).where(Payment.ticket_id.in_([t.id for t in made]))
        ).all()
    assert sorted(paid) == [14900, 14900]
    assert [(q.places, q.sold) for q in quota.quotas(owner, logins.event, "Desk 1")] == [(0, 2)]
