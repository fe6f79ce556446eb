"""The desk's actions on a ticket: plain functions that call a service and return what to say,
and ``DeskJobs``, which runs them in the desk's thread workers (never on the UI thread). What
they say comes back to the desk as ``Done``; an ``EventdeskError`` they raise, as ``Failed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from zoneinfo import ZoneInfo

from eventdesk.db import Store, failure_text
from eventdesk.errors import EventdeskError, NotFound
from eventdesk.i18n import _
from eventdesk.services.door.printing import enqueue
from eventdesk.services.door.undo import UndoResult
from eventdesk.services.people import payments, ticket_sessions
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.registration import show_ticket
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_prints import queue_in_copy
from eventdesk.services.stations.mirror_read import attendee_of_ticket
from eventdesk.text import ticket_id_shaped
from eventdesk.tickets import InvalidPayload, Verifier
from eventdesk.values import money_text
from screens.backend import Backend
from screens.base import StationScreen
from screens.desk.answer import shop_code_typed
from screens.desk.card import clock
from screens.desk.messages import Done, Failed, NotATicket
from screens.messages import ScanDecided

# action -> what CardData.pick calls it
TICKET_ACTIONS = {
    "check_in": "check_in",
    "undo": "undo",
    "reprint": "reprint",
    "pay": "pay",
    "cancel_ticket": "cancel",
    "promote": "promote",
    "sessions": "sessions",
}


def _asked(
    backend: Backend, on_server: Callable[[Store], bool], in_copy: Callable[[Mirror], bool]
) -> bool:
    """``on_server`` on the server, or ``in_copy`` on the station's copy while the server does
    not answer (call it from a thread worker)."""
    station = backend.door_station
    if station is None:
        return on_server(backend.store)
    return station.read(lambda: on_server(backend.store), in_copy)


def is_ticket(backend: Backend, text: str) -> bool:
    """Whether ``text`` is a ticket's id: on the server, or in the station's copy while the
    server does not answer (call it from a thread worker)."""

    def on_server(store: Store) -> bool:
        try:
            show_ticket(store, text)
        except NotFound:
            return False
        return True

    def in_copy(copy: Mirror) -> bool:
        try:
            attendee_of_ticket(copy, text)
        except NotFound:
            return False
        return True

    return _asked(backend, on_server, in_copy)


def is_code(backend: Backend, text: str) -> bool:
    """Whether ``text`` is a ticket's code as a shop printed it (services.data.shop_export): on
    the server, or in the station's copy while the server does not answer (call it from a
    thread worker)."""
    code = text.strip()

    def known(store: Store) -> bool:
        try:
            return Verifier(store).by_code(code) is not None
        except InvalidPayload:  # a code the shop revoked: its scan says so
            return True

    return _asked(backend, known, lambda copy: known(copy.store))


def undo(
    undo_at_door: Callable[[str], UndoResult], ticket_id: str, name: str, zone: ZoneInfo
) -> str:
    """``undo_at_door``: the backend's undo (on a server, offline too)."""
    undone = undo_at_door(ticket_id)
    was = clock(undone.was_checked_in_at, zone)
    where = undone.was_station or _("another station")
    # TRANSLATORS: {when} is a time ("09:14"), {station} a station's name
    return _("Check-in of {name} ({ticket}) undone: it was at {when} at {station}.").format(
        name=name, ticket=ticket_id, when=was, station=where
    )


def reprint(
    store: Callable[[], Store], copy: Mirror | None, station: str, ticket_id: str, printer: str
) -> str:
    """Queue a badge again: on the server, or in ``copy``'s own queue while it does not answer
    (printed from the station's copy, its outcome uploaded later)."""
    if copy is not None:
        queue_in_copy(copy, ticket_id, printer, station=station)
        return _(
            "Badge for {ticket} queued on {printer} (offline, from this station's copy)."
        ).format(ticket=ticket_id, printer=printer)
    job_id = enqueue(store(), ticket_id, printer, reason="reprint", station=station).id
    return _("Badge for {ticket} queued on {printer} (job {job}).").format(
        ticket=ticket_id, printer=printer, job=job_id
    )


def cancel_ticket(store: Store, station: str, ticket_id: str, *, refund: bool = False) -> str:
    """Cancel a ticket; with ``refund``, give back what was paid in the same transaction."""
    if refund:
        refunded = payments.refund(store, ticket_id, cancel=True, station=station)
        promoted_ids = refunded.promoted
        text = _("Ticket {ticket} cancelled and what was paid refunded.").format(ticket=ticket_id)
    else:
        cancelled = cancel(store, ticket_id, station=station)
        promoted_ids = cancelled.promoted
        text = _("Ticket {ticket} cancelled.").format(ticket=ticket_id)
        if cancelled.paid_cents > 0:
            kept = money_text(cancelled.paid_cents, cancelled.currency)
            text += " " + _("The {amount} paid was kept, not refunded.").format(amount=kept)
    promoted = [show_ticket(store, t) for t in promoted_ids]
    if promoted:
        names = ", ".join(f"{t.attendee} ({t.ticket_type}, {t.id})" for t in promoted)
        # TRANSLATORS: {names} lists who got a place: "Ann Lee (Standard, T-12), ..."
        text += " " + _("Off the waitlist: {names}.").format(names=names)
    return text


