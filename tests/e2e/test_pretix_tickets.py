"""What pretix says of its tickets beyond their orders' state, said at our door too, against a
real pretix (tests/pretix_shop.py): a position blocked in pretix, an order awaiting the shop's
approval, a position valid only from or until a time of its own, an add-on bought with another
ticket. Each ticket is decided by pretix's own redeem call on its list of every product and by
our door: the answers agree, and ours says why in the words of the rule that refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.clitools import Cli
from tests.pretix_shop import (
    Pretix,
    ShopEvent,
    connect_args,
    organizer_name,
    regular,
    secrets,
    sunday_pass,
)
from tests.pretix_shop import pretix_server as pretix_server  # the fixture

pytestmark = [
    pytest.mark.slow,  # a real pretix (installed once per machine): the full suite runs it
    pytest.mark.timeout(1200),  # its first install, beside the rest of the suite
]


def theirs(server: Pretix, organizer: str, event: ShopEvent, secret: str) -> tuple[bool, str]:
    """pretix's own scanner on the event's list of every product: admitted, and its reason."""
    status, said = server.redeem(organizer, event.list, secret)
    return status == 201, str(said.get("reason") or "")


def ours(cli: Cli, secret: str) -> dict[str, Any]:
    got, out, err = cli.call("--json", "checkin", "--event", "fair", secret)
    assert got in (0, 1) and "Traceback" not in err, err
    return dict(json.loads(out))


def test_what_pretix_says_of_a_ticket_our_door_says_too(
    pretix_server: Pretix, cli: Cli, tmp_path: Path
) -> None:
    organizer = organizer_name()
    (fair,) = pretix_server.seed(organizer, "fair")
    # pretix's list of every product includes pending orders here: its redeem still refuses
    # them (unless its operator confirms), ours too (the desk takes the money).
    status, said = pretix_server.call(
        "PATCH",
        f"organizers/{organizer}/events/fair/checkinlists/{fair.list}/",
        {"include_pending": True},
    )
    assert status == 200, said
    now = datetime.now(UTC).replace(microsecond=0)
    ada, shirt = secrets(pretix_server.placed(
        organizer, fair,
        [{"positionid": 1, **regular(fair, "Ada Byron")},
         {"positionid": 2, **sunday_pass(fair, ""), "addon_to": 1}],
        status="p",
    ))  # fmt: skip
    (bo,) = secrets(pretix_server.placed(
        organizer, fair, [regular(fair, "Bo Approve")],
        status="n", require_approval=True,
    ))  # fmt: skip
    (cy,) = secrets(
        pretix_server.placed(organizer, fair, [regular(fair, "Cy Pending")], status="n")
    )
    (gus,) = secrets(pretix_server.placed(
        organizer, fair,
        [{"item": fair.items["Regular"],
          "attendee_name_parts": {"given_name": "Gus", "family_name": "Trusted"}}],
        status="n", valid_if_pending=True,
    ))  # fmt: skip
    di, ed, flo = secrets(pretix_server.placed(
        organizer, fair,
        [{**regular(fair, "Di Later"), "valid_from": (now + timedelta(hours=3)).isoformat()},
         {**regular(fair, "Ed Earlier"), "valid_until": (now - timedelta(hours=3)).isoformat()},
         regular(fair, "Flo Blocked")],
        status="p",
    ))  # fmt: skip
    pretix_server.block(organizer, fair, flo)
    pretix_server.seated(organizer, fair, "Regular", ["s-12", "s-14"])
    (hal,) = secrets(
        pretix_server.placed(
            organizer, fair, [{**regular(fair, "Hal Seated"), "seat": "s-12"}], status="p"
        )
    )
    made = cli.json(*connect_args(pretix_server, organizer, "fair", tmp_path))
    # The plain list's entries are our default list's: again after an exit, as pretix's.
    assert "default" in made["lists_changed"], made
    assert cli.json("checkin-list", "show", "fair/default")["entries"] == "unlimited"

    # The add-on is tied to the ticket it was bought with, and named after its holder.
    shown = cli.json("attendee", "show", "buyer@example.org")
    by_code = {t["qr_payload"]: t for t in shown["tickets"]}
    assert by_code[shirt]["add_on_to"] == by_code[ada]["id"], by_code[shirt]
    assert by_code[ada]["add_on_to"] is None

    # A seat sold with the ticket is its seat here (pretix names it "Stalls, Row 3, Seat 12":
    # past the 20 characters a seat holds, without its zone); the door says it.
    assert by_code[hal]["seat"] == "Row 3, Seat 12", by_code[hal]
    seated = ours(cli, hal)
    assert (seated["result"], seated["seat"]) == ("ok", "Row 3, Seat 12"), seated

    expected = {
        ada: ("ok", None),
        shirt: ("ok", None),
        bo: ("not_yet_valid", "The shop has not approved this order yet."),
        cy: ("unpaid", "not paid: 25.00 EUR due"),
        gus: ("ok", None),
        di: ("not_yet_valid", "This ticket is valid from"),
        ed: ("expired", "This ticket was valid until"),
        flo: ("revoked", "The shop blocked this ticket."),
    }
    for secret, (result, words) in expected.items():
        mine = ours(cli, secret)
        admitted, why = theirs(pretix_server, organizer, fair, secret)
        assert (mine["result"] == "ok") == admitted, (secret, mine, why)
        assert mine["result"] == result, (secret, mine)
        if secret == shirt:  # an add-on pretix asks no name for: its parent's holder's
            assert mine["attendee"] == "Ada Byron", mine
        if secret == gus:  # a name given in the event's scheme's parts
            assert mine["attendee"] == "Gus Trusted", mine
        if words is not None:
            assert words in mine["message"], mine
