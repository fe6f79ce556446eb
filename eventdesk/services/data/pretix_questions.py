"""A connected pretix event's questions made ours (services.people.questions) and its tickets'
answers kept with them: each question by its identifier (pretix's ``COMPANY`` is our
``company``), asked of each ticket's holder, so that the desk's card shows the answers and a
badge prints them as it does those given at registration here.

pretix's kinds map onto ours (a string, a text, a number, yes or no, one or several options, a
date); any other kind (a file, a time, a country, a phone number) is kept as text. An answer
that does not fit its question here is left out, and said."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _
from eventdesk.models import Event, QuestionAnswer, RegistrationQuestion, Ticket
from eventdesk.services.data.pretix_api import Connection, pages, translated
from eventdesk.services.people.questions import SEPARATOR, Kind, questions_of
from eventdesk.values import utcnow

KINDS: dict[str, Kind] = {
    "S": "text",
    "T": "longtext",
    "N": "number",
    "B": "yesno",
    "C": "choice",
    "M": "choices",
    "D": "date",
}
_NOT_KEY = re.compile(r"[^a-z0-9_-]+")


@dataclass(frozen=True)
class ShopQuestion:
    """One of the shop's questions, as ours: its key, words, kind and options (by the shop's
    option id)."""

    key: str
    text: str
    kind: Kind
    options: dict[int, str]


def _key(identifier: str, number: int) -> str:
    key = _NOT_KEY.sub("-", identifier.strip().lower()).strip("-")[:40]
    return key or f"pretix-{number}"


def read_questions(connection: Connection) -> dict[int, ShopQuestion]:
    """The shop's questions of the event, by its question id, in the station's language."""
    found = {}
    for each in pages(connection, "questions/"):
        options = {
            int(o["id"]): translated(o.get("answer"))[:100] for o in each.get("options") or ()
        }
        found[int(each["id"])] = ShopQuestion(
            key=_key(str(each.get("identifier") or ""), int(each["id"])),
            text=(translated(each.get("question")) or str(each["id"]))[:200],
            kind=KINDS.get(str(each.get("type")), "text"),
            options=options,
        )
    return found


def answers_of(place: dict[str, Any], questions: dict[int, ShopQuestion]) -> dict[str, str]:
    """A position's answers, by our question's key, as typed here."""
    given = {}
    for answer in place.get("answers") or ():
        question = questions.get(int(answer.get("question") or 0))
        if question is None:
            continue
        if question.options and answer.get("options"):
            value = SEPARATOR.join(
                question.options[int(o)] for o in answer["options"] if int(o) in question.options
            )
        elif question.kind == "yesno":
            value = "yes" if str(answer.get("answer")).lower() == "true" else "no"
        else:
            value = str(answer.get("answer") or "")
        if value:
            given[question.key] = value
    return given


def write_questions(store: Store, event_id: int, questions: Iterable[ShopQuestion]) -> None:
    """The shop's questions the event does not ask yet, made (asked of each ticket's holder)."""
    with store.write() as session:
        asked = set(
            session.scalars(
                select(RegistrationQuestion.key).where(RegistrationQuestion.event_id == event_id)
            )
        )
        last = session.scalar(
            select(func.max(RegistrationQuestion.position)).where(
                RegistrationQuestion.event_id == event_id
            )
        )
        position = int(last or 0)
        for question in questions:
            if question.key in asked:
                continue
            position += 1
            choices = list(dict.fromkeys(question.options.values()))
            optional = question.kind in ("choice", "choices")
            session.add(
                RegistrationQuestion(
                    event_id=event_id,
                    key=question.key,
                    text=question.text,
                    kind=question.kind if choices or not optional else "text",
                    choices=json.dumps(choices) if choices else None,
                    required=False,
                    per="holder",
                    position=position,
                    updated_at=utcnow(),
                )
            )
            asked.add(question.key)


def write_answers(store: Store, event_id: int, given: dict[str, dict[str, str]]) -> list[str]:
    """Each ticket's answers (by its code) kept, each in its question's form here; what does
    not fit is left out and said."""
    problems: list[str] = []
    if not given:
        return problems
    now = utcnow()
    with store.write() as session:
        event = session.get(Event, event_id)
        assert event is not None
        questions = {q.key: q for q in questions_of(session, event)}
        codes = list(given)
        for start in range(0, len(codes), 500):
            chunk = codes[start : start + 500]
            tickets = dict(
                session.execute(
                    select(Ticket.qr_payload, Ticket.id).where(Ticket.qr_payload.in_(chunk))
                ).all()
            )
            kept = {
                (a.ticket_id, a.question_id): a
                for a in session.scalars(
                    select(QuestionAnswer).where(QuestionAnswer.ticket_id.in_(tickets.values()))
                )
            }
            for code in chunk:
                ticket_id = tickets.get(code)
                if ticket_id is None:
                    continue
                for key, raw in given[code].items():
                    question = questions.get(key)
                    if question is None:
                        continue
                    try:
                        value = question.answer(raw)
                    except InvalidInput as exc:
                        problems.append(
                            _("ticket {ticket}: {problem}").format(ticket=ticket_id, problem=exc)
                        )
                        continue
                    row = kept.get((ticket_id, question.id))
                    if row is None:
                        session.add(
                            QuestionAnswer(
                                question_id=question.id,
                                ticket_id=ticket_id,
                                value=value,
                                answered_at=now,
                            )
                        )
                    elif row.value != value:
                        row.value, row.answered_at = value, now
    return problems
