"""The arrival alerts not seen yet, on the organizer's and the stats screens.

An awaited person admitted at any station (services.door.alerts) is said here at once, the
newest first, and stays said until an organizer has seen it: the screen's key marks the alert
shown seen, in the database, for every screen. It reads the database every two seconds in a
thread, while its screen is shown. A login that may not read the alerts (a station's own), or
a wall display nobody signs in at, shows none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.message import Message
from textual.widgets import Static

from eventdesk.errors import EventdeskError
from eventdesk.event_time import show
from eventdesk.i18n import _, ngettext
from screens.terminal import for_screen

if TYPE_CHECKING:  # the alerts' service loads SQLAlchemy: with the first read
    from zoneinfo import ZoneInfo

    from eventdesk.db import Store
    from eventdesk.services.door.alerts import AlertInfo


def alert_text(alert: AlertInfo, zone: ZoneInfo, more: int = 0) -> str:
    """One alert for people: who arrived, when and where, and why they are awaited."""
    who = for_screen(alert.name or alert.ticket_id or "?")
    if alert.ticket_type:
        who = f"{who} ({for_screen(alert.ticket_type)})"
    # TRANSLATORS: an arrival alert: {who} is a name and ticket type, {time} a clock time,
    # {station} where they were admitted, {reason} why the organizer awaits them
    text = _("⚑ {who} arrived {time} at {station}: {reason}").format(
        who=who,
        time=show(alert.at, zone, "clock"),
        station=for_screen(alert.station or "?"),
        reason=for_screen(alert.reason),
    )
    if more:
        # TRANSLATORS: after an arrival alert: how many other alerts wait to be seen
        text += " · " + ngettext("{count} more", "{count} more", more).format(count=more)
    return text


class ArrivalAlerts(Static):
    """The newest arrival alert not seen yet (and how many more wait): hidden when none."""

    DEFAULT_CSS = """
    ArrivalAlerts {
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $warning;
        color: $text;
        text-style: bold;
    }
    """

    poll_seconds: ClassVar[float] = 2.0
    """How often the alerts are read again (tests make it shorter)."""

    @dataclass
    class Read(Message):
        """The alerts not seen yet, as just read (newest first)."""

        alerts: list[AlertInfo]

    def __init__(
        self,
        store: Callable[[], Store],
        event: Callable[[], str | None],
        zone: Callable[[], ZoneInfo],
        *,
        enabled: bool = True,
        **options: str,
    ) -> None:
        super().__init__("", markup=False, **options)  # type: ignore[arg-type]
        self._store, self._event, self._zone = store, event, zone
        self.enabled = enabled
        self.alerts: list[AlertInfo] = []
        self.known: set[int] = set()  # the alerts shown before: a new one rings the bell

    @property
    def shown(self) -> AlertInfo | None:
        """The alert on the screen (the newest not seen), if any."""
        return self.alerts[0] if self.alerts else None

    def on_mount(self) -> None:
        self.display = False
        if self.enabled:
            self.poll()
            self.set_interval(self.poll_seconds, self.poll, name="arrival-alerts")

    def poll(self) -> None:
        """Read the alerts again, while this screen is the one shown."""
        if self.enabled and self.screen.is_current:
            self._read()

    @work(thread=True, exclusive=True, group="arrival-alerts")
    def _read(self) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        from eventdesk.services.door.alerts import unseen_alerts

        event = self._event()
        try:
            store = self._store()
            if store.station_login() is not None:  # a station's own: reads no alerts
                self.enabled = False
                return
            alerts = unseen_alerts(store, event) if event else []
        except (EventdeskError, SQLAlchemyError):  # not answering: what is shown stays
            return
        self.post_message(self.Read(alerts))

    def on_arrival_alerts_read(self, message: Read) -> None:
        message.stop()
        fresh = {a.id for a in message.alerts} - self.known
        self.known.update(fresh)
        self._show(message.alerts)
        if fresh:
            self.app.bell()

    def _show(self, alerts: list[AlertInfo]) -> None:
        had = self.shown is not None
        self.alerts = alerts
        shown = self.shown
        self.update("" if shown is None else alert_text(shown, self._zone(), len(alerts) - 1))
        self.display = shown is not None
        if had != (shown is not None):
            self.screen.refresh_bindings()  # the key that marks it seen comes or goes

    def seen(self) -> None:
        """The alert shown has been seen: so marked, and the next one shown."""
        shown = self.shown
        if shown is not None:
            self._show(self.alerts[1:])
            self._mark(shown.id)

    @work(thread=True, group="arrival-alerts-seen")
    def _mark(self, alert_id: int) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        from eventdesk.services.door.alerts import mark_seen, unseen_alerts

        event = self._event()
        try:
            mark_seen(self._store(), [alert_id])
            alerts = unseen_alerts(self._store(), event) if event else []
        except (EventdeskError, SQLAlchemyError) as exc:
            problem = exc.message if isinstance(exc, EventdeskError) else str(exc)
            self.app.call_from_thread(self.notify, problem, severity="error")
            return
        self.post_message(self.Read(alerts))
