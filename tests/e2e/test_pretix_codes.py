"""pretix's signed ticket codes read at our door (issue 59): a real pretix (tests/pretix_shop.py)
sells tickets through its REST API; every code it issued is genuine by the event's public keys
(its ``valid_keys``, from the same API) and names the ticket's product and variation; a code
altered, or read with another event's keys, is refused, as pretix's own redeem call refuses it;
a random secret is not a signed code (it is found by lookup)."""

from __future__ import annotations

from typing import Any

import pytest

from eventdesk.shop_codes import NotSigned, Sig1Ticket, is_sig1, public_keys, verify_sig1
from tests.pretix_shop import Pretix, ShopEvent, organizer_name, regular, sunday_pass
from tests.pretix_shop import pretix_server as pretix_server  # the fixture

pytestmark = [
    pytest.mark.slow,  # a real pretix (installed once per machine): the full suite runs it
    pytest.mark.timeout(1200),  # its first install, beside the rest of the suite
]


def keys_of(server: Pretix, organizer: str, event: ShopEvent) -> dict[str, Any]:
    status, found = server.call("GET", f"organizers/{organizer}/events/{event.slug}/")
    assert status == 200, found
    return dict(found["valid_keys"])


def altered(code: str) -> str:
    """One character of the signature changed (the code read backwards: its end is the
    signature's base64)."""
    middle = 40
    swapped = "A" if code[middle] != "A" else "B"
    return code[:middle] + swapped + code[middle + 1 :]


def test_pretix_signed_codes_are_genuine_by_the_events_keys_and_name_their_product(
    pretix_server: Pretix,
) -> None:
    organizer = organizer_name()
    signed, other, plain = pretix_server.seed(organizer, "spring", "autumn", "summer:random")
    order = pretix_server.order(
        organizer,
        signed,
        [regular(signed, "Ada Byron"), sunday_pass(signed, "Alan Turing")],
        paid=True,
    )
    keys = public_keys(keys_of(pretix_server, organizer, signed))
    assert len(keys) == 1
    read: list[Sig1Ticket] = []
    for position in order["positions"]:
        code = position["secret"]
        assert is_sig1(code), code
        ticket = verify_sig1(code, keys)
        assert (ticket.item, ticket.variation) == (position["item"], position["variation"] or 0)
        assert ticket.seed and ticket.subevent == 0
        read.append(ticket)
    assert read[0].seed != read[1].seed

    code = order["positions"][0]["secret"]
    # Altered: refused here and by pretix's own redeem call.
    with pytest.raises(NotSigned, match="signature"):
        verify_sig1(altered(code), keys)
    status, said = pretix_server.redeem(organizer, signed.list, altered(code))
    assert (status, said["status"], said["reason"]) == (404, "error", "invalid"), said
    # Another event's keys: not this event's ticket.
    with pytest.raises(NotSigned, match="signature"):
        verify_sig1(code, public_keys(keys_of(pretix_server, organizer, other)))
    # The genuine code: pretix admits it, and so would a door reading it with the keys.
    status, said = pretix_server.redeem(organizer, signed.list, code)
    assert (status, said["status"]) == (201, "ok"), said

    # A random secret (the shop's default scheme) is no signed code: the door looks it up.
    plain_order = pretix_server.order(
        organizer, plain, [{"item": plain.items["Regular"]}], paid=True
    )
    secret = plain_order["positions"][0]["secret"]
    assert not is_sig1(secret)
    assert keys_of(pretix_server, organizer, plain) == {"pretix_sig1": []}
    with pytest.raises(NotSigned, match="not a pretix ticket code"):
        verify_sig1(secret, keys)


def test_keys_that_are_not_ed25519_public_keys_are_named() -> None:
    with pytest.raises(ValueError, match="key 1 is not a public key"):
        public_keys({"pretix_sig1": ["bm90IGEga2V5"]})
    assert public_keys(None) == [] and public_keys({}) == []
