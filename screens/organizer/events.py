"""The Events tab: every event; create, edit and cancel one, work on it, use it at this door."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Button, DataTable

from eventdesk.errors import EventdeskError
from eventdesk.services.catalogue import events
from eventdesk.services.catalogue.events import EventInfo, VenueInfo
from screens.base import StationScreen
from screens.organizer.base import (
    EVENT_TABLES,
    Change,
    Fetched,
    ListParams,
    OrganizerTab,
    RowList,
    count_text,
    local_time,
    number_text,
    whole,
)
from screens.widgets.forms import Field, FormValues

VISIBILITIES = tuple((v, v) for v in events.VISIBILITIES)
POLICIES = tuple((p, p) for p in events.UNPAID_POLICIES)


class EventsTab(OrganizerTab):
    """The events, hidden ones too; the one worked on is chosen here or in the bar above."""

    TITLE = "Events"
    COLUMNS = {
        "events-table": ("Title", "Starts", "Cap", "Reg", "Wait", "Status", "Ends", "Vis", "Slug"),
    }
    CAN_NEW = CAN_EDIT = True

    @dataclass
    class Listed(Message):
        """The events were read again: the screen's event bar follows."""

    def compose(self) -> ComposeResult:
        yield self.buttons(
            ("New", "event-new"),
            ("Edit", "event-edit"),
            ("Work on it", "event-use"),
            ("Use at this door", "event-door"),
            ("Cancel event", "event-cancel"),
        )
        yield self.table("events-table")

    def new(self) -> None:
        self.event_new()

    def edit(self) -> None:
        self.event_edit()

    # --- the list ---------------------------------------------------------------------------
    def read(self, target: str, params: ListParams) -> Fetched:
        found = events.list_events(self.backend.store, include_hidden=True)
        rows: RowList = [(e.slug, self._row(e)) for e in found]
        return rows, {e.slug: e for e in found}, ""

    @staticmethod
    def _row(e: EventInfo) -> tuple[str, ...]:
        return (
            e.title,
            local_time(e.starts_at, e.zone),
            count_text(e.capacity),
            str(e.registered),
            str(e.waitlisted),
            e.status,
            local_time(e.ends_at, e.zone),
            e.visibility,
            e.slug,
        )

    def fill(
        self, target: str, rows: RowList, items: dict[str, object], caption: str | None
    ) -> None:
        super().fill(target, rows, items, caption)
        self.post_message(self.Listed())

    # --- working on one, and the door's ---------------------------------------------------------
    @on(DataTable.RowSelected, "#events-table")
    @on(Button.Pressed, "#event-use")
    def event_use(self) -> None:
        chosen = self.chosen("events-table", EventInfo, "an event")
        if chosen is not None and chosen.slug != self.workspace.event:
            self.post_message(
                self.Changed(Change(f"Working on {chosen.title} ({chosen.slug}).", (), chosen.slug))
            )

    @on(Button.Pressed, "#event-door")
    def event_door(self) -> None:
        """The one way the door's event changes here: asked, then confirmed."""
        chosen = self.chosen("events-table", EventInfo, "an event")
        if chosen is None or chosen.slug == self.backend.event:
            if chosen is not None:
                self.notify(f"This door admits {chosen.title} already.")
            return

        def use() -> None:
            try:
                self.backend.use_at_door(chosen)  # kept: a restarted door admits it too
            except EventdeskError as exc:
                self.notify(exc.message, title="Use at this door", severity="error")
                return
            cast(StationScreen, self.screen).station_app.show_who()
            self.post_message(
                self.Changed(
                    Change(f"This door admits {chosen.title} ({chosen.slug}) tickets now.")
                )
            )

        self.confirm(
            f"Admit {chosen.title} ({chosen.slug}) at this door ({self.backend.station})?\n"
            f"Its desk and kiosk then refuse tickets of {self.backend.event or 'other events'}, "
            "after a restart too.",
            "Use at this door",
            use,
        )

    # --- forms --------------------------------------------------------------------------------
    def _venue_options(self) -> tuple[tuple[str, str], ...]:
        return tuple((v.name, v.name) for v in self.workspace.records("venues-table", VenueInfo))

    @on(Button.Pressed, "#event-new")
    def event_new(self) -> None:
        store, station = self.backend.store, self.backend.station
        fields = [
            Field("name", "Title", required=True),
            Field("starts", "Starts", placeholder="2026-05-14T09:00", required=True),
            Field("ends", "Ends", placeholder="2026-05-14T18:00", required=True),
            Field("timezone", "Time zone", "UTC", placeholder="Europe/Berlin"),
            Field("capacity", "Capacity", placeholder="empty: the venue's, or no limit"),
            Field("venue", "Venue", kind="select", options=self._venue_options()),
            Field("category", "Category", placeholder="Conference, Meetup…"),
            Field("visibility", "Visibility", "public", kind="select", options=VISIBILITIES),
            Field("description", "Description"),
            Field("waitlist", "Waitlist", kind="check", checked=True, placeholder="when full"),
            Field("unpaid", "Unpaid at door", "refuse", kind="select", options=POLICIES),
            Field("reentry", "Re-entry", kind="check", placeholder="allow exit and re-entry"),
        ]

        def create(values: FormValues) -> Change:
            made = events.create_event(
                store,
                name=values.text("name"),
                starts=values.text("starts"),
                ends=values.text("ends"),
                timezone=values.text("timezone") or "UTC",
                capacity=whole(values.text("capacity"), "capacity"),
                venue=values.optional("venue"),
                category=values.optional("category"),
                visibility=values.text("visibility") or "public",
                description=values.optional("description"),
                waitlist=values.flag("waitlist"),
                unpaid_policy=values.text("unpaid") or "refuse",
                allow_reentry=values.flag("reentry"),
                station=station,
            )
            return Change(f"Event {made.title} ({made.slug}) created", ("events-table",), made.slug)

        self.form("New event", fields, create, submit="Create")

    @on(Button.Pressed, "#event-edit")
    def event_edit(self) -> None:
        info = self.chosen("events-table", EventInfo, "an event")
        if info is None:
            return
        store, station, tz = self.backend.store, self.backend.station, info.zone
        fields = [
            Field("name", "Title", info.title, required=True),
            Field("starts", "Starts", local_time(info.starts_at, tz, iso=True), required=True),
            Field("ends", "Ends", local_time(info.ends_at, tz, iso=True), required=True),
            Field("timezone", "Time zone", info.timezone, disabled=True),
            Field(
                "capacity", "Capacity", number_text(info.capacity), placeholder="empty: no limit"
            ),
            Field("venue", "Venue", info.venue or "", kind="select", options=self._venue_options()),
            Field("category", "Category", info.category or ""),
            Field("visibility", "Visibility", info.visibility, kind="select", options=VISIBILITIES),
            Field("description", "Description", info.description or ""),
            Field(
                "waitlist",
                "Waitlist",
                kind="check",
                checked=info.waitlist_enabled,
                placeholder="when full",
            ),
            Field("unpaid", "Unpaid at door", info.unpaid_policy, kind="select", options=POLICIES),
            Field(
                "reentry",
                "Re-entry",
                kind="check",
                checked=info.allow_reentry,
                placeholder="allow exit and re-entry",
            ),
            Field(
                "checkin-opens",
                "Check-in opens",
                local_time(info.checkin_opens_at, tz, iso=True),
                placeholder="empty: any time",
            ),
            Field(
                "checkin-closes",
                "Check-in closes",
                local_time(info.checkin_closes_at, tz, iso=True),
                placeholder="empty: any time",
            ),
        ]

        def change(values: FormValues) -> Change:
            capacity = whole(values.text("capacity"), "capacity")
            made = events.update_event(
                store,
                info.id,
                name=values.text("name"),
                starts=values.text("starts"),
                ends=values.text("ends"),
                capacity=capacity,
                clear_capacity=capacity is None,
                venue=values.optional("venue"),
                category=values.optional("category"),
                visibility=values.text("visibility") or None,
                description=values.text("description"),
                waitlist=values.flag("waitlist"),
                unpaid_policy=values.text("unpaid") or None,
                allow_reentry=values.flag("reentry"),
                checkin_opens=values.optional("checkin-opens"),
                checkin_closes=values.optional("checkin-closes"),
                station=station,
            )
            return Change(f"Event {made.title} saved", ("events-table", *EVENT_TABLES))

        self.form(f"Edit event {info.slug}", fields, change)

    @on(Button.Pressed, "#event-cancel")
    def event_cancel(self) -> None:
        info = self.chosen("events-table", EventInfo, "an event")
        if info is None:
            return
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = events.cancel_event(store, info.id, station=station)
            return f"Event {made.title} is cancelled"

        self.confirm(
            f"Cancel the event {info.title} ({info.slug})? Its tickets no longer admit anyone.",
            "Cancel event",
            lambda: self.act(job, "events-table"),
        )
