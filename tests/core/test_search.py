"""Type-ahead attendee search: name, email, company, ticket id; accents and case ignored."""

from __future__ import annotations

import pytest

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from tests.helpers import add_type, make_event


@pytest.fixture
def crowd(store: Store) -> Store:
    for name, email, company in [
        ("Zoë Müller", "zoe.mueller@example.com", "Nordlicht GmbH"),
        ("Zoltan Kovács", "zk@example.org", "Acme Analytics"),
        ("Anna Schmidt", "anna.schmidt@example.de", "Café Números"),
        ("Annabel Lee", "annabel@poe.example", None),
        ("Seán Ó Súilleabháin", "sean@example.ie", "Acme Analytics"),
        ("山田 太郎", "taro@example.jp", "Yamada Shoji"),
    ]:
        attendees.add_attendee(store, name=name, email=email, company=company)
    return store


def names(store: Store, query: str, limit: int = 50) -> list[str]:
    return [a.name for a in attendees.find_attendees(store, query, limit=limit)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zoe", ["Zoë Müller"]),
        ("ZOË", ["Zoë Müller"]),
        ("muller", ["Zoë Müller"]),
        ("zo", ["Zoltan Kovács", "Zoë Müller"]),
        ("ann", ["Anna Schmidt", "Annabel Lee"]),
        ("anna s", ["Anna Schmidt"]),
        ("s anna", ["Anna Schmidt"]),
        ("acme", ["Zoltan Kovács", "Seán Ó Súilleabháin"]),
        ("cafe num", ["Anna Schmidt"]),
        ("sean o suil", ["Seán Ó Súilleabháin"]),
        ("zoe.mue", ["Zoë Müller"]),
        ("zk@exa", ["Zoltan Kovács"]),
        ("poe.example", ["Annabel Lee"]),
        ("山田", ["山田 太郎"]),
        ("xyz", []),
        ("anna zzz", []),
    ],
)
def test_find_as_typed(crowd: Store, query: str, expected: list[str]) -> None:
    assert sorted(names(crowd, query)) == sorted(expected)


def test_empty_query_lists_everyone_by_name_with_limit(crowd: Store) -> None:
    assert names(crowd, "") == sorted(names(crowd, ""))
    assert len(names(crowd, "")) == 6
    assert len(names(crowd, "", limit=2)) == 2
    assert len(names(crowd, "a", limit=1)) == 1


def test_a_person_whose_words_share_the_prefix_many_times_does_not_hide_the_others(
    store: Store,
) -> None:
    # Every word of the first person starts with "ann" and sorts before the second person's:
    # the rows read first are all hers, yet the second person is found as well.
    attendees.add_attendee(
        store, name="Anna Annabel Annaliese", email="annalena.annemarie@annex.example"
    )
    attendees.add_attendee(store, name="Annika Berg", email="berg@example.com")
    assert names(store, "ann", limit=2) == ["Anna Annabel Annaliese", "Annika Berg"]
    assert names(store, "ann", limit=1) == ["Anna Annabel Annaliese"]
    assert names(store, "ann x", limit=2) == []


def test_search_answers_the_same_across_many_people(store: Store) -> None:
    # More people than one read of the search holds: the order is that of the word matched.
    for n in range(30):
        attendees.add_attendee(store, name=f"Kim Number{n:02d}", email=f"kim{n:02d}@example.com")
    found = names(store, "kim num", limit=25)
    assert found == [f"Kim Number{n:02d}" for n in range(25)]


def test_find_by_ticket_id(crowd: Store) -> None:
    ev = make_event(crowd)
    add_type(crowd, ev, "Regular")
    ticket = register(crowd, ev, "zk@example.org", "Regular").tickets[0].ticket_id
    assert names(crowd, ticket) == ["Zoltan Kovács"]
    assert names(crowd, ticket[:5].lower()) == ["Zoltan Kovács"]


def test_update_changes_what_is_found(crowd: Store) -> None:
    attendees.update_attendee(
        crowd, "annabel@poe.example", name="Annabel Poe", company="Raven Press"
    )
    assert names(crowd, "raven") == ["Annabel Poe"]
    assert names(crowd, "lee") == []
    with pytest.raises(Conflict):
        attendees.update_attendee(crowd, "annabel@poe.example", email="ZK@example.org")


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [
        ("", "a@example.com", "name"),
        ("   ", "a@example.com", "name"),
        ("Bob", "", "email"),
        ("Bob", "not-an-email", "email"),
        ("Bob", "bob@localhost", "email"),
        ("Bob", "bob @example.com", "email"),
        ("Bo\x00b", "bob@example.com", "name"),
        ("B" * 201, "bob@example.com", "name"),
    ],
)
def test_bad_attendee_input(store: Store, name: str, email: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        attendees.add_attendee(store, name=name, email=email)
    assert caught.value.field == field


def test_email_unique_case_insensitive(store: Store) -> None:
    attendees.add_attendee(store, name="One", email="Same@Example.com")
    with pytest.raises(Conflict, match="exists already"):
        attendees.add_attendee(store, name="Two", email="same@example.COM")
    assert attendees.show_attendee(store, "SAME@example.com").name == "One"
