"""The Waitlist tab: who waits for the event worked on, in order; promote or remove them."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button

from eventdesk.services.catalogue import events
from eventdesk.services.people import registration
from eventdesk.services.people.registration import WaitlistEntry
from screens.organizer.base import Fetched, ListParams, OrganizerTab, RowList, local_time


class WaitlistTab(OrganizerTab):
    """The waitlist: promoted in order when a place frees up, or by hand here."""

    TITLE = "Waitlist"
    COLUMNS = {"waitlist-table": ("Pos", "Ticket", "Name", "Email", "Type", "Tier", "Since")}

    def compose(self) -> ComposeResult:
        yield self.buttons(
            ("Promote", "wait-promote"),
            ("Promote over capacity", "wait-force"),
            ("Remove", "wait-remove"),
        )
        yield self.table("waitlist-table")

    def read(self, target: str, params: ListParams) -> Fetched:
        if params.event is None:
            return [], {}, ""
        tz = events.show_event(self.backend.store, params.event).zone
        found = registration.list_waitlist(self.backend.store, params.event)
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
        entry = self.chosen("waitlist-table", WaitlistEntry, "someone on the waitlist")
        if entry is not None:
            self._promote(entry, force=False)

    @on(Button.Pressed, "#wait-force")
    def wait_force(self) -> None:
        entry = self.chosen("waitlist-table", WaitlistEntry, "someone on the waitlist")
        if entry is not None:
            self.confirm(
                f"Admit {entry.name} ({entry.ticket_type}) even though it is full?",
                "Promote over capacity",
                lambda: self._promote(entry, force=True),
            )

    def _promote(self, entry: WaitlistEntry, *, force: bool) -> None:
        store, station = self.backend.store, self.backend.station

        def job() -> str:
            made = registration.promote(store, entry.ticket_id, force=force, station=station)
            seat = f", seat {made.seat}" if made.seat else ""
            return f"{entry.name} is registered ({made.ticket_id}{seat})"

        self.act(
            job, "waitlist-table", "types-table", "sessions-table", "events-table", "regs-table"
        )

    @on(Button.Pressed, "#wait-remove")
    def wait_remove(self) -> None:
        entry = self.chosen("waitlist-table", WaitlistEntry, "someone on the waitlist")
        if entry is not None:
            self.cancel_ticket(entry.ticket_id, f"{entry.name}'s waitlisted ticket")
