"""The stats screen: the event's live figures, read from the database every two seconds.

Every station writes to the same database, so the figures are counted there (one snapshot,
``eventdesk.services.stats.reports.stats``) by a thread worker; the worker posts them and the
handler draws them. When the database does not answer, the last figures stay up with a note.
It is also what ``eventdesk serve --mode stats`` shows on a wall (``--wall``): nobody signs in,
the header says "wall screen", no keys are shown, and the sessions take a whole line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Header, Static
from textual.worker import Worker, get_current_worker

from eventdesk.errors import DatabaseUnavailable, EventdeskError
from eventdesk.event_time import UTC_ZONE, event_zone, show
from eventdesk.i18n import N_, _, ngettext
from eventdesk.labels import label
from eventdesk.services.catalogue.events import current_event, show_event
from eventdesk.services.stations.clock import OFF_AFTER, clock_words
from eventdesk.services.stations.mirror_read import roll_call_in_copy
from eventdesk.services.stats.inside import RollCall, roll_call
from eventdesk.services.stats.reports import Stats, stats
from eventdesk.values import money_text
from screens.base import StationScreen
from screens.stats.bars import BarList, BarRow
from screens.stats.chart import ArrivalsChart, bucket_minutes, fill_gaps
from screens.stats.inside import InsideScreen
from screens.stats.number import BigNumber
from screens.widgets.arrival_alerts import ArrivalAlerts
from screens.widgets.key_bar import KeyBar
from screens.widgets.offline_state import OfflineState

NOT_ANSWERING = N_("database not answering")
SLOW_READS = 2  # a read taking longer than this many intervals: "not answering"
QUIET_SECONDS = 300  # a station with no scan for this long is shown dimmed


def clock(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as a wall clock in ``zone``: the event's, or UTC before an event is shown
    (never this computer's: a wall screen's machine may be set to any zone)."""
    return show(moment, zone, "seconds")


def percent(part: int, whole: int | None) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _named(message: str, station: str, **values: object) -> Text:
    """A translated ``message`` whose ``{station}`` is ``station`` in bold, the rest of it
    formatted with ``values``; in yellow."""
    before, _sep, after = message.partition("{station}")
    return Text.assemble(
        before.format(**values),
        (station, "bold yellow"),  # not for translation: a style (the name as typed)
        after.format(**values),
        style="yellow",
    )


