"""Attendee profiles and the type-ahead search the desk uses.

Search works on a token table: every folded word of an attendee's name, company and email (and
the ids of their tickets, and the names of the people they bought tickets for) is a row, found
by an index range scan on the typed prefix. Accents and case are folded away on both sides, so
'zoe' finds 'Zoë' and 'MULLER' finds 'Müller'.

Words written together are a row too (a phrase token: a space, then the words with a space
between): the email's words before the @ ('zoe.schmidt7@…': " zoe schmidt7"). A query of
several words ('zoe.sc') is first looked up as such a phrase (" zoe sc"): at festival scale
thousands of people have each word, few both, and their phrase finds those few at once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import Conflict, InvalidInput
from eventdesk.i18n import _, ngettext, parse_language
from eventdesk.models import Attendee, Event, ListEntry, Order, SearchToken, Ticket
from eventdesk.names import given_of, name_in_parts, parse_family
from eventdesk.prepared import Prepared
from eventdesk.services.common import email_key, get_attendee
from eventdesk.services.people.auth import hash_pin
from eventdesk.services.people.notes import parse_note
from eventdesk.text import prefix_upper_bound, words
from eventdesk.values import optional_text, parse_email, parse_pin, require_text, utcnow

DEFAULT_LIMIT = 50
MAX_TERMS = 6
_ATTENDEE = cast(Table, Attendee.__table__)
_TOKEN = cast(Table, SearchToken.__table__)


@dataclass(frozen=True)
class AttendeeInfo:
    id: int
    name: str
    email: str
    company: str | None
    phone: str | None
    has_pin: bool
    language: str | None = None  # the language they registered with (None: the station's)
    badge_name: str | None = None  # printed on their badges instead of the name (None: the name)
    alert: str | None = None  # awaited: the organizer is told when they arrive, and why
    note: str | None = None  # the staff's note, shown at the door (never printed)
    # The family part of the name where it was given apart (None: told from the name), and
    # what is left of the name without it.
    family_name: str | None = None
    given_name: str | None = None


def attendee_info(row: Attendee) -> AttendeeInfo:
    return AttendeeInfo(
        row.id,
        row.name,
        row.email,
        row.company,
        row.phone,
        row.pin_hash is not None,
        row.language,
        row.badge_name,
        row.alert,
        row.note,
        row.family_name,
        given_of(row.name, row.family_name),
    )


BADGE_NAME_LENGTH = 100  # the column's (attendee.badge_name)


def parse_badge_name(value: str | None) -> str | None:
    """A badge name as given: checked as a name is (trimmed, at most BADGE_NAME_LENGTH
    characters, no control characters); None for nothing or blanks ("" clears it)."""
    try:
        # TRANSLATORS: the field a refusal names: "badge name is longer than 100 characters"
        return optional_text(value, _("badge name"), max_length=BADGE_NAME_LENGTH)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="badge_name") from None


def person_language(value: str | None) -> str | None:
    """The language a person registers with: a catalogue's code, or None ("" clears it)."""
    if value is None or not value.strip():
        return None
    return parse_language(value, "language")


def search_tokens(name: str, email: str, company: str | None) -> set[str]:
    """The folded words a person is found by. A query is split into words the same way, so an
    email is its words ('anna.smith+events@gmail.com': anna, smith, events, gmail, com)."""
    tokens = set(_name_tokens(name))
    tokens.update(t[:200] for t in words(email) if t)
    if company:
        tokens |= _words_of(company)
    return tokens


PHRASE = " "  # starts a phrase token: no word has a space, so no word's range holds one


def phrase_tokens(email: str) -> set[str]:
    """The run of words a person is found by when several typed words are written together:
    the email's words before the @ (" zoe schmidt7" for 'zoe.schmidt7@…'), when there are
    several. It is a prefix of the typed words only if the person has every one of them, so
    what it finds the word tokens find too.

    The name's runs are no phrases: in an import they cost a third more time a person (a
    phrase lands in the index wherever its name sorts, a page of its own), where a query of
    several name words is still answered by the word tokens. Companies have none either: a
    company's words go together (everyone at Acme Analytics has both)."""
    local = words(email.rpartition("@")[0])
    return {_phrase(local)} if len(local) > 1 else set()


def person_tokens(name: str, email: str, company: str | None) -> set[str]:
    """Every token a person's own details give: their words and their phrase."""
    return search_tokens(name, email, company) | phrase_tokens(email)


