"""Words written together (phrase tokens): a query of several words is first looked up as a
phrase, and answers with those people when there are enough of them; otherwise, and always for
who is found, the answer is that of every typed word starting a word. Every writer stores the
phrases, and migration 0011 gives them to the people stored before it; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, select

from eventdesk.db import Store
from eventdesk.migrate import upgrade
from eventdesk.migrations import HEAD_REVISION
from eventdesk.models import Attendee, SearchToken, Ticket
from eventdesk.services.data.csvio import import_attendees
from eventdesk.services.people import attendees
from eventdesk.services.people.attendees import PHRASE, person_tokens, phrase_tokens, search_tokens
from eventdesk.text import words
from tests.helpers import add_type, make_event, migrate


def found(store: Store, query: str, limit: int = 50) -> list[str]:
    return [a.email for a in attendees.find_attendees(store, query, limit=limit)]


def stored(store: Store) -> dict[str, set[str]]:
    """Each person's tokens, by email."""
    with store.read() as session:
        rows = session.execute(
            select(Attendee.email, SearchToken.token).join(
                SearchToken, SearchToken.attendee_id == Attendee.id
            )
        ).all()
    tokens: dict[str, set[str]] = {}
    for email, token in rows:
        tokens.setdefault(email, set()).add(token)
    return tokens


def test_the_phrase_is_the_email_before_the_at() -> None:
    assert phrase_tokens("zoe.schmidt7@example.com") == {" zoe schmidt7"}
    assert phrase_tokens("anna@example.com") == set()  # one word: no phrase
    assert phrase_tokens("zk@example.com") == set()
    tokens = person_tokens("Anna Lee", "a.lee@x.example", "Kettle & Co")
    assert tokens == search_tokens("Anna Lee", "a.lee@x.example", "Kettle & Co") | {" a lee"}


def test_words_written_together_answer_first_when_enough_people_have_them(
    store: Store,
) -> None:
    # Berta has both words apart (Anna in her name, Kettle her company) and comes first by the
    # word 'anna'; Anna Kowalski has them written together.
    attendees.add_attendee(
        store, name="Berta Anna", email="berta@example.com", company="Kettle & Co"
    )
    attendees.add_attendee(store, name="Anna Kowalski", email="anna.kowalski@example.com")
    assert found(store, "anna.k", limit=1) == ["anna.kowalski@example.com"]
    assert found(store, "anna k", limit=1) == ["anna.kowalski@example.com"]
    # Not enough people have the phrase: everyone having both words, in the order of 'anna'.
    assert found(store, "anna.k", limit=2) == ["berta@example.com", "anna.kowalski@example.com"]
    assert found(store, "k anna", limit=1) == ["berta@example.com"]  # no one writes it so


def test_a_search_on_sqlite_opens_no_transaction(store: Store) -> None:
    attendees.add_attendee(store, name="Anna Kowalski", email="anna.kowalski@example.com")
    begun: list[object] = []

    def began(connection: object) -> None:
        begun.append(connection)

    event.listen(store.engine, "begin", began)
    try:
        assert found(store, "anna.ko") == ["anna.kowalski@example.com"]
        assert found(store, "kowal") == ["anna.kowalski@example.com"]
        assert found(store, "") == ["anna.kowalski@example.com"]
    finally:
        event.remove(store.engine, "begin", began)
    # SQLite: each SELECT reads a snapshot by itself. PostgreSQL: a READ ONLY transaction each.
    assert len(begun) == (0 if store.is_sqlite else 3)


def test_every_writer_stores_the_phrases(store: Store, tmp_path: Path) -> None:
    attendees.add_attendee(store, name="Anna Kowalski", email="anna.k@example.com")
    attendees.add_attendees_bulk(store, [{"name": "Bo Berg", "email": "bo.berg@example.com"}])
    ev = make_event(store)
    add_type(store, ev, "Regular")
    csv = tmp_path / "people.csv"
    csv.write_text("Name,Email,Company\nCy Dee Thr,cy.thr@example.com,Acme Analytics\n")
    import_attendees(store, csv, ev)
    attendees.update_attendee(store, "anna.k@example.com", name="Anna Maria Kowalski")
    tokens = stored(store)
    assert tokens["anna.k@example.com"] == person_tokens(
        "Anna Maria Kowalski", "anna.k@example.com", None
    )
    assert tokens["bo.berg@example.com"] == person_tokens("Bo Berg", "bo.berg@example.com", None)
    with store.read() as session:
        (ticket,) = session.scalars(select(Ticket.id)).all()
    assert tokens["cy.thr@example.com"] == {ticket.lower()} | person_tokens(
        "Cy Dee Thr", "cy.thr@example.com", "Acme Analytics"
    )
    assert found(store, "maria kow") == ["anna.k@example.com"]
    assert found(store, "dee thr") == ["cy.thr@example.com"]


