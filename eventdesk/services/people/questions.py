"""Registration questions: what an event asks of a person when they register (job title,
pronouns, diet, T-shirt size, accessibility needs), as the organizer words it.

A question has a key (a slug, unique in its event), the text asked, a kind, and for a choice
its options in order. It is required or not, asked for every ticket type or only some, and of
the order (once, the buyer answers) or of each ticket's holder (once a ticket). Answers are
kept in one canonical form a kind: a text as given (trimmed); a choice as the option is
written; several choices as their options in the question's order, joined by "|"; yes/no as
"yes" or "no"; a number as a plain decimal ("12", "1.5"); a date as ISO 8601 (2026-05-01).

The answers themselves are stored and read in services.people.question_answers; the check
of what is given (``check_answers``) is here, with the questions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from eventdesk.i18n import _, ngettext
from eventdesk.models import Event, QuestionAnswer, RegistrationQuestion, Ticket, TicketType
from eventdesk.services.common import get_event, get_ticket_type, log
from eventdesk.values import utcnow

Kind = Literal["text", "longtext", "choice", "choices", "yesno", "number", "date"]
KINDS: tuple[Kind, ...] = ("text", "longtext", "choice", "choices", "yesno", "number", "date")
Per = Literal["order", "holder"]
PERS: tuple[Per, ...] = ("order", "holder")
WITH_OPTIONS = ("choice", "choices")
COUNTED = ("choice", "choices", "yesno")  # the kinds `report answers` counts
# A yes/no answer in the four languages (a check-in list's questions take the same).
YES = ("yes", "y", "true", "1", "ja", "oui", "si", "sí")
NO = ("no", "n", "false", "0", "nein", "non")
ANSWER_COLUMN = "answer:"  # an export's column of a question, and an import's: "answer:diet"
SEPARATOR = "|"  # between the options of a "choices" answer, and of --choices
MAX_TEXT = 200
MAX_LONGTEXT = 2000
MAX_OPTION = 100
MAX_OPTIONS = 50
_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class QuestionInfo:
    """A registration question as the services hand it out."""

    id: int
    event: str
    key: str
    text: str
    kind: Kind
    choices: tuple[str, ...]
    required: bool
    ticket_types: tuple[str, ...]  # names; empty: every ticket type
    per: Per
    position: int
    type_ids: tuple[int, ...] = field(default=(), repr=False)  # empty: every ticket type

    def asked_of(self, type_id: int) -> bool:
        """Whether the question is asked of tickets of this type."""
        return not self.type_ids or type_id in self.type_ids

    def answer(self, value: str) -> str:
        """``value`` in this question's canonical form, or InvalidInput naming the question
        and what it takes."""
        given = value.strip()
        if self.kind == "yesno":
            if given.casefold() in YES:
                return "yes"
            if given.casefold() in NO:
                return "no"
            raise self._bad(_("{key}: answer yes or no").format(key=self.key))
        if self.kind in WITH_OPTIONS:
            picked = [self._option(part) for part in given.split(SEPARATOR) if part.strip()]
            if self.kind == "choice" and len(picked) != 1:
                raise self._bad(
                    _("{key}: answer one of {choices}").format(
                        key=self.key, choices=", ".join(self.choices)
                    )
                )
            if not picked:
                raise self._bad(
                    _("{key}: answer one or more of {choices}").format(
                        key=self.key, choices=", ".join(self.choices)
                    )
                )
            return SEPARATOR.join(c for c in self.choices if c in picked)
        if self.kind == "number":
            try:
                number = Decimal(given.replace("_", "x"))
            except InvalidOperation:
                number = Decimal("NaN")
            plain = format(number.normalize(), "f") if number.is_finite() else ""
            if not plain or len(given) > 30 or len(plain) > 30:
                raise self._bad(
                    _("{key}: answer a number ({value!r} is not one)").format(
                        key=self.key, value=given
                    )
                )
            return "0" if plain in ("-0", "0") else plain
        if self.kind == "date":
            try:
                if not _DATE.match(given):
                    raise ValueError(given)
                return date.fromisoformat(given).isoformat()
            except ValueError:
                raise self._bad(
                    _("{key}: answer a date as YYYY-MM-DD ({value!r} is not one)").format(
                        key=self.key, value=given
                    )
                ) from None
        if self.kind == "longtext":
            plain = given.replace("\r\n", "\n")
            if len(plain) > MAX_LONGTEXT or not plain.replace("\n", "").isprintable():
                raise self._bad(
                    _("{key}: a text of at most {most} printable characters").format(
                        key=self.key, most=MAX_LONGTEXT
                    )
                )
            return plain
        if len(given) > MAX_TEXT or not given.isprintable():
            raise self._bad(
                _("{key}: a short text of 1 to {most} printable characters").format(
                    key=self.key, most=MAX_TEXT
                )
            )
        return given

    def _option(self, part: str) -> str:
        wanted = part.strip().casefold()
        for choice in self.choices:
            if choice.casefold() == wanted:
                return choice
        raise self._bad(
            _("{key}: {value!r} is not an option (options: {choices})").format(
                key=self.key, value=part.strip(), choices=", ".join(self.choices)
            )
        )

    def _bad(self, message: str) -> InvalidInput:
        return InvalidInput(message, field="answer")

    def options(self) -> tuple[str, ...]:
        """What a counted answer can be: the options, or yes and no."""
        return ("yes", "no") if self.kind == "yesno" else self.choices

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event,
            "key": self.key,
            "text": self.text,
            "kind": self.kind,
            "choices": list(self.choices),
            "required": self.required,
            "ticket_types": list(self.ticket_types),
            "per": self.per,
            "position": self.position,
        }


# --- reading --------------------------------------------------------------------------------
def questions_of(session: Session, event: Event) -> list[QuestionInfo]:
    """The event's questions in the order they are asked."""
    types = select(TicketType.id, TicketType.name).where(TicketType.event_id == event.id)
    names: dict[int, str] = {i: n for i, n in session.execute(types)}
    rows = session.scalars(
        select(RegistrationQuestion)
        .where(RegistrationQuestion.event_id == event.id)
        .order_by(RegistrationQuestion.position, RegistrationQuestion.id)
    )
    return [_question(row, event.slug, names) for row in rows]


