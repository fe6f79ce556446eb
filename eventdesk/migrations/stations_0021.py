"""What migration 0021 makes on a PostgreSQL server: a desk's login changes the sessions of a
ticket someone holds (``ticket session add|remove``, the desk's Sessions dialog).

The transaction log a desk's login writes (migration 0019's ``_desk_log_rules``) takes two more
kinds, each only as the server's rows show it: ``session_seat_added``, for a ticket of the
event that is not cancelled and now has a seat in the session named, a session of its event;
``session_seat_removed``, for a ticket of the event that no longer has one. The seat itself is
written through the desk's view (a seat taken off is deleted: ``eventdesk.grants``), and the
places counted are checked when the desk's transaction commits (migration 0013's
``_desk_counted``).

Frozen texts: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventdesk.migrations.station_functions_0013 import API
from eventdesk.migrations.stations_0019 import DESK_LOG as DESK_LOG_0019

_REFUSED = (  # 0019's last branch: every kind it does not name
    "        ELSE\n            RAISE EXCEPTION 'a desk does not log %: not an action a desk takes'"
)
_SEATS = r"""        ELSIF p_new.kind IN ('session_seat_added', 'session_seat_removed') THEN
            IF t.id IS NULL OR p_new.amount_cents IS NOT NULL
                    OR (p_new.kind = 'session_seat_added' AND t.status = 'cancelled')
                    OR NOT EXISTS (SELECT 1 FROM event_session s
                                   WHERE s.id = (said ->> 'session_id')::integer
                                     AND s.event_id = t.event_id)
                    OR (p_new.kind = 'session_seat_added') <> EXISTS (
                        SELECT 1 FROM ticket_session ts
                        WHERE ts.ticket_id = t.id
                          AND ts.session_id = (said ->> 'session_id')::integer) THEN
                RAISE EXCEPTION 'not a change of the sessions of ticket %', p_new.ticket_id
                    USING ERRCODE = '42501';
            END IF;
"""


def _rules_0019() -> str:
    (found,) = [t for t in DESK_LOG_0019 if f"CREATE FUNCTION {API}._desk_log_rules(" in t]
    assert _REFUSED in found
    return found.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


FUNCTIONS: Sequence[str] = (_rules_0019().replace(_REFUSED, _SEATS + _REFUSED, 1),)
DOWNGRADE: Sequence[str] = (_rules_0019(),)
