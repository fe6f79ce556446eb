"""The base of every role screen: reach the station's backend and devices through the app."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from screens.app import EventdeskApp
    from screens.backend import Backend
    from screens.devices import Devices


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
