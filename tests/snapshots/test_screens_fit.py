"""Screens that fit in every language (issue 43): at 80x24 and 120x40, in English, German,
French and Spanish, every widget of the sign-in, the desk, the kiosk, the organizer (each tab)
and the stats is inside the container that holds it (or one a person can scroll), and every text
is whole or cut with "…" (tests/screen_fit.py reads it from the running app). Each dialog (the
desk's walk-in, payment, badge name, note, cancel, promotion and questions, the kiosk's staff PIN,
each of the organizer's forms) fits its frame, a drop-down list too, and speaks the station's
language.

The screens are those of test_snapshots_languages.py, on the same fixed demo; each screen as it
opens is checked there, beside its picture (one app for both), and its tabs, lists and dialogs
here."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from eventdesk.i18n import _
from eventdesk.services.door.list_changes import ListChange, update_list
from screens.desk.answer import HINT_NO_EVENT, HINT_OFFLINE, HINT_SCANNED
from screens.desk.device_line import NO_CAMERA
from screens.desk.questions import QuestionsScreen
from screens.desk.screen import DeskScreen
from screens.login import StaffPinScreen
from tests.apptools import DemoStation, options_of, wait_for
from tests.screen_fit import left_in_english, misfits
from tests.snapshots.test_snapshots import SIZES, settle
from tests.snapshots.test_snapshots import utc_clock as utc_clock  # autouse: local times in UTC
from tests.snapshots.test_snapshots_languages import (
    LANGUAGES,
    SIZE_IDS,
    app_in,
    screen_app,
    screen_opened,
)
from tests.snapshots.test_snapshots_screens import (
    ORGANIZER_FORMS,
    TABS,
    desk_choose,
    desk_opened,
    kiosk_opened,
    organizer_tab,
    paid_ticket,
    waiting_at_door,
    waitlisted,
)
from tests.snapshots.test_snapshots_screens import station as station  # the fixed demo station
from tests.snapshots.test_snapshots_screens import still_template as still_template

by_size = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
by_language = pytest.mark.parametrize("language", LANGUAGES)


# --- the check itself can fail ------------------------------------------------------------------
class Misfitting(App[None]):
    """A button below its box, a line cut with no "…", one cut with it, a list out of its
    dialog's frame."""

    CSS = """
    #box { height: 5; border: round red; }
    #cut { width: 10; height: 1; }
    #marked { width: 10; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    #frame { width: 30; height: 6; border: round blue; }
    #spill { overlay: screen; width: 20; height: 4; offset: 20 3; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static("one\ntwo\nthree")
            yield Button("Sign in", id="below")
        with Horizontal():
            yield Label("a line far too long", id="cut")
            yield Label("a line far too long", id="marked")
        with Vertical(id="frame"):
            yield Static("a list", id="spill")


@pytest.mark.asyncio
async def test_the_check_sees_what_is_cut_and_what_spills() -> None:
    app = Misfitting()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        said = misfits(app.screen)
        assert any(line.startswith("Button#below") and "is cut" in line for line in said)
        assert any(line.startswith("Label#cut") and "with no …" in line for line in said)
        assert not any(line.startswith("Label#marked") for line in said)
        in_frame = misfits(app.screen, app.screen.query_one("#frame"))
        assert any(line.startswith("Static#spill") and "outside" in line for line in in_frame)


# --- the screens (each screen itself: test_snapshots_languages.py, beside its picture) ----------
@pytest.mark.asyncio
@pytest.mark.slow  # an app in every language at both sizes: the full suite runs it
@by_size
@by_language
async def test_the_sign_in_with_its_names_open_fits_and_speaks_the_language(
    station: DemoStation, language: str, size: tuple[int, int]
) -> None:
    """The list of names dropped down: inside the screen, and its key (Escape closes it) said
    in the station's language, not Textual's English."""
    app = screen_app(station, language, "sign-in")
    async with app.run_test(size=size) as pilot:
        await screen_opened(pilot, "sign-in")
        names = app.screen.query_one("#staff-name", Select)
        names.focus()
        await pilot.press("enter")
        await wait_for(lambda: names.expanded, pilot)
        await settle(pilot)
        said = misfits(app.screen) + left_in_english(app.screen, language)
        assert not said, "\n".join(said)


@pytest.mark.asyncio
@pytest.mark.slow  # an app in every language at both sizes: the full suite runs it
@by_size
@by_language
async def test_every_organizer_tab_fits(
    station: DemoStation, language: str, size: tuple[int, int]
) -> None:
    app = screen_app(station, language, "organizer")
    async with app.run_test(size=size) as pilot:
        await screen_opened(pilot, "organizer")
        said = []
        for tab in TABS:
            app.screen.set_focus(None)  # the tab's number key is not typed into a field
            await organizer_tab(pilot, station, tab)
            await settle(pilot)
            said += [f"{tab}: {line}" for line in misfits(app.screen)]
        assert not said, "\n".join(said)


@pytest.mark.asyncio
@pytest.mark.slow  # an app in every language at both sizes: the full suite runs it
@by_language
async def test_the_desks_long_lines_end_in_an_ellipsis(station: DemoStation, language: str) -> None:
    """The hint under the search and the devices' line at the bottom, with their longest texts,
    on the narrow desk: cut, they say so."""
    app = screen_app(station, language, "desk")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await desk_opened(pilot)
        await settle(pilot)
        hint, devices = screen.query_one("#hint", Static), screen.query_one("#camera", Static)
        devices.update(_(NO_CAMERA))
        for text in (_(HINT_SCANNED).format(ticket="5GXKE4Z9"), _(HINT_OFFLINE), _(HINT_NO_EVENT)):
            hint.update(text)
            await pilot.pause()
            said = misfits(screen)
            assert not said, "\n".join(said)


# --- the dialogs --------------------------------------------------------------------------------
def dialog_frame(screen: Screen[Any]) -> Widget:
    """A dialog's box: the one widget its screen holds."""
    (frame,) = [child for child in screen.children if child.display]
    return frame


