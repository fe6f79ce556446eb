"""What migration 0022 makes on a PostgreSQL server: an attendee's badge name, read and written by
a desk's login.

The stations' views are made again so that they show ``attendee.badge_name`` (a door prints it
on a badge decided offline; a desk shows it on the card). A walk-in a desk adds through its
attendee view (migration 0013's ``_walk_in``) keeps the badge name given, and the language
(which 0013's trigger, written before there was one, left out). A desk changes the badge name
of someone already registered through its view: the only column of the attendee table it may
update (``eventdesk.grants``, given again after this upgrade).

Frozen texts: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020
from eventdesk.migrations.station_functions_0013 import API, DESK_RULES

_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"
# What the views leave out as 0021 left them: no station_key (0020), no station_upload (0019:
# stations write it only through their functions).
HIDDEN = (*stations_0020.HIDDEN, "station_upload")


def view_statements(conn: Connection) -> list[str]:
    """The stations' views of the tables as they are (a later migration's column shown), and
    the desk's walk-in trigger on its attendee view, made after it."""
    return [
        *access.view_statements(conn, shown=stations_0018.SHOWN, hidden=HIDDEN),
        *access.walk_in_statements(),
    ]


FUNCTIONS: Sequence[str] = (
    f"""
    CREATE OR REPLACE FUNCTION {API}._walk_in() RETURNS trigger {_HEAD}
    BEGIN
        INSERT INTO attendee (name, email, email_key, company, phone, pin_hash,
                              failed_pin_attempts, locked_until, lockouts, created_at,
                              import_run_id, language, badge_name)
        VALUES (NEW.name, NEW.email, NEW.email_key, NEW.company, NEW.phone, NEW.pin_hash,
                coalesce(NEW.failed_pin_attempts, 0), NULL, 0, NEW.created_at, NULL,
                NEW.language, NEW.badge_name)
        RETURNING id INTO NEW.id;
        NEW.pin_hash := CASE WHEN NEW.pin_hash IS NULL THEN NULL ELSE 'set' END;
        NEW.lockouts := 0;
        RETURN NEW;
    END $$
    """,
)


def _walk_in_0013() -> str:
    (found,) = [t for t in DESK_RULES if f"CREATE FUNCTION {API}._walk_in()" in t]
    return found.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


DOWNGRADE: Sequence[str] = (_walk_in_0013(),)
