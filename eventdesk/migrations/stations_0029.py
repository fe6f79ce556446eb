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
from eventdesk.migrations import stations_0018
from eventdesk.migrations.checkin_lists_0014 import FUNCTIONS as LISTS_0014
from eventdesk.migrations.station_functions_0013 import API, OFFLINE_DAYS, TOLERANCE
from eventdesk.migrations.station_functions_0013 import FUNCTIONS as FUNCTIONS_0013
from eventdesk.migrations.stations_0017 import REFUSED as REFUSED_0017
from eventdesk.migrations.stations_0019 import FUNCTIONS as FUNCTIONS_0019
from eventdesk.migrations.stations_0019 import UPLOAD_ADMITS as UPLOAD_ADMITS_0019
from eventdesk.migrations.stations_0019 import _bounded as _bounded_0019
from eventdesk.migrations.stations_0021 import FUNCTIONS as DESK_LOG_0021

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
    _SALE_LOGGED.replace(
        "BEGIN\n    SELECT l.station INTO me FROM station_login l WHERE l.login = session_user;",
        f"BEGIN\n    PERFORM {API}._bound(p_event);  -- a desk sells into its own events only\n"
        "    SELECT l.station INTO me FROM station_login l WHERE l.login = session_user;",
        1,
    ),
    f"REVOKE ALL ON FUNCTION {SALE_SIGNATURE} FROM PUBLIC",
)
FUNCTIONS = (*FUNCTIONS, *SALE)

# Any login of the database (the organizer's) has a transaction it left idle ended within 30 s
# (a station's own login: its role's 5 s, which a database's setting does not override), so a
# link that died half-open mid-transaction frees its locks; set where the upgrading login owns
# the database (else left to its owner, said as a notice).
IDLE_IN_TRANSACTION = "30s"
DATABASE_IDLE = f"""
    DO $$
    BEGIN
        EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = %L',
                       current_database(), '{IDLE_IN_TRANSACTION}');
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'idle_in_transaction_session_timeout not set on this database: '
            'only its owner may (ALTER DATABASE ... SET idle_in_transaction_session_timeout)';
    END $$
    """
DATABASE_IDLE_RESET = """
    DO $$
    BEGIN
        EXECUTE format('ALTER DATABASE %I RESET idle_in_transaction_session_timeout',
                       current_database());
    EXCEPTION WHEN insufficient_privilege THEN
        NULL;
    END $$
    """