def _phrase(run: Sequence[str]) -> str:
    return (PHRASE + " ".join(run))[:200]


def holder_tokens(holder: str) -> set[str]:
    """The words a ticket's named holder is found by: they lead to the buyer's card."""
    return set(_name_tokens(holder))


@functools.lru_cache(maxsize=16384)  # names and companies repeat: an import asks again and again
def _name_tokens(name: str) -> frozenset[str]:
    tokens = set(words(name))
    # "O'Brien" and "Jean-Luc" are also found as typed without the mark: "obrien", "jeanluc".
    tokens.update("".join(words(part)) for part in name.split())
    return frozenset(t[:200] for t in tokens if t)


@functools.lru_cache(maxsize=4096)
def _words_of(text: str) -> frozenset[str]:
    return frozenset(t[:200] for t in words(text) if t)


def replace_tokens(session: Session, attendee: Attendee) -> None:
    """The person's search words written again from their details and tickets: each
    ticket's id, its holder's name and, for one sold in a shop, the shop's order code."""
    replace_tokens_of(session, [attendee])


def replace_tokens_of(session: Session, people: Sequence[Attendee]) -> None:
    """``replace_tokens`` for many people at once: a read, a delete and an insert in all."""
    if not people:
        return
    ids = [person.id for person in people]
    session.flush()
    tickets = session.execute(
        select(Ticket.attendee_id, Ticket.id, Ticket.holder_name, Order.shop_ref)
        .join(Order, Order.id == Ticket.order_id)
        .where(Ticket.attendee_id.in_(ids))
    ).all()
    session.execute(delete(SearchToken).where(SearchToken.attendee_id.in_(ids)))
    tokens = {p.id: person_tokens(p.name, p.email, p.company) for p in people}
    for attendee_id, ticket_id, holder, shop_ref in tickets:
        found = tokens[attendee_id]
        found.add(ticket_id.lower())
        if holder:
            found |= holder_tokens(holder)
        if shop_ref:
            found.update(t[:200] for t in words(shop_ref) if t)
    rows = [{"token": t, "attendee_id": a} for a, each in tokens.items() for t in sorted(each)]
    if rows:
        session.execute(insert(SearchToken), rows)


def _validated(
    name: str | None, email: str | None, company: str | None, phone: str | None
) -> tuple[str, str, str | None, str | None]:
    return (
        require_text(name, "name"),
        parse_email(email),
        optional_text(company, "company"),
        optional_text(phone, "phone", max_length=50),
    )


def add_attendee(
    store: Store,
    *,
    name: str | None,
    email: str,
    company: str | None = None,
    phone: str | None = None,
    pin: str | None = None,
    language: str | None = None,
    badge_name: str | None = None,
    note: str | None = None,
    given: str | None = None,
    family: str | None = None,
) -> AttendeeInfo:
    """A new person: ``name`` as they write it, or made of ``given`` and ``family`` (the part
    lists sort under, kept apart: eventdesk.names)."""
    name, family_part = name_in_parts(name, given, family)
    clean_name, clean_email, clean_company, clean_phone = _validated(name, email, company, phone)
    speaks = person_language(language)
    shorter = parse_badge_name(badge_name)
    noted = parse_note(note)
    pin_hash = hash_pin(parse_pin(pin)) if pin else None
    with store.write() as session:
        key = email_key(clean_email)
        if session.scalar(select(Attendee.id).where(Attendee.email_key == key)) is not None:
            raise Conflict(
                _("an attendee with email {email} exists already").format(email=clean_email),
                field="email",
            )
        row = Attendee(
            name=clean_name,
            family_name=family_part,
            email=clean_email,
            email_key=key,
            company=clean_company,
            phone=clean_phone,
            pin_hash=pin_hash,
            failed_pin_attempts=0,
            created_at=utcnow(),
            language=speaks,
            badge_name=shorter,
            note=noted,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                _("an attendee with email {email} exists already").format(email=clean_email),
                field="email",
            ) from None
        replace_tokens(session, row)
        return attendee_info(row)


