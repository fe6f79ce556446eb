"""A walk-in in one go: the person, their ticket, how it was paid, checked in and the badge
printed (each step a service call, run in the walk-in dialog's thread worker).

The person and the ticket are written first; a refusal there (a taken email, a sold-out type)
goes back to the form with nothing typed lost. When the person was saved but the ticket was
refused, the next try reuses that person (``earlier``) instead of adding them twice. Payment,
check-in and badge come after the ticket: their problems are said on the desk with the card.
A session that is full when the ticket is written (the form cannot tick one that was full when
it opened) is left out, and said: it never puts the walk-in on the waitlist while the event
and the ticket type have room.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.notifications import SeverityLevel

from eventdesk.errors import Conflict, EventdeskError, NotAllowed
from eventdesk.i18n import N_, _
from eventdesk.services.door.answer_words import sentence
from eventdesk.services.door.printing import enqueue
from eventdesk.services.door.scan_result import ScanResult
from eventdesk.services.people.attendees import (
    AttendeeInfo,
    add_attendee,
    set_badge_name,
    update_attendee,
)
from eventdesk.services.people.payments import PaymentSummary, pay
from eventdesk.services.people.questions import TypedAnswer
from eventdesk.services.people.registration import RegistrationResult, register
from eventdesk.values import money_text
from screens.backend import Backend
from screens.widgets.forms import FormValues

NO_EVENT = N_("This station has no event to register for.")  # translated where said
FREE, UNPAID = "free", "unpaid"  # the "paid how" choices that record no payment
# (label, value): the labels marked here, translated where shown (``paid_how``).
PAID_HOW: tuple[tuple[str, str], ...] = (
    # TRANSLATORS: how a walk-in paid
    (N_("cash"), "cash"),
    # TRANSLATORS: how a walk-in paid
    (N_("card"), "card"),
    # TRANSLATORS: how a walk-in paid
    (N_("comp (complimentary)"), "comp"),
    # TRANSLATORS: how a walk-in paid
    (N_("invoice (pays later)"), "invoice"),
    # TRANSLATORS: how a walk-in paid
    (N_("not paid yet"), UNPAID),
)


def paid_how() -> tuple[tuple[str, str], ...]:
    """The "paid how" choices, their labels in the reader's language."""
    return tuple((_(label), value) for label, value in PAID_HOW)


def type_named(ticket_type: str, event: str | None) -> str:
    """A ticket type as the walk-in names it: with its ``event`` (its title) at a door for
    several events, where two events may each sell a "Day ticket"."""
    if event is None:
        return ticket_type
    # TRANSLATORS: a ticket type and its event, at a door for several: "Day ticket · Saturday"
    return _("{type} · {event}").format(type=ticket_type, event=event)


@dataclass(frozen=True)
class WalkInDone:
    """What the walk-in did: the person and their ticket, and what came after it."""

    attendee: AttendeeInfo
    registration: RegistrationResult
    payment: PaymentSummary | None = None
    scan: ScanResult | None = None  # the check-in's answer, when one was asked for
    badge_job: int | None = None  # a badge queued by "print badge now"
    problems: tuple[str, ...] = ()  # payment, check-in or badge steps that failed
    full_sessions: tuple[str, ...] = ()  # chosen, but full when the ticket was written
    event: str | None = None  # its event's title, at a door for several events

    def notice(self) -> tuple[str, str, SeverityLevel]:
        """What the desk says about it: the text, a title and how loud."""
        person, placed = self.attendee, self.registration
        kind = type_named(placed.ticket_type, self.event)
        left_out = self._left_out()
        if placed.status == "waitlisted":
            # TRANSLATORS: {type} is the ticket type ("Standard")
            text = _(
                "{name} is on the waitlist at place {place} ({type}, ticket {ticket})."
            ).format(
                name=person.name,
                place=placed.waitlist_position,
                type=kind,
                ticket=placed.ticket_id,
            )
            return " ".join([text, *left_out]), _("Walk-in waitlisted"), "warning"
        # TRANSLATORS: {type} is the ticket type ("Standard")
        registered = _("{name} is registered ({type}, ticket {ticket}).").format(
            name=person.name, type=kind, ticket=placed.ticket_id
        )
        parts = [registered, *left_out]
        money = self.payment
        if money is not None and money.price_cents:
            parts.append(
                _("{amount} still due.").format(amount=money_text(money.due_cents, money.currency))
                if money.due_cents
                else _("Paid {amount}.").format(amount=money_text(money.paid_cents, money.currency))
            )
        if self.scan is not None:
            parts.append(
                _("Checked in.")
                if self.scan.admitted
                else _("Not checked in: {reason}").format(reason=sentence(self.scan))
            )
        if self.badge_job is not None:
            parts.append(_("Badge queued (job {job}).").format(job=self.badge_job))
        parts += self.problems
        bad = left_out or self.problems or (self.scan is not None and not self.scan.admitted)
        title = _("Walk-in registered")
        return " ".join(parts), title, "warning" if bad else "information"

    def _left_out(self) -> list[str]:
        """The sessions that were full, said plainly: they were not booked."""
        names = self.full_sessions
        if not names:
            return []
        if len(names) == 1:
            return [_("Not booked into {session}: it is full.").format(session=names[0])]
        # TRANSLATORS: {sessions} is a list of sessions, "A, B"; {last} the last one
        said = _("Not booked into {sessions} and {last}: they are full.")
        return [said.format(sessions=", ".join(names[:-1]), last=names[-1])]


