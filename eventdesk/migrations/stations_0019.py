"""What migration 0019 makes on a PostgreSQL server: history a station cannot invent, and a
bound on what it uploads.

- An offline admission is logged only with its admission (``log_scan``): a station's row saying
  it admitted a ticket offline goes in only when the server has that ticket admitted where the
  row says (the event, the session, or the list and day its answer names: the upload admits it
  first, through the same checks as online), or cancelled since (its event or itself: a
  conflict). An invented admission of a ticket nobody admitted there (a waitlisted one among
  them) is refused. A scan uploaded again is taken once (its nonce).
- A conflict's facts are the server's (``conflict``): the other station and its time are read
  from the server's rows (the ticket's admission, the session's, the list's entry, or who
  cancelled), whatever the station sends; an offline admission's conflict the server's rows do
  not show is refused (a scan the server answered online, later than the station waited, keeps
  the server's answer against the station's: its conflict needs no other station); one
  conflict a scan.
- Uploads have a bound (``_take``): at most UPLOAD_BOUND rows a minute from a station (scans
  decided offline, conflicts, refusals, badges printed offline). More is refused (SQLSTATE 54000,
  named in the server's log); the station keeps the rest and sends it the next minute.

Frozen texts: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventdesk.migrations.checkin_lists_0014 import LOGGED as LOGGED_0014
from eventdesk.migrations.station_functions_0013 import API
from eventdesk.migrations.station_functions_0013 import FUNCTIONS as FUNCTIONS_0013
from eventdesk.migrations.stations_0017 import REFUSED as REFUSED_0017

_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"
UPLOAD_BOUND = 6000  # rows a minute a station may upload: an hour's door at 100 a minute in one
TOO_MANY = "54000"  # program_limit_exceeded: the station keeps the rows and sends them later


FUNCTIONS: Sequence[str] = (
    f"""
    CREATE FUNCTION {API}._take(p_station text, p_rows integer) RETURNS void {_HEAD}
    DECLARE
        minute_ timestamptz := date_trunc('minute', clock_timestamp());
        taken integer;
    BEGIN
        DELETE FROM station_upload
        WHERE station = p_station AND minute < minute_ - interval '1 hour';
        INSERT INTO station_upload AS u (station, minute, rows)
        VALUES (p_station, minute_, p_rows)
        ON CONFLICT (station, minute) DO UPDATE SET rows = u.rows + excluded.rows
        RETURNING u.rows INTO taken;
        IF taken > {UPLOAD_BOUND} THEN
            RAISE LOG 'eventdesk: station % uploads more than % rows a minute: refused',
                p_station, {UPLOAD_BOUND};
            RAISE EXCEPTION 'station % uploads at most % rows a minute: the rest waits for the '
                'next minute', p_station, {UPLOAD_BOUND} USING ERRCODE = '{TOO_MANY}';
        END IF;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION {API}._take(text, integer) FROM PUBLIC",
    f"""
    CREATE OR REPLACE FUNCTION {API}.log_scan(p_station text, p_at timestamptz,
                                    p_operator text, p_event integer, p_session integer,
                                    p_ticket text, p_direction text, p_payload text,
                                    p_result text, p_nonce text, p_answer text,
                                    p_offline boolean)
    RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        moment timestamptz := {API}._when(p_at, p_offline);
        t ticket;
        event_of integer := p_event;
        earlier text;
        said jsonb;
    BEGIN
        IF p_ticket IS NOT NULL THEN
            SELECT * INTO t FROM ticket WHERE id = p_ticket;
            IF FOUND THEN
                event_of := t.event_id;
            END IF;
        END IF;
        IF event_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM event WHERE id = event_of) THEN
            event_of := NULL;
        END IF;
        IF p_direction NOT IN ('entry', 'exit') OR length(p_result) > 24
                OR length(coalesce(p_operator, '')) > 100 THEN
            RAISE EXCEPTION 'not a scan this server logs' USING ERRCODE = '42501';
        END IF;
        IF p_nonce IS NOT NULL AND p_offline THEN
            -- (online, the nonce's unique index decides: a scan sent twice at once is rolled
            -- back whole, and the station gives the first one's answer)
            SELECT station INTO earlier FROM scan_log WHERE nonce = p_nonce;
            IF earlier = me THEN
                RETURN;  -- uploaded before: taken once
            ELSIF earlier IS NOT NULL THEN
                RAISE EXCEPTION 'nonce % is another station''s scan', p_nonce
                    USING ERRCODE = '42501';
            END IF;
        END IF;
        IF p_result = 'ok' AND NOT p_offline AND p_direction = 'entry' AND p_session IS NULL
                AND (t.id IS NULL OR t.checked_in_at IS NULL OR NOT t.inside)
                AND NOT EXISTS (SELECT 1 FROM list_entry le WHERE le.ticket_id = t.id
                                AND le.inside AND le.last_at = moment) THEN
            RAISE EXCEPTION 'ticket % was not admitted: its scan is not logged as admitted',
                p_ticket USING ERRCODE = '42501';
        END IF;
        PERFORM {API}._take(me, 1);  -- online too: a door's pace is far below the bound
        said := CASE WHEN p_answer ~ '^\\s*\\{{' THEN p_answer::jsonb END;
        IF p_result = 'ok' AND p_offline AND p_direction = 'entry' AND NOT (
                t.id IS NOT NULL AND (
                    t.status = 'cancelled'
                    OR EXISTS (SELECT 1 FROM event e WHERE e.id = t.event_id
                               AND e.status = 'cancelled')
                    OR CASE
                        WHEN said ->> 'list' IS NOT NULL AND said ->> 'list_day' IS NOT NULL THEN
                            EXISTS (SELECT 1 FROM list_entry le
                                    JOIN checkin_list cl ON cl.id = le.list_id
                                    WHERE le.ticket_id = t.id AND cl.event_id = t.event_id
                                      AND cl.slug = said ->> 'list'
                                      AND le.day = said ->> 'list_day')
                        WHEN p_session IS NOT NULL THEN
                            EXISTS (SELECT 1 FROM session_checkin c WHERE c.ticket_id = t.id
                                    AND c.session_id = p_session)
                        ELSE t.checked_in_at IS NOT NULL
                    END)) THEN
            RAISE EXCEPTION 'ticket % was not admitted on the server: an offline admission is '
                'logged with its admission', coalesce(p_ticket, '?') USING ERRCODE = '42501';
        END IF;
        INSERT INTO scan_log (at, station, operator, event_id, session_id, ticket_id,
                              direction, payload, result, nonce, answer, offline)
        VALUES (moment, me, p_operator, event_of, p_session, p_ticket, p_direction,
                left(p_payload, 200), p_result, p_nonce, p_answer, p_offline);
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION {API}.conflict(p_station text, p_nonce text, p_reason text,
                                    p_other_station text, p_other_at timestamptz,
                                    p_detail text) RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        scan scan_log;
        t ticket;
        e event;
        said jsonb;
        other_station text;
        other_at timestamptz;
    BEGIN
        SELECT * INTO scan FROM scan_log WHERE nonce = p_nonce AND station = me;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no scan % of this station''s to hold a conflict', p_nonce
                USING ERRCODE = '42501';
        END IF;
        IF p_reason NOT IN ('already_checked_in', 'revoked', 'late_answer') THEN
            RAISE EXCEPTION 'not a conflict: %', p_reason USING ERRCODE = '42501';
        END IF;
        IF EXISTS (SELECT 1 FROM scan_conflict WHERE nonce = p_nonce) THEN
            RETURN;  -- one conflict a scan (an upload sent again)
        END IF;
        SELECT * INTO t FROM ticket WHERE id = scan.ticket_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'scan % names no ticket of this server: no conflict', p_nonce
                USING ERRCODE = '42501';
        END IF;
        SELECT * INTO e FROM event WHERE id = t.event_id;
        IF p_reason = 'late_answer' OR NOT scan.offline THEN
            -- the server's own answer to a scan the station then decided offline
            IF scan.offline THEN
                RAISE EXCEPTION 'scan % was decided offline: no late answer', p_nonce
                    USING ERRCODE = '42501';
            END IF;
        ELSIF scan.result <> 'ok' OR scan.direction <> 'entry' THEN
            RAISE EXCEPTION 'scan % admitted no one: no conflict', p_nonce
                USING ERRCODE = '42501';
        END IF;
        IF p_reason = 'late_answer' THEN
            other_station := me;
            other_at := scan.at;
        ELSIF p_reason = 'revoked' THEN
            IF scan.offline AND t.status = 'registered' AND e.status <> 'cancelled' THEN
                RAISE EXCEPTION 'ticket % is not cancelled on the server: no conflict', t.id
                    USING ERRCODE = '42501';
            END IF;
            SELECT l.station, l.at INTO other_station, other_at FROM transaction_log l
            WHERE CASE WHEN e.status = 'cancelled'
                       THEN l.event_id = e.id AND l.kind = 'event_cancelled'
                       ELSE l.ticket_id = t.id AND l.kind IN ('cancelled', 'refund') END
            ORDER BY l.at DESC, l.id DESC LIMIT 1;
            other_at := coalesce(other_at, t.cancelled_at);
        ELSE
            said := CASE WHEN scan.answer ~ '^\\s*\\{{' THEN scan.answer::jsonb END;
            IF said ->> 'list' IS NOT NULL AND said ->> 'list_day' IS NOT NULL THEN
                SELECT le.station, le.first_at INTO other_station, other_at
                FROM list_entry le JOIN checkin_list cl ON cl.id = le.list_id
                WHERE cl.event_id = t.event_id AND cl.slug = said ->> 'list'
                  AND le.ticket_id = t.id AND le.day = said ->> 'list_day';
            ELSIF scan.session_id IS NOT NULL THEN
                SELECT c.station, c.checked_in_at INTO other_station, other_at
                FROM session_checkin c
                WHERE c.ticket_id = t.id AND c.session_id = scan.session_id;
            ELSE
                other_station := t.checked_in_station;
                other_at := t.checked_in_at;
            END IF;
            IF scan.offline AND (other_at IS NULL
                    OR (other_station IS NOT DISTINCT FROM me AND other_at = scan.at)) THEN
                RAISE EXCEPTION 'ticket % was admitted by no one else on the server: no '
                    'conflict', t.id USING ERRCODE = '42501';
            END IF;
        END IF;
        PERFORM {API}._take(me, 1);
        INSERT INTO scan_conflict (event_id, ticket_id, nonce, reason, station, at, operator,
                                   other_station, other_at, detail, recorded_at)
        VALUES (t.event_id, t.id, p_nonce, p_reason, me, scan.at, scan.operator,
                left(other_station, 100), other_at, left(p_detail, 400), clock_timestamp());
    END $$
    """,
)


