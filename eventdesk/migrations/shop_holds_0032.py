"""What migration 0032 makes on a PostgreSQL server: a shop's word on a ticket, checked there too.

The server's two refusals (``_refusal`` for the event's door, ``_list_refusal`` for a check-in
list) check what the door checks (services/door/rules.py): a ticket the shop holds (blocked, or
its order awaiting approval) is not admitted online (offline, as its status, it is no reason:
the station decided on what it knew), and a ticket is admitted only between its own
``valid_from`` and ``valid_until`` where the shop gave them; someone leaving is held by neither
time.

Frozen texts: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventdesk.migrations.checkin_lists_0014 import FUNCTIONS as LISTS_0014
from eventdesk.migrations.checkin_lists_0014 import SEATS as SEATS_0014
from eventdesk.migrations.station_functions_0013 import API

_IMPORTING = """        IF import_state IS NOT NULL AND import_state <> 'done' THEN
            RETURN 'not_yet_valid';
        END IF;
"""
_HELD = """        IF NOT p_offline AND t.shop_hold = 'blocked' THEN
            RETURN 'revoked';
        END IF;
        IF NOT p_offline AND t.shop_hold = 'approval' THEN
            RETURN 'not_yet_valid';
        END IF;
"""
_VALID = """        IF t.valid_from IS NOT NULL AND p_at < t.valid_from THEN
            RETURN 'not_yet_valid';
        END IF;
        IF t.valid_until IS NOT NULL AND p_at > t.valid_until THEN
            RETURN 'expired';
        END IF;
"""


def _again(texts: Sequence[str], name: str, before_money: str) -> str:
    """An earlier migration's ``name`` made again with the shop's holds after the import's
    check and the ticket's own times before the money's."""
    (found,) = [t for t in texts if f"FUNCTION {API}.{name}(" in t]
    made = found.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    assert made.count(_IMPORTING) == 1 and made.count(before_money) == 1, name
    made = made.replace(_IMPORTING, _IMPORTING + _HELD)
    return made.replace(before_money, _VALID + before_money)


FUNCTIONS: Sequence[str] = (
    _again(SEATS_0014, "_refusal", "        IF e.unpaid_policy <> 'admit' AND t.price_cents > 0"),
    _again(
        LISTS_0014,
        "_list_refusal",
        "        IF COALESCE(l.unpaid, e.unpaid_policy) <> 'admit' AND t.price_cents > 0",
    ),
)
# 0014's texts, to go back to.
BEFORE: Sequence[str] = (
    *(t for t in SEATS_0014 if f"FUNCTION {API}._refusal(" in t),
    *(
        t.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        for t in LISTS_0014
        if f"FUNCTION {API}._list_refusal(" in t
    ),
)
