"""The desk's dialogs: taking a payment, registering a walk-in, cancelling a ticket, a ticket's
sessions. Each is a modal screen (forms.py, cancel.py, sessions.py); what it returns is said on
the desk and its card read again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Input

from eventdesk.errors import EventdeskError
from eventdesk.i18n import N_, _
from eventdesk.services.people.attendees import AttendeeInfo
from eventdesk.services.people.payments import PaymentSummary
from eventdesk.values import money_text
from screens.base import StationScreen
from screens.desk.cancel import CancelChoice, CancelScreen
from screens.desk.card import TicketLine
from screens.desk.forms import PaymentScreen, WalkInScreen
from screens.desk.jobs import DeskJobs
from screens.desk.walkin import WalkInDone
from screens.desk.walkin_offline import OfflineWalkIn
from screens.messages import ScanDecided
from screens.widgets.key_bar import say_not_available

if TYPE_CHECKING:
    from eventdesk.services.door.scan_result import ScanResult

NO_SUPERVISOR = N_(
    "No account may override a refusal: an organizer gives the right "
    "(eventdesk staff update NAME --can-override)."
)


class DeskDialogs:
    """Opens the desk's dialogs over ``desk`` and takes what they return: ``say`` puts a
    sentence on the desk's banner, ``show_card`` reads an attendee's card again, ``jobs``
    cancels a ticket."""

    def __init__(
        self,
        desk: StationScreen,
        *,
        say: Callable[[Content, str], None],
        show_card: Callable[[int], None],
        jobs: DeskJobs,
    ) -> None:
        self.desk, self.say, self.show_card, self.jobs = desk, say, show_card, jobs

    def pay(self, line: TicketLine) -> None:
        desk, ticket = self.desk, line.ticket

        def paid(summary: PaymentSummary | None) -> None:
            if summary is None:
                return
            due = summary.due_cents
            if due:
                text = _("Payment recorded for {name} ({ticket}): {amount} still due.").format(
                    name=ticket.attendee,
                    ticket=ticket.id,
                    amount=money_text(due, summary.currency),
                )
            else:
                text = _("Payment recorded for {name} ({ticket}): paid.").format(
                    name=ticket.attendee, ticket=ticket.id
                )
            self.say(Content(text), "-info")
            desk.notify(text, title=_("Payment"), markup=False)
            self.show_card(ticket.attendee_id)

        desk.app.push_screen(PaymentScreen(desk.backend, ticket, line.payment), paid)

    def paper_ticks(self) -> None:
        """The Paper ticks dialog: the paper door list's ticks entered by ticket id."""
        from screens.desk.paper_ticks import PaperTicksScreen

        self.desk.app.push_screen(PaperTicksScreen(self.desk.backend))

    def walk_in(self) -> None:
        self.desk.app.push_screen(WalkInScreen(self.desk.backend), self._walked_in)

    def _walked_in(self, done: WalkInDone | OfflineWalkIn | None) -> None:
        """The new person's card, with the check-in's answer on the banner when there is one."""
        if done is None:
            return
        if isinstance(done, OfflineWalkIn):
            self._sold_offline(done)
            return
        desk = self.desk
        text, title, severity = done.notice()
        desk.notify(text, title=title, severity=severity, markup=False)
        if done.badge_job is not None:
            desk.devices.wake_printer()
        search = desk.query_one("#search", Input)
        search.focus()
        if done.scan is not None:
            payload = f"ticket:{done.registration.ticket_id}"
            desk.post_message(ScanDecided(done.scan, payload, 0.0, "walk-in"))
            return
        self.say(Content(text), "-warn" if severity != "information" else "-info")
        self.show_card(done.attendee.id)
        search.value = done.attendee.name

    def _sold_offline(self, done: OfflineWalkIn) -> None:
        """Sold from the quota: said on the banner, their card read from the station's copy."""
        desk = self.desk
        text, title, severity = done.notice()
        desk.notify(text, title=title, severity=severity, markup=False)
        if done.badge_job is not None:
            desk.devices.wake_printer()
        self.say(Content(text), "-warn" if severity != "information" else "-ok")
        self.show_card(done.sale.attendee_id)
        search = desk.query_one("#search", Input)
        search.focus()
        search.value = done.sale.attendee

    def sessions(self, line: TicketLine) -> None:
        """The Sessions dialog for ``line``'s ticket: the session chosen added or taken off."""
        from screens.desk.sessions import SeatWish, SessionsScreen

        ticket, jobs = line.ticket, self.jobs

        def chosen(wish: SeatWish | None) -> None:
            if wish is not None:
                jobs.change_seat(
                    ticket.id, ticket.attendee_id, ticket.holder, wish.session_id, add=wish.add
                )

        backend = self.desk.backend  # the ticket is of the door's event: times in its zone
        self.desk.app.push_screen(SessionsScreen(backend, line, backend.zone), chosen)

    def badge_name(self, person: AttendeeInfo) -> None:
        """The Badge name dialog for ``person``: what was saved is said, the card read again."""
        from screens.desk.badge_name import BadgeNameScreen

        desk = self.desk

        def saved(made: AttendeeInfo | None) -> None:
            if made is None:
                return
            if made.badge_name:
                text = _("{name}'s badges print {badge_name}.").format(
                    name=made.name, badge_name=made.badge_name
                )
            else:
                text = _("{name}'s badges print their name.").format(name=made.name)
            self.say(Content(text), "-info")
            desk.notify(text, title=_("Badge name"), markup=False)
            self.show_card(made.id)

        desk.app.push_screen(BadgeNameScreen(desk.backend, person), saved)

    def note(self, person: AttendeeInfo, order: tuple[int, str | None] | None) -> None:
        """The Note dialog for ``person`` (and ``order``: its id and note, the order of their
        ticket here): what was saved is said, the card read again."""
        from screens.desk.note import Noted, NoteScreen

        desk = self.desk

        def saved(made: Noted | None) -> None:
            if made is None:
                return
            text = (
                _("Note on {name}: {note}").format(name=made.person.name, note=made.person.note)
                if made.person.note
                else _("No note on {name}.").format(name=made.person.name)
            )
            if made.order_id is not None:
                text += " " + (
                    _("Note on order {order}: {note}").format(
                        order=made.order_id, note=made.order_note
                    )
                    if made.order_note
                    else _("No note on order {order}.").format(order=made.order_id)
                )
            self.say(Content(text), "-info")
            desk.notify(text, title=_("Note"), markup=False)
            self.show_card(made.person.id)

        desk.app.push_screen(NoteScreen(desk.backend, person, order), saved)

    def override(self, refusal: ScanResult) -> None:
        """The Override dialog for ``refusal`` (the names that may override read first, in a
        worker); the door's new answer goes on the banner as any decision does."""
        from screens.desk.override import OverrideScreen, supervisors

        desk = self.desk

        def decided(result: ScanResult | None) -> None:
            if result is not None:
                line = f"ticket:{result.ticket_id}"
                desk.post_message(ScanDecided(result, line, 0.0, "desk"))

        def load() -> None:
            try:
                names = supervisors(desk.backend)
            except EventdeskError as exc:
                desk.app.call_from_thread(say_not_available, desk.app, exc.message)
                return
            if not names:
                desk.app.call_from_thread(say_not_available, desk.app, _(NO_SUPERVISOR))
                return
            screen = OverrideScreen(desk.backend, refusal, names)
            desk.app.call_from_thread(desk.app.push_screen, screen, decided)

        desk.run_worker(load, thread=True, group="override", exclusive=True)

    def cancel(self, line: TicketLine) -> None:
        ticket, jobs = line.ticket, self.jobs

        def answered(choice: CancelChoice | None) -> None:
            if choice is not None:
                jobs.cancel(ticket.id, ticket.attendee_id, refund=choice == "refund")

        self.desk.app.push_screen(CancelScreen(line), answered)
