"""What migration 0033 makes on a PostgreSQL server: money owed holds back whoever is not
inside, as the door's table says (services/door/rules.py, the "unpaid" row).

Someone let in while their ticket owes money (by a supervisor's override, or before the event
refused unpaid tickets) and scanned again while inside is inside: the server's ``_refusal``
answers what its compare-and-set finds (already checked in), not "unpaid", where it said
"unpaid" to every later scan; once they have left, money owed holds them back again. Frozen
text: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventdesk.migrations import shop_holds_0032 as holds
from eventdesk.migrations.station_functions_0013 import API

_OWED = "        IF e.unpaid_policy <> 'admit' AND t.price_cents > 0 THEN"
_OWED_NOT_INSIDE = (
    "        IF e.unpaid_policy <> 'admit' AND t.price_cents > 0 AND NOT t.inside THEN"
)

# 0032's text, to go back to.
BEFORE: Sequence[str] = tuple(t for t in holds.FUNCTIONS if f"FUNCTION {API}._refusal(" in t)
assert len(BEFORE) == 1 and BEFORE[0].count(_OWED) == 1
FUNCTIONS: Sequence[str] = (BEFORE[0].replace(_OWED, _OWED_NOT_INSIDE),)