# A run of offline admissions uploaded in one statement, which the server completes alone: each
# admitted through ``admit`` and logged through ``log_scan`` (every check of theirs), in order.
# Gives back the nonces whose ticket another station holds, or that the server refused to admit
# since (cancelled): the station records their conflicts through ``conflict``.
UPLOAD_ADMITS: Sequence[str] = (
    f"""
    CREATE FUNCTION {API}.upload_admits(p_station text, p_rows jsonb)
    RETURNS SETOF text {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        r jsonb;
        moment timestamptz;
        t ticket;
    BEGIN
        IF jsonb_typeof(p_rows) <> 'array' OR jsonb_array_length(p_rows) > 1000 THEN
            RAISE EXCEPTION 'not a run of admissions this server takes' USING ERRCODE = '42501';
        END IF;
        FOR r IN SELECT value FROM jsonb_array_elements(p_rows) LOOP
            moment := (r ->> 'at')::timestamptz;
            PERFORM {API}.admit(me, r ->> 'ticket_id', moment, r ->> 'payload',
                                 coalesce((r ->> 'repaired')::boolean, false), true);
            PERFORM {API}.log_scan(me, moment, r ->> 'operator', (r ->> 'event_id')::integer,
                                    NULL, r ->> 'ticket_id', 'entry', r ->> 'line',
                                    r ->> 'result', r ->> 'nonce', r ->> 'answer', true);
            SELECT * INTO t FROM ticket WHERE id = r ->> 'ticket_id';
            IF FOUND AND (t.checked_in_station IS DISTINCT FROM me
                          OR t.checked_in_at IS DISTINCT FROM moment) THEN
                RETURN NEXT r ->> 'nonce';
            END IF;
        END LOOP;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION {API}.upload_admits(text, jsonb) FROM PUBLIC",
)
# The function a station login may call (granted by ``eventdesk roles``: eventdesk.grants).
CALLABLE: Sequence[str] = ("upload_admits(text, jsonb)",)


# The transaction log a desk's login writes: only the rows of the actions a desk takes, each
# with its station, the server's time and the facts of the rows it logs (a registration, a
# payment, its settling, a cancellation, a promotion, a badge queued), once each. A refund, an
# event's change or any other kind, another station's name, an amount that is not the row's:
# refused. The server's own functions (an undo) write past it, as past the desk's ticket rule
# (migration 0017).
_DESK_LOGIN = (
    "SELECT l.station FROM station_login l WHERE l.login = session_user AND l.kind = 'desk'"
)
DESK_LOG: Sequence[str] = (
    rf"""
    CREATE FUNCTION {API}._desk_log_rules(p_new transaction_log) RETURNS void {_HEAD}
    DECLARE
        desk text := ({_DESK_LOGIN});
        t ticket;
        pay payment;
        said jsonb;
        logged boolean;
    BEGIN
        IF desk IS NULL THEN
            RETURN;  -- not a desk's login
        END IF;
        IF p_new.station IS DISTINCT FROM desk THEN
            RAISE EXCEPTION 'a desk logs its own actions, as station %', desk
                USING ERRCODE = '42501';
        END IF;
        said := CASE WHEN p_new.detail ~ '^\s*\{{' THEN p_new.detail::jsonb
                     ELSE '{{}}'::jsonb END;
        SELECT * INTO t FROM ticket WHERE id = p_new.ticket_id;
        IF t.id IS NOT NULL AND p_new.event_id IS DISTINCT FROM t.event_id THEN
            RAISE EXCEPTION 'ticket % is not of event %', t.id, p_new.event_id
                USING ERRCODE = '42501';
        END IF;
        logged := EXISTS (SELECT 1 FROM transaction_log l
                          WHERE l.ticket_id = p_new.ticket_id AND l.kind = p_new.kind
                            AND (said ->> 'payment_id' IS NULL
                                 OR l.detail::jsonb ->> 'payment_id' = said ->> 'payment_id'));
        IF p_new.kind IN ('registered', 'waitlisted') THEN
            IF t.id IS NULL OR logged OR t.status <> p_new.kind
                    OR p_new.amount_cents IS DISTINCT FROM t.price_cents
                    OR p_new.attendee_id IS DISTINCT FROM t.attendee_id THEN
                RAISE EXCEPTION 'not the registration of ticket %', p_new.ticket_id
                    USING ERRCODE = '42501';
            END IF;
        ELSIF p_new.kind IN ('payment', 'payment_settled') THEN
            SELECT * INTO pay FROM payment
            WHERE id = (said ->> 'payment_id')::integer AND ticket_id = p_new.ticket_id
              AND kind = 'payment';
            IF pay.id IS NULL OR logged OR p_new.amount_cents IS DISTINCT FROM pay.amount_cents
                    OR p_new.currency IS DISTINCT FROM pay.currency
                    OR (p_new.kind = 'payment_settled' AND pay.status <> 'completed') THEN
                RAISE EXCEPTION 'not a payment of ticket % taken here', p_new.ticket_id
                    USING ERRCODE = '42501';
            END IF;
        ELSIF p_new.kind = 'cancelled' THEN
            IF t.id IS NULL OR logged OR t.status <> 'cancelled'
                    OR p_new.amount_cents IS NOT NULL THEN
                RAISE EXCEPTION 'ticket % is not cancelled', p_new.ticket_id
                    USING ERRCODE = '42501';
            END IF;
        ELSIF p_new.kind IN ('promoted', 'session_seat_promoted', 'badge_queued') THEN
            IF t.id IS NULL OR t.status <> 'registered'
                    OR (p_new.amount_cents IS NOT NULL
                        AND p_new.amount_cents IS DISTINCT FROM t.price_cents) THEN
                RAISE EXCEPTION 'ticket % is not registered', p_new.ticket_id
                    USING ERRCODE = '42501';
            END IF;
        ELSE
            RAISE EXCEPTION 'a desk does not log %: not an action a desk takes', p_new.kind
                USING ERRCODE = '42501';
        END IF;
    END $$
    """,
    # As the desk's ticket rule (migration 0017): run as whoever wrote the row, so the server's
    # own functions (which run as their owner) write past it.
    f"""
    CREATE FUNCTION {API}._desk_log() RETURNS trigger
    LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp AS $$
    BEGIN
        IF pg_has_role(session_user, current_user, 'MEMBER') THEN
            PERFORM {API}._desk_log_rules(NEW);
            IF EXISTS (SELECT 1 FROM {API}.whoami() w WHERE w.kind = 'desk') THEN
                NEW.at := clock_timestamp();  -- the server's clock, not the station's
            END IF;
        END IF;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER transaction_log_desk_rules BEFORE INSERT ON transaction_log "
    f"FOR EACH ROW EXECUTE FUNCTION {API}._desk_log()",
)


