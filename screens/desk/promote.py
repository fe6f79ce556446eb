"""The desk's Promote key: a waitlisted ticket is registered when a place is free; with none,
an organizer may admit it over capacity, and staff are told to ask one."""

from __future__ import annotations

from functools import partial

from eventdesk.errors import EventdeskError, SoldOut
from eventdesk.services.people.registration import promote
from screens.base import StationScreen
from screens.desk.card import TicketLine
from screens.desk.messages import Done, Failed, PromoteRefused
from screens.widgets.confirm import ConfirmScreen


class Promotion:
    """Promotes tickets for ``screen``; its outcome comes back as ``Done``, ``Failed`` or
    ``PromoteRefused`` (which the screen hands to ``refused``)."""

    def __init__(self, screen: StationScreen) -> None:
        self.screen = screen

    def start(self, line: TicketLine) -> None:
        ticket = line.ticket
        self._run(ticket.id, ticket.attendee_id, ticket.attendee, force=False)

    def refused(self, message: PromoteRefused) -> None:
        """No free place: an organizer is asked whether to admit over capacity."""
        screen = self.screen
        staff = screen.backend.staff
        if staff is None or staff.role != "organizer":
            screen.notify(
                f"{message.text} (an organizer can admit over capacity)",
                title="Promote",
                severity="error",
                markup=False,
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(message.ticket_id, message.attendee_id, message.name, force=True)

        question = f"{message.text}.\nAdmit {message.name} over capacity anyway?"
        screen.app.push_screen(
            ConfirmScreen(question, yes="Admit over capacity", no="Keep it"), answered
        )

    def _run(self, ticket_id: str, attendee_id: int, name: str, *, force: bool) -> None:
        self.screen.run_worker(
            partial(self._promote, ticket_id, attendee_id, name, force=force),
            thread=True,
            group="action",
            exit_on_error=False,
        )

    def _promote(self, ticket_id: str, attendee_id: int, name: str, *, force: bool) -> None:
        """In the worker's thread."""
        backend, post = self.screen.backend, self.screen.post_message
        try:
            placed = promote(backend.store, ticket_id, force=force, station=backend.station)
        except SoldOut as exc:
            post(PromoteRefused(ticket_id, attendee_id, name, exc.message))
            return
        except EventdeskError as exc:
            post(Failed(exc.message, attendee_id))
            return
        seat = f", seat {placed.seat}" if placed.seat else ""
        over = " over capacity" if force else ""
        text = f"{name} is off the waitlist: registered{over} ({ticket_id}{seat})."
        post(Done(text, attendee_id))
