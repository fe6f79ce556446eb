"""The desk's scan field is in reach: Tab goes Search, results, scan field and round again, and
the key bar names Ctrl+S for it."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from screens.desk.results import ResultsTable
from tests.app.test_app_desk import desk_app, opened
from tests.app.test_key_bar import bar_text
from tests.apptools import DemoStation, wait_for

pytestmark = pytest.mark.asyncio


async def test_tab_reaches_the_scan_field_and_the_key_bar_names_it(station: DemoStation) -> None:
    app = desk_app(station)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        search = screen.query_one("#search", Input)
        scan = screen.query_one("#scan", Input)
        table = screen.query_one("#results", ResultsTable)
        order = []
        for _ in range(3):
            before = app.focused
            await pilot.press("tab")
            await wait_for(lambda seen=before: app.focused is not seen, pilot)
            order.append(app.focused)
        assert order == [table, scan, search]
        assert any("Ctrl+S Scan field" in line for line in bar_text(screen))
        await pilot.press("ctrl+s")
        await wait_for(lambda: app.focused is scan, pilot)