def add_attendees_bulk(store: Store, rows: Iterable[Mapping[str, str | None]]) -> int:
    """Insert many attendees in one transaction (name, email, company, phone). All or nothing."""
    now = utcnow()
    prepared = []
    for row in rows:
        name, email, company, phone = _validated(
            row.get("name"), row.get("email"), row.get("company"), row.get("phone")
        )
        prepared.append((name, email, company, phone))
    _check_new_emails(store, [email for _name, email, _company, _phone in prepared])
    with store.write() as session:
        for start in range(0, len(prepared), 500):  # small: RETURNING in order costs batch**2
            chunk = prepared[start : start + 500]
            ids = session.scalars(
                insert(Attendee).returning(Attendee.id, sort_by_parameter_order=True),
                [
                    {
                        "name": name,
                        "email": email,
                        "email_key": email_key(email),
                        "company": company,
                        "phone": phone,
                        "failed_pin_attempts": 0,
                        "created_at": now,
                    }
                    for name, email, company, phone in chunk
                ],
            ).all()
            token_rows = [
                {"token": token, "attendee_id": attendee_id}
                for attendee_id, (name, email, company, _phone) in zip(ids, chunk, strict=True)
                for token in sorted(person_tokens(name, email, company))
            ]
            session.execute(insert(SearchToken), token_rows)
    return len(prepared)


def update_attendee(
    store: Store,
    ref: str | int,
    *,
    name: str | None = None,
    email: str | None = None,
    company: str | None = None,
    phone: str | None = None,
    language: str | None = None,
    badge_name: str | None = None,
    note: str | None = None,
    given: str | None = None,
    family: str | None = None,
) -> AttendeeInfo:
    """Change what is given (None: kept as it is; "" clears the language, the badge name,
    the note and the family part, which alone leaves the name as written). ``given`` without
    ``name`` makes the name of it and the family part."""
    speaks = person_language(language)
    family_part = parse_family(family)
    shorter = parse_badge_name(badge_name)
    noted = parse_note(note)
    with store.write() as session:
        row = get_attendee(session, ref)
        # Locked: a ticket registered meanwhile must not lose its search token below.
        session.refresh(row, with_for_update=True)
        if family is not None:  # "" clears it
            row.family_name = family_part
        if name is None and given is not None:
            name = name_in_parts(None, given, row.family_name)[0]
        elif family is None and name is not None and (row.family_name or "") not in name:
            row.family_name = None  # a new name without the old family part: told from it
        new_name, new_email, new_company, new_phone = _validated(
            row.name if name is None else name,
            row.email if email is None else email,
            row.company if company is None else company,
            row.phone if phone is None else phone,
        )
        key = email_key(new_email)
        if key != row.email_key and session.scalar(
            select(Attendee.id).where(Attendee.email_key == key)
        ):
            raise Conflict(
                _("an attendee with email {email} exists already").format(email=new_email),
                field="email",
            )
        row.name, row.email, row.email_key, row.company, row.phone = (
            new_name,
            new_email,
            key,
            new_company,
            new_phone,
        )
        if language is not None:  # "" clears it
            row.language = speaks
        if badge_name is not None:  # "" clears it
            row.badge_name = shorter
        if note is not None:  # "" clears it
            row.note = noted
        session.flush()
        replace_tokens(session, row)
        return attendee_info(row)


def set_badge_name(store: Store, ref: str | int, badge_name: str | None) -> AttendeeInfo:
    """Give a person a badge name, or take it away (None or ""): the desk's change, the one
    column of a person a desk's own login may write (eventdesk.grants). Their search words
    stay as they are (the badge name is not searched)."""
    return set_attendee_column(store, ref, badge_name=parse_badge_name(badge_name))


def set_attendee_note(store: Store, ref: str | int, note: str | None) -> AttendeeInfo:
    """Write the staff's note on a person, or take it away (None or ""): shown at the door
    with their answer, never printed; a desk's own login may write it (eventdesk.grants)."""
    return set_attendee_column(store, ref, note=parse_note(note))


def set_attendee_column(store: Store, ref: str | int, **checked: str | None) -> AttendeeInfo:
    """Write a person's columns named in ``checked``, their values checked already by the
    caller (a badge name, a note, an arrival alert): nothing else of the person changes."""
    with store.write() as session:
        row = get_attendee(session, ref)
        for column, value in checked.items():
            setattr(row, column, value)
        session.flush()
        return attendee_info(row)


def set_attendee_pin(store: Store, ref: str | int, pin: str) -> AttendeeInfo:
    pin_hash = hash_pin(parse_pin(pin))
    with store.write() as session:
        row = get_attendee(session, ref)
        row.pin_hash = pin_hash
        row.failed_pin_attempts = 0
        row.locked_until = None
        row.lockouts = 0  # a new PIN starts the escalation over, as reset_staff_pin does
        return attendee_info(row)