def change_seat(
    store: Store, station: str, ticket_id: str, name: str, session_id: int, *, add: bool
) -> str:
    """Add a session to ``name``'s ticket, or take it off (the places kept right: a full
    session waits, a seat taken off goes to the next one waiting)."""
    if not add:
        removed = ticket_sessions.remove_seat(store, ticket_id, session_id, station=station)
        text = _("{session} taken off {name}'s ticket ({ticket}).").format(
            session=removed.session, name=name, ticket=ticket_id
        )
        promoted = [show_ticket(store, t) for t in removed.promoted]
        if promoted:
            names = ", ".join(f"{t.holder} ({t.id})" for t in promoted)
            # TRANSLATORS: {names}: who got the seat freed, off the session's waitlist
            text += " " + _("Its seat went to {names}.").format(names=names)
        return text
    added = ticket_sessions.add_seat(store, ticket_id, session_id, station=station)
    if added.status == "waitlisted":
        return _("{name} ({ticket}) waits for a seat in {session}: place {place}.").format(
            name=name, ticket=ticket_id, session=added.session, place=added.waitlist_position
        )
    if added.status == "with_ticket":
        return _(
            "{session} added to {name}'s ticket ({ticket}): the seat comes with the ticket's "
            "place (it is on the waitlist)."
        ).format(session=added.session, name=name, ticket=ticket_id)
    return _("{name} ({ticket}) has a seat in {session}.").format(
        name=name, ticket=ticket_id, session=added.session
    )


class DeskJobs:
    """Runs the desk's actions for ``screen``, each in a thread worker of the group "action"."""

    def __init__(self, screen: StationScreen) -> None:
        self.screen = screen

    def _run(self, job: Callable[[], None]) -> None:
        self.screen.run_worker(job, thread=True, group="action", exit_on_error=False)

    def check_in(self, ticket_id: str, answers: dict[str, str] | None = None) -> None:
        """Decided as a scan at the desk would be (with the answers to the list's questions,
        when it asked them): its answer comes back as ``ScanDecided``."""
        self._run(partial(self._check_in, ticket_id, answers))

    def typed_ticket(self, text: str) -> None:
        """A ticket's id typed in Search and entered: decided as a scan of that ticket
        (``ScanDecided``); a shop's code (a wedge scanner types it there), as a scan of that
        code; ``NotATicket`` when it is neither (a search, then)."""
        self._run(partial(self._typed_ticket, text))

    def undo(self, ticket_id: str, attendee_id: int | None, name: str, zone: ZoneInfo) -> None:
        backend = self.screen.backend
        self._say(lambda: undo(backend.undo, ticket_id, name, zone), attendee_id)

    def reprint(self, ticket_id: str, attendee_id: int, printer: str) -> None:
        backend = self.screen.backend
        store, copy, station = (lambda: backend.store), backend.copy, backend.station
        self._say(lambda: reprint(store, copy, station, ticket_id, printer), attendee_id, wake=True)

    def cancel(self, ticket_id: str, attendee_id: int, *, refund: bool) -> None:
        backend = self.screen.backend
        store, station = backend.store, backend.station
        self._say(lambda: cancel_ticket(store, station, ticket_id, refund=refund), attendee_id)

    def change_seat(
        self, ticket_id: str, attendee_id: int, name: str, session_id: int, *, add: bool
    ) -> None:
        backend = self.screen.backend
        store, station = backend.store, backend.station
        self._say(
            lambda: change_seat(store, station, ticket_id, name, session_id, add=add), attendee_id
        )

    def _say(self, job: Callable[[], str], attendee_id: int | None, *, wake: bool = False) -> None:
        self._run(partial(self._said, job, attendee_id, wake))

    # --- in the workers' threads ----------------------------------------------------------------
    def _said(self, job: Callable[[], str], attendee_id: int | None, wake: bool) -> None:
        try:
            text = job()
        except EventdeskError as exc:
            self.screen.post_message(Failed(exc.message, attendee_id))
            return
        self.screen.post_message(Done(text, attendee_id, wake_printer=wake))

    def _typed_ticket(self, text: str) -> None:
        backend = self.screen.backend
        try:
            known = ticket_id_shaped(text) and is_ticket(backend, text)
            code = not known and shop_code_typed(text) and is_code(backend, text)
        except Exception as exc:  # the database, or a bug: said, the line never lost unsaid
            self.screen.post_message(Failed(failure_text(exc), decision=True))
            return
        if known:
            self._check_in(text.strip().upper())
        elif code:
            self._scan_code(text.strip())
        else:
            self.screen.post_message(NotATicket(text))

    def _scan_code(self, code: str) -> None:
        started = time.monotonic()
        try:
            result = self.screen.backend.checkin().scan(code)
        except Exception as exc:  # a refusal, the database, or a bug: said, never "Checking…"
            self.screen.post_message(Failed(failure_text(exc), decision=True))
            return
        latency = (time.monotonic() - started) * 1000
        self.screen.post_message(ScanDecided(result, code, latency, "scanner"))

    def _check_in(self, ticket_id: str, answers: dict[str, str] | None = None) -> None:
        started = time.monotonic()
        try:
            result = self.screen.backend.checkin().checkin_ticket(ticket_id, answers=answers)
        except Exception as exc:  # a refusal, the database, or a bug: said, never "Checking…"
            self.screen.post_message(Failed(failure_text(exc), decision=True))
            return
        latency = (time.monotonic() - started) * 1000
        self.screen.post_message(ScanDecided(result, f"ticket:{ticket_id}", latency, "desk"))