def _question(row: RegistrationQuestion, slug: str, names: dict[int, str]) -> QuestionInfo:
    type_ids = tuple(json.loads(row.ticket_types)) if row.ticket_types else ()
    kind: Kind = row.kind  # type: ignore[assignment]
    per: Per = row.per  # type: ignore[assignment]
    return QuestionInfo(
        id=row.id,
        event=slug,
        key=row.key,
        text=row.text,
        kind=kind,
        choices=tuple(json.loads(row.choices)) if row.choices else (),
        required=row.required,
        ticket_types=tuple(names.get(i, str(i)) for i in type_ids),
        per=per,
        position=row.position,
        type_ids=type_ids,
    )


def list_questions(store: Store, event_ref: str | int) -> list[QuestionInfo]:
    with store.read() as session:
        return questions_of(session, get_event(session, event_ref))


def get_question(session: Session, event: Event, key: str) -> RegistrationQuestion:
    wanted = key.strip().lower()
    row = session.scalar(
        select(RegistrationQuestion).where(
            RegistrationQuestion.event_id == event.id, RegistrationQuestion.key == wanted
        )
    )
    if row is None:
        known = ", ".join(q.key for q in questions_of(session, event)) or _("none")
        raise NotFound(
            _("event {event!r} asks no question {key!r} (known: {known})").format(
                event=event.slug, key=key, known=known
            ),
            field="question",
        )
    return row


# --- adding, changing, removing -------------------------------------------------------------
def parse_key(key: str) -> str:
    wanted = key.strip().lower()
    if not _KEY.match(wanted):
        raise InvalidInput(
            _(
                "{key!r}: a question's key is a lowercase word of up to 40 letters, digits, - and _"
            ).format(key=key),
            field="key",
        )
    return wanted


def parse_choices(given: Sequence[str]) -> tuple[str, ...]:
    """The options as typed: each ``--choices`` "a|b|c", again for more."""
    found: list[str] = []
    for text in given:
        for part in text.split(SEPARATOR):
            option = part.strip()
            if not option:
                continue
            if len(option) > MAX_OPTION or not option.isprintable():
                raise InvalidInput(
                    _("{option!r}: an option is 1 to {most} printable characters").format(
                        option=option, most=MAX_OPTION
                    ),
                    field="choices",
                )
            if option.casefold() in (f.casefold() for f in found):
                raise InvalidInput(
                    _("{option!r} is an option twice").format(option=option), field="choices"
                )
            found.append(option)
    if len(found) > MAX_OPTIONS:
        raise InvalidInput(
            _("{count} options: at most {most}").format(count=len(found), most=MAX_OPTIONS),
            field="choices",
        )
    return tuple(found)


