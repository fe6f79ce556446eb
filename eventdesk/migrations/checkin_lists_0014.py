"""The server's functions a station's own login admits on a check-in list through, as migration
0014 made them (the access model is station_access_0013's): each checks the list's rules
against the server's own rows and clock, as the station's door did (services.door.list_door),
so that a hand-edited station copy cannot admit what the list refuses; the day a daily entry
counts is the scan's day in the event's zone, never the station's word. The scan log's
function is made again to know a list's admission. Frozen texts: a later change adds a
migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from eventdesk.migrations.station_access_0013 import (
    VIEWS,
    view_statements,
    walk_in_statements,
)
from eventdesk.migrations.station_functions_0013 import API, TOLERANCE
from eventdesk.migrations.station_functions_0013 import DESK_RULES as DESK_RULES_0013
from eventdesk.migrations.station_functions_0013 import FUNCTIONS as FUNCTIONS_0013

# An event's day runs from this hour to the next morning's (eventdesk.event_time's, as it was).
DAY_CHANGE_HOURS = 5
_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"
_ENTRIES = "COALESCE(l.entries, CASE WHEN e.allow_reentry THEN 'unlimited' ELSE 'once' END)"

FUNCTIONS: Sequence[str] = (
    # Why ticket ``t`` is not admitted on list ``l`` at ``p_at`` for the day ``p_day`` (''
    # when the list counts no days), NULL when it is. Offline, as _refusal: the ticket's
    # status now is no reason, and only payments made before the scan count.
    f"""
    CREATE FUNCTION {API}._list_refusal(t ticket, l checkin_list, p_at timestamptz,
                                         p_day text, p_offline boolean) RETURNS text {_HEAD}
    DECLARE
        e event;
        import_state text;
        local_at timestamp;
        event_day text;
        due bigint;
    BEGIN
        SELECT * INTO e FROM event WHERE id = t.event_id;
        IF NOT p_offline THEN
            IF e.status = 'cancelled' OR t.status = 'cancelled' THEN
                RETURN 'revoked';
            END IF;
            IF t.status = 'waitlisted' THEN
                RETURN 'waitlisted';
            END IF;
        END IF;
        SELECT r.state INTO import_state FROM import_run r WHERE r.id = t.import_run_id;
        IF import_state IS NOT NULL AND import_state <> 'done' THEN
            RETURN 'not_yet_valid';
        END IF;
        IF l.event_id <> t.event_id THEN
            RETURN 'wrong_event';
        END IF;
        local_at := p_at AT TIME ZONE e.timezone;
        -- The event's day: from its day change ({DAY_CHANGE_HOURS}:00) to the next morning's.
        event_day := to_char(local_at - interval '{DAY_CHANGE_HOURS} hours', 'YYYY-MM-DD');
        IF ({_ENTRIES} = 'daily') <> (p_day <> '')
                OR (p_day <> '' AND p_day <> event_day) THEN
            RETURN 'wrong_day';
        END IF;
        IF l.ticket_types IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM jsonb_array_elements_text(l.ticket_types::jsonb) v
                WHERE v::integer = t.ticket_type_id) THEN
            RETURN 'wrong_type';
        END IF;
        IF l.sessions IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM ticket_session s, jsonb_array_elements_text(l.sessions::jsonb) v
                WHERE s.ticket_id = t.id AND s.session_id = v::integer
                  AND s.status = 'registered') THEN
            RETURN 'wrong_session';
        END IF;
        IF l.days IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM jsonb_array_elements_text(l.days::jsonb) v
                WHERE v = event_day) THEN
            RETURN 'closed';
        END IF;
        IF l.hours IS NOT NULL THEN
            IF NOT EXISTS (
                    SELECT 1 FROM jsonb_array_elements(l.hours::jsonb) h
                    WHERE (h->>0 IS NULL AND NOT EXISTS (
                               SELECT 1 FROM jsonb_array_elements(l.hours::jsonb) o
                               WHERE o->>0 = event_day)
                           OR h->>0 = event_day)
                      AND CASE WHEN (h->>1)::time < (h->>2)::time
                               THEN local_at::time >= (h->>1)::time
                                    AND local_at::time < (h->>2)::time
                               ELSE local_at::time >= (h->>1)::time
                                    OR local_at::time < (h->>2)::time END) THEN
                RETURN 'closed';
            END IF;
        ELSIF p_at < COALESCE(e.checkin_opens_at, e.starts_at - interval '24 hours') THEN
            RETURN 'not_yet_valid';
        ELSIF p_at > COALESCE(e.checkin_closes_at, e.ends_at + interval '6 hours') THEN
            RETURN 'expired';
        END IF;
        IF COALESCE(l.unpaid, e.unpaid_policy) <> 'admit' AND t.price_cents > 0 THEN
            SELECT t.price_cents - COALESCE(SUM(CASE WHEN p.kind = 'payment'
                                                     THEN p.amount_cents
                                                     ELSE -p.amount_cents END), 0)
            INTO due FROM payment p
            WHERE p.ticket_id = t.id AND p.status = 'completed'
              AND (NOT p_offline OR p.created_at <= p_at + interval '{TOLERANCE}');
            IF due > 0 THEN
                RETURN 'unpaid';
            END IF;
        END IF;
        RETURN NULL;
    END $$
    """,
    # A first admission on a list (today's, for a daily list): 1 when this call inserted it.
    f"""
    CREATE FUNCTION {API}.list_admit(p_station text, p_ticket text, p_list integer,
                                      p_day text, p_at timestamptz, p_payload text,
                                      p_repaired boolean, p_offline boolean)
    RETURNS integer {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        moment timestamptz := {API}._when(p_at, p_offline);
        t ticket;
        l checkin_list;
        why text;
        changed integer;
    BEGIN
        SELECT * INTO t FROM ticket WHERE id = p_ticket;
        SELECT * INTO l FROM checkin_list WHERE id = p_list;
        IF t.id IS NULL OR l.id IS NULL THEN
            RETURN 0;
        END IF;
        PERFORM {API}._genuine(t, p_payload, p_repaired);
        why := {API}._list_refusal(t, l, moment, p_day, p_offline);
        IF why IN ('revoked', 'waitlisted') THEN
            RETURN 0;
        ELSIF why IS NOT NULL THEN
            PERFORM {API}._refuse(p_ticket, why);
        END IF;
        INSERT INTO list_entry (list_id, ticket_id, day, first_at, station, last_at, entries,
                                inside)
        SELECT l.id, t.id, p_day, moment, me, moment, 1, true
        WHERE t.status = 'registered'
          AND EXISTS (SELECT 1 FROM event e WHERE e.id = t.event_id AND e.status <> 'cancelled')
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS changed = ROW_COUNT;
        RETURN changed;
    END $$
    """,
    # Back in on a list without an entry limit: only after an exit, and not before the list's
    # least time between two entries.
    f"""
    CREATE FUNCTION {API}.list_reenter(p_station text, p_ticket text, p_list integer,
                                        p_day text, p_at timestamptz, p_offline boolean)
    RETURNS integer {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        moment timestamptz := {API}._when(p_at, p_offline);
        t ticket;
        l checkin_list;
        why text;
        changed integer;
    BEGIN
        SELECT * INTO t FROM ticket WHERE id = p_ticket;
        SELECT * INTO l FROM checkin_list WHERE id = p_list;
        IF t.id IS NULL OR l.id IS NULL THEN
            RETURN 0;
        END IF;
        why := {API}._list_refusal(t, l, moment, p_day, p_offline);
        IF why IN ('revoked', 'waitlisted') THEN
            RETURN 0;
        ELSIF why IS NOT NULL THEN
            PERFORM {API}._refuse(p_ticket, why);
        END IF;
        UPDATE list_entry le SET inside = true, entries = le.entries + 1, last_at = moment
        FROM checkin_list l, ticket t, event e
        WHERE le.list_id = p_list AND le.ticket_id = p_ticket AND le.day = p_day
          AND NOT le.inside AND l.id = le.list_id AND t.id = le.ticket_id
          AND e.id = t.event_id AND t.status = 'registered' AND e.status <> 'cancelled'
          AND {_ENTRIES} = 'unlimited'
          AND le.last_at <= moment - make_interval(mins => COALESCE(l.min_gap_minutes, 0));
        GET DIAGNOSTICS changed = ROW_COUNT;
        RETURN changed;
    END $$
    """,
    # An exit scan on a list: 1 when this call let the ticket out.
    f"""
    CREATE FUNCTION {API}.list_leave(p_station text, p_ticket text, p_list integer,
                                      p_day text) RETURNS integer {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        changed integer;
    BEGIN
        UPDATE list_entry SET inside = false
        WHERE list_id = p_list AND ticket_id = p_ticket AND day = p_day AND inside;
        GET DIAGNOSTICS changed = ROW_COUNT;
        RETURN changed;
    END $$
    """,
    # An answer to a list's question, given at the admission this station just made.
    f"""
    CREATE FUNCTION {API}.answer(p_station text, p_ticket text, p_list integer, p_key text,
                                  p_value text, p_at timestamptz) RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        moment timestamptz := {API}._when(p_at, true);
        asked jsonb;
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM list_entry le WHERE le.list_id = p_list
                       AND le.ticket_id = p_ticket AND le.station = me)
                AND NOT EXISTS (SELECT 1 FROM ticket t, checkin_list l
                                WHERE t.id = p_ticket AND l.id = p_list
                                  AND l.event_id = t.event_id AND t.checked_in_station = me) THEN
            RAISE EXCEPTION 'ticket % was not admitted on list % at this station',
                p_ticket, p_list USING ERRCODE = '42501';
        END IF;
        SELECT q INTO asked FROM checkin_list l, jsonb_array_elements(
            COALESCE(l.questions, '[]')::jsonb) q
        WHERE l.id = p_list AND q->>'key' = p_key;
        IF asked IS NULL OR length(p_value) > 200 OR length(p_value) = 0 THEN
            RAISE EXCEPTION 'list % asks no question %', p_list, p_key USING ERRCODE = '42501';
        END IF;
        IF (asked->>'kind' = 'yesno' AND p_value NOT IN ('yes', 'no'))
                OR (asked->>'kind' = 'choice' AND NOT EXISTS (
                    SELECT 1 FROM jsonb_array_elements_text(asked->'choices') c
                    WHERE c = p_value)) THEN
            RAISE EXCEPTION 'list %: % is not an answer to %', p_list, p_value, p_key
                USING ERRCODE = '42501';
        END IF;
        INSERT INTO checkin_answer (ticket_id, list_id, key, value, answered_at, station)
        VALUES (p_ticket, p_list, p_key, p_value, moment, me)
        ON CONFLICT (ticket_id, list_id, key) DO UPDATE
        SET value = EXCLUDED.value, answered_at = EXCLUDED.answered_at,
            station = EXCLUDED.station;
    END $$
    """,
)


def _makes(statement: str, name: str) -> bool:
    return f"CREATE FUNCTION {API}.{name}(" in statement


def _again(name: str, old: str, new: str) -> str:
    """0013's function ``name``, made again with ``old`` replaced by ``new``."""
    found = [f for f in (*FUNCTIONS_0013, *DESK_RULES_0013) if _makes(f, name)]
    assert len(found) == 1 and old in found[0], name
    return found[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1).replace(old, new)


# A seat waiting for a full session (ticket_session.status) is not in the session: the session
# door's check, and the places a desk's transaction leaves counted, count registered seats only.
SEATS: Sequence[str] = (
    _again(
        "_refusal",
        "WHERE ticket_id = t.id AND session_id = p_session) THEN",
        "WHERE ticket_id = t.id AND session_id = p_session\n"
        "                             AND status = 'registered') THEN",
    ),
    _again(
        "_desk_counted",
        "WHERE ts.session_id = NEW.id AND t.status = 'registered';",
        "WHERE ts.session_id = NEW.id AND t.status = 'registered'\n"
        "              AND ts.status = 'registered';",
    ),
)

# The event's own door (the ticket's columns) on an event whose default list was changed: the
# list's rules, not only the event's, whoever calls (a login may call admit by hand).
_DEFAULT = "LEFT JOIN checkin_list l ON l.event_id = e.id AND l.slug = 'default'"
DEFAULT_DOOR: Sequence[str] = (
    f"""
    CREATE FUNCTION {API}._default_refusal(t ticket, p_at timestamptz, p_offline boolean)
    RETURNS text {_HEAD}
    DECLARE
        l checkin_list;
        e event;
        day text := '';
    BEGIN
        SELECT * INTO l FROM checkin_list WHERE event_id = t.event_id AND slug = 'default';
        IF NOT FOUND THEN
            RETURN {API}._refusal(t, p_at, NULL, p_offline);
        END IF;
        SELECT * INTO e FROM event WHERE id = t.event_id;
        IF {_ENTRIES} = 'daily' THEN
            day := to_char((p_at AT TIME ZONE e.timezone) - interval '{DAY_CHANGE_HOURS} hours',
                           'YYYY-MM-DD');
        END IF;
        RETURN {API}._list_refusal(t, l, p_at, day, p_offline);
    END $$
    """,
    _again(
        "admit",
        "why := station_api._refusal(t, moment, NULL, p_offline);",
        "why := station_api._default_refusal(t, moment, p_offline);",
    ),
    _again(
        "readmit",
        "AND EXISTS (SELECT 1 FROM event e WHERE e.id = ticket.event_id\n"
        "                      AND e.allow_reentry AND e.status <> 'cancelled');",
        f"AND EXISTS (SELECT 1 FROM event e {_DEFAULT} WHERE e.id = ticket.event_id\n"
        f"                      AND {_ENTRIES} = 'unlimited' AND e.status <> 'cancelled');",
    ),
    _again(
        "leave",
        "AND EXISTS (SELECT 1 FROM event e WHERE e.id = ticket.event_id AND e.allow_reentry);",
        f"AND EXISTS (SELECT 1 FROM event e {_DEFAULT} WHERE e.id = ticket.event_id\n"
        f"                      AND {_ENTRIES} <> 'once');",
    ),
)

# The scan log's function, as 0013's, but an admission logged online may be a list's.
LOGGED: Sequence[str] = (
    _again(
        "log_scan",
        "AND (t.id IS NULL OR t.checked_in_at IS NULL OR NOT t.inside) THEN",
        "AND (t.id IS NULL OR t.checked_in_at IS NULL OR NOT t.inside)\n"
        "                AND NOT EXISTS (SELECT 1 FROM list_entry le WHERE le.ticket_id = t.id\n"
        "                                AND le.inside AND le.last_at = moment) THEN",
    ),
)

# The functions a station login may call that 0014 adds.
CALLABLE: Sequence[str] = (
    "list_admit(text, text, integer, text, timestamptz, text, boolean, boolean)",
    "list_reenter(text, text, integer, text, timestamptz, boolean)",
    "list_leave(text, text, integer, text)",
    "answer(text, text, integer, text, text, timestamptz)",
)


def upgrade_statements(conn: Connection) -> list[str]:
    """Everything 0014 makes on PostgreSQL, in order (the views again, for the new tables and
    columns)."""
    return [
        *FUNCTIONS,
        *LOGGED,
        *SEATS,
        *DEFAULT_DOOR,
        f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {API} FROM PUBLIC",
        *view_statements(conn),
        *walk_in_statements(),
    ]


def downgrade_statements() -> list[str]:
    """What 0014's downgrade runs on PostgreSQL before its tables and columns go: its
    functions dropped, 0013's made again, the views of what goes dropped (made again after,
    from the tables as 0013 had them)."""
    restored = [
        f.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        for f in (*FUNCTIONS_0013, *DESK_RULES_0013)
        if any(
            _makes(f, name)
            for name in ("log_scan", "_refusal", "_desk_counted", "admit", "readmit", "leave")
        )
    ]
    before = [
        *(
            f"DROP FUNCTION IF EXISTS {API}.{name}"
            for name in (
                "_list_refusal(ticket, checkin_list, timestamptz, text, boolean)",
                "_default_refusal(ticket, timestamptz, boolean)",
                *CALLABLE,
            )
        ),
        *restored,
        *(
            f"DROP VIEW IF EXISTS {schema}.{table}"
            for schema in VIEWS.values()
            for table in ("checkin_list", "list_entry", "checkin_answer", "ticket_session")
        ),
    ]
    return before
