"""The organizer's Program tab lists the event's registration questions (issue 45), and adds,
changes and removes them with every field: key, text, kind, options, required, ticket types,
asked of the order or of each holder."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, RadioSet, SelectionList

from eventdesk.services.people.questions import list_questions
from tests.app.test_app_organizer import (
    cell_texts,
    choose,
    confirm,
    form,
    opened,
    organizer_app,
    refused,
    saved,
    submit,
)
from tests.apptools import DemoStation, click, wait_for

pytestmark = pytest.mark.asyncio


async def test_the_organizer_adds_changes_and_removes_a_question(station: DemoStation) -> None:
    store, slug = station.store, station.summary.event
    app = organizer_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot, "tab-program")
        dialog = await form(pilot, "question-new")
        await submit(pilot, dialog, key="tshirt", text="T-shirt size", kind="choice")
        assert "tshirt" in await refused(pilot, dialog, "choices")  # a choice needs options

        dialog.query_one("#f-required", Checkbox).value = True
        dialog.query_one("#f-types", SelectionList).select("VIP")
        per = dialog.query_one("#f-per", RadioSet)
        per.focus()
        await pilot.press("right", "enter")  # each holder
        await submit(pilot, dialog, choices="S|M|L")
        await saved(pilot)
        (made,) = [q for q in list_questions(store, slug) if q.key == "tshirt"]
        assert (made.text, made.kind, made.choices) == ("T-shirt size", "choice", ("S", "M", "L"))
        assert (made.required, made.ticket_types, made.per) == (True, ("VIP",), "holder")
        await wait_for(
            lambda: any("T-shirt size" in r for r in cell_texts(screen, "questions-table")), pilot
        )
        row = next(r for r in cell_texts(screen, "questions-table") if "tshirt" in r)
        assert "one choice: S|M|L" in row and "VIP" in row and "each holder" in row

        await choose(pilot, screen, "questions-table", "tshirt")
        dialog = await form(pilot, "question-edit")
        await submit(pilot, dialog, text="Shirt size", choices="S|M|L|XL")
        await saved(pilot)
        (made,) = [q for q in list_questions(store, slug) if q.key == "tshirt"]
        assert (made.text, made.choices, made.per) == (
            "Shirt size",
            ("S", "M", "L", "XL"),
            "holder",
        )

        await choose(pilot, screen, "questions-table", "tshirt")
        await click(pilot, "#question-remove")
        await confirm(pilot)
        await wait_for(
            lambda: not any("tshirt" in r for r in cell_texts(screen, "questions-table")), pilot
        )
        assert [q for q in list_questions(store, slug) if q.key == "tshirt"] == []
