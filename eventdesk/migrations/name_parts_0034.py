"""What migration 0034 makes on a PostgreSQL server: a name's family part, kept by a desk's walk-in.

A walk-in a desk adds through its attendee view (migration 0013's ``_walk_in``, as 0022 made it
again) keeps the family name given apart (``attendee.family_name``), so a list sorts the person
under it. A ticket's holder's family name (``ticket.holder_family_name``) needs nothing here: a
desk inserts its tickets through its view, every column of which it may write.

Frozen texts: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventdesk.migrations import stations_0022
from eventdesk.migrations.station_functions_0013 import API

_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"

FUNCTIONS: Sequence[str] = (
    f"""
    CREATE OR REPLACE FUNCTION {API}._walk_in() RETURNS trigger {_HEAD}
    BEGIN
        INSERT INTO attendee (name, family_name, email, email_key, company, phone, pin_hash,
                              failed_pin_attempts, locked_until, lockouts, created_at,
                              import_run_id, language, badge_name)
        VALUES (NEW.name, NEW.family_name, NEW.email, NEW.email_key, NEW.company, NEW.phone,
                NEW.pin_hash, coalesce(NEW.failed_pin_attempts, 0), NULL, 0, NEW.created_at,
                NULL, NEW.language, NEW.badge_name)
        RETURNING id INTO NEW.id;
        NEW.pin_hash := CASE WHEN NEW.pin_hash IS NULL THEN NULL ELSE 'set' END;
        NEW.lockouts := 0;
        RETURN NEW;
    END $$
    """,
)
# 0022's text, to go back to.
BEFORE: Sequence[str] = tuple(stations_0022.FUNCTIONS)
