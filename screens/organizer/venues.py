"""The Venues tab: venues with their address, capacity and numbered seats."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button

from eventdesk.i18n import N_, _, ngettext
from eventdesk.services.catalogue import events
from eventdesk.services.catalogue.events import VenueInfo
from screens.organizer.base import (
    Change,
    Fetched,
    ListParams,
    OrganizerTab,
    RowList,
    count_text,
    number_text,
    whole,
)
from screens.widgets.forms import Field, FormValues


class VenuesTab(OrganizerTab):
    """Where events take place; an event may take its capacity and seats from its venue."""

    TITLE = N_("Venues")
    COLUMNS = {
        "venues-table": (
            "#",
            N_("Venue"),
            N_("Address"),
            # TRANSLATORS: a table heading: the venue's capacity, short
            N_("Cap"),
            N_("Seats"),
        )
    }
    CAN_NEW = CAN_EDIT = True

    def compose(self) -> ComposeResult:
        yield self.buttons((_("New"), "venue-new"), (_("Edit"), "venue-edit"))
        yield self.table("venues-table")

    def new(self) -> None:
        self.venue_new()

    def edit(self) -> None:
        self.venue_edit()

    def read(self, target: str, params: ListParams) -> Fetched:
        found = events.list_venues(self.backend.store)
        rows: RowList = [
            (str(v.id), (str(v.id), v.name, v.address or "", count_text(v.capacity), str(v.seats)))
            for v in found
        ]
        return rows, {str(v.id): v for v in found}, ""

    @on(Button.Pressed, "#venue-new")
    def venue_new(self) -> None:
        store = self.backend.store
        fields = [
            Field("name", _("Name"), required=True),
            Field("address", _("Address")),
            Field("capacity", _("Capacity"), placeholder=_("empty: no limit")),
            Field("seats", _("Numbered seats"), placeholder=_("A1-A20,B1-B20 (empty: none)")),
        ]

        def create(values: FormValues) -> Change:
            made = events.add_venue(
                store,
                name=values.text("name"),
                address=values.optional("address"),
                capacity=whole(values.text("capacity"), "capacity"),
                seats=values.optional("seats"),
            )
            said = ngettext(
                "Venue {name} added ({count} seat)",
                "Venue {name} added ({count} seats)",
                made.seats,
            ).format(name=made.name, count=made.seats)
            return Change(said, ("venues-table",))

        self.form(_("New venue"), fields, create, submit=_("Add"))

    @on(Button.Pressed, "#venue-edit")
    def venue_edit(self) -> None:
        info = self.chosen("venues-table", VenueInfo, _("Choose a venue in the list first."))
        if info is None:
            return
        store = self.backend.store
        fields = [
            Field("name", _("Name"), info.name, required=True),
            Field("address", _("Address"), info.address or ""),
            Field(
                "capacity",
                _("Capacity"),
                number_text(info.capacity),
                placeholder=_("empty: no limit"),
            ),
        ]

        def change(values: FormValues) -> Change:
            capacity = whole(values.text("capacity"), "capacity")
            made = events.update_venue(
                store,
                info.id,
                name=values.text("name"),
                address=values.text("address"),
                capacity=capacity,
                clear_capacity=capacity is None,
            )
            return Change(
                _("Venue {name} saved").format(name=made.name), ("venues-table", "events-table")
            )

        self.form(
            _("Edit venue {name}").format(name=info.name),
            fields,
            change,
            note=_("Events keep their own capacity; seats stay as they are."),
        )
