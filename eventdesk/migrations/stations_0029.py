"""What migration 0029 makes on a PostgreSQL server: an upload sent again is recognised as itself.

- A walk-in sold offline from a quota (``quota_sale``) is uploaded in one statement that the
  server completes alone: the person, order, ticket, payment and, when the desk let them in at
  once, the admission's scan-log row (who sold it, ``p_operator``), where the scan-log row was a
  second statement of the same transaction and a link that died between the two left the event,
  ticket type, quota and ticket rows locked.
- A run of offline admissions (``upload_admits``) records the conflict of each admission whose
  ticket another station holds (or that was cancelled) in the same statement that admits and
  logs it: what the server took, it took whole. A row whose nonce the server has already is
  skipped (an upload sent again after its answer was lost), so that a re-sent admission is never
  applied a second time (not after the station undid it meanwhile) nor given a conflict that the
  ticket's state now, rather than then, would suggest. The conflict's words are the server's, in
  the event's time zone, as the station would have written them.

Frozen texts: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventdesk.migrations import station_quota_sale as sale_0028
from eventdesk.migrations.station_functions_0013 import API
from eventdesk.migrations.stations_0019 import UPLOAD_ADMITS as UPLOAD_ADMITS_0019

_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"

FUNCTIONS: Sequence[str] = (
    # A moment as a conflict's words show it: '2030-05-14 09:00 CEST', in the event's zone.
    f"""
    CREATE FUNCTION {API}._shown(p_at timestamptz, p_zone text) RETURNS text {_HEAD}
    DECLARE
        before text := current_setting('TimeZone');
        said text;
    BEGIN
        IF p_at IS NULL THEN
            RETURN '?';
        END IF;
        PERFORM set_config('TimeZone', coalesce(nullif(p_zone, ''), 'UTC'), true);
        said := to_char(p_at, 'YYYY-MM-DD HH24:MI TZ');
        PERFORM set_config('TimeZone', before, true);
        RETURN said;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION {API}._shown(timestamptz, text) FROM PUBLIC",
    # The conflict of an offline admission (``p_nonce``, logged by ``me`` at ``p_at``) whose
    # ticket the server holds otherwise: recorded once, with the server's facts and words.
    f"""
    CREATE FUNCTION {API}._admission_conflict(me text, p_nonce text, p_at timestamptz)
    RETURNS boolean {_HEAD}
    DECLARE
        t ticket;
        e event;
        scan scan_log;
        other_station text;
        other_at timestamptz;
        what text;
        decided text;
    BEGIN
        SELECT * INTO scan FROM scan_log WHERE nonce = p_nonce AND station = me;
        IF NOT FOUND THEN
            RETURN false;
        END IF;
        SELECT * INTO t FROM ticket WHERE id = scan.ticket_id;
        IF NOT FOUND THEN
            RETURN false;  -- a ticket the server no longer has: the scan log keeps the scan
        END IF;
        SELECT * INTO e FROM event WHERE id = t.event_id;
        IF t.status = 'registered' AND e.status <> 'cancelled'
                AND t.checked_in_station IS NOT DISTINCT FROM me
                AND t.checked_in_at IS NOT DISTINCT FROM p_at THEN
            RETURN false;  -- its own admission
        END IF;
        IF EXISTS (SELECT 1 FROM scan_conflict WHERE nonce = p_nonce) THEN
            RETURN false;
        END IF;
        decided := {API}._shown(p_at, e.timezone);
        IF e.status = 'cancelled' OR t.status <> 'registered' THEN
            SELECT l.station, l.at INTO other_station, other_at FROM transaction_log l
            WHERE CASE WHEN e.status = 'cancelled'
                       THEN l.event_id = e.id AND l.kind = 'event_cancelled'
                       ELSE l.ticket_id = t.id AND l.kind IN ('cancelled', 'refund') END
            ORDER BY l.at DESC, l.id DESC LIMIT 1;
            other_at := coalesce(other_at, t.cancelled_at);
            what := CASE WHEN e.status = 'cancelled' THEN 'the event was cancelled'
                         ELSE 'the ticket was ' || t.status END;
            INSERT INTO scan_conflict (event_id, ticket_id, nonce, reason, station, at,
                                       operator, other_station, other_at, detail, recorded_at)
            VALUES (t.event_id, t.id, p_nonce, 'revoked', me, p_at, scan.operator,
                    left(other_station, 100), other_at,
                    left('admitted offline at ' || me || ' (' || decided || '), but ' || what
                         || ' on the server meanwhile', 400),
                    clock_timestamp());
            RETURN true;
        END IF;
        IF t.checked_in_at IS NULL THEN
            RETURN false;  -- admitted by no one: nothing to hold against it
        END IF;
        INSERT INTO scan_conflict (event_id, ticket_id, nonce, reason, station, at, operator,
                                   other_station, other_at, detail, recorded_at)
        VALUES (t.event_id, t.id, p_nonce, 'already_checked_in', me, p_at, scan.operator,
                left(t.checked_in_station, 100), t.checked_in_at,
                left('admitted offline at ' || me || ' (' || decided || ') and at '
                     || coalesce(t.checked_in_station, 'another station') || ' ('
                     || {API}._shown(t.checked_in_at, e.timezone) || ')', 400),
                clock_timestamp());
        RETURN true;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION {API}._admission_conflict(text, text, timestamptz) FROM PUBLIC",
    # A run of offline admissions in one statement the server completes alone: each admitted
    # through ``admit``, logged through ``log_scan`` and, where another station holds its
    # ticket (or it was cancelled), its conflict recorded; a nonce the server has already is
    # skipped whole. Gives back the nonces whose conflict was recorded now.
    f"""
    CREATE OR REPLACE FUNCTION {API}.upload_admits(p_station text, p_rows jsonb)
    RETURNS SETOF text {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        r jsonb;
        moment timestamptz;
        earlier text;
    BEGIN
        IF jsonb_typeof(p_rows) <> 'array' OR jsonb_array_length(p_rows) > 1000 THEN
            RAISE EXCEPTION 'not a run of admissions this server takes' USING ERRCODE = '42501';
        END IF;
        FOR r IN SELECT value FROM jsonb_array_elements(p_rows) LOOP
            SELECT station INTO earlier FROM scan_log WHERE nonce = r ->> 'nonce';
            IF earlier = me THEN
                CONTINUE;  -- taken before, whole: sent again after its answer was lost
            END IF;  -- (another station's nonce: log_scan refuses it)
            moment := (r ->> 'at')::timestamptz;
            PERFORM {API}.admit(me, r ->> 'ticket_id', moment, r ->> 'payload',
                                 coalesce((r ->> 'repaired')::boolean, false), true);
            PERFORM {API}.log_scan(me, moment, r ->> 'operator', (r ->> 'event_id')::integer,
                                    NULL, r ->> 'ticket_id', 'entry', r ->> 'line',
                                    r ->> 'result', r ->> 'nonce', r ->> 'answer', true);
            IF {API}._admission_conflict(me, r ->> 'nonce', moment) THEN
                PERFORM {API}._take(me, 1);
                RETURN NEXT r ->> 'nonce';
            END IF;
        END LOOP;
    END $$
    """,
)

# 0028's sale, with who sold it and, for a walk-in let in at once, its scan-log row.
_SALE_LOGGED = sale_0028.FUNCTION.replace(
    "p_admitted boolean, p_tokens text[],\n",
    "p_admitted boolean, p_tokens text[], p_operator text,\n",
    1,
).replace(
    "    ticket_id := new_ticket;\n    again := false;\n",
    "    IF p_admitted THEN  -- its admission, as any door's: reports and alerts read it\n"
    "        INSERT INTO scan_log (at, station, operator, event_id, session_id, ticket_id,\n"
    "                              direction, payload, result, nonce, answer, offline)\n"
    "        VALUES (moment, me, left(p_operator, 100), p_event, NULL, new_ticket, 'entry',\n"
    "                NULL, 'ok', p_nonce, NULL, true);\n"
    "    END IF;\n"
    "    ticket_id := new_ticket;\n    again := false;\n",
    1,
)
# The functions a station login may call from now on in place of those it may no longer.
CALLABLE: Sequence[str] = (
    "quota_sale(text, text, integer, integer, text, text, text, text, timestamptz, text,"
    " boolean, text[], text)",
)
DROPPED: Sequence[str] = tuple(sale_0028.CALLABLE)
SALE_SIGNATURE = f"{API}.{CALLABLE[0]}"
SALE: Sequence[str] = (
    f"DROP FUNCTION IF EXISTS {sale_0028.SIGNATURE}",
    _SALE_LOGGED,
    f"REVOKE ALL ON FUNCTION {SALE_SIGNATURE} FROM PUBLIC",
)
FUNCTIONS = (*FUNCTIONS, *SALE)

DOWNGRADE: Sequence[str] = (
    f"DROP FUNCTION IF EXISTS {SALE_SIGNATURE}",
    sale_0028.FUNCTION,
    f"REVOKE ALL ON FUNCTION {sale_0028.SIGNATURE} FROM PUBLIC",
    UPLOAD_ADMITS_0019[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
    f"DROP FUNCTION IF EXISTS {API}._admission_conflict(text, text, timestamptz)",
    f"DROP FUNCTION IF EXISTS {API}._shown(timestamptz, text)",
)