def _check_text(text: str) -> str:
    given = text.strip()
    if not given or len(given) > MAX_TEXT or not given.isprintable():
        raise InvalidInput(
            _("a question's text is 1 to {most} printable characters").format(most=MAX_TEXT),
            field="text",
        )
    return given


def _check_shape(key: str, kind: str, choices: tuple[str, ...], per: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(
            _("{kind!r}: a question's kind is one of {kinds}").format(
                kind=kind, kinds=", ".join(KINDS)
            ),
            field="kind",
        )
    if per not in PERS:
        raise InvalidInput(
            _("{per!r}: a question is asked per order or per holder").format(per=per),
            field="per",
        )
    if kind in WITH_OPTIONS and len(choices) < 2:
        raise InvalidInput(
            _('{key}: a choice names two options or more (--choices "S|M|L")').format(key=key),
            field="choices",
        )
    if kind not in WITH_OPTIONS and choices:
        raise InvalidInput(_("{key}: only a choice has options").format(key=key), field="choices")


def _type_ids(session: Session, event: Event, names: Sequence[str]) -> str | None:
    ids = sorted({get_ticket_type(session, event, n).id for n in names if n.strip()})
    return json.dumps(ids) if ids else None


def add_question(
    store: Store,
    event_ref: str | int,
    *,
    key: str,
    text: str,
    kind: str,
    choices: Sequence[str] = (),
    required: bool = False,
    ticket_types: Sequence[str] = (),
    per: str = "order",
    position: int | None = None,
    station: str | None = None,
) -> QuestionInfo:
    """Add a question to an event, asked last unless ``position`` says where."""
    wanted = parse_key(key)
    options = parse_choices(choices)
    _check_shape(wanted, kind, options, per)
    asked = _check_text(text)
    moment = utcnow()
    with store.write() as session:
        event = get_event(session, event_ref)
        if session.scalar(
            select(RegistrationQuestion.id).where(
                RegistrationQuestion.event_id == event.id, RegistrationQuestion.key == wanted
            )
        ):
            raise Conflict(
                _("event {event!r} asks a question {key!r} already").format(
                    event=event.slug, key=wanted
                ),
                field="key",
            )
        last = session.scalar(
            select(func.max(RegistrationQuestion.position)).where(
                RegistrationQuestion.event_id == event.id
            )
        )
        row = RegistrationQuestion(
            event_id=event.id,
            key=wanted,
            text=asked,
            kind=kind,
            choices=json.dumps(list(options)) if options else None,
            required=required,
            ticket_types=_type_ids(session, event, ticket_types),
            per=per,
            position=position if position is not None else int(last or 0) + 1,
            updated_at=moment,
        )
        session.add(row)
        session.flush()
        log(session, "question_added", at=moment, event_id=event.id, station=station, key=wanted)
        return _read_back(session, event, row)


def unanswered_tickets(store: Store, event_ref: str | int, key: str) -> int:
    """How many of the event's tickets (registered, of a type the question is asked of) have
    no answer to it, their holder's nor their order's: people who registered before it was
    added. Said when a question is added or made required: it is asked at registration only,
    and never holds back an entry or a badge at the door (docs/architecture.md#check-in-rules)."""
    with store.read() as session:
        event = get_event(session, event_ref)
        row = get_question(session, event, key)
        answered = exists().where(
            QuestionAnswer.question_id == row.id,
            or_(QuestionAnswer.ticket_id == Ticket.id, QuestionAnswer.order_id == Ticket.order_id),
        )
        wanted = select(func.count(Ticket.id)).where(
            Ticket.event_id == event.id, Ticket.status == "registered", ~answered
        )
        types = json.loads(row.ticket_types) if row.ticket_types else None
        if types:
            wanted = wanted.where(Ticket.ticket_type_id.in_(types))
        return int(session.scalar(wanted) or 0)


def _read_back(session: Session, event: Event, row: RegistrationQuestion) -> QuestionInfo:
    return next(q for q in questions_of(session, event) if q.id == row.id)


@dataclass(frozen=True)
class QuestionChange:
    """What `question update` sets; a field left None stays as it is."""

    text: str | None = None
    kind: str | None = None
    choices: Sequence[str] | None = None
    required: bool | None = None
    ticket_types: Sequence[str] | None = None  # empty: every ticket type
    per: str | None = None
    position: int | None = None


def update_question(
    store: Store,
    event_ref: str | int,
    key: str,
    change: QuestionChange,
    *,
    station: str | None = None,
) -> QuestionInfo:
    """Change a question. Its kind or options change only while every answer kept still
    fits them; whom it is asked of (order or holder) only while it has no answers."""
    moment = utcnow()
    with store.write() as session:
        event = get_event(session, event_ref)
        row = get_question(session, event, key)
        kind = change.kind if change.kind is not None else row.kind
        if change.choices is not None:
            options = parse_choices(change.choices)
        elif kind in WITH_OPTIONS:
            options = tuple(json.loads(row.choices)) if row.choices else ()
        else:
            options = ()
        per = change.per if change.per is not None else row.per
        _check_shape(row.key, kind, options, per)
        answers = list(
            session.scalars(select(QuestionAnswer).where(QuestionAnswer.question_id == row.id))
        )
        if per != row.per and answers:
            raise NotAllowed(
                ngettext(
                    "{key} has {count} answer: it stays asked per {per} (remove it and add it "
                    "again to ask it otherwise)",
                    "{key} has {count} answers: it stays asked per {per} (remove it and add it "
                    "again to ask it otherwise)",
                    len(answers),
                ).format(key=row.key, count=len(answers), per=row.per)
            )
        if change.text is not None:
            row.text = _check_text(change.text)
        if kind != row.kind or options != (tuple(json.loads(row.choices)) if row.choices else ()):
            shape = cast(Kind, kind)
            probe = QuestionInfo(
                0, event.slug, row.key, row.text, shape, options, False, (), "order", 0
            )
            unfit = 0
            kept: list[tuple[QuestionAnswer, str]] = []
            for answer in answers:
                try:
                    kept.append((answer, probe.answer(answer.value)))
                except InvalidInput:
                    unfit += 1
            if unfit:
                raise NotAllowed(
                    ngettext(
                        "{key}: {count} answer given does not fit the new kind or options",
                        "{key}: {count} answers given do not fit the new kind or options",
                        unfit,
                    ).format(key=row.key, count=unfit)
                )
            for answer, value in kept:
                answer.value = value
            row.kind = kind
            row.choices = json.dumps(list(options)) if options else None
        if change.required is not None:
            row.required = change.required
        if change.ticket_types is not None:
            row.ticket_types = _type_ids(session, event, change.ticket_types)
        row.per = per
        if change.position is not None:
            row.position = change.position
        row.updated_at = moment
        session.flush()
        log(session, "question_changed", at=moment, event_id=event.id, station=station, key=row.key)
        return _read_back(session, event, row)


def remove_question(
    store: Store, event_ref: str | int, key: str, *, station: str | None = None
) -> int:
    """Remove a question and its answers; returns how many answers went with it."""
    moment = utcnow()
    with store.write() as session:
        event = get_event(session, event_ref)
        row = get_question(session, event, key)
        gone = session.execute(delete(QuestionAnswer).where(QuestionAnswer.question_id == row.id))
        answers = int(getattr(gone, "rowcount", 0) or 0)
        session.delete(row)
        log(
            session,
            "question_removed",
            at=moment,
            event_id=event.id,
            station=station,
            key=row.key,
            answers=answers,
        )
        return answers


# --- answers given --------------------------------------------------------------------------
@dataclass(frozen=True)
class TypedAnswer:
    """An answer as given: to the question ``key``; for a question asked of each holder,
    ``ticket`` is which ticket of the order (1 the first; None: every one of them)."""

    key: str
    value: str
    ticket: int | None = None


def parse_answer(text: str) -> TypedAnswer:
    """``KEY=VALUE``, or ``N:KEY=VALUE`` for the N-th ticket's holder."""
    head, equals, value = text.partition("=")
    number, colon, key = head.rpartition(":")
    ticket: int | None = None
    if colon:
        if not number.strip().isdigit() or int(number) < 1:
            equals = ""
        else:
            ticket = int(number)
    if not equals or not key.strip():
        raise InvalidInput(
            _("{answer!r}: an answer is KEY=VALUE, or N:KEY=VALUE for the N-th ticket").format(
                answer=text
            ),
            field="answer",
        )
    return TypedAnswer(key.strip().lower(), value, ticket)


@dataclass
class Answers:
    """The answers of one order, checked: the order's, and each ticket's (by position)."""

    order: dict[int, str] = field(default_factory=dict)  # question id -> value
    holders: list[dict[int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.order) or any(self.holders)


def check_answers(
    questions: Sequence[QuestionInfo],
    type_id: int,
    type_name: str,
    given: Sequence[TypedAnswer],
    count: int,
    *,
    required: bool = True,
    slug: str = "",
) -> Answers:
    """The answers given for an order of ``count`` tickets of one type, each checked against
    its question: a key the event does not ask, an answer that does not fit, a question not
    asked of this ticket type or a required one left out is InvalidInput naming the question.
    An empty value is no answer. With ``required=False`` a required question may be left out
    (an import whose file has no column for it)."""
    by_key = {q.key: q for q in questions}
    made = Answers(holders=[{} for _ticket in range(count)])
    several: dict[tuple[int, int | None], list[str]] = {}
    for answer in given:
        question = by_key.get(answer.key)
        if question is None:
            known = ", ".join(by_key) or _("none")
            raise InvalidInput(
                _("{key}: the event {event!r} asks no such question (known: {known})").format(
                    key=answer.key, event=slug, known=known
                ),
                field="answer",
            )
        if not answer.value.strip():
            continue
        if not question.asked_of(type_id):
            raise InvalidInput(
                _("{key}: not asked of {ticket_type} tickets (only of {types})").format(
                    key=question.key, ticket_type=type_name, types=", ".join(question.ticket_types)
                ),
                field="answer",
            )
        if question.per == "order" and answer.ticket is not None:
            raise InvalidInput(
                _("{key} is asked once an order: answer it without a ticket number").format(
                    key=question.key
                ),
                field="answer",
            )
        if answer.ticket is not None and answer.ticket > count:
            raise InvalidInput(
                ngettext(
                    "{key}: ticket {number} of an order of {count} ticket",
                    "{key}: ticket {number} of an order of {count} tickets",
                    count,
                ).format(key=question.key, number=answer.ticket, count=count),
                field="answer",
            )
        spot = (question.id, answer.ticket)
        if spot in several and question.kind != "choices":
            raise InvalidInput(
                _("{key} is answered twice").format(key=question.key), field="answer"
            )
        several.setdefault(spot, []).append(answer.value)
    for (question_id, ticket), values in several.items():
        question = next(q for q in questions if q.id == question_id)
        value = question.answer(SEPARATOR.join(values))
        if question.per == "order":
            made.order[question_id] = value
        elif ticket is None:
            for holder in made.holders:
                holder.setdefault(question_id, value)
        else:
            made.holders[ticket - 1][question_id] = value
    if required:
        _check_required(questions, type_id, made)
    return made


def _check_required(questions: Sequence[QuestionInfo], type_id: int, made: Answers) -> None:
    for question in questions:
        if not question.required or not question.asked_of(type_id):
            continue
        if question.per == "order":
            missing = question.id not in made.order
        else:
            missing = any(question.id not in holder for holder in made.holders)
        if missing:
            raise InvalidInput(
                _("{key} is required: {text}").format(key=question.key, text=question.text),
                field="answer",
            )


def answers_for_order(
    session: Session,
    event: Event,
    ticket_type: TicketType,
    given: Sequence[TypedAnswer],
    count: int,
) -> Answers:
    """``check_answers`` against the event's questions, in the registration's transaction."""
    return check_answers(
        questions_of(session, event),
        ticket_type.id,
        ticket_type.name,
        given,
        count,
        slug=event.slug,
    )


def store_answers(
    session: Session,
    made: Answers,
    order_id: int,
    ticket_ids: Sequence[str],
    at: datetime,
) -> None:
    """Keep an order's checked answers: the order's, and its tickets' holders' (in order)."""
    session.add_all(
        QuestionAnswer(question_id=q, order_id=order_id, value=v, answered_at=at)
        for q, v in made.order.items()
    )
    session.add_all(
        QuestionAnswer(question_id=q, ticket_id=ticket, value=v, answered_at=at)
        for ticket, holder in zip(ticket_ids, made.holders, strict=True)
        for q, v in holder.items()
    )
