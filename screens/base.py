"""The base of every role screen: reach the station's backend and devices through the app."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from textual import events, on
from textual.screen import Screen
from textual.widgets import Static

from eventdesk.i18n import _, ngettext

if TYPE_CHECKING:
    from devices.wedge import Line
    from screens.app import EventdeskApp
    from screens.backend import Backend
    from screens.devices import Devices


class HeldScans(Static):
    """On a screen that decides no scans (sign-in, organizer, stats): how many scans wait,
    held, and where they are decided. Shown until they are."""

    DEFAULT_CSS = """
    HeldScans {
        height: auto;
        padding: 0 1;
        background: $warning 40%;
        color: $text;
        text-style: bold;
    }
    """


class StationScreen(Screen[Any]):
    """A mode's screen. Database work goes to thread workers, which post messages back.

    Its keys are shown by a ``KeyBar`` (screens/widgets/key_bar.py): a key whose
    ``check_action`` answers ``None`` is shown dimmed, and ``key_refusal`` says why it does
    nothing now, when pressed or clicked.
    """

    # Looked up once: a screen belongs to one app, whose backend and devices stay its own.
    @cached_property
    def station_app(self) -> EventdeskApp:
        return cast("EventdeskApp", self.app)

    @cached_property
    def backend(self) -> Backend:
        return self.station_app.backend

    @cached_property
    def devices(self) -> Devices:
        return self.station_app.devices

    def key_refusal(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """Why this screen's dimmed key ``action`` does nothing now (None: nothing to say)."""
        return None

    # --- scans held while no screen decides them ------------------------------------------
    @on(events.ScreenResume)
    def _scans_held_meanwhile(self) -> None:
        """A screen that decides scans takes those held meanwhile, in the order they came;
        another one says they wait."""
        held = self.station_app.held_scans
        take = getattr(self, "take_scan", None)
        if take is not None and held:
            lines, held[:] = list(held), []
            for line, ended_at in lines:
                take(line, ended_at)
        self.show_held(len(held))

    def show_held(self, count: int) -> None:
        """Say that ``count`` scans wait for a screen that decides them (0: none, unsaid)."""
        found = self.query(HeldScans)
        if not count:
            if found:
                found.first().display = False
            return
        bar = found.first() if found else None
        if bar is None:
            bar = HeldScans("", markup=False)
            self.mount(bar, before=0)  # on top, under the header (docked, out of the flow)
        bar.display = True
        bar.update(self._held_words(count))

    def _held_words(self, count: int) -> str:
        modes = self.backend.modes() if self.backend.staff is not None else ()
        if self.backend.staff is None:
            said = ngettext(
                "⚠ {count} scan held: sign in at the desk or the kiosk to decide it.",
                "⚠ {count} scans held: sign in at the desk or the kiosk to decide them.",
                count,
            )
        elif "desk" in modes:
            said = ngettext(
                "⚠ {count} scan held: F1 opens the desk, which decides it.",
                "⚠ {count} scans held: F1 opens the desk, which decides them.",
                count,
            )
        elif "kiosk" in modes:
            said = ngettext(
                "⚠ {count} scan held: F2 opens the kiosk, which decides it.",
                "⚠ {count} scans held: F2 opens the kiosk, which decides them.",
                count,
            )
        else:
            said = ngettext(
                "⚠ {count} scan held: this login decides no scans; a desk's login does.",
                "⚠ {count} scans held: this login decides no scans; a desk's login does.",
                count,
            )
        return said.format(count=count) + " " + _("Nothing is lost meanwhile.")


def hold_scan(app: EventdeskApp, line: Line, ended_at: float) -> None:
    """A scan that came where no screen decides one: held by the app, said on the screen."""
    app.held_scans.append((line, ended_at))
    for screen in reversed(app.screen_stack):
        if isinstance(screen, StationScreen):
            screen.show_held(len(app.held_scans))
            return