def _person(backend: Backend, values: FormValues, earlier: AttendeeInfo | None) -> AttendeeInfo:
    """The walk-in's attendee: added, or the one an earlier try saved (brought up to date)."""
    name, email, company = values.text("name"), values.text("email"), values.optional("company")
    badge = values.optional("badge_name")
    if earlier is not None and earlier.email.casefold() == email.casefold():
        if (earlier.name, earlier.company) != (name, company):
            earlier = update_attendee(backend.store, earlier.id, name=name, company=company or "")
        if earlier.badge_name != badge:
            earlier = set_badge_name(backend.store, earlier.id, badge)
        return earlier
    try:
        return add_attendee(
            backend.store,
            name=name,
            email=email,
            company=company,
            pin=values.optional("pin"),
            badge_name=badge,
        )
    except Conflict as exc:
        raise Conflict(
            # TRANSLATORS: {problem} says why the person could not be added (a taken email)
            _("{problem}: Back, then search for them to register a ticket").format(
                problem=exc.message
            ),
            field="email",
        ) from None


def register_walk_in(
    backend: Backend,
    values: FormValues,
    earlier: AttendeeInfo | None,
    answers: Sequence[TypedAnswer] | None = None,
    event: str | None = None,
) -> tuple[AttendeeInfo, RegistrationResult, tuple[str, ...]]:
    """Add (or reuse) the person and register their ticket of ``event`` (the chosen type's;
    the door's event when not given) with their ``answers`` to the event's registration
    questions; a refusal names its field. Also returns the chosen sessions that were full,
    left out of the ticket."""
    event = event or backend.event
    if event is None:
        raise NotAllowed(_(NO_EVENT))
    person = _person(backend, values, earlier)
    try:
        order = register(
            backend.store,
            event,
            person.id,
            int(values.text("ticket_type")),
            sessions=[int(s) for s in values.chosen("sessions")],
            staff_override=True,  # a walk-in at the desk needs no invite code
            station=backend.station,
            full_sessions="skip",  # a full session never waitlists the walk-in
            answers=answers,
        )
    except EventdeskError as exc:
        if exc.field == "answer":  # checked in the form first: said as the core says it
            raise WalkInRefused(person, exc.message, None) from None
        field = exc.field if exc.field in ("sessions", "email") else "ticket_type"
        # TRANSLATORS: {problem} says why the ticket was refused (a sold-out type)
        said = _("{problem}: choose another, or Back").format(problem=exc.message)
        raise WalkInRefused(person, said, field) from None
    return person, order.tickets[0], order.full_sessions


class WalkInRefused(EventdeskError):
    """The ticket was refused after the person was saved: the form keeps them for the next try."""

    def __init__(self, person: AttendeeInfo, message: str, field: str | None) -> None:
        super().__init__(message, field=field)
        self.person = person


def finish_walk_in(
    backend: Backend,
    values: FormValues,
    person: AttendeeInfo,
    placed: RegistrationResult,
    full_sessions: tuple[str, ...] = (),
    event: str | None = None,
) -> WalkInDone:
    """Payment, check-in and badge for a registered walk-in; what fails is said, not raised.
    ``event``: its event's title, named at a door for several events."""
    if placed.status != "registered":
        return WalkInDone(person, placed, full_sessions=full_sessions, event=event)
    ticket_id, problems = placed.ticket_id, []
    payment: PaymentSummary | None = None
    scan: ScanResult | None = None
    job: int | None = None
    how = values.text("paid")
    if how not in (FREE, UNPAID, ""):
        try:
            payment = pay(backend.store, ticket_id, method=how, station=backend.station)
        except EventdeskError as exc:
            problems.append(_("Payment not recorded: {reason}.").format(reason=exc.message))
    if payment is None:
        from eventdesk.services.people.payments import payment_summary

        payment = payment_summary(backend.store, ticket_id)
    if values.flag("checkin"):
        try:
            scan = backend.checkin().checkin_ticket(ticket_id)
        except EventdeskError as exc:
            problems.append(_("Not checked in: {reason}.").format(reason=exc.message))
    printer = backend.printer
    queued = scan is not None and scan.badge_queued
    if values.flag("print") and printer and not queued:
        try:
            job = enqueue(
                backend.store, ticket_id, printer, reason="walk-in", station=backend.station
            ).id
        except EventdeskError as exc:
            problems.append(_("Badge not queued: {reason}.").format(reason=exc.message))
    return WalkInDone(person, placed, payment, scan, job, tuple(problems), full_sessions, event)
