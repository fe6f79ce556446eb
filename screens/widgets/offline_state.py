"""OFFLINE, on the desk and the kiosk, while the door decides from the station's mirror
(REFUSED while the server refuses the station's login: it then decides nothing).

A station on a server decides from its mirror when the server does not answer: this line says
so, with the number of scans waiting, and goes away by itself when the station is back online.
It also says when the station's own clock is off by more than a minute against the server's
(every time is put right by the server's, online and off). It reads the station's state every half
second (attributes, no database), so it is right whatever thread changed it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from eventdesk.errors import DatabaseUnavailable, EventdeskError
from eventdesk.i18n import _, ngettext

if TYPE_CHECKING:  # the door service loads where a station has one (start-up time)
    from eventdesk.services.stations.offline import Station

POLL_SECONDS = 0.5


def offline_text(station: Station) -> str:
    """What the door says while it is not deciding on the server, or while its own clock is
    off (by more than a minute) against the server's; "" otherwise."""
    if station.refused() is not None:  # revoked, or its password changed: no decision at all
        return ngettext(
            "REFUSED · the server refuses this station's login: it decides nothing · "
            "{count} scan waiting to upload",
            "REFUSED · the server refuses this station's login: it decides nothing · "
            "{count} scans waiting to upload",
            station.pending,
        ).format(count=station.pending)
    last = station.time.last
    off = last is not None and last.off
    if station.deciding_online():
        if station.pending:  # back: what was decided offline is still on its way up
            return ngettext(
                "Back online · {count} scan decided offline uploading",
                "Back online · {count} scans decided offline uploading",
                station.pending,
            ).format(count=station.pending)
        if not off:
            return ""
        assert last is not None
        # TRANSLATORS: {off} says by how much, e.g. "3 h 0 min fast"
        return _("This station's clock is {off}, put right by the server's").format(off=last.said())
    waiting = station.pending
    said = ngettext(
        "OFFLINE · deciding from this station's copy · {count} scan waiting to upload",
        "OFFLINE · deciding from this station's copy · {count} scans waiting to upload",
        waiting,
    ).format(count=waiting)
    if not off:
        return said
    assert last is not None
    # TRANSLATORS: after the OFFLINE line's " · "; {off} says by how much, e.g. "3 h 0 min fast"
    clock = _("this station's clock is {off}, put right by the server's").format(off=last.said())
    return f"{said} · {clock}"


def needs_server(exc: EventdeskError, what: str) -> str:
    """What to say when ``what`` failed: for a server that does not answer, that it needs the
    server (not the connection's own words), else the error's message."""
    if isinstance(exc, DatabaseUnavailable):
        # TRANSLATORS: {what} is what was tried, e.g. "Signing in"
        return _("{what} needs the server, which does not answer right now.").format(what=what)
    return exc.message


class OfflineState(Static):
    """The station's OFFLINE line: hidden while the door decides on the server."""

    DEFAULT_CSS = """
    OfflineState {
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
    }
    """

    def __init__(self, station: Station | None, **options: str) -> None:
        super().__init__("", markup=False, **options)  # type: ignore[arg-type]
        self.station = station
        self.shown = ""

    def on_mount(self) -> None:
        self.display = False
        if self.station is not None:
            self.check()
            self.set_interval(POLL_SECONDS, self.check)

    def check(self) -> None:
        if self.station is None:
            return
        try:
            text = offline_text(self.station)
        except Exception:  # the mirror unreadable: the sync says why, this line never crashes
            text = ""
        if text != self.shown:
            self.shown = text
            self.update(text)
            self.display = bool(text)
