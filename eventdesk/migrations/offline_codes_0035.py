"""What migration 0035 makes on a PostgreSQL server: codes signed ahead for a station's offline
sales (eventdesk.quota_models.QuotaCode, services.stations.quota).

- ``quota_code`` is left out of the stations' views made from every table: a desk's login reads
  its own station's codes only (``station_desk.quota_code``), and a door's none (its view is
  empty: a door sells nothing), so no station learns another's codes.
- ``quota_sale`` keeps a code's QR for the ticket of a sale uploaded with the code's id, when the
  code was signed for the selling station and the sale's event, and drops the code. An id that
  starts with U (a code's, eventdesk.text.code_ticket_id) and is no code of that station is not
  kept: the server gives the ticket an id of its own, as it does for an id another ticket has.

Frozen text: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventdesk.migrations import stations_0029
from eventdesk.migrations.station_access_0013 import VIEWS
from eventdesk.migrations.station_functions_0013 import API

# What a later migration that makes the views again leaves out besides its own.
HIDDEN = ("quota_code",)
_COLUMNS = "c.ticket_id, c.event_id, c.station, c.qr_payload, c.minted_at"
_OWN_STATION = "(SELECT l.station FROM public.station_login l WHERE l.login = session_user)"
VIEW_STATEMENTS: Sequence[str] = (
    f"DROP VIEW IF EXISTS {VIEWS['desk']}.quota_code",
    f"CREATE VIEW {VIEWS['desk']}.quota_code AS SELECT {_COLUMNS} FROM public.quota_code c "
    f"WHERE c.station = {_OWN_STATION}",
    f"DROP VIEW IF EXISTS {VIEWS['door']}.quota_code",
    f"CREATE VIEW {VIEWS['door']}.quota_code AS SELECT {_COLUMNS} FROM public.quota_code c "
    "WHERE false",
)
DROP_VIEWS: Sequence[str] = tuple(f"DROP VIEW IF EXISTS {s}.quota_code" for s in VIEWS.values())

_SALE = stations_0029.SALE[1]
_DECLARED = "    taken record;\n"
_OWN_ID = (
    "    IF new_ticket !~ '^[0-9A-Z]{8}$' OR EXISTS (SELECT 1 FROM ticket WHERE id = new_ticket)"
    " THEN\n"
)
_CODE_TAKEN = """\
    IF left(new_ticket, 1) = 'U' THEN  -- a code signed ahead: this station's or none
        SELECT c.qr_payload INTO code FROM quota_code c
        WHERE c.ticket_id = new_ticket AND c.station = me AND c.event_id = p_event FOR UPDATE;
        IF FOUND THEN
            DELETE FROM quota_code c WHERE c.ticket_id = new_ticket;
        ELSE
            new_ticket := '';
        END IF;
    END IF;
"""
_TICKET_COLUMNS = "                        checked_in_station, inside)\n"
_TICKET_VALUES = "            CASE WHEN p_admitted THEN me END, coalesce(p_admitted, false));\n"
assert all(_SALE.count(part) == 1 for part in (_DECLARED, _OWN_ID, _TICKET_COLUMNS, _TICKET_VALUES))

BEFORE: Sequence[str] = (_SALE.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),)
FUNCTIONS: Sequence[str] = (
    BEFORE[0]
    .replace(_DECLARED, _DECLARED + "    code text;\n", 1)
    .replace(_OWN_ID, _CODE_TAKEN + _OWN_ID + "        code := NULL;\n", 1)
    .replace(_TICKET_COLUMNS, _TICKET_COLUMNS.replace("inside)", "inside, qr_payload)"), 1)
    .replace(
        _TICKET_VALUES,
        "            CASE WHEN p_admitted THEN me END, coalesce(p_admitted, false), code);\n",
        1,
    ),
)
assert FUNCTIONS[0].count(f"{API}.quota_sale(") == 1