async def dialog_checked(pilot: Any, kind: type[Screen[Any]], language: str) -> list[str]:
    """The dialog of ``kind`` that opened: what does not fit its frame, or is left in English."""
    await wait_for(lambda: isinstance(pilot.app.screen, kind), pilot)
    dialog = pilot.app.screen
    await wait_for(
        lambda: all(s.is_mounted and s.query("#label") for s in dialog.query(Select)), pilot
    )
    await settle(pilot)
    name = type(dialog).__name__
    frame = dialog_frame(dialog)
    said = [f"{name}: {line}" for line in misfits(dialog, frame)]
    return said + [f"{name}: {line}" for line in left_in_english(dialog, language)]


async def closed(pilot: Any, kind: type[Screen[Any]]) -> None:
    await pilot.press("escape")
    await wait_for(lambda: isinstance(pilot.app.screen, kind), pilot)


@pytest.mark.asyncio
@pytest.mark.slow  # an app in every language at both sizes: the full suite runs it
@by_size
@by_language
async def test_the_desks_dialogs_fit(
    station: DemoStation, language: str, size: tuple[int, int]
) -> None:
    from screens.desk.badge_name import BadgeNameScreen
    from screens.desk.cancel import CancelScreen
    from screens.desk.forms import PaymentScreen, WalkInScreen
    from screens.desk.note import NoteScreen
    from screens.widgets.confirm import ConfirmScreen

    unpaid, paid = waiting_at_door(station, "Regular", paid=False), paid_ticket(station)
    waiting = waitlisted(station)
    app = app_in(station, language, sign_in_as="Olivia Organizer", mode="desk")
    async with app.run_test(size=size) as pilot:
        screen = await desk_opened(pilot)
        said = []
        await pilot.press("ctrl+n")
        said += await dialog_checked(pilot, WalkInScreen, language)
        await closed(pilot, DeskScreen)
        await desk_choose(pilot, screen, unpaid, "pay")
        await pilot.press("ctrl+p")
        said += await dialog_checked(pilot, PaymentScreen, language)
        await closed(pilot, DeskScreen)
        await pilot.press("ctrl+g")
        said += await dialog_checked(pilot, BadgeNameScreen, language)
        await closed(pilot, DeskScreen)
        await pilot.press("ctrl+l")
        said += await dialog_checked(pilot, NoteScreen, language)
        await closed(pilot, DeskScreen)
        await desk_choose(pilot, screen, paid, "cancel_ticket")
        await pilot.press("ctrl+x")
        said += await dialog_checked(pilot, CancelScreen, language)
        await closed(pilot, DeskScreen)
        await desk_choose(pilot, screen, waiting, "promote")
        await pilot.press("ctrl+w")
        said += await dialog_checked(pilot, ConfirmScreen, language)
        assert not said, "\n".join(said)


def _registration_questions(station: DemoStation) -> None:
    """One registration question of each kind, some with long words, asked of every type."""
    from eventdesk.services.people.questions import add_question

    store, event = station.store, station.summary.event
    asked: list[tuple[str, str, list[str]]] = [
        ("diet", "Dietary requirements for the conference lunch", ["none|vegetarian|vegan|halal"]),
        ("size", "T-shirt size", ["S|M|L"]),
        ("topics", "Topics of interest", ["Security|Databases|Accessibility"]),
        ("photos", "Photographs allowed", []),
        ("guests", "Guests at the evening dinner", []),
        ("arrival", "Arrival date", []),
        ("access", "Accessibility needs we should know about", []),
        ("job", "Job title", []),
    ]
    kinds = ["choice", "choice", "choices", "yesno", "number", "date", "longtext", "text"]
    for (key, text, choices), kind in zip(asked, kinds, strict=True):
        add_question(
            store, event, key=key, text=text, kind=kind, choices=choices, required=key == "diet"
        )


