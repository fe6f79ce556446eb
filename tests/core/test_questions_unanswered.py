"""A question added once people have registered (issue 60): how many tickets have no answer
to it, counted as the door would know them (registered, of a ticket type it is asked of, with
no answer of their holder's nor of their order's), on SQLite and PostgreSQL. What `question
add --required` tells the organizer: these are asked at registration only, never at the door."""

from __future__ import annotations

import uuid
from datetime import timedelta

from eventdesk.db import Store
from eventdesk.services.people.cancellation import cancel
from eventdesk.services.people.questions import (
    QuestionChange,
    add_question,
    parse_answer,
    unanswered_tickets,
    update_question,
)
from eventdesk.services.people.registration import register
from eventdesk.values import utcnow
from tests.helpers import add_type, make_event, people


def test_the_tickets_registered_before_a_question_are_counted(store: Store) -> None:
    tag = uuid.uuid4().hex[:8]
    starts = utcnow().replace(microsecond=0) + timedelta(days=1)
    event = make_event(
        store,
        name=f"Counted {tag}",
        starts=starts.isoformat(),
        ends=(starts + timedelta(hours=8)).isoformat(),
        capacity=4,
    )
    add_type(store, event, "Regular", price_cents=0)
    add_type(store, event, "Speaker", price_cents=0)
    emails = people(store, 6, prefix=f"counted-{tag}-")
    add_question(store, event, key="diet", text="Diet", kind="text")  # answered by some
    plain = register(store, event, emails[0], "Regular").tickets[0].ticket_id
    register(store, event, emails[1], "Regular", answers=[parse_answer("diet=vegan")])
    register(store, event, emails[2], "Speaker", quantity=2)  # one order, two tickets
    cancel(store, plain)  # a cancelled ticket is no one's to ask
    register(store, event, emails[3], "Regular")
    assert register(store, event, emails[4], "Regular").status == "waitlisted"

    # Of the order: the order's answer counts for its tickets; cancelled and waitlisted not.
    assert unanswered_tickets(store, event, "diet") == 3
    add_question(store, event, key="talk", text="Talk", kind="text", ticket_types=["Speaker"])
    assert unanswered_tickets(store, event, "talk") == 2
    add_question(store, event, key="pronouns", text="Pronouns", kind="text", per="holder")
    assert unanswered_tickets(store, event, "pronouns") == 4
    update_question(store, event, "talk", QuestionChange(ticket_types=[]))
    assert unanswered_tickets(store, event, "talk") == 4
