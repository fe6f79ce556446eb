"""`ticket show` names the ticket's holder (the name on the badge, at the door and in the
exports), and the buyer apart when someone else bought it (issue 43). `--json` keeps its keys
(`attendee` is the buyer's name, as it always was) and adds `holder` and `buyer`."""

from __future__ import annotations

from datetime import timedelta

from eventdesk.db import Store
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.helpers import add_type, make_event


def _event(store: Store, name: str) -> str:
    """An event starting tomorrow (times derived from the clock), with a ticket type."""
    starts = utcnow().replace(microsecond=0) + timedelta(days=1)
    event = make_event(
        store, name=name, starts=starts.isoformat(), ends=(starts + timedelta(hours=8)).isoformat()
    )
    add_type(store, event, "Regular", price_cents=0)
    return event


def test_ticket_show_names_the_holder_and_the_buyer_apart(store: Store, cli: Cli) -> None:
    event = _event(store, "Holder Show Conf")
    attendees.add_attendee(store, name="Ann Buyer", email="ann.buyer@example.com")
    order = register(store, event, "ann.buyer@example.com", "Regular", holders=["Bea Holder", None])
    for_bea, for_ann = (t.ticket_id for t in order.tickets)

    shown = cli.json("ticket", "show", for_bea)
    assert shown["holder"] == "Bea Holder"
    assert shown["buyer"] == "Ann Buyer"
    assert shown["attendee"] == "Ann Buyer"  # kept: scripts read it (the buyer, as before)
    assert shown["holder_name"] == "Bea Holder"
    human = cli.out("ticket", "show", for_bea)
    head = human.splitlines()[:3]
    assert head[1].strip() == "Bea Holder", human
    assert "bought by Ann Buyer <ann.buyer@example.com>" in head[2], human

    own = cli.json("ticket", "show", for_ann)
    assert own["holder"] == own["buyer"] == "Ann Buyer"
    human = cli.out("ticket", "show", for_ann)
    assert human.splitlines()[1].strip() == "Ann Buyer <ann.buyer@example.com>"
    assert "bought by" not in human