def test_migration_0011_gives_people_stored_before_it_their_phrases(
    store: Store, tmp_path: Path
) -> None:
    assert HEAD_REVISION >= "0011"  # the phrases are made by 0011, on the way up
    people = [
        {"name": f"Person{n} Of Many", "email": f"p{n}.many{n}@example.com"} for n in range(12)
    ]
    attendees.add_attendees_bulk(store, people)
    attendees.add_attendee(store, name="Anna Maria O'Brien", email="anna.m.obrien@example.com")
    before = stored(store)
    assert any(t.startswith(PHRASE) for t in before["anna.m.obrien@example.com"])
    migrate(store.engine, "0010", down=True)
    after_down = stored(store)
    assert after_down == {
        email: {t for t in tokens if not t.startswith(PHRASE)} for email, tokens in before.items()
    }
    assert upgrade(store)
    assert stored(store) == before


class Crowd:
    """People made of a few short words, so that queries find many and many ties."""

    WORDS = ("ann", "anna", "bo", "bob", "ka", "kab", "kim", "li")

    def __init__(self, store: Store) -> None:
        self.store = store

    def fill(self, people: list[tuple[list[str], list[str]]]) -> dict[int, set[str]]:
        with self.store.write() as session:
            session.execute(delete(SearchToken))
            session.execute(delete(Attendee))
        rows = [
            {"name": " ".join(name) or "x", "email": f"{'.'.join(local) or 'x'}{n}@example.com"}
            for n, (name, local) in enumerate(people)
        ]
        attendees.add_attendees_bulk(self.store, rows)
        with self.store.read() as session:
            stored_people = session.execute(select(Attendee.id, Attendee.name, Attendee.email))
            return {i: search_tokens(name, email, None) for i, name, email in stored_people}


def brute_force(people: dict[int, set[str]], query: str) -> set[int]:
    terms = words(query)
    return {
        person
        for person, tokens in people.items()
        if all(any(token.startswith(term) for token in tokens) for term in terms)
    }


word = st.sampled_from(Crowd.WORDS)
person = st.tuples(st.lists(word, max_size=3), st.lists(word, max_size=3))
query = st.lists(
    st.builds(lambda w, n: w[:n], word, st.integers(1, 4)), min_size=1, max_size=3
).flatmap(lambda ws: st.sampled_from([".".join(ws), " ".join(ws)]))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person, max_size=25), queries=st.lists(query, min_size=1, max_size=4))
@example(
    people=[(["anna", "kab"], ["anna", "kab"])] * 3 + [(["kab", "anna"], [])], queries=["anna.k"]
)
def test_who_is_found_is_every_typed_word_starting_a_word(
    store: Store, people: list[tuple[list[str], list[str]]], queries: list[str]
) -> None:
    everyone = Crowd(store).fill(people)
    for typed in queries:
        expected = brute_force(everyone, typed)
        for limit in (1, 2, 3, 500):
            got = [a.id for a in attendees.find_attendees(store, typed, limit=limit)]
            assert len(got) == len(set(got)) == min(limit, len(expected)), (typed, limit)
            assert set(got) <= expected, (typed, limit)
        assert all(c in string.printable for c in typed)


def test_one_person_with_more_matching_words_than_one_read_holds_hides_no_one(
    store: Store,
) -> None:
    many: Any = " ".join(f"Ann{letter}" for letter in "abcdefghijkl")
    attendees.add_attendee(store, name=many, email="ann.many@example.com")
    attendees.add_attendee(store, name="Annz Other", email="other@example.com")
    assert found(store, "ann", limit=2) == ["ann.many@example.com", "other@example.com"]
