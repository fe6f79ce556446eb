"""Money, orders, invites and self-service from the command line (docs/cli.md): `refund --cancel`,
goodwill refunds, `cancel` offering the refund, `register --holder/--invite-code`, `event list
--all`, `ticket-type add --needs-staff` and `checkin --self-service`."""

from __future__ import annotations

from datetime import timedelta

from eventdesk.values import utcnow
from tests.clitools import Cli

NOW = utcnow().replace(second=0, microsecond=0)


def _event(cli: Cli, name: str, *options: str) -> str:
    """An event running now (an hour in) with a 100.00 'Regular' ticket type."""
    made = cli.json(
        "event",
        "create",
        "--name",
        name,
        "--starts",
        (NOW - timedelta(hours=1)).isoformat(),
        "--ends",
        (NOW + timedelta(hours=8)).isoformat(),
        *options,
    )
    cli.json("ticket-type", "add", made["slug"], "--name", "Regular", "--price", "100")
    return str(made["slug"])


def _person(cli: Cli, name: str) -> str:
    email = f"{name.lower()}@example.com"
    cli.json("attendee", "add", "--name", name, "--email", email)
    return email


def test_goodwill_refund_keeps_the_ticket_and_a_full_one_cancels(cli: Cli) -> None:
    slug = _event(cli, "Refund Night", "--capacity", "1")
    first = cli.json(
        "register", slug, "--attendee", _person(cli, "Ada"), "--ticket-type", "Regular"
    )
    waiting = cli.json(
        "register", slug, "--attendee", _person(cli, "Bob"), "--ticket-type", "Regular"
    )
    assert waiting["status"] == "waitlisted"
    ticket = first["ticket_id"]
    cli.json("pay", ticket, "--method", "card")

    goodwill = cli.json("refund", ticket, "--amount", "10")
    assert (goodwill["paid"], goodwill["due"], goodwill["status"]) == (90.0, 0.0, "registered")
    assert goodwill["cancelled"] is False and goodwill["goodwill"] == 10.0
    admitted = cli.json("checkin", "--ticket", ticket)
    assert admitted["result"] == "ok"  # a goodwill refund does not turn the guest away

    out, _ = cli.run("refund", ticket, "--cancel")
    assert "the ticket is cancelled" in out and waiting["ticket_id"] in out
    shown = cli.json("ticket", "show", ticket)
    assert (shown["status"], shown["paid"], shown["due"]) == ("cancelled", 0.0, 0.0)
    assert cli.json("ticket", "show", waiting["ticket_id"])["status"] == "registered"


def test_cancelling_a_paid_ticket_says_how_to_refund_it(cli: Cli) -> None:
    slug = _event(cli, "Cancel Night")
    ticket = cli.json(
        "register", slug, "--attendee", _person(cli, "Cy"), "--ticket-type", "Regular"
    )["ticket_id"]
    cli.json("pay", ticket, "--method", "cash")
    out, _ = cli.run("cancel", ticket)
    assert f"was paid: refund it with eventdesk refund {ticket}" in out
    money = cli.json("refund", ticket)
    assert (money["paid"], money["status"]) == (0.0, "cancelled")


def test_an_order_names_its_holders_and_waits_whole(cli: Cli) -> None:
    slug = _event(cli, "Order Night", "--capacity", "3")
    buyer = _person(cli, "Dora")
    order = cli.json(
        "register",
        slug,
        "--attendee",
        buyer,
        "--ticket-type",
        "Regular",
        "--holder",
        "Eve Holder",
        "--holder",
        "Finn Holder",
    )
    assert order["status"] == "registered"
    assert [t["holder"] for t in order["tickets"]] == ["Eve Holder", "Finn Holder"]
    for held in order["tickets"]:
        cli.json("pay", held["ticket_id"], "--method", "card")
    answer = cli.json("checkin", "--ticket", order["tickets"][1]["ticket_id"])
    assert answer["attendee"] == "Finn Holder"  # the door names the holder, not the buyer

    out, _ = cli.run(
        "register", slug, "--attendee", _person(cli, "Gus"), "--ticket-type", "Regular",
        "--quantity", "2",
    )  # fmt: skip
    assert "waits together: only 1 place(s) were left" in out
    assert out.count("waitlisted: ticket") == 2


def test_private_events_are_listed_with_all_and_invites_need_the_code(cli: Cli) -> None:
    _event(cli, "Open Day")
    _event(cli, "Board Dinner", "--visibility", "private")
    invite = _event(cli, "Launch Party", "--visibility", "invite", "--invite-code", "PARTY-2024")
    listed = {e["slug"] for e in cli.json("event", "list")}
    assert "open-day" in listed and "board-dinner" not in listed
    assert "board-dinner" in {e["slug"] for e in cli.json("event", "list", "--all")}

    guest = _person(cli, "Hana")
    _, err = cli.run("register", invite, "--attendee", guest, "--ticket-type", "Regular", code=1)
    assert "invite code" in err
    cli.run(
        "register", invite, "--attendee", guest, "--ticket-type", "Regular", "--invite-code",
        "wrong", code=1,
    )  # fmt: skip
    made = cli.json(
        "register", invite, "--attendee", guest, "--ticket-type", "Regular", "--invite-code",
        "party-2024",
    )  # fmt: skip
    assert made["status"] == "registered"


def test_a_self_service_scan_sends_a_ticket_that_needs_staff_to_the_desk(cli: Cli) -> None:
    slug = _event(cli, "Student Day")
    cli.json(
        "ticket-type", "add", slug, "--name", "Student", "--price", "0", "--needs-staff",
        "--attention", "Check student ID",
    )  # fmt: skip
    ticket = cli.json(
        "register", slug, "--attendee", _person(cli, "Ivo"), "--ticket-type", "Student"
    )["ticket_id"]
    kiosk = cli.json("checkin", "--ticket", ticket, "--self-service", code=1)
    assert kiosk["result"] == "needs_staff" and kiosk["attention"] is None
    out, _ = cli.run("checkin", "--ticket", ticket, "--self-service", code=1)
    assert out.startswith("SEE DESK")
    desk = cli.json("checkin", "--ticket", ticket)
    assert (desk["result"], desk["attention"]) == ("ok", "Check student ID")
