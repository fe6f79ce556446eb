"""The server's functions a station's own login writes through, and the desk's row rules, as
migration 0013 made them (eventdesk/migrations/station_access_0013.py says what they are for).
Frozen texts: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

API = "station_api"
OFFLINE_DAYS = 7  # a scan decided offline is uploaded within this many days, or refused
TOLERANCE = "1 minute"  # an online scan's time against the server's clock

_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"

FUNCTIONS: Sequence[str] = (
    # --- who is asking --------------------------------------------------------------------
    f"""
    CREATE FUNCTION {API}.whoami(OUT station varchar, OUT kind varchar) {_HEAD}
    BEGIN
        SELECT l.station, l.kind INTO station, kind FROM station_login l
        WHERE l.login = session_user;
    END $$
    """,
    f"""
    CREATE FUNCTION {API}._station(p_station text) RETURNS text {_HEAD}
    DECLARE found_station text;
    BEGIN
        SELECT l.station INTO found_station FROM station_login l WHERE l.login = session_user;
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
    CREATE FUNCTION {API}._kind() RETURNS text {_HEAD}
    BEGIN
        RETURN (SELECT l.kind FROM station_login l WHERE l.login = session_user);
    END $$
    """,
    # A time a station gives: online within TOLERANCE of the server's clock; offline within
    # the last OFFLINE_DAYS, never in the server's future.
    f"""
    CREATE FUNCTION {API}._when(p_at timestamptz, p_offline boolean) RETURNS timestamptz {_HEAD}
    BEGIN
        IF p_at IS NULL THEN
            RETURN clock_timestamp();
        END IF;
        IF p_at > clock_timestamp() + interval '{TOLERANCE}' THEN
            RAISE EXCEPTION 'a scan at % is in the future by the server''s clock', p_at
                USING ERRCODE = '42501';
        END IF;
        IF NOT p_offline AND p_at < clock_timestamp() - interval '{TOLERANCE}' THEN
            RAISE EXCEPTION 'an online scan at % is not now by the server''s clock', p_at
                USING ERRCODE = '42501';
        END IF;
        IF p_at < clock_timestamp() - interval '{OFFLINE_DAYS} days' THEN
            RAISE EXCEPTION 'a scan at % is older than a station keeps its scans '
                '({OFFLINE_DAYS} days)', p_at USING ERRCODE = '42501';
        END IF;
        RETURN p_at;
    END $$
    """,
    # The line scanned for an admission: the ticket's own payload, a check-in by its id
    # ('ticket:ID'), or a payload's length typed through another keyboard layout and repaired
    # by the station (its answer says so).
    f"""
    CREATE FUNCTION {API}._genuine(t ticket, p_payload text, p_repaired boolean) RETURNS void
    {_HEAD}
    BEGIN
        IF p_payload = t.qr_payload OR p_payload = 'ticket:' || t.id THEN
            RETURN;
        END IF;
        IF p_repaired AND t.qr_payload IS NOT NULL
                AND length(p_payload) = length(t.qr_payload) THEN
            RETURN;
        END IF;
        RAISE EXCEPTION 'the line scanned is not ticket %''s', t.id USING ERRCODE = '42501';
    END $$
    """,
    # Why ticket ``t`` is not admitted at ``p_at`` (to the event, or to session ``p_session``),
    # NULL when it is. Offline (an upload) the ticket's status now is no reason (it is a
    # conflict, kept as such), and only payments made before the scan count.
    f"""
    CREATE FUNCTION {API}._refusal(t ticket, p_at timestamptz, p_session integer,
                                    p_offline boolean) RETURNS text {_HEAD}
    DECLARE
        e event;
        s event_session;
        import_state text;
        due bigint;
        opens timestamptz;
        closes timestamptz;
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
        IF p_session IS NOT NULL THEN
            SELECT * INTO s FROM event_session WHERE id = p_session;
            IF NOT FOUND OR s.event_id <> t.event_id THEN
                RETURN 'wrong_event';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM ticket_session
                           WHERE ticket_id = t.id AND session_id = p_session) THEN
                RETURN 'wrong_session';
            END IF;
            opens := s.starts_at - interval '60 minutes';
            closes := s.ends_at;
        ELSE
            opens := COALESCE(e.checkin_opens_at, e.starts_at - interval '24 hours');
            closes := COALESCE(e.checkin_closes_at, e.ends_at + interval '6 hours');
        END IF;
        IF p_at < opens THEN
            RETURN 'not_yet_valid';
        END IF;
        IF p_at > closes THEN
            RETURN 'expired';
        END IF;
        IF e.unpaid_policy <> 'admit' AND t.price_cents > 0 THEN
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
    f"""
    CREATE FUNCTION {API}._refuse(p_ticket text, p_why text) RETURNS void {_HEAD}
    BEGIN
        RAISE EXCEPTION 'the server does not admit ticket % (%)', p_ticket, p_why
            USING ERRCODE = '42501';
    END $$
    """,
    # --- the door --------------------------------------------------------------------------
    # A first admission to the event: 1 when this call admitted the ticket, 0 when it was
    # admitted already, is cancelled or waitlisted (the station reads why), or is not there.
    f"""
    CREATE FUNCTION {API}.admit(p_station text, p_ticket text, p_at timestamptz,
                                 p_payload text, p_repaired boolean, p_offline boolean)
    RETURNS integer {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        moment timestamptz := {API}._when(p_at, p_offline);
        t ticket;
        why text;
        changed integer;
    BEGIN
        SELECT * INTO t FROM ticket WHERE id = p_ticket;
        IF NOT FOUND THEN
            RETURN 0;
        END IF;
        PERFORM {API}._genuine(t, p_payload, p_repaired);
        why := {API}._refusal(t, moment, NULL, p_offline);
        IF why IN ('revoked', 'waitlisted') THEN
            RETURN 0;
        ELSIF why IS NOT NULL THEN
            PERFORM {API}._refuse(p_ticket, why);
        END IF;
        UPDATE ticket SET checked_in_at = moment, checked_in_station = me, inside = true
        WHERE id = p_ticket AND status = 'registered' AND checked_in_at IS NULL
          AND EXISTS (SELECT 1 FROM event e WHERE e.id = ticket.event_id
                      AND e.status <> 'cancelled');
        GET DIAGNOSTICS changed = ROW_COUNT;
        RETURN changed;
    END $$
    """,
    # Back in after an exit (an event with re-entry): 1 when this call let the ticket in.
    f"""
    CREATE FUNCTION {API}.readmit(p_station text, p_ticket text) RETURNS integer {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        changed integer;
    BEGIN
        UPDATE ticket SET inside = true
        WHERE id = p_ticket AND status = 'registered' AND checked_in_at IS NOT NULL
          AND NOT inside
          AND EXISTS (SELECT 1 FROM event e WHERE e.id = ticket.event_id
                      AND e.allow_reentry AND e.status <> 'cancelled');
        GET DIAGNOSTICS changed = ROW_COUNT;
        RETURN changed;
    END $$
    """,
    # An exit scan: 1 when this call let the ticket out.
    f"""
    CREATE FUNCTION {API}.leave(p_station text, p_ticket text) RETURNS integer {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        changed integer;
    BEGIN
        UPDATE ticket SET inside = false
        WHERE id = p_ticket AND inside
          AND EXISTS (SELECT 1 FROM event e WHERE e.id = ticket.event_id AND e.allow_reentry);
        GET DIAGNOSTICS changed = ROW_COUNT;
        RETURN changed;
    END $$
    """,
    # A session door's admission: 1 when this call admitted the ticket to the session.
    f"""
    CREATE FUNCTION {API}.session_admit(p_station text, p_ticket text, p_session integer,
                                         p_at timestamptz, p_payload text, p_repaired boolean,
                                         p_offline boolean) RETURNS integer {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        moment timestamptz := {API}._when(p_at, p_offline);
        t ticket;
        why text;
        changed integer;
    BEGIN
        SELECT * INTO t FROM ticket WHERE id = p_ticket;
        IF NOT FOUND THEN
            RETURN 0;
        END IF;
        PERFORM {API}._genuine(t, p_payload, p_repaired);
        why := {API}._refusal(t, moment, p_session, p_offline);
        IF why IN ('revoked', 'waitlisted') THEN
            RETURN 0;
        ELSIF why IS NOT NULL THEN
            PERFORM {API}._refuse(p_ticket, why);
        END IF;
        INSERT INTO session_checkin (ticket_id, session_id, checked_in_at, station)
        SELECT t.id, p_session, moment, me
        WHERE t.status = 'registered'
          AND EXISTS (SELECT 1 FROM event e WHERE e.id = t.event_id AND e.status <> 'cancelled')
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS changed = ROW_COUNT;
        RETURN changed;
    END $$
    """,
    # Every scan's row in the scan log: this station's, at a time the server accepts; an
    # admission logged online is one the ticket shows.
    f"""
    CREATE FUNCTION {API}.log_scan(p_station text, p_at timestamptz, p_operator text,
                                    p_event integer, p_session integer, p_ticket text,
                                    p_direction text, p_payload text, p_result text,
                                    p_nonce text, p_answer text, p_offline boolean)
    RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        moment timestamptz := {API}._when(p_at, p_offline);
        t ticket;
        event_of integer := p_event;
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
        IF p_result = 'ok' AND NOT p_offline AND p_direction = 'entry' AND p_session IS NULL
                AND (t.id IS NULL OR t.checked_in_at IS NULL OR NOT t.inside) THEN
            RAISE EXCEPTION 'ticket % was not admitted: its scan is not logged as admitted',
                p_ticket USING ERRCODE = '42501';
        END IF;
        INSERT INTO scan_log (at, station, operator, event_id, session_id, ticket_id,
                              direction, payload, result, nonce, answer, offline)
        VALUES (moment, me, p_operator, event_of, p_session, p_ticket, p_direction,
                left(p_payload, 200), p_result, p_nonce, p_answer, p_offline);
    END $$
    """,
    # Undo a check-in this station made (of the event, or of a session): its time and station
    # before, for the station's answer. ``p_was_at``: an undo decided offline, uploaded (only
    # the check-in made then is annulled, and the upload's nonce kept).
    f"""
    CREATE FUNCTION {API}.undo(p_station text, p_ticket text, p_session integer,
                                p_at timestamptz, p_was_at timestamptz, p_nonce text,
                                OUT was_at timestamptz, OUT was_station text) {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        moment timestamptz := {API}._when(p_at, p_nonce IS NOT NULL);
        t ticket;
    BEGIN
        SELECT * INTO t FROM ticket WHERE id = upper(trim(p_ticket));
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no ticket %', p_ticket USING ERRCODE = 'P0002';
        END IF;
        IF p_session IS NULL THEN
            was_at := t.checked_in_at;
            was_station := t.checked_in_station;
        ELSE
            SELECT c.checked_in_at, c.station INTO was_at, was_station FROM session_checkin c
            WHERE c.ticket_id = t.id AND c.session_id = p_session;
        END IF;
        IF p_nonce IS NOT NULL THEN
            IF EXISTS (SELECT 1 FROM sync_receipt WHERE nonce = p_nonce) THEN
                RETURN;  -- uploaded before
            END IF;
            INSERT INTO sync_receipt (nonce, station, at, recorded_at)
            VALUES (p_nonce, me, moment, clock_timestamp());
            IF was_at IS DISTINCT FROM p_was_at OR was_station IS DISTINCT FROM me THEN
                RETURN;  -- not the check-in this station undid offline: left as it is
            END IF;
        ELSIF was_at IS NULL THEN
            RAISE EXCEPTION 'ticket % is not checked in: nothing to undo', t.id
                USING ERRCODE = '55000';
        ELSIF was_station IS DISTINCT FROM me THEN
            RAISE EXCEPTION 'ticket % was checked in at %: only that station (or an '
                'organizer) undoes it', t.id, coalesce(was_station, 'another station')
                USING ERRCODE = '42501';
        END IF;
        IF p_session IS NULL THEN
            UPDATE ticket SET checked_in_at = NULL, checked_in_station = NULL, inside = false
            WHERE id = t.id AND checked_in_at = was_at AND checked_in_station = me;
        ELSE
            DELETE FROM session_checkin
            WHERE ticket_id = t.id AND session_id = p_session AND station = me
              AND checked_in_at = was_at;
        END IF;
        INSERT INTO transaction_log (at, kind, event_id, ticket_id, attendee_id, station, detail)
        VALUES (moment, 'checkin_undone', t.event_id, t.id, t.attendee_id, me,
                json_build_object('offline', p_nonce IS NOT NULL, 'session_id', p_session,
                                  'was_checked_in_at', was_at,
                                  'was_station', was_station)::text);
    END $$
    """,
    # An admission this station made at ``p_at`` for a scan it then decided otherwise offline
    # (a late answer): annulled, never one another station made.
    f"""
    CREATE FUNCTION {API}.annul_own(p_station text, p_ticket text, p_session integer,
                                     p_at timestamptz) RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
    BEGIN
        IF p_session IS NULL THEN
            UPDATE ticket SET checked_in_at = NULL, checked_in_station = NULL, inside = false
            WHERE id = p_ticket AND checked_in_station = me AND checked_in_at = p_at;
        ELSE
            DELETE FROM session_checkin
            WHERE ticket_id = p_ticket AND session_id = p_session AND station = me
              AND checked_in_at = p_at;
        END IF;
    END $$
    """,
    # A conflict of this station's own logged scan (an offline admission another station or a
    # cancellation overtook): the ticket's and the scan's facts are the server's.
    f"""
    CREATE FUNCTION {API}.conflict(p_station text, p_nonce text, p_reason text,
                                    p_other_station text, p_other_at timestamptz,
                                    p_detail text) RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        scan scan_log;
    BEGIN
        SELECT * INTO scan FROM scan_log WHERE nonce = p_nonce AND station = me;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no scan % of this station''s to hold a conflict', p_nonce
                USING ERRCODE = '42501';
        END IF;
        IF p_reason NOT IN ('already_checked_in', 'revoked', 'late_answer') THEN
            RAISE EXCEPTION 'not a conflict: %', p_reason USING ERRCODE = '42501';
        END IF;
        INSERT INTO scan_conflict (event_id, ticket_id, nonce, reason, station, at, operator,
                                   other_station, other_at, detail, recorded_at)
        VALUES (scan.event_id, scan.ticket_id, p_nonce, p_reason, me, scan.at, scan.operator,
                left(p_other_station, 100), p_other_at, left(p_detail, 400),
                clock_timestamp());
    END $$
    """,
    # --- PINs: checked on the server -------------------------------------------------------
    # The argon2 parameters and salt of an account's hash (what the station hashes a typed PIN
    # with), never the hash: a made-up salt for an account that has none.
    f"""
    CREATE FUNCTION {API}.pin_salt(p_kind text, p_key text) RETURNS text {_HEAD}
    DECLARE
        stored text;
        made text;
    BEGIN
        PERFORM {API}._station(NULL);
        IF p_kind = 'attendee' THEN
            SELECT a.pin_hash INTO stored FROM attendee a WHERE a.email_key = p_key;
        ELSE
            SELECT s.pin_hash INTO stored FROM staff s WHERE s.name_key = p_key;
        END IF;
        IF stored LIKE '$argon2%$%$%$%' THEN
            RETURN regexp_replace(stored, '\\$[^$]*$', '$');
        END IF;
        SELECT encode(sha256(convert_to(secret || p_kind || p_key, 'UTF8')), 'base64')
        INTO made FROM station_secret;
        RETURN '$argon2id$v=19$m=65536,t=3,p=4$' || rtrim(left(made, 22), '=') || '$';
    END $$
    """,
    # A PIN tried: ``p_candidate`` is the typed PIN hashed with the account's salt. Counts the
    # try and locks as the desk does (5 wrong, then 5 min, 15 min, 1 h, 4 h), on the server's
    # clock. 'staff' and 'attendee' count on the account; 'kiosk' on this station's unlock
    # (the account named must be an active organizer or desk staff).
    f"""
    CREATE FUNCTION {API}.pin_check(p_kind text, p_key text, p_candidate text,
                                     OUT verdict text, OUT account integer, OUT tries_left integer,
                                     OUT locked_until timestamptz, OUT role text) {_HEAD}
    DECLARE
        me text := {API}._station(NULL);
        now_ timestamptz := clock_timestamp();
        stored text;
        ok boolean;
        failed integer;
        lock_at timestamptz;
        locks integer;
        active_ boolean;
        steps interval[] := ARRAY[interval '5 minutes', interval '15 minutes',
                                  interval '1 hour', interval '4 hours'];
    BEGIN
        IF p_kind = 'attendee' THEN
            SELECT a.id, a.pin_hash, a.failed_pin_attempts, a.locked_until, a.lockouts, true
            INTO account, stored, failed, lock_at, locks, active_
            FROM attendee a WHERE a.email_key = p_key FOR UPDATE;
        ELSIF p_kind = 'staff' THEN
            SELECT s.id, s.pin_hash, s.failed_pin_attempts, s.locked_until, s.lockouts,
                   s.active, s.role
            INTO account, stored, failed, lock_at, locks, active_, role
            FROM staff s WHERE s.name_key = p_key FOR UPDATE;
        ELSIF p_kind = 'kiosk' THEN
            INSERT INTO kiosk_unlock (station, failed_pin_attempts, lockouts)
            VALUES (me, 0, 0) ON CONFLICT DO NOTHING;
            SELECT k.failed_pin_attempts, k.locked_until, k.lockouts
            INTO failed, lock_at, locks FROM kiosk_unlock k WHERE k.station = me FOR UPDATE;
            SELECT s.id, s.pin_hash, s.active AND s.role IN ('organizer', 'staff'), s.role
            INTO account, stored, active_, role FROM staff s WHERE s.name_key = p_key;
        ELSE
            RAISE EXCEPTION 'no PIN of kind %', p_kind USING ERRCODE = '42501';
        END IF;
        IF p_kind <> 'kiosk' AND account IS NULL THEN
            verdict := 'wrong';
            RETURN;
        END IF;
        IF lock_at IS NOT NULL AND now_ < lock_at THEN
            verdict := 'locked';
            locked_until := lock_at;
            RETURN;
        END IF;
        IF lock_at IS NOT NULL THEN
            lock_at := NULL;
            failed := 0;
        END IF;
        ok := stored IS NOT NULL AND p_candidate = stored AND coalesce(active_, false);
        IF p_kind = 'staff' AND NOT coalesce(active_, false) AND stored = p_candidate THEN
            verdict := 'disabled';
            RETURN;
        END IF;
        IF ok THEN
            failed := 0;
            locks := 0;
            verdict := 'ok';
        ELSE
            failed := failed + 1;
            verdict := 'wrong';
            IF failed >= 5 THEN
                failed := 0;
                lock_at := now_ + steps[least(locks, 3) + 1];
                locks := locks + 1;
                verdict := 'locked';
                locked_until := lock_at;
            END IF;
        END IF;
        tries_left := CASE WHEN verdict = 'wrong' THEN 5 - failed ELSE 0 END;
        IF p_kind = 'attendee' THEN
            UPDATE attendee SET failed_pin_attempts = failed, locked_until = lock_at,
                                lockouts = locks WHERE id = account;
        ELSIF p_kind = 'staff' THEN
            UPDATE staff SET failed_pin_attempts = failed, locked_until = lock_at,
                             lockouts = locks WHERE id = account;
        ELSE
            UPDATE kiosk_unlock SET failed_pin_attempts = failed, locked_until = lock_at,
                                    lockouts = locks WHERE station = me;
        END IF;
        IF verdict <> 'ok' THEN
            account := NULL;
            role := NULL;
        END IF;
    END $$
    """,
    # A lockout counted while the station was offline: it only raises the server's (a later
    # lock, more tries), for a desk or kiosk account, and never beyond the longest lock.
    f"""
    CREATE FUNCTION {API}.offline_lockout(p_staff integer, p_failed integer,
                                           p_locked_until timestamptz, p_lockouts integer)
    RETURNS void {_HEAD}
    BEGIN
        PERFORM {API}._station(NULL);
        UPDATE staff SET
            failed_pin_attempts = greatest(failed_pin_attempts, least(coalesce(p_failed, 0), 5)),
            locked_until = CASE
                WHEN p_locked_until IS NULL THEN locked_until
                ELSE greatest(coalesce(locked_until, p_locked_until),
                              least(p_locked_until, clock_timestamp() + interval '4 hours'))
            END,
            lockouts = greatest(lockouts, least(coalesce(p_lockouts, 0), 50))
        WHERE id = p_staff AND role IN ('staff', 'kiosk');
    END $$
    """,
    # --- this station's clock and badges ----------------------------------------------------
    f"""
    CREATE FUNCTION {API}.report_clock(p_station text, p_skew_ms bigint) RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
    BEGIN
        INSERT INTO station_clock (station, skew_ms, measured_at)
        VALUES (me, p_skew_ms, clock_timestamp())
        ON CONFLICT (station) DO UPDATE
        SET skew_ms = excluded.skew_ms, measured_at = excluded.measured_at;
    END $$
    """,
    # A badge this station printed from its copy while offline, for the print log (once).
    f"""
    CREATE FUNCTION {API}.printed_offline(p_station text, p_ticket text, p_printer text,
                                           p_reason text, p_state text, p_attempts integer,
                                           p_last_error text, p_created_at timestamptz,
                                           p_updated_at timestamptz) RETURNS integer {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        changed integer;
    BEGIN
        PERFORM {API}._when(p_created_at, true);
        INSERT INTO print_job (ticket_id, printer, reason, state, attempts, last_error, station,
                               created_at, updated_at)
        SELECT p_ticket, left(p_printer, 100), left(p_reason, 20), p_state,
               least(greatest(p_attempts, 0), 1000), left(p_last_error, 400), me,
               p_created_at, least(p_updated_at, clock_timestamp())
        WHERE p_state IN ('done', 'failed')
          AND EXISTS (SELECT 1 FROM ticket WHERE id = p_ticket)
          AND NOT EXISTS (SELECT 1 FROM print_job j WHERE j.ticket_id = p_ticket
                          AND j.station = me AND j.created_at = p_created_at);
        GET DIAGNOSTICS changed = ROW_COUNT;
        RETURN changed;
    END $$
    """,
)

