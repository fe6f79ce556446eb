"""The Waitlist tab: who waits for the event worked on, in order; promote or remove them."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button

from eventdesk.i18n import N_, _
from eventdesk.services.catalogue import events
from eventdesk.services.people import waitlist
from eventdesk.services.people.waitlist import WaitlistEntry
from screens.organizer.base import Fetched, ListParams, OrganizerTab, RowList, local_time


class WaitlistTab(OrganizerTab):
    """The waitlist: promoted in order when a place frees up, or by hand here."""

    TITLE = N_("Waitlist")
    COLUMNS = {
        "waitlist-table": (
            # TRANSLATORS: a table heading: the place on the waitlist, short
            N_("Pos"),
            N_("Ticket"),
            N_("Name"),
            N_("Email"),
            # TRANSLATORS: a table heading: the ticket type
            N_("Type"),
            # TRANSLATORS: a table heading: the ticket type's priority tier
            N_("Tier"),
            # TRANSLATORS: a table heading: when they began to wait
            N_("Since"),
        )
    }

    def compose(self) -> ComposeResult:
        yield self.buttons(
            (_("Promote"), "wait-promote"),
            (_("Promote over capacity"), "wait-force"),
            (_("Remove"), "wait-remove"),
        )
        yield self.table("waitlist-table")

    def read(self, target: str, params: ListParams) -> Fetched:
        if params.event is None:
            return [], {}, ""
        tz = events.show_event(self.backend.store, params.event).zone
        found = waitlist.list_waitlist(self.backend.store, params.event)
        rows: RowList = [
            (
                w.ticket_id,
                (
                    str(w.position),
                    w.ticket_id,
                    w.name,
                    w.email,
                    w.ticket_type,
                    str(w.tier),
                    local_time(w.since, tz),
                ),
            )
            for w in found
        ]
        return rows, {w.ticket_id: w for w in found}, ""

    @on(Button.Pressed, "#wait-promote")
    def wait_promote(self) -> None:
        entry = self._entry()
        if entry is not None:
            self._promote(entry, force=False)

    @on(Button.Pressed, "#wait-force")
    def wait_force(self) -> None:
        entry = self._entry()
        if entry is not None:
            self.confirm(
                _("Admit {name} ({type}) even though it is full?").format(
                    name=entry.name, type=entry.ticket_type
                ),
                _("Promote over capacity"),
                lambda: self._promote(entry, force=True),
            )

    def _promote(self, entry: WaitlistEntry, *, force: bool) -> None:
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = waitlist.promote(store, entry.ticket_id, force=force, station=station)
            if made.seat:
                return _("{name} is registered ({ticket}, seat {seat})").format(
                    name=entry.name, ticket=made.ticket_id, seat=made.seat
                )
            return _("{name} is registered ({ticket})").format(
                name=entry.name, ticket=made.ticket_id
            )

        self.act(
            job, "waitlist-table", "types-table", "sessions-table", "events-table", "regs-table"
        )

    @on(Button.Pressed, "#wait-remove")
    def wait_remove(self) -> None:
        entry = self._entry()
        if entry is not None:
            self.cancel_ticket(
                entry.ticket_id,
                _(
                    "Cancel {name}'s waitlisted ticket ({ticket})? The place goes to the waitlist."
                ).format(name=entry.name, ticket=entry.ticket_id),
            )

    def _entry(self) -> WaitlistEntry | None:
        return self.chosen(
            "waitlist-table",
            WaitlistEntry,
            _("Choose someone on the waitlist in the list first."),
        )