def _bounded(text: str, name: str) -> str:
    """An earlier migration's function as it was, but counted against the upload bound: the
    station's name is its first local (``me``), and the bound is taken first."""
    made = text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    head = made.index("BEGIN", made.index(f"{API}.{name}("))
    return made[:head] + f"BEGIN\n        PERFORM {API}._take(me, 1);" + made[head + 5 :]


def _one(texts: Sequence[str], name: str) -> str:
    (found,) = [t for t in texts if f"CREATE FUNCTION {API}.{name}(" in t]
    return found


BOUNDED: Sequence[str] = (
    _bounded(_one(FUNCTIONS_0013, "printed_offline"), "printed_offline"),
    _bounded(_one(REFUSED_0017, "upload_refused"), "upload_refused"),
)

DOWNGRADE: Sequence[str] = (
    LOGGED_0014[0],  # 0014's log_scan (0013's, a list's admission logged online too)
    *(
        _one(FUNCTIONS_0013, name).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        for name in ("conflict", "printed_offline")
    ),
    _one(REFUSED_0017, "upload_refused").replace(
        "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
    ),
    "DROP TRIGGER IF EXISTS transaction_log_desk_rules ON transaction_log",
    f"DROP FUNCTION IF EXISTS {API}._desk_log()",
    f"DROP FUNCTION IF EXISTS {API}._desk_log_rules(transaction_log)",
    f"DROP FUNCTION IF EXISTS {API}.upload_admits(text, jsonb)",
    f"DROP FUNCTION IF EXISTS {API}._take(text, integer)",
)