# --- the desk's row rules --------------------------------------------------------------------
_DESK = "EXISTS (SELECT 1 FROM station_login l WHERE l.login = session_user AND l.kind = 'desk')"
DESK_RULES: Sequence[str] = (
    f"""
    CREATE FUNCTION {API}._desk_ticket() RETURNS trigger {_HEAD}
    DECLARE
        price bigint;
    BEGIN
        IF NOT {_DESK} THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'INSERT' THEN
            SELECT tt.price_cents INTO price FROM ticket_type tt WHERE tt.id = NEW.ticket_type_id;
            IF NEW.status NOT IN ('registered', 'waitlisted') OR NEW.price_cents <> price
                    OR NEW.checked_in_at IS NOT NULL OR NEW.inside THEN
                RAISE EXCEPTION 'a desk registers a ticket at its type''s price, not checked in'
                    USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END IF;
        IF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
            RAISE EXCEPTION 'ticket % is cancelled: a desk does not bring it back', OLD.id
                USING ERRCODE = '42501';
        END IF;
        IF NEW.status = 'registered' AND OLD.status NOT IN ('registered', 'waitlisted') THEN
            RAISE EXCEPTION 'ticket %: not a move a desk makes', OLD.id USING ERRCODE = '42501';
        END IF;
        IF (NEW.price_cents, NEW.attendee_id, NEW.event_id, NEW.ticket_type_id, NEW.order_id)
                IS DISTINCT FROM
                (OLD.price_cents, OLD.attendee_id, OLD.event_id, OLD.ticket_type_id, OLD.order_id)
            OR (NEW.checked_in_at, NEW.checked_in_station, NEW.inside, NEW.qr_payload)
                IS DISTINCT FROM
                (OLD.checked_in_at, OLD.checked_in_station, OLD.inside, OLD.qr_payload) THEN
            RAISE EXCEPTION 'ticket %: a desk changes its status and seat only', OLD.id
                USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER ticket_desk_rules BEFORE INSERT OR UPDATE ON ticket "
    f"FOR EACH ROW EXECUTE FUNCTION {API}._desk_ticket()",
    f"""
    CREATE FUNCTION {API}._desk_payment() RETURNS trigger {_HEAD}
    BEGIN
        IF NOT {_DESK} THEN
            RETURN NEW;
        END IF;
        IF TG_OP <> 'INSERT' OR NEW.kind <> 'payment' OR NEW.amount_cents <= 0
                OR NEW.status NOT IN ('completed', 'pending') THEN
            RAISE EXCEPTION 'a desk takes payments: refunds and changes are the organizer''s'
                USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
    END $$
    """,
    f"""
    CREATE FUNCTION {API}._walk_in() RETURNS trigger {_HEAD}
    BEGIN
        INSERT INTO attendee (name, email, email_key, company, phone, pin_hash,
                              failed_pin_attempts, locked_until, lockouts, created_at,
                              import_run_id)
        VALUES (NEW.name, NEW.email, NEW.email_key, NEW.company, NEW.phone, NEW.pin_hash,
                coalesce(NEW.failed_pin_attempts, 0), NULL, 0, NEW.created_at, NULL)
        RETURNING id INTO NEW.id;
        NEW.pin_hash := CASE WHEN NEW.pin_hash IS NULL THEN NULL ELSE 'set' END;
        NEW.lockouts := 0;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER payment_desk_rules BEFORE INSERT OR UPDATE OR DELETE ON payment "
    f"FOR EACH ROW EXECUTE FUNCTION {API}._desk_payment()",
    # The places counted: what a desk's transaction leaves is the registered tickets' count.
    f"""
    CREATE FUNCTION {API}._desk_counted() RETURNS trigger {_HEAD}
    DECLARE
        counted bigint;
        kept bigint;
    BEGIN
        IF NOT {_DESK} THEN
            RETURN NULL;
        END IF;
        IF TG_TABLE_NAME = 'event' THEN
            SELECT registered_count INTO kept FROM event WHERE id = NEW.id;
            SELECT count(*) INTO counted FROM ticket
            WHERE event_id = NEW.id AND status = 'registered';
        ELSIF TG_TABLE_NAME = 'ticket_type' THEN
            SELECT registered_count INTO kept FROM ticket_type WHERE id = NEW.id;
            SELECT count(*) INTO counted FROM ticket
            WHERE ticket_type_id = NEW.id AND status = 'registered';
        ELSE
            SELECT registered_count INTO kept FROM event_session WHERE id = NEW.id;
            SELECT count(*) INTO counted FROM ticket_session ts
            JOIN ticket t ON t.id = ts.ticket_id
            WHERE ts.session_id = NEW.id AND t.status = 'registered';
        END IF;
        IF kept IS DISTINCT FROM counted THEN
            RAISE EXCEPTION '% %: % places counted, % registered', TG_TABLE_NAME, NEW.id,
                kept, counted USING ERRCODE = '42501';
        END IF;
        RETURN NULL;
    END $$
    """,
    *(
        f"CREATE CONSTRAINT TRIGGER {table}_desk_counted AFTER UPDATE OF registered_count "
        f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        f"EXECUTE FUNCTION {API}._desk_counted()"
        for table in ("event", "ticket_type", "event_session")
    ),
)