@pytest.mark.asyncio
@pytest.mark.slow  # an app in every language at both sizes: the full suite runs it
@by_size
@by_language
async def test_the_walk_in_with_registration_questions_fits(
    station: DemoStation, language: str, size: tuple[int, int]
) -> None:
    """The walk-in asking a question of each kind (issue 45) fits its frame (it scrolls)."""
    from screens.desk.forms import WalkInScreen

    _registration_questions(station)
    app = app_in(station, language, sign_in_as="Olivia Organizer", mode="desk")
    async with app.run_test(size=size) as pilot:
        await desk_opened(pilot)
        await pilot.press("ctrl+n")
        await wait_for(lambda: isinstance(pilot.app.screen, WalkInScreen), pilot)
        dialog = pilot.app.screen
        await wait_for(lambda: bool(dialog.query("#walkin-q-access-row")), pilot)
        kind = dialog.query_one("#walkin-type", Select)
        kind.value = next(value for _label, value in options_of(kind) if value != Select.NULL)
        await wait_for(lambda: dialog.query_one("#walkin-q-access-row").display, pilot)
        said = await dialog_checked(pilot, WalkInScreen, language)
        assert not said, "\n".join(said)


QUESTIONS = [
    "lanyard:yesno:Gold lanyard handed over?:required",
    "drink:choice=Tea|Coffee|Water|Juice|Lemonade|Sparkling water:Drink in the lounge?",
    "diet:text:Diet notes",
]


@pytest.mark.asyncio
@pytest.mark.slow  # an app in every language at both sizes: the full suite runs it
@by_size
@by_language
async def test_the_desks_questions_fit_with_their_choices_open(
    station: DemoStation, language: str, size: tuple[int, int]
) -> None:
    """A list that asks a yes/no, a choice of six and a text: every choice is shown inside the
    dialog's frame, over none of its buttons."""
    update_list(station.store, "vip-lounge", ListChange(questions=QUESTIONS))
    vip = waiting_at_door(station, "VIP", paid=True)
    on_list = dataclasses.replace(
        station, config=dataclasses.replace(station.config, checkin_list="vip-lounge")
    )
    app = app_in(on_list, language, sign_in_as="Sam Desk", mode="desk")
    async with app.run_test(size=size) as pilot:
        screen = await desk_opened(pilot)
        await desk_choose(pilot, screen, vip, "check_in")
        await pilot.press("ctrl+k")
        said = await dialog_checked(pilot, QuestionsScreen, language)
        dialog = pilot.app.screen
        choice = dialog.query_one("#ask-drink")
        choice.focus()
        await pilot.press("enter")  # a drop-down opens; choices shown in place stay
        await settle(pilot)
        said += misfits(dialog, dialog_frame(dialog))
        assert not said, "\n".join(said)


@pytest.mark.asyncio
@pytest.mark.slow  # an app in every language at both sizes: the full suite runs it
@by_size
@by_language
async def test_the_kiosks_staff_dialog_fits_and_speaks_the_stations_language(
    station: DemoStation, language: str, size: tuple[int, int]
) -> None:
    app = app_in(station, language, sign_in_as="Kiosk Door 1", mode="kiosk")
    async with app.run_test(size=size) as pilot:
        screen = await kiosk_opened(pilot)
        await pilot.press("f5")  # the email + PIN lookup, in place of the attract screen
        await settle(pilot)
        said = misfits(screen) + left_in_english(screen, language)
        await pilot.press("escape")
        await kiosk_opened(pilot)
        await pilot.press("f12")
        said += await dialog_checked(pilot, StaffPinScreen, language)
        dialog = pilot.app.screen
        problem = dialog.query_one("#problem", Static)
        checking = _("Checking…")
        await pilot.press(*"Sam Desk", "enter")
        await wait_for(lambda: pilot.app.focused is dialog.query_one("#staff-pin", Input), pilot)
        await pilot.press(*"9999", "enter")  # a wrong PIN: said in the dialog, in its language
        await wait_for(lambda: str(problem.render()) not in ("", checking), pilot)
        await settle(pilot)
        said += misfits(dialog, dialog_frame(dialog)) + left_in_english(dialog, language)
        assert not said, "\n".join(said)


@pytest.mark.asyncio
@pytest.mark.slow  # an app in every language at both sizes: the full suite runs it
@by_size
@by_language
async def test_the_organizers_forms_fit(
    station: DemoStation, language: str, size: tuple[int, int]
) -> None:
    from screens.organizer.screen import OrganizerScreen

    unpaid = waiting_at_door(station, "Regular", paid=False)
    app = app_in(station, language, sign_in_as="Olivia Organizer", mode="organizer")
    async with app.run_test(size=size) as pilot:
        said = []
        for form, (tab, button) in ORGANIZER_FORMS.items():
            pilot.app.screen.set_focus(None)  # the tab's number key is not typed into a field
            await organizer_tab(pilot, station, tab, ticket=unpaid)
            pilot.app.screen.query_one(f"#{button}", Button).press()
            said += [
                f"{form}: {line}" for line in await dialog_checked(pilot, ModalScreen, language)
            ]
            await closed(pilot, OrganizerScreen)
        assert not said, "\n".join(said)
