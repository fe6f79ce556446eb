"""The desk's Promote key: a waitlisted ticket is registered when a place is free; with none,
an organizer may admit it over capacity, and staff are told to ask one."""

from __future__ import annotations

from functools import partial

from eventdesk.errors import EventdeskError, SoldOut
from eventdesk.i18n import _
from eventdesk.services.people.waitlist import promote
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
                # TRANSLATORS: {problem} says why there is no place ("The event is full")
                _("{problem} (an organizer can admit over capacity)").format(problem=message.text),
                title=_("Promote"),
                severity="error",
                markup=False,
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(message.ticket_id, message.attendee_id, message.name, force=True)

        # TRANSLATORS: {problem} says why there is no place ("The event is full")
        question = _("{problem}.\nAdmit {name} over capacity anyway?").format(
            problem=message.text, name=message.name
        )
        # TRANSLATORS: buttons: admit the waitlisted ticket over capacity; leave it waiting
        yes, no = _("Admit over capacity"), _("Keep it")
        screen.app.push_screen(ConfirmScreen(question, yes=yes, no=no), answered)

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
        if force and placed.seat:
            said = _(
                "{name} is off the waitlist: registered over capacity ({ticket}, seat {seat})."
            )
        elif force:
            said = _("{name} is off the waitlist: registered over capacity ({ticket}).")
        elif placed.seat:
            said = _("{name} is off the waitlist: registered ({ticket}, seat {seat}).")
        else:
            said = _("{name} is off the waitlist: registered ({ticket}).")
        text = said.format(name=name, ticket=ticket_id, seat=placed.seat)
        post(Done(text, attendee_id))