class StatsScreen(StationScreen):
    """Checked in against registered, arrivals over time, and what each part of the event holds."""

    CSS_PATH = "stats.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]
    # The panels take the focus first (they scroll); Tab reaches "Inside now", which opens.
    AUTO_FOCUS = "#stats-panels"
    BINDINGS = [
        Binding("r", "refresh_now", N_("Refresh"), id="stats.refresh"),
        # TRANSLATORS: a key: the names of who is inside now (the "Inside now" figure opened)
        Binding("i", "inside", N_("Who is inside"), id="stats.inside"),
        # TRANSLATORS: a key: the arrival alert shown has been seen (it goes away)
        Binding("a", "alert_seen", N_("Alert seen"), id="stats.alert_seen"),
    ]

    refresh_seconds: ClassVar[float] = 2.0
    """How often the figures are read again (tests make it shorter)."""

    @dataclass
    class Loaded(Message):
        """A fresh snapshot of the figures (None: there is no event to show)."""

        figures: Stats | None
        timezone: str | None = None  # the event's, for the times shown

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, (StatsScreen.Loaded, StatsScreen.Failed))

    @dataclass
    class Failed(Message):
        """The figures could not be read; ``problem`` says why, for a person."""

        problem: str

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, StatsScreen.Failed)

    def __init__(self) -> None:
        super().__init__()
        self.figures: Stats | None = None  # the last figures shown
        self.updated_at: datetime | None = None  # when they were read
        self.problem: str | None = None  # why the last read failed, while it does
        self._timer: Timer | None = None
        self._poller: Worker[None] | None = None
        self._poll_started = 0.0  # time.monotonic() when the last read began
        self.zone: ZoneInfo = UTC_ZONE  # the event's time zone, once known
        self._zones: dict[str, str] = {}  # event -> time zone; only the stats worker uses it

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        wall = self.backend.wall
        yield Header()
        with Horizontal(id="stats-top"):
            yield Static("", id="stats-title", markup=False)
            yield Static(_("loading…"), id="stats-status", markup=False)
        # The figures are the server's: while it does not answer they are the last ones read.
        yield OfflineState(self.backend.door_station, id="offline")
        # Names and why they are awaited: for the organizer signed in, not for a wall.
        yield ArrivalAlerts(
            lambda: self.backend.store,
            self._alerts_event,
            lambda: self.zone,
            enabled=not wall,
            id="stats-alerts",
        )
        yield Static(_("No event yet"), id="stats-no-event")
        with Horizontal(id="stats-numbers"):
            yield BigNumber(_("Checked in"), fill=True, id="num-checked-in", classes="-accent")
            yield BigNumber(_("Registered"), id="num-registered")
            # Its names are for the staff signed in, not for a wall anyone reads.
            yield BigNumber(_("Inside now"), opens=not wall, id="num-inside")
            yield BigNumber(_("Last 15 min"), id="num-recent")
            yield BigNumber(_("Waitlisted"), id="num-waitlisted")
        with Vertical(id="arrivals-panel", classes="panel"):
            yield ArrivalsChart(_("No arrivals in the last three hours"), id="arrivals-chart")
        with VerticalScroll(id="stats-panels"):
            if wall:  # a whole line on the wall: every session's name in full
                sessions = BarList(_("No sessions"), id="sessions")
                yield Vertical(sessions, id="sessions-panel", classes="panel")
            with Grid(id="stats-grid"):
                with Vertical(id="types-panel", classes="panel"):
                    yield BarList(_("No ticket types"), id="by-type")
                if not wall:
                    with Vertical(id="sessions-panel", classes="panel"):
                        yield BarList(_("No sessions"), id="sessions")
                with Vertical(id="stations-panel", classes="panel"):
                    yield Static(_("No scans yet"), id="stations")
                with Vertical(id="waitlists-panel", classes="panel"):
                    yield BarList(_("Nobody is waiting"), id="waitlists")
                with Vertical(id="revenue-panel", classes="panel"):
                    yield Static(_("No payments yet"), id="revenue")
                with Vertical(id="problems-panel", classes="panel"):
                    yield BarList(_("No scan problems"), id="scan-problems")
                    latest = Static("", id="latest-conflict", markup=False)
                    latest.display = False  # only while the event has conflicts
                    yield latest
        yield KeyBar()  # not on the wall (stats.tcss): nobody there has a keyboard

    def on_mount(self) -> None:
        titles = {
            "arrivals-panel": (_("Arrivals"), ""),
            "types-panel": (_("By ticket type"), _("checked in / registered")),
            "sessions-panel": (_("Sessions"), _("registered / capacity")),
            "stations-panel": (_("Per station"), ""),
            "waitlists-panel": (_("Waitlists"), ""),
            "revenue-panel": (_("Revenue"), _("net of refunds")),
            "problems-panel": (_("Scan problems"), _("by result")),
        }
        for panel_id, (title, subtitle) in titles.items():
            panel = self.query_one(f"#{panel_id}")
            panel.border_title, panel.border_subtitle = title, subtitle
        self.set_class(self.backend.event is None, "-no-event")
        if self.backend.wall:  # nobody signs in at the wall: its header says what it is
            self.add_class("-wall")
            self.title, self.sub_title = "eventdesk", _("wall screen")

    # --- polling: only while the screen is shown -------------------------------------------
    def on_screen_resume(self) -> None:
        self.poll()
        if self._timer is None:
            self._timer = self.set_interval(self.refresh_seconds, self.poll, name="stats-poll")
        else:
            self._timer.reset()  # the next read a full interval after this one
            self._timer.resume()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def action_refresh_now(self) -> None:
        self.poll()

    # --- who is inside: the "Inside now" figure opened ------------------------------------
    def _alerts_event(self) -> str | None:
        """The event whose arrival alerts are shown: the one the figures are of."""
        return self.figures.event if self.figures is not None else self.backend.event

    def action_alert_seen(self) -> None:
        self.query_one(ArrivalAlerts).seen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "alert_seen":  # only while an alert is shown
            return self.query_one(ArrivalAlerts).shown is not None
        if action != "inside":
            return True
        if self.backend.wall:  # nobody signed in at the wall: no names there
            return False
        return True if self.figures is not None else None

    def key_refusal(self, action: str, parameters: tuple[object, ...]) -> str | None:
        if action == "inside" and self.figures is None:
            return _("No event yet")
        return None

    def action_inside(self) -> None:
        figures = self.figures
        if figures is None or self.backend.wall:
            return
        self.app.push_screen(InsideScreen(self._roll_call(figures.event)))

    @on(BigNumber.Measured)
    def caption_measured(self) -> None:
        """A caption too wide for its figure's box: the row of figures takes a line more."""
        self.set_class(self.captions_wrap(), "-long-captions")

    def captions_wrap(self) -> bool:
        """Whether a figure shown says (as last measured) that its caption needs two lines."""
        numbers = self.query(BigNumber).results(BigNumber)
        return any(n.display and n.caption_lines > 1 for n in numbers)

    @on(BigNumber.Opened, "#num-inside")
    def inside_opened(self) -> None:
        if self.check_action("inside", ()):
            self.action_inside()

    def _roll_call(self, event: str) -> Callable[[], RollCall]:
        """How the names are read (in a thread): from the station's database, or while its
        server does not answer from its copy."""
        backend = self.backend

        def read() -> RollCall:
            now = backend.now()
            station = backend.door_station
            if station is None:
                return roll_call(backend.store, event, now=now)
            return station.read(
                lambda: roll_call(backend.store, event, now=now),
                lambda copy: roll_call_in_copy(copy, event, now=now),
            )

        return read

    def poll(self) -> None:
        """Read the figures again, unless a read is still under way (a slow database)."""
        if self._poller is not None and self._poller.is_running:
            waited = time.monotonic() - self._poll_started
            if waited > max(SLOW_READS * self.refresh_seconds, 1.0) and self.problem is None:
                self._stale(_(NOT_ANSWERING))  # locked or gone quiet: say so while it waits
            return
        self._poll_started = time.monotonic()
        self._poller = self.read_figures()

    @work(thread=True, exclusive=True, group="stats")
    def read_figures(self) -> None:
        worker = get_current_worker()
        store, event = self.backend.store, self.backend.event
        message: Message
        try:
            if event is None:  # a wall display started before the event was made
                chosen = current_event(store, self.backend.now())
                event = chosen.slug if chosen else None
            if event is None:
                message = self.Loaded(None)
            else:
                if event not in self._zones:
                    self._zones[event] = show_event(store, event).timezone
                message = self.Loaded(
                    stats(store, event, now=self.backend.now()), self._zones[event]
                )
        except DatabaseUnavailable:
            message = self.Failed(_(NOT_ANSWERING))
        except EventdeskError as exc:
            message = self.Failed(exc.message)
        except (SQLAlchemyError, OSError) as exc:  # busy, locked, a dropped connection, a pool
            # that timed out: the poll never ends the app, the next one tries again
            self.log.warning(f"stats: {exc}")
            message = self.Failed(_(NOT_ANSWERING))
        if not worker.is_cancelled:
            self.post_message(message)

    # --- drawing ---------------------------------------------------------------------------
    @on(Failed)
    def read_failed(self, message: Failed) -> None:
        self._stale(message.problem)

    def _stale(self, problem: str) -> None:
        self.problem = problem
        self.add_class("-stale")
        self._show_status()

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        self.problem = None
        self.remove_class("-stale")
        figures = message.figures
        self.updated_at = figures.at if figures is not None else self.backend.now()
        self.set_class(figures is None, "-no-event")
        if figures is not None:
            if self.figures is None:
                self.refresh_bindings()  # "Who is inside" can act now: the key bar says so
            self.figures = figures
            self.zone = event_zone(message.timezone)
            self._show(figures)
        self._show_status()

    def _show_status(self) -> None:
        status = self.query_one("#stats-status", Static)
        if self.problem is None:
            status.update(
                _("updated {time}").format(time=clock(self.updated_at, self.zone))
                if self.updated_at
                else _("loading…")
            )
        elif self.updated_at is None:
            status.update(self.problem)
        else:
            status.update(
                _("last updated {time} - {problem}").format(
                    time=clock(self.updated_at, self.zone), problem=self.problem
                )
            )

    def _show(self, figures: Stats) -> None:
        self.query_one("#stats-title", Static).update(
            Text.assemble((figures.title, "bold"), f"  ·  {figures.event}")
        )
        registered = figures.registered
        self.query_one("#num-checked-in", BigNumber).show(
            figures.checked_in,
            _("{percent} of {registered}").format(
                percent=percent(figures.checked_in, registered), registered=registered
            )
            if registered
            else _("nobody registered yet"),
            figures.checked_in / registered if registered else 0.0,
        )
        capacity = (
            _("capacity {capacity}").format(capacity=figures.capacity)
            if figures.capacity
            else _("no capacity limit")
        )
        self.query_one("#num-registered", BigNumber).show(registered, capacity)
        # Inside now: the event's, then each check-in list's with admissions of its own.
        on_lists = "".join(
            f" · {row['name']} {row['inside']}" for row in figures.lists if row["admitted"]
        )
        went_out = figures.checked_in - figures.inside
        self.query_one("#num-inside", BigNumber).show(
            figures.inside,
            ngettext("{count} went out", "{count} went out", went_out).format(count=went_out)
            + on_lists,
        )
        last_scan = (
            # TRANSLATORS: the time of the last scan
            _("last {time}").format(time=clock(figures.last_scan_at, self.zone))
            if figures.last_scan_at
            else ""
        )
        self.query_one("#num-recent", BigNumber).show(figures.arrivals_last_15_min, last_scan)
        self.query_one("#num-waitlisted", BigNumber).show(figures.waitlisted, _("on waitlists"))
        self._show_arrivals(figures)
        self._show_types(figures)
        self._show_sessions(figures)
        self._show_waitlists(figures)
        self._show_revenue(figures)
        self._show_problems(figures)
        self._show_stations(figures)

    def _show_arrivals(self, figures: Stats) -> None:
        buckets = [(str(row["from"]), int(row["count"])) for row in figures.arrivals]
        step = bucket_minutes([label for label, _count in buckets])
        panel = self.query_one("#arrivals-panel")
        if step:
            panel.border_title = ngettext(
                "Arrivals per {minutes} min, last 3 hours",
                "Arrivals per {minutes} min, last 3 hours",
                step,
            ).format(minutes=step)
        else:
            panel.border_title = _("Arrivals, last 3 hours")
        recent = figures.arrivals_last_15_min
        panel.border_subtitle = ngettext(
            "{count} in the last 15 min", "{count} in the last 15 min", recent
        ).format(count=recent)
        self.query_one("#arrivals-chart", ArrivalsChart).show(fill_gaps(buckets, step))

    def _show_types(self, figures: Stats) -> None:
        rows = [
            BarRow(
                str(row["name"]),
                int(row["checked_in"]),
                int(row["registered"]),
                f"{row['checked_in']} / {row['registered']}",
            )
            for row in figures.by_ticket_type
        ]
        self.query_one("#by-type", BarList).show(rows)

    def _show_sessions(self, figures: Stats) -> None:
        rows = []
        for row in figures.sessions:
            registered, capacity = int(row["registered"]), row["capacity"]
            attended = int(row["attended"])
            if row.get("status") == "cancelled":
                # TRANSLATORS: a session the organizer cancelled, in the stats' session list
                rows.append(BarRow(str(row["name"]), 0, None, _("cancelled")))
                continue
            came = ""
            if attended:
                # TRANSLATORS: how many of those registered for a session came in ("12 in")
                came = " · " + ngettext("{count} in", "{count} in", attended).format(count=attended)
            if capacity:
                rows.append(
                    BarRow(
                        str(row["name"]),
                        registered,
                        int(capacity),
                        f"{registered} / {capacity}{came}",
                        warn=registered >= int(capacity),
                    )
                )
            else:
                rows.append(BarRow(str(row["name"]), registered, None, f"{registered}{came}"))
        self.query_one("#sessions", BarList).show(rows)

    def _show_waitlists(self, figures: Stats) -> None:
        most = max((int(row["waiting"]) for row in figures.waitlists), default=0)
        rows = [
            BarRow(
                str(row["ticket_type"]),
                int(row["waiting"]),
                most,
                ngettext("{count} waiting", "{count} waiting", int(row["waiting"])).format(
                    count=row["waiting"]
                ),
            )
            for row in figures.waitlists
        ]
        self.query_one("#waitlists", BarList).show(rows)

    def _show_revenue(self, figures: Stats) -> None:
        lines = [
            Text(money_text(int(row["net_cents"]), str(row["currency"])), "bold")
            for row in figures.revenue
        ]
        self.query_one("#revenue", Static).update(
            Text("\n").join(lines) if lines else Text(_("No payments yet"), "italic")
        )

    def _show_problems(self, figures: Stats) -> None:
        problems = sorted(figures.scan_problems.items(), key=lambda item: (-item[1], item[0]))
        most = max((count for _result, count in problems), default=0)
        rows = [
            BarRow(label("scan_result", result), count, most, str(count), warn=True)
            for result, count in problems
        ]
        self.query_one("#scan-problems", BarList).show(rows)
        self._show_latest_conflict(figures)

    def _show_latest_conflict(self, figures: Stats) -> None:
        """The newest conflict's two stations and times (an offline admission, and what the
        server had meanwhile), under the problems; nothing while there are none."""
        target = self.query_one("#latest-conflict", Static)
        latest = figures.latest_conflict
        target.display = bool(figures.conflicts and latest)
        if not figures.conflicts or not latest:
            return
        (station, other), (moment, other_moment) = latest["stations"], latest["times"]
        mine = f"{station} {clock(moment, self.zone)}"
        theirs = " ".join(
            part for part in (other, other_moment and clock(other_moment, self.zone)) if part
        )
        if latest["reason"] == "revoked":  # the ticket was cancelled meanwhile
            # TRANSLATORS: {where} is the station and time the ticket was cancelled at, if known
            theirs = _("cancelled {where}").format(where=theirs).strip()
        target.update(
            Text.assemble(
                (_("latest conflict:"), "bold"),
                " ",
                # TRANSLATORS: a conflict: {mine} admitted offline, {theirs} what the server had
                _("{mine} vs {theirs}").format(mine=mine, theirs=theirs or "?"),
                style="yellow",
            )
        )

    def _show_stations(self, figures: Stats) -> None:
        target = self.query_one("#stations", Static)
        count = len(figures.stations)
        self.query_one("#stations-panel").border_subtitle = (
            ngettext("{count} station", "{count} stations", count).format(count=count)
            if count
            else ""
        )
        if not figures.stations:
            target.update(Text(_("No scans yet"), "italic"))
            return
        rows = []
        for row in figures.stations:
            last: datetime | None = row["last"]
            quiet = last is None or (figures.at - last).total_seconds() > QUIET_SECONDS
            problems = int(row["problems"])
            warn = "bold yellow" if problems else ""  # not for translation: a style
            rows.append(
                (
                    Text(str(row["station"])),  # a name as typed, not markup
                    Text(str(row["scans"])),
                    Text(str(problems), warn),
                    Text(clock(last, self.zone) if last else "-", "dim" if quiet else ""),
                )
            )
        table = Table(box=None, expand=True, padding=(0, 1), collapse_padding=True, pad_edge=False)
        table.add_column(_("Station"), ratio=1, min_width=6, no_wrap=True, overflow="ellipsis")
        # A figure's heading takes two lines where one would take the station names' room
        # ("Letzter Scan" over a clock at 80 columns): then as wide as its longest word or value.
        headings = (_("Scans"), _("Issues"), _("Last scan"))
        values = [max(row[n].cell_len for row in rows) for n in (1, 2, 3)]
        names = max(cell_len(_("Station")), *(row[0].cell_len for row in rows))
        one_line = names + sum(max(cell_len(h), v) for h, v in zip(headings, values, strict=True))
        wrap = one_line + len(headings) > target.size.width > 0
        for heading, value in zip(headings, values, strict=True):
            widest = max(value, *(cell_len(word) for word in heading.split()))
            table.add_column(
                heading, justify="right", max_width=widest if wrap else None, overflow="fold"
            )
        for cells in rows:
            table.add_row(*cells)
        # A station whose own clock is off (by more than a minute): said under the table.
        off = [
            _named(
                # TRANSLATORS: {offset} says how far off the clock is ("3 h 0 min fast")
                _("{station}'s clock is {offset}"),
                str(row["station"]),
                offset=clock_words(skew),
            )
            for row in figures.stations
            if (skew := row.get("clock_skew_seconds")) is not None
            and abs(skew) > OFF_AFTER.total_seconds()
        ]
        if off:
            target.update(Group(table, *off))
            return
        target.update(table)
