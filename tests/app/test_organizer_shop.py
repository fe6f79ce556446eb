"""The organizer's Data tab and the event's shop (services.data.pretix), against a real pretix
(tests/pretix_shop.py): the app exchanges with the shop on its own while it runs; the
connection in a line (the shop, its last pull, check-ins waiting to
go up, conflicts); Sync pulls what the shop sold since and says it in the tab's log; a shop that
does not answer is said there, plainly, and the tab stays usable. An event with no shop says
how to connect one, its Sync button off."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Log, Static

from eventdesk.services.data import pretix
from eventdesk.services.data.pretix_api import Connection
from eventdesk.tickets import InvalidPayload, Verifier
from tests.app.test_app_organizer import opened, organizer_app, press
from tests.apptools import DemoStation, wait_for
from tests.pretix_shop import Pretix, organizer_name, regular
from tests.pretix_shop import pretix_server as pretix_server  # the fixture

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.slow,  # a real pretix (installed once per machine): the full suite runs it
    pytest.mark.timeout(1200),  # its first install, beside the rest of the suite
]


def shown(screen: object, widget: str) -> str:
    return str(screen.query_one(f"#{widget}", Static).render())  # type: ignore[attr-defined]


def known(station: DemoStation, code: str) -> bool:
    try:
        return Verifier(station.store).by_code(code) is not None
    except InvalidPayload:  # a genuine code not pulled yet
        return False


def logged(screen: object) -> str:
    return "\n".join(screen.query_one("#data-log", Log).lines)  # type: ignore[attr-defined]


async def test_the_data_tab_shows_the_events_shop_and_syncs_it(
    station: DemoStation, pretix_server: Pretix, tmp_path: Path
) -> None:
    organizer = organizer_name()
    (fair,) = pretix_server.seed(organizer, "fair")
    pretix_server.order(organizer, fair, [regular(fair, "Ada Byron")], paid=True)
    token = tmp_path / "pretix.token"
    token.write_text(pretix_server.token)
    ours = station.summary.event
    pretix.connect(
        station.store, station.data_dir, pretix_server.url, organizer=organizer, event="fair",
        token_file=token, as_event=ours,
    )  # fmt: skip
    late = pretix_server.order(organizer, fair, [regular(fair, "Cy Late")], paid=True)
    (cy,) = (str(p["secret"]) for p in late["positions"])
    with pytest.raises(InvalidPayload, match="not pulled yet"):  # sold after the pull
        Verifier(station.store).by_code(cy)

    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-data")
        await wait_for(lambda: "last pull" in shown(screen, "shop-state"), pilot)
        line = shown(screen, "shop-state")
        assert f"{organizer}/fair" in line and "0 check-in(s) to send" in line, line
        # The app exchanges with the shop on its own (services.data.shop_loop): Cy comes in.
        await wait_for(lambda: known(station, cy), pilot)
        dee = pretix_server.order(organizer, fair, [regular(fair, "Dee Later")], paid=True)
        await press(pilot, "shop-sync")
        await wait_for(lambda: "1 new" in logged(screen), pilot)
        assert "Traceback" not in logged(screen)
        assert known(station, str(dee["positions"][0]["secret"]))

        # The shop away: said in the log and on the screen's notice, the tab usable after it.
        kept = pretix.load(station.data_dir, ours)
        pretix.save(station.data_dir, Connection(**{**kept.__dict__, "url": "http://127.0.0.1:9"}))
        sync = screen.query_one("#shop-sync", Button)
        await wait_for(lambda: not sync.disabled, pilot)
        await press(pilot, "shop-sync")
        await wait_for(lambda: "does not answer" in logged(screen), pilot)
        await wait_for(lambda: not sync.disabled, pilot)
        assert "Traceback" not in logged(screen)


async def test_an_event_with_no_shop_says_how_to_connect_one(station: DemoStation) -> None:
    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-data")
        await wait_for(lambda: "shop connect pretix" in shown(screen, "shop-state"), pilot)
        assert screen.query_one("#shop-sync", Button).disabled
