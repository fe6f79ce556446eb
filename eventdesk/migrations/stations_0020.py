"""What migration 0020 makes on a PostgreSQL server: the key of each station's copy.

A station's copy (services.stations.mirror) is encrypted at rest with a key that is not on its
disk (services.stations.copy_key): the server makes one for each station (``station_key``: 32
random bytes, and a passphrase of 48 random bits that unlocks the station's copy offline, typed
by its staff) and gives it only to that station's own login, or to an organizer's
(``copy_key``). A station revoked by an organizer (``eventdesk station revoke``, or ``roles
remove`` of its last login) is given its key no more: its copy stays noise. Adding it again
(``roles add``) makes it a new key; the older ones stay, for an organizer to read what a lost
station's copy held.

``station_key`` is in no station's view: a later migration that makes the views again calls
``view_statements`` below (not 0018's).

Frozen texts: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018
from eventdesk.migrations.station_functions_0013 import API

_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"
REVOKED = "ED001"  # a revoked station asked for its copy's key
CALLABLE: Sequence[str] = ("copy_key(text)",)
HIDDEN = (*stations_0018.HIDDEN, "station_key")


def view_statements(conn: Connection) -> list[str]:
    """The stations' views as 0020 leaves them (0018's, and no station_key)."""
    return [
        *(f"DROP VIEW IF EXISTS {schema}.{t}" for schema in access.VIEWS.values() for t in HIDDEN),
        *access.view_statements(conn, shown=stations_0018.SHOWN, hidden=HIDDEN),
    ]


# A uuid's text has 122 random bits: two make the key (64 hex digits, the version and variant
# digits among them), the first 12 hex digits of a third (48 bits) the passphrase.
_UUID = "replace(gen_random_uuid()::text, '-', '')"
FUNCTIONS: Sequence[str] = (
    f"""
    CREATE FUNCTION {API}._new_copy_key(p_station text) RETURNS station_key {_HEAD}
    DECLARE
        made station_key%ROWTYPE;
        words text := upper({_UUID});
    BEGIN
        INSERT INTO station_key (station, made_at, copy_key, passphrase)
        VALUES (p_station, clock_timestamp(), {_UUID} || {_UUID},
                substr(words, 1, 4) || '-' || substr(words, 5, 4) || '-' || substr(words, 9, 4))
        RETURNING * INTO made;
        RETURN made;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION {API}._new_copy_key(text) FROM PUBLIC",
    f"""
    CREATE FUNCTION {API}.copy_key(p_station text, OUT copy_key text, OUT passphrase text)
    {_HEAD}
    DECLARE
        me text := p_station;
        latest station_key%ROWTYPE;
    BEGIN
        IF EXISTS (SELECT 1 FROM station_login l WHERE l.login = session_user) THEN
            me := {API}._station(p_station);
        END IF;
        IF me IS NULL OR btrim(me) = '' THEN
            RAISE EXCEPTION 'a copy''s key is a station''s: name it' USING ERRCODE = '22023';
        END IF;
        -- Two processes of a station asking at once get the one key.
        PERFORM pg_advisory_xact_lock(hashtext('eventdesk station_key ' || me));
        SELECT * INTO latest FROM station_key k WHERE k.station = me
        ORDER BY k.made_at DESC LIMIT 1;
        IF NOT FOUND THEN
            latest := {API}._new_copy_key(me);
        ELSIF latest.revoked_at IS NOT NULL THEN
            RAISE EXCEPTION 'station % was revoked by an organizer: its copy stays locked', me
                USING ERRCODE = '{REVOKED}';
        END IF;
        copy_key := latest.copy_key;
        passphrase := latest.passphrase;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION {API}.copy_key(text) FROM PUBLIC",
)

DOWNGRADE: Sequence[str] = (
    f"DROP FUNCTION IF EXISTS {API}.copy_key(text)",
    f"DROP FUNCTION IF EXISTS {API}._new_copy_key(text)",
)
