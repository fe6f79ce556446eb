"""The Events tab: every event; create, edit and cancel one, work on it, use it at this door."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Button, DataTable

from eventdesk.errors import EventdeskError
from eventdesk.i18n import N_, _
from eventdesk.labels import label, options
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


def visibilities() -> tuple[tuple[str, str], ...]:
    """The visibilities an event may have, each (label, code): translated where shown."""
    return options("visibility", events.VISIBILITIES)


def policies() -> tuple[tuple[str, str], ...]:
    """What the door may do with an unpaid ticket, each (label, code)."""
    return options("unpaid_policy", events.UNPAID_POLICIES)


class EventsTab(OrganizerTab):
    """The events, hidden ones too; the one worked on is chosen here or in the bar above."""

    TITLE = N_("Events")
    COLUMNS = {
        "events-table": (
            N_("Title"),
            N_("Starts"),
            # TRANSLATORS: a table heading: the event's capacity, short
            N_("Cap"),
            # TRANSLATORS: a table heading: how many are registered, short
            N_("Reg"),
            # TRANSLATORS: a table heading: how many are on the waitlist, short
            N_("Wait"),
            N_("Status"),
            N_("Ends"),
            # TRANSLATORS: a table heading: the event's visibility (public, hidden...), short
            N_("Vis"),
            N_("Slug"),
        ),
    }
    CAN_NEW = CAN_EDIT = True

    @dataclass
    class Listed(Message):
        """The events were read again: the screen's event bar follows."""

    def compose(self) -> ComposeResult:
        yield self.buttons(
            (_("New"), "event-new"),
            (_("Edit"), "event-edit"),
            (_("Work on it"), "event-use"),
            (_("Use at this door"), "event-door"),
            # TRANSLATORS: a button: this door admits the chosen event's tickets too (a
            # festival's days at one gate), beside the event(s) it admits
            (_("Also at this door"), "event-door-also"),
            (_("Cancel event"), "event-cancel"),
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
            label("event_status", e.status),
            local_time(e.ends_at, e.zone),
            label("visibility", e.visibility),
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
        chosen = self.chosen("events-table", EventInfo, _("Choose an event in the list first."))
        if chosen is not None and chosen.slug != self.workspace.event:
            said = _("Working on {title} ({event}).").format(title=chosen.title, event=chosen.slug)
            self.post_message(self.Changed(Change(said, (), chosen.slug)))

    @on(Button.Pressed, "#event-door")
    def event_door(self) -> None:
        """The one way the door's event changes here: asked, then confirmed."""
        chosen = self.chosen("events-table", EventInfo, _("Choose an event in the list first."))
        if chosen is None or chosen.slug == self.backend.event:
            if chosen is not None:
                self.notify(_("This door admits {title} already.").format(title=chosen.title))
            return

        def use() -> None:
            self._change_door(
                lambda: self.backend.use_at_door(chosen),  # kept: a restarted door admits it too
                _("Use at this door"),
                lambda: _("This door admits {title} ({event}) tickets now.").format(
                    title=chosen.title, event=chosen.slug
                ),
            )

        if self.backend.event:
            question = _(
                "Admit {title} ({event}) at this door ({station})?\n"
                "Its desk and kiosk then refuse tickets of {door_event}, after a restart too."
            ).format(
                title=chosen.title,
                event=chosen.slug,
                station=self.backend.station,
                door_event=self.backend.event,
            )
        else:
            question = _(
                "Admit {title} ({event}) at this door ({station})?\n"
                "Its desk and kiosk then refuse tickets of other events, after a restart too."
            ).format(title=chosen.title, event=chosen.slug, station=self.backend.station)
        self.confirm(question, _("Use at this door"), use)

    @on(Button.Pressed, "#event-door-also")
    def event_door_also(self) -> None:
        """A door for several events: the chosen one admitted too, asked, then confirmed."""
        chosen = self.chosen("events-table", EventInfo, _("Choose an event in the list first."))
        if chosen is None:
            return
        if chosen.slug in self.backend.admitted:
            self.notify(_("This door admits {title} already.").format(title=chosen.title))
            return

        def add() -> None:
            self._change_door(
                lambda: self.backend.also_at_door(chosen),  # kept: a restart admits them too
                _("Also at this door"),
                lambda: _("This door admits {events} tickets now.").format(
                    events=self.backend.door_title
                ),
            )

        question = _(
            "Admit {title} ({event}) at this door ({station}) too, beside {door_event}?\n"
            "Each ticket is decided by its own event's rules, after a restart too."
        ).format(
            title=chosen.title,
            event=chosen.slug,
            station=self.backend.station,
            door_event=self.backend.door_title or _("no event"),
        )
        self.confirm(question, _("Also at this door"), add)

    def _change_door(
        self, change: Callable[[], object], title: str, said: Callable[[], str]
    ) -> None:
        """The door's events changed (and kept) by ``change``, the header following and ``said``
        told; a refusal is shown under ``title`` and changes nothing."""
        try:
            change()
        except EventdeskError as exc:
            self.notify(exc.message, title=title, severity="error")
            return
        cast(StationScreen, self.screen).station_app.show_who()
        self.post_message(self.Changed(Change(said())))

    # --- forms --------------------------------------------------------------------------------
    def _venue_options(self) -> tuple[tuple[str, str], ...]:
        return tuple((v.name, v.name) for v in self.workspace.records("venues-table", VenueInfo))

    @on(Button.Pressed, "#event-new")
    def event_new(self) -> None:
        store, station = self.backend.store, self.backend.station
        fields = [
            Field("name", _("Title"), required=True),
            Field("starts", _("Starts"), placeholder="2026-05-14T09:00", required=True),
            Field("ends", _("Ends"), placeholder="2026-05-14T18:00", required=True),
            Field("timezone", _("Time zone"), "UTC", placeholder="Europe/Berlin"),
            Field("capacity", _("Capacity"), placeholder=_("empty: the venue's, or no limit")),
            Field("venue", _("Venue"), kind="select", options=self._venue_options()),
            Field("category", _("Category"), placeholder=_("Conference, Meetup…")),
            Field("visibility", _("Visibility"), "public", kind="select", options=visibilities()),
            Field("description", _("Description")),
            Field(
                "waitlist", _("Waitlist"), kind="check", checked=True, placeholder=_("when full")
            ),
            Field("unpaid", _("Unpaid at door"), "refuse", kind="select", options=policies()),
            Field("reentry", _("Re-entry"), kind="check", placeholder=_("allow exit and re-entry")),
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
            return Change(
                _("Event {title} ({event}) created").format(title=made.title, event=made.slug),
                ("events-table",),
                made.slug,
            )

        self.form(_("New event"), fields, create, submit=_("Create"))

    @on(Button.Pressed, "#event-edit")
    def event_edit(self) -> None:
        info = self.chosen("events-table", EventInfo, _("Choose an event in the list first."))
        if info is None:
            return
        store, station, tz = self.backend.store, self.backend.station, info.zone
        fields = [
            Field("name", _("Title"), info.title, required=True),
            Field("starts", _("Starts"), local_time(info.starts_at, tz, iso=True), required=True),
            Field("ends", _("Ends"), local_time(info.ends_at, tz, iso=True), required=True),
            Field("timezone", _("Time zone"), info.timezone, disabled=True),
            Field(
                "capacity",
                _("Capacity"),
                number_text(info.capacity),
                placeholder=_("empty: no limit"),
            ),
            Field(
                "venue",
                _("Venue"),
                info.venue or "",
                kind="select",
                options=self._venue_options(),
            ),
            Field("category", _("Category"), info.category or ""),
            Field(
                "visibility",
                _("Visibility"),
                info.visibility,
                kind="select",
                options=visibilities(),
            ),
            Field("description", _("Description"), info.description or ""),
            Field(
                "waitlist",
                _("Waitlist"),
                kind="check",
                checked=info.waitlist_enabled,
                placeholder=_("when full"),
            ),
            Field(
                "unpaid",
                _("Unpaid at door"),
                info.unpaid_policy,
                kind="select",
                options=policies(),
            ),
            Field(
                "reentry",
                _("Re-entry"),
                kind="check",
                checked=info.allow_reentry,
                placeholder=_("allow exit and re-entry"),
            ),
            Field(
                "checkin-opens",
                _("Check-in opens"),
                local_time(info.checkin_opens_at, tz, iso=True),
                placeholder=_("empty: any time"),
            ),
            Field(
                "checkin-closes",
                _("Check-in closes"),
                local_time(info.checkin_closes_at, tz, iso=True),
                placeholder=_("empty: any time"),
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
            return Change(
                _("Event {title} saved").format(title=made.title), ("events-table", *EVENT_TABLES)
            )

        self.form(_("Edit event {event}").format(event=info.slug), fields, change)

    @on(Button.Pressed, "#event-cancel")
    def event_cancel(self) -> None:
        info = self.chosen("events-table", EventInfo, _("Choose an event in the list first."))
        if info is None:
            return
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = events.cancel_event(store, info.id, station=station)
            return _("Event {title} is cancelled").format(title=made.title)

        self.confirm(
            _("Cancel the event {title} ({event})? Its tickets no longer admit anyone.").format(
                title=info.title, event=info.slug
            ),
            _("Cancel event"),
            lambda: self.act(job, "events-table"),
        )
