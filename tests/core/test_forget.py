"""Forgetting a person (GDPR article 17) and giving them their data (article 15), on SQLite
and PostgreSQL: after `attendee forget`, a search, an export, the scan log, the transaction log,
the text badges and the exports in the data folder hold no trace of them, while every count,
the revenue and the statistics are exactly as before; backups taken before are listed."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.models import ScanLog, TransactionLog
from eventdesk.services.data.csvexport import export
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees, payments
from eventdesk.services.people.attendees import find_attendees
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.services.stats.reports import report, stats
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.helpers import add_type, make_event

NAME, EMAIL, COMPANY, PHONE = "Zelda Quaxworth", "zelda.q@example.org", "Quaxworth Labs", "0301234"


def traces(text: str) -> list[str]:
    low = text.casefold()
    return [w for w in (NAME, EMAIL, COMPANY, PHONE, "Hugo Holder") if w.casefold() in low]


def test_a_forgotten_person_leaves_no_trace_and_every_count_stays(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    now = utcnow()
    ev = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
    )
    add_type(store, ev, "Regular", price_cents=2500)
    attendees.add_attendee(store, name=NAME, email=EMAIL, company=COMPANY, phone=PHONE)
    attendees.add_attendee(store, name="Other Person", email="other@example.org")
    made = register(store, ev, EMAIL, "Regular", quantity=2, holders=[None, "Hugo Holder"])
    mine, hugo = (t.ticket_id for t in made.tickets)
    register(store, ev, "other@example.org", "Regular")
    payments.pay(store, mine, method="card")
    payload = show_ticket(store, mine).qr_payload
    assert payload is not None
    assert Checkin(store, station="Door 1", event=ev).scan(payload).result == "ok"
    cli.run("export", "attendees", ev, "--output", str(tmp_path / "attendees.csv"))
    if store.is_sqlite:  # (a server's backups are pg_dump's, not in the data folder)
        cli.json("backup")
    (tmp_path / "badges").mkdir(exist_ok=True)
    (tmp_path / "badges" / f"{mine}-1.txt").write_text(f"{NAME.upper()}\n", encoding="utf-8")
    before = asdict(stats(store, ev, now=now))
    attendance = report(store, "attendance", ev).rows
    revenue = report(store, "revenue", ev).rows
    person = find_attendees(store, "Quaxworth")[0].id

    _, err = cli.run("attendee", "forget", str(person), code=2)
    assert "give --yes" in err
    forgot = cli.json("attendee", "forget", str(person), "--yes")
    assert forgot["pseudonym"].startswith("Forgotten ") and forgot["erased"]["attendee"] == 1
    assert forgot["erased"]["ticket holder names"] == 1 and forgot["erased"]["badge files"] == 1
    assert forgot["erased"]["export files"] == 1
    assert len(forgot["backups_still_holding"]) == (1 if store.is_sqlite else 0)

    assert find_attendees(store, "Quaxworth") == [] and find_attendees(store, "Hugo") == []
    assert [p.name for p in find_attendees(store, "Forgotten")] == [forgot["pseudonym"]]
    out = tmp_path / "after.csv"
    export(store, "attendees", ev, out)
    assert traces(out.read_text(encoding="utf-8-sig")) == []
    assert traces((tmp_path / "attendees.csv").read_text(encoding="utf-8-sig")) == []
    assert not list((tmp_path / "badges").glob(f"{mine}-*"))
    with store.read() as session:
        logged = " ".join(str(d) for d in session.scalars(select(TransactionLog.detail)))
        answers = " ".join(str(a) for a in session.scalars(select(ScanLog.answer)))
    assert traces(logged) == [] and traces(answers) == []
    data = cli.json("attendee", "export-data", str(person))
    assert traces(json.dumps(data, ensure_ascii=False)) == []
    assert sorted(t["id"] for t in data["tickets"]) == sorted([mine, hugo])
    # Every count, the revenue and the statistics exactly as they were.
    assert asdict(stats(store, ev, now=now)) == before
    assert report(store, "attendance", ev).rows == attendance
    assert report(store, "revenue", ev).rows == revenue
    _, err = cli.run("attendee", "forget", str(person), "--yes", code=1)
    assert "forgotten already" in err


def test_export_data_gives_a_person_everything_kept_about_them(
    cli: Cli, store: Store, signer: Signer
) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular", price_cents=1000)
    attendees.add_attendee(store, name=NAME, email=EMAIL, company=COMPANY, phone=PHONE)
    ticket = register(store, ev, EMAIL, "Regular").tickets[0].ticket_id
    payments.pay(store, ticket, method="cash")
    person = find_attendees(store, "Zelda")[0].id
    data = cli.json("attendee", "export-data", str(person))
    assert data["attendee"] == {
        **data["attendee"],
        "name": NAME,
        "email": EMAIL,
        "company": COMPANY,
        "phone": PHONE,
    }
    assert [t["id"] for t in data["tickets"]] == [ticket]
    assert [(p["kind"], p["amount_cents"]) for p in data["payments"]] == [("payment", 1000)]
    assert any(r["kind"] == "registered" or r["ticket_id"] == ticket for r in data["log"])


def test_an_event_is_forgotten_only_after_its_retention(
    cli: Cli, store: Store, signer: Signer
) -> None:
    now = utcnow()
    ended = make_event(
        store,
        starts=(now - timedelta(days=10)).isoformat(),
        ends=(now - timedelta(days=9)).isoformat(),
    )
    add_type(store, ended, "Regular", price_cents=0)
    attendees.add_attendee(store, name=NAME, email=EMAIL)
    register(store, ended, EMAIL, "Regular")
    _, err = cli.run("event", "forget", ended, "--yes", "--after-days", "30", code=1)
    assert "30 days after it ended" in err
    done = cli.json("event", "forget", ended, "--yes", "--after-days", "7")
    assert done["attendees"] == 1 and find_attendees(store, "Zelda") == []


def test_an_event_not_to_be_forgotten_yet_says_its_end_in_its_own_zone(
    cli: Cli, store: Store
) -> None:
    """Times printed for people are in the event's zone (docs/cli.md; it said UTC)."""
    now = utcnow().replace(second=0, microsecond=0)
    ends = now - timedelta(days=2)
    ended = make_event(
        store,
        starts=(ends - timedelta(hours=8)).isoformat(),
        ends=ends.isoformat(),
        timezone="America/New_York",
    )
    _, err = cli.run("event", "forget", ended, "--yes", "--after-days", "30", code=1)
    local = ends.astimezone(ZoneInfo("America/New_York"))
    assert f"ends {local:%Y-%m-%d %H:%M} E" in err and "UTC" not in err, err