DOWNGRADE: Sequence[str] = (
    f"DROP FUNCTION IF EXISTS {SALE_SIGNATURE}",
    sale_0028.FUNCTION,
    f"REVOKE ALL ON FUNCTION {sale_0028.SIGNATURE} FROM PUBLIC",
    UPLOAD_ADMITS_0019[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
    f"DROP FUNCTION IF EXISTS {API}._admission_conflict(text, text, timestamptz)",
    f"DROP FUNCTION IF EXISTS {API}._shown(timestamptz, text)",
)


# --- the server believes only what it can check (issue: a station's word) -------------------
#
# - A station's login is bound to its events (``station_login_event``; none: every event, as
#   before): each function a door or desk admits, lets back in, lets out or overrides through
#   refuses a ticket of another event (``_bound``), and a desk sells offline only into its own.
# - An organizer's login may act as a named station for one connection (``eventdesk.acting_station``
#   and ``eventdesk.acting_kind``, honoured for the database's owners alone): a lost station's
#   copy taken by an organizer goes through every check of that station's own upload.
# - A station that ends a round of sync with nothing left to upload says so (``synced``): what
#   a lost station's copy holds from before that moment would have been uploaded then.
# - An admission overridden offline names only an account whose PIN and right the deciding
#   station's copy held (a staff account with the right: an organizer's PIN is in no copy), and
#   gets its transaction-log row when uploaded, marked as checked offline, not by the server.
# - A desk's transaction-log rows: a promotion only of a ticket waitlisted more often than it
#   was promoted, a badge queued only for a print job of that ticket queued at that desk, each
#   once; whatever else a desk may log, once.
# - A station's refusals: at most REFUSALS_KEPT kept, one by one; past that only counted.
REFUSALS_KEPT = 500
ACTING_STATION = "eventdesk.acting_station"
ACTING_KIND = "eventdesk.acting_kind"


def _replaced(text: str, name: str, line: str) -> str:
    """An earlier migration's function as it was, made again with ``line`` run first."""
    made = text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    head = made.index("BEGIN", made.index(f"{API}.{name}("))
    return made[:head] + f"BEGIN\n        {line}" + made[head + 5 :]


def _one(texts: Sequence[str], name: str, *, replace: bool = False) -> str:
    verb = "CREATE OR REPLACE FUNCTION" if replace else "CREATE FUNCTION"
    (found,) = [t for t in texts if f"{verb} {API}.{name}(" in t]
    return found


def _version_0027() -> str:
    """0027's ``override_admit`` as it was written (its migration script holds it)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent / "versions" / "0027_supervisor_override.py"
    spec = importlib.util.spec_from_file_location("eventdesk_migration_0027", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.FUNCTION)


_OWNER = (
    "pg_has_role(session_user, (SELECT c.relowner FROM pg_class c "
    "WHERE c.oid = 'public.station_login'::regclass), 'USAGE')"
)
TRUST: Sequence[str] = (
    f"""
    CREATE OR REPLACE FUNCTION {API}._station(p_station text) RETURNS text {_HEAD}
    DECLARE found_station text;
    BEGIN
        SELECT l.station INTO found_station FROM station_login l WHERE l.login = session_user;
        IF found_station IS NULL AND {_OWNER} THEN
            -- an organizer acting as a station (a lost station's copy taken through its checks)
            found_station := nullif(current_setting('{ACTING_STATION}', true), '');
        END IF;
        IF found_station IS NULL THEN
            RAISE EXCEPTION 'login % is no station''s (eventdesk roles add)', session_user
                USING ERRCODE = '42501';
        END IF;
        IF p_station IS NOT NULL AND p_station <> found_station THEN
            RAISE EXCEPTION 'this login is station %''s, not %''s', found_station, p_station
                USING ERRCODE = '42501';
        END IF;
        RETURN found_station;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION {API}._kind() RETURNS text {_HEAD}
    DECLARE found_kind text;
    BEGIN
        SELECT l.kind INTO found_kind FROM station_login l WHERE l.login = session_user;
        IF found_kind IS NULL AND {_OWNER} THEN
            found_kind := nullif(current_setting('{ACTING_KIND}', true), '');
        END IF;
        RETURN found_kind;
    END $$
    """,
    # A ticket's event, refused unless this station's login admits it (a login bound to none
    # admits every event's; an organizer's is bound to none).
    f"""
    CREATE FUNCTION {API}._bound(p_event integer) RETURNS void {_HEAD}
    BEGIN
        IF EXISTS (SELECT 1 FROM station_login_event b WHERE b.login = session_user)
                AND NOT EXISTS (SELECT 1 FROM station_login_event b
                                WHERE b.login = session_user AND b.event_id = p_event) THEN
            RAISE EXCEPTION 'event % is not one this station''s login admits (eventdesk roles '
                'add ... --event)', p_event USING ERRCODE = '42501';
        END IF;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION {API}._bound(integer) FROM PUBLIC",
    f"""
    CREATE FUNCTION {API}._bound_ticket(p_ticket text) RETURNS void {_HEAD}
    DECLARE found integer;
    BEGIN
        SELECT event_id INTO found FROM ticket WHERE id = p_ticket;
        IF found IS NOT NULL THEN
            PERFORM {API}._bound(found);
        END IF;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION {API}._bound_ticket(text) FROM PUBLIC",
    _replaced(
        _one(stations_0018.FUNCTIONS, "_genuine", replace=True).replace(
            "CREATE OR REPLACE FUNCTION", "CREATE FUNCTION", 1
        ),
        "_genuine",
        f"PERFORM {API}._bound(t.event_id);",
    ),
    *(
        _replaced(_one(FUNCTIONS_0013, name), name, f"PERFORM {API}._bound_ticket(p_ticket);")
        for name in ("readmit", "leave")
    ),
    *(
        _replaced(_one(LISTS_0014, name), name, f"PERFORM {API}._bound_ticket(p_ticket);")
        for name in ("list_reenter", "list_leave")
    ),
    _replaced(_version_0027(), "override_admit", f"PERFORM {API}._bound_ticket(p_ticket);"),
    # A station that ends a round of sync with nothing left to upload.
    f"""
    CREATE FUNCTION {API}.synced(p_station text) RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
    BEGIN
        INSERT INTO station_seen AS s (station, kind, synced_at)
        VALUES (me, {API}._kind(), clock_timestamp())
        ON CONFLICT (station) DO UPDATE SET kind = excluded.kind, synced_at = excluded.synced_at;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION {API}.synced(text) FROM PUBLIC",
    # A refusal recorded, as 0017's, but at most REFUSALS_KEPT of a station's kept: past that
    # only counted (a flood is summed up, never stored).
    f"""
    CREATE OR REPLACE FUNCTION {API}.upload_refused(p_station text, p_nonce text, p_ticket text,
                                          p_at timestamptz, p_operator text, p_result text,
                                          p_detail text) RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        t ticket;
        moment timestamptz;
    BEGIN
        PERFORM {API}._take(me, 1);
        IF p_nonce IS NULL OR length(p_nonce) > 64 THEN
            RAISE EXCEPTION 'not a scan this server records' USING ERRCODE = '42501';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM upload_refusal WHERE nonce = p_nonce)
                AND (SELECT count(*) FROM upload_refusal WHERE station = me)
                    >= {REFUSALS_KEPT} THEN
            INSERT INTO refusal_flood AS f (station, refused, first_at, last_at)
            VALUES (me, 1, clock_timestamp(), clock_timestamp())
            ON CONFLICT (station) DO UPDATE SET refused = f.refused + 1,
                                                last_at = excluded.last_at;
            RETURN;
        END IF;
        SELECT * INTO t FROM ticket WHERE id = p_ticket;
        IF p_at <= clock_timestamp() + interval '{TOLERANCE}'
                AND p_at >= clock_timestamp() - interval '{OFFLINE_DAYS} days' THEN
            moment := p_at;
        END IF;
        INSERT INTO upload_refusal (nonce, station, event_id, ticket_id, at, operator, result,
                                    detail, recorded_at)
        VALUES (p_nonce, me, t.event_id, t.id, moment, left(p_operator, 100),
                left(coalesce(p_result, ''), 24), left(coalesce(p_detail, ''), 400),
                clock_timestamp())
        ON CONFLICT (nonce) DO UPDATE SET detail = excluded.detail,
                                          recorded_at = excluded.recorded_at
        WHERE upload_refusal.station = me;
    END $$
    """,
)


def _desk_log_rules() -> str:
    """0019's rules of a desk's transaction-log rows (with 0021's session seats), with a row
    for each action a desk took, once: a promotion of a ticket waitlisted more often than
    promoted, a session seat promoted that holds its place, a badge queued for a print job of
    the ticket queued at this desk."""
    (made,) = DESK_LOG_0021
    old = """        ELSIF p_new.kind IN ('promoted', 'session_seat_promoted', 'badge_queued') THEN
            IF t.id IS NULL OR t.status <> 'registered'
                    OR (p_new.amount_cents IS NOT NULL
                        AND p_new.amount_cents IS DISTINCT FROM t.price_cents) THEN
                RAISE EXCEPTION 'ticket % is not registered', p_new.ticket_id
                    USING ERRCODE = '42501';
            END IF;
"""
    assert old in made, "0019's desk log rules as they were written"
    new = (
        old
        + """            IF p_new.kind = 'promoted' AND (
                    SELECT count(*) FROM transaction_log l
                    WHERE l.ticket_id = t.id AND l.kind = 'promoted') >= (
                    SELECT count(*) FROM transaction_log l
                    WHERE l.ticket_id = t.id AND l.kind = 'waitlisted') THEN
                RAISE EXCEPTION 'ticket % was not waiting to be promoted', t.id
                    USING ERRCODE = '42501';
            END IF;
            IF p_new.kind = 'session_seat_promoted' AND (
                    NOT EXISTS (SELECT 1 FROM ticket_session ts WHERE ts.ticket_id = t.id
                                AND ts.session_id::text = said ->> 'session_id'
                                AND ts.status = 'registered')
                    OR EXISTS (SELECT 1 FROM transaction_log l WHERE l.ticket_id = t.id
                               AND l.kind = 'session_seat_promoted'
                               AND l.detail::jsonb ->> 'session_id' = said ->> 'session_id'))
            THEN
                RAISE EXCEPTION 'no seat of ticket % was promoted here to log', t.id
                    USING ERRCODE = '42501';
            END IF;
            IF p_new.kind = 'badge_queued' AND (
                    NOT EXISTS (SELECT 1 FROM print_job j WHERE j.id::text = said ->> 'job'
                                AND j.ticket_id = t.id AND j.station = desk)
                    OR EXISTS (SELECT 1 FROM transaction_log l WHERE l.ticket_id = t.id
                               AND l.kind = 'badge_queued'
                               AND l.detail::jsonb ->> 'job' = said ->> 'job')) THEN
                RAISE EXCEPTION 'no badge of ticket % was queued here to log', t.id
                    USING ERRCODE = '42501';
            END IF;
"""
    )
    return made.replace(old, new, 1)


def _log_scan() -> str:
    """0019's ``log_scan`` with an override decided offline checked and logged: it names an
    account whose PIN and right the station's copy held (a staff account with the right to
    override: no copy holds an organizer's PIN), and it gets its transaction-log row, checked
    offline, not by the server (an override online is the server's own: override_admit)."""
    (made,) = [t for t in FUNCTIONS_0019 if f"FUNCTION {API}.log_scan(" in t]
    made = made.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    declared = "        said jsonb;\n"
    assert declared in made, "0019's log_scan as it was written"
    made = made.replace(declared, declared + "        overridden jsonb;\n", 1)
    insert = "        INSERT INTO scan_log (at, station, operator, event_id, session_id, ticket_id,"
    assert insert in made, "0019's log_scan as it was written"
    check = """        said := CASE WHEN p_answer ~ '^\\s*\\{' THEN p_answer::jsonb END;
        overridden := said -> 'override';
        IF p_offline AND p_result = 'ok' AND jsonb_typeof(overridden) = 'object'
                AND NOT EXISTS (
                    SELECT 1 FROM staff s WHERE s.name = overridden ->> 'by' AND s.active
                      AND s.role = 'staff' AND s.can_override AND s.pin_hash IS NOT NULL) THEN
            RAISE EXCEPTION 'an override by % is not one this station could check offline '
                '(only a staff account with the right to override, whose PIN its copy holds)',
                coalesce(overridden ->> 'by', '?') USING ERRCODE = '42501';
        END IF;
"""
    logged = """\
        IF p_offline AND p_result = 'ok' AND jsonb_typeof(overridden) = 'object' THEN
            INSERT INTO transaction_log (at, kind, event_id, ticket_id, station, detail)
            VALUES (moment, 'override', event_of, p_ticket, me,
                    json_build_object('by', overridden ->> 'by',
                                      'reason', overridden ->> 'reason',
                                      'refused', overridden ->> 'refused',
                                      'rule', overridden ->> 'rule', 'operator', p_operator,
                                      'offline', true, 'verified', false,
                                      'nonce', p_nonce)::text);
        END IF;
    END $$"""
    made = made.replace(insert, check + insert, 1)
    end = made.rindex("    END $$")
    return made[:end] + logged + made[end + len("    END $$") :]


TRUST = (*TRUST, _desk_log_rules(), _log_scan())

DROP_TRUST: Sequence[str] = (
    _one(stations_0018.FUNCTIONS, "_genuine", replace=True),
    *(
        _one(FUNCTIONS_0013, name).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        for name in ("_station", "_kind", "readmit", "leave")
    ),
    *(
        _one(LISTS_0014, name).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        for name in ("list_reenter", "list_leave")
    ),
    _version_0027().replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
    *DESK_LOG_0021,
    next(t for t in FUNCTIONS_0019 if f"FUNCTION {API}.log_scan(" in t),
    _bounded_0019(_one(REFUSED_0017, "upload_refused"), "upload_refused"),
    f"DROP FUNCTION IF EXISTS {API}.synced(text)",
    f"DROP FUNCTION IF EXISTS {API}._bound_ticket(text)",
    f"DROP FUNCTION IF EXISTS {API}._bound(integer)",
)
# The functions a station's login may call from now on (with CALLABLE above).
CALLABLE = (*CALLABLE, "synced(text)")