def show_attendee(store: Store, ref: str | int) -> AttendeeInfo:
    with store.read() as session:
        return attendee_info(get_attendee(session, ref))


def _query_terms(typed: Sequence[str]) -> list[str]:
    """The folded words typed, each once, longest first; an email is its words too
    ('smith+events@gmail' finds smith)."""
    unique = sorted(set(typed), key=lambda t: (-len(t), t))
    return unique[:MAX_TERMS]


def _token_range(token: Any, number: int) -> ColumnElement[bool]:
    return and_(token >= bindparam(f"low{number}"), token < bindparam(f"high{number}"))


def _range_params(terms: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for number, term in enumerate(terms):
        params[f"low{number}"], params[f"high{number}"] = term, prefix_upper_bound(term)
    return params


_SELECTIVITY_CAP = 2000
# How many tokens start with the term, counted up to the cap.
_COUNT = Prepared(
    select(func.count().label("tokens")).select_from(
        select(_TOKEN.c.id)
        .where(_token_range(_TOKEN.c.token, 0))
        .limit(_SELECTIVITY_CAP)
        .subquery()
    )
)


def _most_selective(connection: Connection, terms: list[str]) -> list[str]:
    """Terms reordered so the one matching fewest tokens drives the scan (counted up to a cap)."""
    if len(terms) == 1:
        return terms
    counts = {}
    for term in terms:
        found = _COUNT.first(connection, _range_params([term]))
        counts[term] = int(found["tokens"]) if found else 0
    return sorted(terms, key=lambda t: (counts[t], -len(t)))


_INFO = (
    _ATTENDEE.c.name,
    _ATTENDEE.c.email,
    _ATTENDEE.c.company,
    _ATTENDEE.c.phone,
    _ATTENDEE.c.pin_hash.is_not(None).label("has_pin"),
)


@functools.cache
def _matching(terms: int, dialect: str) -> Prepared:
    """The people whose words start with each of ``terms`` typed words, with what the desk
    shows of them, in the order of the first term's matching word: one statement, prepared
    once for each number of words. The first word's tokens are read in index order and each
    is kept when the person also has a word for every other term, up to the limit. A person
    matching by two words comes twice and is taken once.

    SQLite reads each person's row as their token is found, and stops when the caller has
    enough. PostgreSQL's planner, not knowing how few tokens a prefix has, would read the
    whole attendee table into a hash instead: there the tokens are gathered first (at most
    the limit), then those people's rows read by their key."""
    driver = _TOKEN.alias("driver")
    conditions = [_token_range(driver.c.token, 0)]
    for number in range(1, terms):
        other = _TOKEN.alias(f"other{number}")
        conditions.append(
            exists().where(
                other.c.attendee_id == driver.c.attendee_id,
                _token_range(other.c.token, number),
            )
        )
    order = (driver.c.token, driver.c.attendee_id)
    if dialect == "sqlite":
        return Prepared(
            select(driver.c.attendee_id.label("id"), *_INFO)
            .join_from(driver, _ATTENDEE, _ATTENDEE.c.id == driver.c.attendee_id)
            .where(*conditions)
            .order_by(*order)
            .limit(bindparam("most"))
        )
    hits = (
        select(driver.c.attendee_id, driver.c.token)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("most"))
        .subquery("hits")
    )
    return Prepared(
        select(hits.c.attendee_id.label("id"), *_INFO)
        .join_from(hits, _ATTENDEE, _ATTENDEE.c.id == hits.c.attendee_id)
        .order_by(hits.c.token, hits.c.attendee_id)
    )


_EVERYONE = Prepared(
    select(_ATTENDEE.c.id, *_INFO)
    .order_by(_ATTENDEE.c.name, _ATTENDEE.c.id)
    .limit(bindparam("most"))
)


def find_attendees(store: Store, query: str, *, limit: int = DEFAULT_LIMIT) -> list[AttendeeInfo]:
    """Type-ahead search: every typed word must start a word of the name, email, company or a
    ticket id. An empty query lists everyone by name.

    On SQLite the statements run outside a transaction: each SELECT reads one snapshot of the
    database by itself, and a search needs no more (the people it finds are each found by one
    statement), so the BEGIN and ROLLBACK of a read session, a third of a search's time, are
    left out. PostgreSQL reads in a READ ONLY transaction, as every read (see Store.read)."""
    limit = max(1, min(limit, 500))
    if store.is_sqlite:
        with store.connect() as connection:
            return _search(connection, query, limit)
    with store.read() as session:
        return search_session(session, query, limit=limit)


