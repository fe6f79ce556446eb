"""The answers to an event's registration questions (services.people.questions), read back: an
order's, a ticket's (its holder's, and its order's), a person's, a whole event's for an
export, and counted by option for a report (diets, T-shirt sizes)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Select, Table, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _
from eventdesk.ids import as_id
from eventdesk.models import (
    Event,
    EventSession,
    Order,
    QuestionAnswer,
    RegistrationQuestion,
    Ticket,
    TicketSession,
)
from eventdesk.services.catalogue.places import SEAT_REGISTERED
from eventdesk.services.common import get_event, get_ticket
from eventdesk.services.people.questions import COUNTED, SEPARATOR, QuestionInfo, questions_of

_questions = cast(Table, RegistrationQuestion.__table__)
_answers = cast(Table, QuestionAnswer.__table__)
_tickets = cast(Table, Ticket.__table__)


@dataclass(frozen=True)
class GivenAnswer:
    """One answer kept: to which question, for the order or the ticket's holder."""

    key: str
    text: str  # the question as asked
    value: str
    per: str  # order | holder
    order_id: int | None
    ticket_id: str | None


def _given(session: Session, where: ColumnElement[bool]) -> list[GivenAnswer]:
    rows = session.execute(
        select(QuestionAnswer, RegistrationQuestion)
        .join(RegistrationQuestion, RegistrationQuestion.id == QuestionAnswer.question_id)
        .where(where)
        .order_by(
            RegistrationQuestion.position,
            RegistrationQuestion.id,
            QuestionAnswer.order_id,
            QuestionAnswer.ticket_id,
        )
    )
    return [GivenAnswer(q.key, q.text, a.value, q.per, a.order_id, a.ticket_id) for a, q in rows]


def answers_of_ticket(session: Session, ticket: Ticket) -> list[GivenAnswer]:
    """What a ticket's holder answered, and its order's answers, in the questions' order."""
    return _given(
        session,
        or_(QuestionAnswer.ticket_id == ticket.id, QuestionAnswer.order_id == ticket.order_id),
    )


def ticket_answers(store: Store, ticket_id: str) -> dict[str, str]:
    """A ticket's answers by question key (its holder's, and its order's)."""
    with store.read() as session:
        ticket = get_ticket(session, ticket_id)
        return {a.key: a.value for a in answers_of_ticket(session, ticket)}


OrderAnswers = dict[str, dict[str, Any]]


def order_answers(store: Store, order_id: int) -> OrderAnswers:
    """An order's answers: {"order": {key: value}, "tickets": {TICKET: {key: value}}}."""
    with store.read() as session:
        order = session.get(Order, order_id) if as_id(order_id) is not None else None
        if order is None:
            raise NotFound(_("no order {order}").format(order=order_id), field="order")
        return answers_of_order(session, order.id)


def answers_of_order(session: Session, order_id: int) -> OrderAnswers:
    tickets = select(Ticket.id).where(Ticket.order_id == order_id)
    made: OrderAnswers = {"order": {}, "tickets": {}}
    for answer in _given(
        session,
        or_(QuestionAnswer.order_id == order_id, QuestionAnswer.ticket_id.in_(tickets)),
    ):
        if answer.ticket_id is None:
            made["order"][answer.key] = answer.value
        else:
            made["tickets"].setdefault(answer.ticket_id, {})[answer.key] = answer.value
    return made


def answers_of_tickets(store: Store, ticket_ids: Sequence[str]) -> dict[str, list[GivenAnswer]]:
    """Each ticket's answers (its holder's, and its order's), in the questions' order: what
    the desk's card shows."""
    if not ticket_ids:
        return {}
    with store.read() as session:
        found = session.execute(select(Ticket.id, Ticket.order_id).where(Ticket.id.in_(ticket_ids)))
        orders: dict[str, int] = {ticket: order for ticket, order in found}
        given = _given(
            session,
            or_(
                QuestionAnswer.ticket_id.in_(ticket_ids),
                QuestionAnswer.order_id.in_(set(orders.values())),
            ),
        )
    return {
        ticket: [a for a in given if a.ticket_id == ticket or a.order_id == order]
        for ticket, order in orders.items()
    }


def missing_answers(store: Store, ticket_id: str) -> list[str]:
    """The required questions a ticket's holder (or its order) has not answered yet, as asked
    (their text), in the order they are asked: what the kiosk sends to the desk."""
    with store.read() as session:
        ticket = get_ticket(session, ticket_id)
        if session.get(Event, ticket.event_id) is None:
            return []
        found = unanswered(session.connection(), ticket.event_id, ticket.ticket_type_id, ticket.id)
        return [text for _key, text in found]


def unanswered(
    conn: Connection, event_id: int, ticket_type_id: int, ticket_id: str
) -> list[tuple[str, str]]:
    """The event's required questions for a ticket of this type that neither its holder nor
    its order has answered, as (key, text), in the order they are asked. Read in ``conn``'s
    transaction (a door's, deciding a badge station's scan: services.door.badge_only)."""
    q, a = _questions, _answers
    asked = conn.execute(
        select(q.c.id, q.c.key, q.c.text, q.c.ticket_types)
        .where(q.c.event_id == event_id, q.c.required.is_(True))
        .order_by(q.c.position, q.c.id)
    ).all()
    wanted = [
        r for r in asked if not r.ticket_types or ticket_type_id in json.loads(r.ticket_types)
    ]
    if not wanted:
        return []
    order = select(_tickets.c.order_id).where(_tickets.c.id == ticket_id).scalar_subquery()
    given = set(
        conn.execute(
            select(a.c.question_id).where(
                a.c.question_id.in_([r.id for r in wanted]),
                or_(a.c.ticket_id == ticket_id, a.c.order_id == order),
            )
        ).scalars()
    )
    return [(r.key, r.text) for r in wanted if r.id not in given]


