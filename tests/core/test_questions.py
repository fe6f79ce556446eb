"""Registration questions (issue 45), on SQLite and PostgreSQL: an event asks them at
registration, each kind's answer is checked and kept in one form, a required one is asked of
the ticket types it is for, of the order or of each holder; the answers are read back,
exported, given to the person, forgotten with them and counted by option."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from eventdesk.models import QuestionAnswer
from eventdesk.services.catalogue.program import add_session
from eventdesk.services.data.csvexport import export
from eventdesk.services.people import attendees
from eventdesk.services.people.forget import forget_attendee, personal_data
from eventdesk.services.people.question_answers import (
    answer_counts,
    order_answers,
    ticket_answers,
)
from eventdesk.services.people.questions import (
    QuestionChange,
    TypedAnswer,
    add_question,
    list_questions,
    parse_answer,
    remove_question,
    update_question,
)
from eventdesk.services.people.registration import register
from eventdesk.services.stats.reports import report
from eventdesk.values import utcnow
from tests.helpers import add_type, make_event


def _event(store: Store, name: str) -> str:
    """An event starting tomorrow (times from the clock), with two ticket types."""
    starts = utcnow().replace(microsecond=0) + timedelta(days=1)
    event = make_event(
        store, name=name, starts=starts.isoformat(), ends=(starts + timedelta(hours=8)).isoformat()
    )
    add_type(store, event, "Regular", price_cents=0)
    add_type(store, event, "Speaker", price_cents=0)
    return event


def _person(store: Store, name: str) -> str:
    email = f"{name.lower().replace(' ', '.')}@example.org"
    attendees.add_attendee(store, name=name, email=email)
    return email


def _answers(*pairs: str) -> list[TypedAnswer]:
    return [parse_answer(p) for p in pairs]


def test_every_kind_is_checked_and_kept_in_one_form(store: Store) -> None:
    event = _event(store, "Kinds Conf")
    add_question(store, event, key="title", text="Job title", kind="text")
    add_question(store, event, key="bio", text="About you", kind="longtext")
    add_question(
        store, event, key="diet", text="Diet", kind="choice", choices=["none|vegetarian|vegan"]
    )
    add_question(
        store, event, key="topics", text="Topics", kind="choices", choices=["web", "data", "ops"]
    )
    add_question(store, event, key="parking", text="Parking?", kind="yesno")
    add_question(store, event, key="age", text="Age", kind="number")
    add_question(store, event, key="arrival", text="Arriving on", kind="date")
    assert [q.key for q in list_questions(store, event)] == [
        "title",
        "bio",
        "diet",
        "topics",
        "parking",
        "age",
        "arrival",
    ]
    day = (utcnow() + timedelta(days=1)).date().isoformat()
    order = register(
        store,
        event,
        _person(store, "Kay Kinds"),
        "Regular",
        answers=_answers(
            "title= Engineer ",
            "bio=Line one\nline two",
            "diet=VEGAN",
            "topics=ops|web",
            "topics=data",
            "parking=Oui",
            "age=042.50",
            f"arrival={day}",
        ),
    )
    kept = order_answers(store, order.order_id)["order"]
    assert kept == {
        "title": "Engineer",
        "bio": "Line one\nline two",
        "diet": "vegan",
        "topics": "web|data|ops",  # in the question's order
        "parking": "yes",
        "age": "42.5",
        "arrival": day,
    }
    bad = {
        "diet=fish": "diet",
        "diet=vegan|vegetarian": "diet",
        "topics=web|cooking": "cooking",
        "parking=maybe": "yes or no",
        "age=ten": "number",
        "age=NaN": "number",
        "age=1e400": "number",
        "age=1_000": "number",
        "arrival=tomorrow": "YYYY-MM-DD",
        "arrival=2030-02-30": "YYYY-MM-DD",
        "title=" + "x" * 201: "title",
        "title=tab\there": "title",
        "shoe=42": "asks no such question",
    }
    bad_answers = _person(store, "Bad Answers")
    for given, said in bad.items():
        with pytest.raises(InvalidInput) as refused:
            register(store, event, bad_answers, "Regular", answers=_answers(given))
        assert said in refused.value.message, (given, refused.value.message)
    with store.read() as session:  # nothing of the refused ones was kept
        assert session.scalar(select(func.count()).select_from(QuestionAnswer)) == 7


def test_a_required_question_is_asked_of_its_ticket_types_only(store: Store) -> None:
    event = _event(store, "Required Conf")
    add_question(
        store,
        event,
        key="talk",
        text="Your talk's title",
        kind="text",
        required=True,
        ticket_types=["Speaker"],
    )
    add_question(store, event, key="tshirt", text="T-shirt", kind="choice", choices=["S|M|L"])
    with pytest.raises(InvalidInput) as refused:
        register(store, event, _person(store, "Sam Speaker"), "Speaker", answers=[])
    assert "talk" in refused.value.message
    assert "Your talk's title" in refused.value.message
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(QuestionAnswer)) == 0
    made = register(
        store, event, "sam.speaker@example.org", "Speaker", answers=_answers("talk=Queues")
    )
    assert made.status == "registered"
    # A regular ticket is not asked it, and may not answer it.
    register(store, event, _person(store, "Rita Regular"), "Regular", answers=[])
    with pytest.raises(InvalidInput, match="not asked of Regular"):
        register(store, event, _person(store, "Rob Regular"), "Regular", answers=_answers("talk=X"))
    # A caller that does not ask (None) is not held to it.
    register(store, event, _person(store, "Walk In"), "Speaker")


def test_per_order_and_per_holder_answers(store: Store) -> None:
    event = _event(store, "Holders Conf")
    add_question(store, event, key="invoice", text="Invoice to", kind="text", per="order")
    add_question(
        store,
        event,
        key="tshirt",
        text="T-shirt",
        kind="choice",
        choices=["S|M|L"],
        per="holder",
        required=True,
    )
    buyer = _person(store, "Olga Order")
    with pytest.raises(InvalidInput, match="tshirt is required"):
        register(
            store,
            event,
            buyer,
            "Regular",
            holders=[None, "Hana Holder"],
            answers=_answers("1:tshirt=M"),
        )
    with pytest.raises(InvalidInput, match="once an order"):
        register(store, event, buyer, "Regular", answers=_answers("1:invoice=ACME", "tshirt=S"))
    with pytest.raises(InvalidInput, match="ticket 3"):
        register(
            store,
            event,
            buyer,
            "Regular",
            holders=[None, "Hana Holder"],
            answers=_answers("3:tshirt=S", "tshirt=M"),
        )
    order = register(
        store,
        event,
        buyer,
        "Regular",
        holders=[None, "Hana Holder"],
        answers=_answers("invoice=ACME", "tshirt=L", "2:tshirt=s"),
    )
    mine, hers = (t.ticket_id for t in order.tickets)
    kept = order_answers(store, order.order_id)
    assert kept == {
        "order": {"invoice": "ACME"},
        "tickets": {mine: {"tshirt": "L"}, hers: {"tshirt": "S"}},
    }
    assert ticket_answers(store, hers) == {"invoice": "ACME", "tshirt": "S"}
    with store.read() as session:
        rows = session.execute(
            select(QuestionAnswer.order_id, QuestionAnswer.ticket_id, QuestionAnswer.value)
        ).all()
    assert sorted(rows, key=str) == sorted(
        [(order.order_id, None, "ACME"), (None, mine, "L"), (None, hers, "S")], key=str
    )


def test_questions_are_changed_and_removed_with_their_answers(store: Store) -> None:
    event = _event(store, "Change Conf")
    with pytest.raises(InvalidInput, match="two options"):
        add_question(store, event, key="size", text="Size", kind="choice", choices=["M"])
    with pytest.raises(InvalidInput, match="only a choice"):
        add_question(store, event, key="size", text="Size", kind="text", choices=["S|M"])
    with pytest.raises(InvalidInput, match="key"):
        add_question(store, event, key="Big Size!", text="Size", kind="text")
    with pytest.raises(NotFound, match="Staff"):
        add_question(store, event, key="size", text="Size", kind="text", ticket_types=["Staff"])
    add_question(store, event, key="size", text="Size", kind="choice", choices=["S|M|L"])
    with pytest.raises(Conflict):
        add_question(store, event, key="size", text="Again", kind="text")
    register(store, event, _person(store, "Mia Medium"), "Regular", answers=_answers("size=M"))
    with pytest.raises(NotAllowed, match="1 answer given does not fit"):
        update_question(store, event, "size", QuestionChange(choices=["S|L|XL"]))
    with pytest.raises(NotAllowed, match="per order"):
        update_question(store, event, "size", QuestionChange(per="holder"))
    changed = update_question(
        store,
        event,
        "size",
        QuestionChange(text="T-shirt size", choices=["S|M|L|XL"], required=True),
    )
    assert (changed.text, changed.choices, changed.required) == (
        "T-shirt size",
        ("S", "M", "L", "XL"),
        True,
    )
    assert update_question(store, event, "size", QuestionChange(kind="text")).kind == "text"
    assert remove_question(store, event, "size") == 1
    assert list_questions(store, event) == []
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(QuestionAnswer)) == 0
    with pytest.raises(NotFound, match="asks no question"):
        remove_question(store, event, "size")


def test_answers_are_exported_given_to_the_person_and_forgotten(
    store: Store, tmp_path: Path
) -> None:
    event = _event(store, "Export Conf")
    add_question(
        store, event, key="diet", text="Diet", kind="choice", choices=["none|vegetarian|vegan"]
    )
    add_question(store, event, key="pronouns", text="Pronouns", kind="text", per="holder")
    ada = _person(store, "Ada Answer")
    order = register(
        store,
        event,
        ada,
        "Regular",
        holders=[None, "Hal Holder"],
        answers=_answers("diet=vegan", "1:pronouns=she/her", "2:pronouns=he/him"),
    )
    register(store, event, _person(store, "Ned None"), "Regular", answers=[])
    path = tmp_path / "attendees.csv"
    export(store, "attendees", event, path)
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    got = {r["Name"]: (r["answer:diet"], r["answer:pronouns"]) for r in rows}
    assert got == {
        "Ada Answer": ("vegan", "she/her"),
        "Hal Holder": ("vegan", "he/him"),
        "Ned None": ("", ""),
    }
    data = personal_data(store, ada)
    given = {(a["key"], a["ticket_id"], a["value"]) for a in data["registration_answers"]}
    mine, hal = (t.ticket_id for t in order.tickets)
    assert given == {
        ("diet", None, "vegan"),
        ("pronouns", mine, "she/her"),
        ("pronouns", hal, "he/him"),
    }
    before = report(store, "attendance", event).as_dicts()
    made = forget_attendee(store, ada)
    assert made.erased["registration answers"] == 3
    assert personal_data(store, made.attendee)["registration_answers"] == []
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(QuestionAnswer)) == 0
    assert report(store, "attendance", event).as_dicts() == before  # the counts stay


def test_answers_are_counted_by_option_overall_and_per_session(store: Store) -> None:
    event = _event(store, "Count Conf")
    starts = utcnow().replace(microsecond=0) + timedelta(days=1, hours=1)
    talk = add_session(
        store,
        event,
        name="Keynote",
        starts=starts.isoformat(),
        ends=(starts + timedelta(hours=1)).isoformat(),
    )
    add_question(
        store,
        event,
        key="diet",
        text="Diet",
        kind="choice",
        choices=["none|vegetarian|vegan"],
        per="holder",
    )
    add_question(store, event, key="topics", text="Topics", kind="choices", choices=["web|data"])
    add_question(store, event, key="parking", text="Parking", kind="yesno")
    add_question(store, event, key="title", text="Title", kind="text")
    register(
        store,
        event,
        _person(store, "Vera Vegan"),
        "Regular",
        holders=[None, "Val Vegan"],
        sessions=[talk.id],
        answers=_answers("diet=vegan", "topics=web|data", "parking=yes"),
    )
    register(
        store,
        event,
        _person(store, "Vic Veggie"),
        "Regular",
        answers=_answers("diet=vegetarian", "topics=data"),
    )
    counts = [(c.question, c.choice, c.count) for c in answer_counts(store, event)]
    assert counts == [
        ("diet", "none", 0),
        ("diet", "vegetarian", 1),
        ("diet", "vegan", 2),
        ("topics", "web", 1),
        ("topics", "data", 2),
        ("parking", "yes", 1),
        ("parking", "no", 0),
    ]
    in_talk = answer_counts(store, event, question="diet", session_ref="keynote")
    assert [(c.choice, c.count) for c in in_talk] == [("none", 0), ("vegetarian", 0), ("vegan", 2)]
    with pytest.raises(InvalidInput, match="title"):
        answer_counts(store, event, question="title")
    with pytest.raises(NotFound):
        answer_counts(store, event, session_ref="Nope")
