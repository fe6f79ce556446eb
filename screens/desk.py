"""The desk screen (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from screens.base import StationScreen


class DeskScreen(StationScreen):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("desk")
        yield Footer()