def search_session(session: Session, query: str, *, limit: int) -> list[AttendeeInfo]:
    """``find_attendees`` in a session of the caller's."""
    return _search(session.connection(), query, limit)


def _search(connection: Connection, query: str, limit: int) -> list[AttendeeInfo]:
    """The desk types a letter at a time, so this runs on prepared statements, straight on the
    driver (eventdesk.prepared).

    Several typed words are first looked up as words written together (a phrase token, see
    ``phrase_tokens``): when that finds ``limit`` people, they are the answer, each of them
    having every typed word. Otherwise (fewer people, or words typed apart as in 'anna kettle'
    for Anna at Kettle & Co) each typed word is looked up, and the people having all of them
    are read, driven by the word fewest tokens start with."""
    typed = words(query)
    terms = _query_terms(typed)
    if not terms:
        return [AttendeeInfo(**row) for row in _EVERYONE.rows(connection, {"most": limit})]
    if len(terms) > 1:
        phrase = PHRASE + " ".join(typed)
        if len(phrase) <= 200:  # a longer one is stored cut short: it would say too little
            together = _people(connection, [phrase], limit)
            if len(together) == limit:
                return together
        terms = _most_selective(connection, terms)
    return _people(connection, terms, limit)


def _people(connection: Connection, terms: list[str], limit: int) -> list[AttendeeInfo]:
    """Up to ``limit`` people having a token that starts with each of ``terms``, in the order
    of the first term's token."""
    dialect = connection.dialect.name
    search = _matching(len(terms), dialect)
    params = _range_params(terms)
    # A person two of whose words start with the first term comes twice ('kaberlin' and
    # 'kaberlin7' from the email): more rows than people are asked for, and more again when
    # those were not enough people. SQLite makes each row as it is fetched, so a bound it
    # does not reach costs nothing; PostgreSQL gathers every row up to it first.
    most = limit * 4 + 1 if dialect == "sqlite" else limit + limit // 4 + 1
    while True:
        people: dict[int, AttendeeInfo] = {}
        read = 0
        for row in search.each(connection, {**params, "most": most}):
            read += 1
            if row["id"] not in people:
                people[row["id"]] = AttendeeInfo(**row)
                if len(people) == limit:
                    return list(people.values())
        if read < most:  # every match was read
            return list(people.values())
        most *= 4


def known_emails(store: Store, emails: Sequence[str]) -> set[str]:
    """Which of these emails belong to attendees already (as their case-folded keys)."""
    keys = list({email_key(e) for e in emails})
    found: set[str] = set()
    with store.read() as session:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            found.update(
                session.scalars(select(Attendee.email_key).where(Attendee.email_key.in_(chunk)))
            )
    return found


def _check_new_emails(store: Store, emails: Sequence[str]) -> None:
    """All or nothing: name every row whose email is taken, in the file or in the database."""
    keys = [email_key(e) for e in emails]
    problems: list[tuple[int, str]] = []  # (row, what is wrong with it)
    first_row: dict[str, int] = {}
    for number, key in enumerate(keys, start=1):
        if key in first_row:
            problems.append(
                (
                    number,
                    _("row {row}: email {email} repeats row {first}").format(
                        row=number, email=emails[number - 1], first=first_row[key]
                    ),
                )
            )
        else:
            first_row[key] = number
    with store.read() as session:
        unique = list(first_row)
        for start in range(0, len(unique), 1000):
            chunk = unique[start : start + 1000]
            for taken in session.scalars(
                select(Attendee.email_key).where(Attendee.email_key.in_(chunk))
            ):
                number = first_row[taken]
                problems.append(
                    (
                        number,
                        _("row {row}: email {email} exists already").format(
                            row=number, email=emails[number - 1]
                        ),
                    )
                )
    if problems:
        count = len(problems)
        shown = "; ".join(said for _row, said in sorted(problems, key=lambda p: p[0])[:20])
        if count > 20:
            message = ngettext(
                "{count} attendee(s) not added: {problems} (and {more} more)",
                "{count} attendee(s) not added: {problems} (and {more} more)",
                count,
            ).format(count=count, problems=shown, more=count - 20)
        else:
            message = ngettext(
                "{count} attendee(s) not added: {problems}",
                "{count} attendee(s) not added: {problems}",
                count,
            ).format(count=count, problems=shown)
        raise Conflict(message, field="email")