def answers_of_person(session: Session, ticket_ids: Sequence[str]) -> list[GivenAnswer]:
    """Every answer given for these tickets (a person's): their holders', their orders'."""
    if not ticket_ids:
        return []
    orders = select(Ticket.order_id).where(Ticket.id.in_(ticket_ids))
    return _given(
        session,
        or_(QuestionAnswer.ticket_id.in_(ticket_ids), QuestionAnswer.order_id.in_(orders)),
    )


def erase_answers(session: Session, attendee_id: int) -> int:
    """Delete every answer given for a person's tickets and orders (forgetting them)."""
    tickets = select(Ticket.id).where(Ticket.attendee_id == attendee_id)
    orders = select(Order.id).where(Order.buyer_id == attendee_id)
    gone = session.execute(
        delete(QuestionAnswer).where(
            or_(QuestionAnswer.ticket_id.in_(tickets), QuestionAnswer.order_id.in_(orders))
        )
    )
    return int(getattr(gone, "rowcount", 0) or 0)


def event_answers(
    session: Session, event: Event
) -> tuple[list[QuestionInfo], dict[str, dict[int, str]], dict[int, dict[int, str]]]:
    """An event's questions, and its answers: by ticket (holders') and by order, each
    {question id: value} (an export's columns)."""
    questions = questions_of(session, event)
    by_ticket: dict[str, dict[int, str]] = {}
    by_order: dict[int, dict[int, str]] = {}
    if not questions:
        return questions, by_ticket, by_order
    rows = session.execute(
        select(
            QuestionAnswer.question_id,
            QuestionAnswer.order_id,
            QuestionAnswer.ticket_id,
            QuestionAnswer.value,
        )
        .join(RegistrationQuestion, RegistrationQuestion.id == QuestionAnswer.question_id)
        .where(RegistrationQuestion.event_id == event.id)
    )
    for question_id, order_id, ticket_id, value in rows:
        if ticket_id is not None:
            by_ticket.setdefault(ticket_id, {})[question_id] = value
        elif order_id is not None:
            by_order.setdefault(order_id, {})[question_id] = value
    return questions, by_ticket, by_order


# --- counts ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnswerCount:
    question: str  # its key
    choice: str
    count: int


def answer_counts(
    store: Store,
    event_ref: str | int,
    *,
    question: str | None = None,
    session_ref: str | None = None,
) -> list[AnswerCount]:
    """How many chose each option of the event's choice, several-choice and yes/no
    questions (each option of several chosen counts once): of a holder's question, the
    registered tickets that answered it; of an order's, the orders with a registered ticket.
    With ``session_ref`` (its id or name), only the tickets registered for that session (an
    order: one of its tickets is). Every option is listed, those nobody chose with 0."""
    with store.read() as session:
        event = get_event(session, event_ref)
        asked = [q for q in questions_of(session, event) if q.kind in COUNTED]
        if question is not None:
            wanted = question.strip().lower()
            asked = [q for q in asked if q.key == wanted]
            if not asked:
                known = ", ".join(q.key for q in questions_of(session, event) if q.kind in COUNTED)
                raise InvalidInput(
                    _(
                        "{key}: the event {event!r} asks no choice or yes/no question of that "
                        "key (counted: {known})"
                    ).format(key=question, event=event.slug, known=known or _("none")),
                    field="question",
                )
        in_session = _session_id(session, event, session_ref) if session_ref else None
        made: list[AnswerCount] = []
        for q in asked:
            tally = dict.fromkeys(q.options(), 0)
            for value in session.scalars(_answered(q, event.id, in_session)):
                for option in value.split(SEPARATOR) if q.kind == "choices" else (value,):
                    if option in tally:
                        tally[option] += 1
            made.extend(AnswerCount(q.key, option, n) for option, n in tally.items())
        return made


def _answered(q: QuestionInfo, event_id: int, in_session: int | None) -> Select[str]:
    registered = [Ticket.event_id == event_id, Ticket.status == "registered"]
    if in_session is not None:
        registered.append(
            exists().where(
                TicketSession.ticket_id == Ticket.id,
                TicketSession.session_id == in_session,
                TicketSession.status == SEAT_REGISTERED,
            )
        )
    base = select(QuestionAnswer.value).where(QuestionAnswer.question_id == q.id)
    if q.per == "holder":
        return base.join(Ticket, Ticket.id == QuestionAnswer.ticket_id).where(*registered)
    return base.where(exists().where(Ticket.order_id == QuestionAnswer.order_id, *registered))


def _session_id(session: Session, event: Event, ref: str) -> int:
    wanted = ref.strip()
    number = as_id(wanted)
    which = (
        EventSession.id == number
        if number is not None
        else func.lower(EventSession.name) == wanted.lower()
    )
    found = session.scalar(
        select(EventSession.id).where(EventSession.event_id == event.id, which).limit(1)
    )
    if found is None:
        raise NotFound(
            _("event {event!r} has no session {session!r}").format(
                event=event.slug, session=wanted
            ),
            field="session",
        )
    return int(found)
