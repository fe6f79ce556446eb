"""Exports write as they read: every row of the database, what was paid and what is due per
ticket, and never all the rows in memory at once. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import Attendee, Ticket, TicketType
from eventdesk.services.data import csvexport
from eventdesk.services.data.csvexport import export
from eventdesk.services.data.csvio import import_attendees
from eventdesk.services.people import payments
from tests.helpers import add_type, make_event


def filled(store: Store, tmp_path: Path, rows: int, prefix: str) -> str:
    event = make_event(store)
    add_type(store, event, "Regular", price_cents=2500)
    path = tmp_path / f"{prefix}.csv"
    lines = ["Name,Email,Company"] + [
        f"{prefix.title()} Person{i},{prefix}{i}@example.com,Firm {i % 7}" for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert import_attendees(store, path, event).imported == rows
    return event


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_export_of_many_rows_is_the_database_with_what_was_paid(
    store: Store, tmp_path: Path
) -> None:
    event = filled(store, tmp_path, 700, "many")
    with store.read() as session:
        tickets = session.execute(
            select(Ticket.id, Attendee.name, Attendee.email, Attendee.company, TicketType.name)
            .join(Attendee, Attendee.id == Ticket.attendee_id)
            .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        ).all()
    paid_all, part, invoiced = tickets[0][0], tickets[1][0], tickets[2][0]
    payments.pay(store, paid_all, method="cash")
    payments.pay(store, part, method="card", amount_cents=1000)
    payments.refund(store, part, amount_cents=400)  # goodwill: the price is lowered by it
    payments.pay(store, invoiced, method="invoice")  # pending: not paid yet
    out = tmp_path / "attendees.csv"
    assert export(store, "attendees", event, out) == 700
    rows = read(out)
    assert [r["Name"] for r in rows] == sorted(r["Name"] for r in rows)
    by_ticket = {r["Ticket ID"]: r for r in rows}
    assert {
        t: (r["Name"], r["Email"], r["Company"], r["Ticket Type"], r["Status"])
        for t, r in by_ticket.items()
    } == {
        t: (name, email, company, kind, "registered") for t, name, email, company, kind in tickets
    }
    assert (by_ticket[paid_all]["Paid"], by_ticket[paid_all]["Due"]) == ("25.00", "0.00")
    assert (by_ticket[part]["Paid"], by_ticket[part]["Due"]) == ("6.00", "15.00")
    assert (by_ticket[invoiced]["Paid"], by_ticket[invoiced]["Due"]) == ("0.00", "25.00")
    others = [r for t, r in by_ticket.items() if t not in (paid_all, part, invoiced)]
    assert {(r["Paid"], r["Due"], r["Currency"]) for r in others} == {("0.00", "25.00", "EUR")}


def test_an_export_reads_a_chunk_at_a_time(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The query streams (a server-side cursor on PostgreSQL), so the rows held at once are
    bounded by the chunk: exporting four times the rows takes about the same memory."""
    monkeypatch.setattr(csvexport, "EXPORT_CHUNK", 50)
    small, big = filled(store, tmp_path, 300, "small"), filled(store, tmp_path, 1200, "big")
    streamed: list[Any] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM attendee" in statement and "ORDER BY" in statement:
            streamed.append(args[-2].execution_options.get("yield_per"))

    sa_event.listen(store.engine, "before_cursor_execute", seen)

    def peak(event: str) -> int:
        tracemalloc.start()
        try:
            export(store, "attendees", event, tmp_path / f"{event}.csv")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(small)  # statements compiled and cached once
    small_peak, big_peak = peak(small), peak(big)
    assert big_peak < 1.5 * small_peak, (small_peak, big_peak)  # all rows held: 3x
    assert streamed == [50, 50, 50]
    assert len(read(tmp_path / f"{big}.csv")) == 1200


def test_an_order_of_three_holders_with_a_refund_is_exported_as_ticket_show_has_it(
    store: Store, tmp_path: Path
) -> None:
    """One buyer, three tickets for three people: each row names its holder (the buyer's
    company is not theirs), and a ticket refunded in full is due nothing, as `ticket show`
    says."""
    from eventdesk.services.people import attendees
    from eventdesk.services.people.registration import register

    event = make_event(store)
    add_type(store, event, "Regular", price_cents=34900)
    attendees.add_attendee(store, name="Person Six", email="six@example.com", company="Six Ltd")
    made = register(
        store, event, "six@example.com", "Regular", quantity=3, holders=["Anna", "Bert", "Cara"]
    )
    anna, bert, cara = (t.ticket_id for t in made.tickets)
    for ticket in (anna, bert, cara):
        payments.pay(store, ticket, method="card")
    payments.refund(store, bert)  # all of it: Bert's ticket is cancelled
    out = tmp_path / "order.csv"
    export(store, "attendees", event, out)
    rows = {r["Ticket ID"]: r for r in read(out)}
    assert [rows[t]["Name"] for t in (anna, bert, cara)] == ["Anna", "Bert", "Cara"]
    assert {rows[t]["Buyer"] for t in (anna, bert, cara)} == {"Person Six"}
    assert {rows[t]["Company"] for t in (anna, bert, cara)} == {""}
    shown = payments.payment_summary(store, bert)
    assert (rows[bert]["Status"], rows[bert]["Due"]) == (
        "cancelled",
        "0.00",
    ) and shown.due_cents == 0
    assert (rows[anna]["Paid"], rows[anna]["Due"]) == ("349.00", "0.00")