def checked_in_among(
    store: Store, event: str | None, attendee_ids: Iterable[int]
) -> frozenset[int]:
    """Which of these attendees hold a ticket of ``event`` that is checked in (call it from a
    thread worker)."""
    ids = list(dict.fromkeys(attendee_ids))
    if event is None or not ids:
        return frozenset()
    query = (
        select(Ticket.attendee_id)
        .join(Event, Event.id == Ticket.event_id)
        .where(
            Event.slug == event,
            Ticket.attendee_id.in_(ids),
            Ticket.status == "registered",
            Ticket.checked_in_at.is_not(None),
        )
    )
    with store.read() as session:
        return frozenset(session.scalars(query).all())


@dataclass(frozen=True)
class DoorState:
    """Where an attendee stands at an event's door: ``in`` (checked in, ``at`` when), ``due``
    (registered, not checked in yet), ``out`` (on a check-in list that counts who is inside:
    let in, then out again, ``at`` the last entry), ``waitlisted``, ``cancelled``, or ``none``
    (no ticket)."""

    state: str
    at: datetime | None = None
    event: str | None = None  # at a door for several events: the ticket's event (its slug)


_STATE_RANK = {"in": 0, "out": 1, "due": 2, "waitlisted": 3, "cancelled": 4}


def door_states_among(
    store: Store, event: str | None, attendee_ids: Iterable[int], list_id: int | None = None
) -> dict[int, DoorState]:
    """Each attendee's standing at ``event``'s door, the best of their tickets there (checked in
    first, the earliest check-in); an attendee with no ticket there is ``none``. At a door on a
    check-in list that keeps its own admissions (``list_id``), admitted means admitted on that
    list (call it from a thread worker)."""
    ids = list(dict.fromkeys(attendee_ids))
    states = {attendee: DoorState("none") for attendee in ids}
    if event is None or not ids:
        return states
    query = (
        select(Ticket.id, Ticket.attendee_id, Ticket.status, Ticket.checked_in_at)
        .join(Event, Event.id == Ticket.event_id)
        .where(Event.slug == event, Ticket.attendee_id.in_(ids))
    )
    with store.read() as session:
        found = session.execute(query).all()
        entries: dict[str, tuple[datetime, bool]] = {}
        if list_id is not None and found:
            rows = session.execute(
                select(ListEntry.ticket_id, ListEntry.last_at, ListEntry.inside).where(
                    ListEntry.list_id == list_id,
                    ListEntry.ticket_id.in_([row.id for row in found]),
                )
            ).all()
            for ticket_id, last_at, inside in rows:  # a ticket's latest day counts
                if ticket_id not in entries or last_at > entries[ticket_id][0]:
                    entries[ticket_id] = (last_at, bool(inside))
    for ticket_id, attendee, status, checked_in_at in found:
        if status == "registered" and list_id is not None:
            entry = entries.get(ticket_id)
            state = (
                DoorState("due")
                if entry is None
                else DoorState("in" if entry[1] else "out", entry[0])
            )
        elif status == "registered":
            state = DoorState("in", checked_in_at) if checked_in_at else DoorState("due")
        else:
            state = DoorState(status)
        if _better(state, states[attendee]):
            states[attendee] = state
    return states


def _better(state: DoorState, known: DoorState) -> bool:
    """``state`` says more at the door than ``known``: checked in first, the earliest."""
    rank, known_rank = _STATE_RANK.get(state.state, 9), _STATE_RANK.get(known.state, 9)
    return rank < known_rank or bool(
        rank == known_rank == 0 and known.at and state.at and state.at < known.at
    )


def door_states_at(
    store: Store, door: Sequence[tuple[str, int | None]], attendee_ids: Iterable[int]
) -> dict[int, DoorState]:
    """``door_states_among`` at a door for several events: ``door`` is each event with the
    check-in list of its own admissions the door decides its tickets on (None: its default);
    each ticket stands by its own event's, the best of them counts, named by its ``event``."""
    ids = list(dict.fromkeys(attendee_ids))
    states = {attendee: DoorState("none") for attendee in ids}
    for event, list_id in door:
        for attendee, state in door_states_among(store, event, ids, list_id).items():
            if _better(state, states[attendee]):
                states[attendee] = replace(state, event=event)
    return states
