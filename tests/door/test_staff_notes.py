"""Staff notes (services.people.notes) at the door, on SQLite and PostgreSQL as the organizer's
station: a decision about a ticket carries the note on its holder (their own ticket only) and on
its order, as data (``note``, ``order_note``), in ``checkin --json`` and in the scan log's
answer; a person leaving gets none. A note is one line of at most 500 characters, ""
removes it, and forgetting the person erases theirs and their orders'."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.models import Attendee, Order, ScanLog
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.scan_result import from_answer
from eventdesk.services.people.attendees import add_attendee, set_attendee_note, update_attendee
from eventdesk.services.people.forget import forget_attendee, personal_data
from eventdesk.services.people.notes import set_order_note, show_order
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from tests.clitools import Cli
from tests.offline_tools import open_event

PERSON_NOTE = "Press: escort to the press room"
ORDER_NOTE = "paid by invoice, collect PO"


def _noted_pair(store: Store, signer: Signer) -> tuple[str, list[str], int, int]:
    """An event open now; a buyer with a note who bought their own ticket and one for a guest,
    in one order with a note: the event, the two tickets, the buyer and the order."""
    event = open_event(store, signer, 1)
    buyer = add_attendee(store, name="Nora Noted", email=f"nora-{event.slug}@example.org")
    made = register(store, event.slug, buyer.id, "Regular", holders=[None, "Gil Guest"])
    tickets = [t.ticket_id for t in made.tickets]
    set_attendee_note(store, buyer.id, PERSON_NOTE)
    set_order_note(store, made.tickets[0].order_id, ORDER_NOTE)
    return event.slug, tickets, buyer.id, made.tickets[0].order_id


def test_a_decision_carries_the_holders_and_the_orders_notes(store: Store, signer: Signer) -> None:
    slug, (own, guests), _buyer, _order = _noted_pair(store, signer)
    door = Checkin(store, station="Door 1", event=slug)
    admitted = door.scan(signer.payload(own), nonce="notes-1")
    assert admitted.result == "ok"
    assert (admitted.note, admitted.order_note) == (PERSON_NOTE, ORDER_NOTE)
    # The guest's ticket: the order's note, not the buyer's note on themselves.
    guest = door.scan(signer.payload(guests))
    assert (guest.attendee, guest.note, guest.order_note) == ("Gil Guest", None, ORDER_NOTE)
    # A refusal carries them too (the staff sees them with any answer about the ticket).
    again = door.scan(signer.payload(own))
    assert again.result == "already_checked_in"
    assert (again.note, again.order_note) == (PERSON_NOTE, ORDER_NOTE)
    # The scan log keeps them with the answer, and a retried nonce gets them back.
    with store.read() as session:
        kept = session.scalar(select(ScanLog.answer).where(ScanLog.nonce == "notes-1"))
    assert kept is not None and json.loads(kept)["note"] == PERSON_NOTE
    assert from_answer(kept).order_note == ORDER_NOTE
    assert door.scan(signer.payload(own), nonce="notes-1").note == PERSON_NOTE


def test_someone_leaving_gets_no_note(store: Store, signer: Signer) -> None:
    event = open_event(store, signer, 1, allow_reentry=True)
    ticket = event.ticket_ids[0]
    with store.read() as session:
        order = session.scalars(select(Order.id)).one()
    set_order_note(store, order, ORDER_NOTE)
    door = Checkin(store, station="Door 1", event=event.slug)
    assert door.scan(event.payloads[0]).order_note == ORDER_NOTE
    left = door.scan(event.payloads[0], direction="exit")
    assert left.result == "ok" and left.order_note is None and ticket == left.ticket_id


def test_a_note_is_one_line_of_at_most_500_characters(store: Store) -> None:
    made = add_attendee(store, name="Otto Line", email="otto@example.org", note="  VIP guest  ")
    assert made.note == "VIP guest"
    with pytest.raises(InvalidInput, match="note is longer than 500 characters"):
        set_attendee_note(store, made.id, "x" * 501)
    with pytest.raises(InvalidInput, match="note contains control characters"):
        update_attendee(store, made.id, note="first line\nsecond line")
    assert update_attendee(store, made.id, company="Acme").note == "VIP guest"
    assert update_attendee(store, made.id, note="").note is None


def test_forgetting_a_person_erases_their_notes_and_their_orders(
    store: Store, signer: Signer
) -> None:
    slug, (own, _guests), buyer, order = _noted_pair(store, signer)
    exported = personal_data(store, buyer)
    assert exported["attendee"]["note"] == PERSON_NOTE
    assert exported["orders"] == [
        {"id": order, "created_at": exported["orders"][0]["created_at"], "note": ORDER_NOTE}
    ]
    Checkin(store, station="Door 1", event=slug).scan(signer.payload(own), nonce="forget-1")
    forget_attendee(store, buyer)
    with store.read() as session:
        person = session.get(Attendee, buyer)
        assert person is not None and person.note is None
        answer = session.scalar(select(ScanLog.answer).where(ScanLog.nonce == "forget-1"))
    assert show_order(store, order).note is None
    assert answer is not None and PERSON_NOTE not in answer and ORDER_NOTE not in answer


def test_notes_from_the_command_line(cli: Cli, store: Store, signer: Signer) -> None:
    event = open_event(store, signer, 1)
    made = cli.json(
        "attendee",
        "add",
        "--name",
        "Pia Press",
        "--email",
        "pia@example.org",
        "--note",
        PERSON_NOTE,
    )
    assert made["note"] == PERSON_NOTE
    ticket = cli.json(
        "register", event.slug, "--attendee", "pia@example.org", "--ticket-type", "Regular"
    )
    order = str(ticket["order_id"])
    noted = cli.json("order", "note", order, ORDER_NOTE)
    assert (noted["id"], noted["note"], noted["tickets"]) == (
        ticket["order_id"],
        ORDER_NOTE,
        [ticket["ticket_id"]],
    )
    assert cli.json("order", "show", order)["note"] == ORDER_NOTE
    assert f"  note: {ORDER_NOTE}" in cli.out("order", "show", order).splitlines()
    shown = cli.json("attendee", "show", "pia@example.org")
    assert shown["note"] == PERSON_NOTE
    assert f"  note: {PERSON_NOTE}" in cli.out("attendee", "show", "pia@example.org").splitlines()
    answer = cli.json("checkin", "--event", event.slug, signer.payload(ticket["ticket_id"]))
    assert (answer["result"], answer["note"], answer["order_note"]) == (
        "ok",
        PERSON_NOTE,
        ORDER_NOTE,
    )
    human = cli.out("checkin", "--event", event.slug, "--ticket", ticket["ticket_id"], code=1)
    assert f"  note: {PERSON_NOTE}" in human.splitlines(), human
    assert f"  order note: {ORDER_NOTE}" in human.splitlines(), human

    assert cli.json("attendee", "update", "pia@example.org", "--note", "")["note"] is None
    assert cli.json("order", "note", order, "")["note"] is None
    assert "note" not in cli.out("attendee", "show", "pia@example.org")
    _out, err = cli.run("order", "note", order, "x" * 501, code=2)
    assert err.strip().splitlines() == ["eventdesk: note is longer than 500 characters"], err
    _out, err = cli.run("attendee", "update", "pia@example.org", "--note", "a\tb", code=2)
    assert "note contains control characters" in err
    _out, err = cli.run("order", "note", "999999", "x", code=2)
    assert err.strip().splitlines() == ["eventdesk: no order 999999"], err
