"""What migration 0018 makes on a PostgreSQL server: sign-in that a station cannot abuse, and a
line the server checks itself.

Sign-in.
- A PIN tried through a station's own login counts on that station's tries at the account
  (``station_pin_try``), not on the account: five wrong ones lock that station out of the
  account on the usual schedule, and every other station, the organizer's login above all, signs
  in as before. A lock already on the account (its own wrong PINs, typed on the organizer's
  login) still holds. A kiosk's unlock counts on that kiosk, as it did (``kiosk_unlock``).
- A door never checks an organizer's PIN (``pin_check`` answers 'organizer', counting nothing):
  an organizer signs in at a desk or on the organizer's station.
- No station reads a PIN hash the server accepts. The stations' views show a staff account's
  hash's parameters and salt (``pin_hash``), which a station hashes a typed PIN with, and
  ``offline_pin``, an argon2 hash of the server's hash (eventdesk.pins), which a station checks
  a PIN against while the server is away. Sent to ``pin_check``, neither is the PIN's hash.
- ``offline_lockout`` (wrong PINs a station counted offline) raises that station's own count.

The line scanned (``_genuine``).
- A line a station says it repaired (a scanner typing through a QWERTZ or AZERTY layout, or Caps
  Lock on: eventdesk.keymaps) is repaired again here, with the same tables, and must then be the
  ticket's own payload; before, any line of the payload's length passed.
- A check-in by ticket id ('ticket:ID') is a desk's. A door's login admits by id only the ticket
  of an attendee whose own e-mail and PIN it checked on the server a moment ago (``pin_grant``:
  the kiosk's "check in with your e-mail and PIN").

Frozen texts: a later change adds a migration of its own. A later migration that makes the
stations' views again calls ``view_statements`` below (not 0013's), so that they keep what this
one shows and hides."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations.station_functions_0013 import API
from eventdesk.migrations.station_functions_0013 import FUNCTIONS as FUNCTIONS_0013

_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"
GRANT_MINUTES = 2  # how long a door may admit by id after the attendee's e-mail and PIN

# eventdesk.keymaps' repairs as translate() tables (what each layout typed, what it means),
# in the order of keymaps.LAYOUTS: US with Caps Lock, QWERTZ, French AZERTY, Belgian AZERTY.
# tests/door/test_station_trust.py checks them against keymaps.
REPAIRS: Sequence[tuple[str, str]] = (
    ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    ("YZabcdefghijklmnopqrstuvwxyz", "ZYABCDEFGHIJKLMNOPQRSTUVWXZY"),
    (
        "\"&'(,-/:?AQWZ_abcdefghijklnopqrstuvwxyzàçèé",
        "3145M6..MQAZW8QBCDEFGHIJKLNOPARSTUVZXYW0972",
    ),
    (
        "!\"&'(,/:?AQWZabcdefghijklnopqrstuvwxyz§àçèé",
        "83145M..MQAZWQBCDEFGHIJKLNOPARSTUVZXYW60972",
    ),
)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_REPAIRED = ", ".join(f"translate(p_payload, {_literal(a)}, {_literal(b)})" for a, b in REPAIRS)

# What the stations' views show of a staff account's PIN: of a desk or kiosk account that is
# active, its hash's parameters and salt, and the offline verifier; of any other, nothing.
_SIGNS_IN = "role IN ('staff', 'kiosk') AND active"
SHOWN = {
    ("staff", "pin_hash"): f"CASE WHEN {_SIGNS_IN} "
    "THEN regexp_replace(pin_hash, '[^$]*$', '')::varchar(200) END",
    ("staff", "offline_pin"): f"CASE WHEN {_SIGNS_IN} THEN offline_pin END",
}
# A station reads none of these: its tries and grants, and (as before 0018, which first made
# the views again after 0017 made it) the server's record of refused uploads.
HIDDEN = ("station_pin_try", "pin_grant", "upload_refusal")


def view_statements(conn: Connection) -> list[str]:
    """The stations' views as 0018 makes them (0013's, with SHOWN and HIDDEN)."""
    return [
        *(f"DROP VIEW IF EXISTS {schema}.{t}" for schema in access.VIEWS.values() for t in HIDDEN),
        *access.view_statements(conn, shown=SHOWN, hidden=HIDDEN),
    ]


FUNCTIONS: Sequence[str] = (
    f"""
    CREATE OR REPLACE FUNCTION {API}._genuine(t ticket, p_payload text, p_repaired boolean)
    RETURNS void {_HEAD}
    BEGIN
        IF p_payload = t.qr_payload THEN
            RETURN;
        END IF;
        IF p_payload = 'ticket:' || t.id THEN
            IF {API}._kind() = 'desk' THEN
                RETURN;
            END IF;
            IF EXISTS (SELECT 1 FROM pin_grant g
                       JOIN station_login l ON l.station = g.station AND l.login = session_user
                       WHERE g.attendee_id = t.attendee_id AND g.until > clock_timestamp()) THEN
                RETURN;
            END IF;
            RAISE EXCEPTION 'a door admits ticket % by its id only after its attendee''s own '
                'e-mail and PIN: a desk admits by id', t.id USING ERRCODE = '42501';
        END IF;
        IF p_repaired AND t.qr_payload IS NOT NULL
                AND t.qr_payload IN ({_REPAIRED}) THEN
            RETURN;
        END IF;
        RAISE EXCEPTION 'the line scanned is not ticket %''s', t.id USING ERRCODE = '42501';
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION {API}.pin_check(p_kind text, p_key text, p_candidate text,
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
        held_until timestamptz;
        steps interval[] := ARRAY[interval '5 minutes', interval '15 minutes',
                                  interval '1 hour', interval '4 hours'];
    BEGIN
        IF p_kind = 'attendee' THEN
            SELECT a.id, a.pin_hash, true, a.locked_until
            INTO account, stored, active_, held_until
            FROM attendee a WHERE a.email_key = p_key;
        ELSIF p_kind IN ('staff', 'kiosk') THEN
            SELECT s.id, s.pin_hash, s.active, s.role, s.locked_until
            INTO account, stored, active_, role, held_until
            FROM staff s WHERE s.name_key = p_key;
            IF p_kind = 'kiosk' THEN
                active_ := active_ AND role IN ('organizer', 'staff');
                held_until := NULL;  -- a kiosk's unlock counts on the kiosk alone
            END IF;
        ELSE
            RAISE EXCEPTION 'no PIN of kind %', p_kind USING ERRCODE = '42501';
        END IF;
        IF role = 'organizer' AND {API}._kind() = 'door' THEN
            verdict := 'organizer';
            account := NULL;
            role := NULL;
            RETURN;
        END IF;
        IF p_kind <> 'kiosk' AND account IS NULL THEN
            verdict := 'wrong';
            role := NULL;
            RETURN;
        END IF;
        IF p_kind = 'kiosk' THEN
            INSERT INTO kiosk_unlock (station, failed_pin_attempts, lockouts)
            VALUES (me, 0, 0) ON CONFLICT DO NOTHING;
            SELECT k.failed_pin_attempts, k.locked_until, k.lockouts
            INTO failed, lock_at, locks FROM kiosk_unlock k WHERE k.station = me FOR UPDATE;
        ELSE
            INSERT INTO station_pin_try (station, kind, key, failed_pin_attempts, lockouts)
            VALUES (me, p_kind, p_key, 0, 0) ON CONFLICT DO NOTHING;
            SELECT k.failed_pin_attempts, k.locked_until, k.lockouts
            INTO failed, lock_at, locks FROM station_pin_try k
            WHERE k.station = me AND k.kind = p_kind AND k.key = p_key FOR UPDATE;
        END IF;
        IF held_until IS NOT NULL AND now_ < held_until
                AND (lock_at IS NULL OR lock_at < held_until) THEN
            lock_at := held_until;  -- the account's own lock (its wrong PINs on the server)
            verdict := 'locked';
            locked_until := lock_at;
            account := NULL;
            role := NULL;
            RETURN;
        END IF;
        IF lock_at IS NOT NULL AND now_ < lock_at THEN
            verdict := 'locked';
            locked_until := lock_at;
            account := NULL;
            role := NULL;
            RETURN;
        END IF;
        IF lock_at IS NOT NULL THEN
            lock_at := NULL;
            failed := 0;
        END IF;
        ok := stored IS NOT NULL AND p_candidate = stored AND coalesce(active_, false);
        IF p_kind = 'staff' AND NOT coalesce(active_, false) AND stored = p_candidate THEN
            verdict := 'disabled';
            account := NULL;
            role := NULL;
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
        IF p_kind = 'kiosk' THEN
            UPDATE kiosk_unlock SET failed_pin_attempts = failed, locked_until = lock_at,
                                    lockouts = locks WHERE station = me;
        ELSE
            UPDATE station_pin_try SET failed_pin_attempts = failed, locked_until = lock_at,
                                       lockouts = locks
            WHERE station = me AND kind = p_kind AND key = p_key;
        END IF;
        IF verdict = 'ok' AND p_kind = 'attendee' THEN
            INSERT INTO pin_grant (station, attendee_id, until)
            VALUES (me, account, now_ + interval '{GRANT_MINUTES} minutes')
            ON CONFLICT (station, attendee_id) DO UPDATE SET until = excluded.until;
        END IF;
        IF verdict <> 'ok' THEN
            account := NULL;
            role := NULL;
        END IF;
    END $$
    """,
    # Wrong PINs a station counted while offline: they raise that station's own count at the
    # account (never the account's), for a desk or kiosk account, never beyond the longest lock.
    f"""
    CREATE OR REPLACE FUNCTION {API}.offline_lockout(p_staff integer, p_failed integer,
                                           p_locked_until timestamptz, p_lockouts integer)
    RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(NULL);
        key_ text;
        until_ timestamptz := CASE WHEN p_locked_until IS NOT NULL THEN
            least(p_locked_until, clock_timestamp() + interval '4 hours') END;
    BEGIN
        SELECT s.name_key INTO key_ FROM staff s
        WHERE s.id = p_staff AND s.role IN ('staff', 'kiosk');
        IF key_ IS NULL THEN
            RETURN;
        END IF;
        INSERT INTO station_pin_try AS k (station, kind, key, failed_pin_attempts, locked_until,
                                          lockouts)
        VALUES (me, 'staff', key_, least(greatest(coalesce(p_failed, 0), 0), 5), until_,
                least(greatest(coalesce(p_lockouts, 0), 0), 50))
        ON CONFLICT (station, kind, key) DO UPDATE SET
            failed_pin_attempts = greatest(k.failed_pin_attempts, excluded.failed_pin_attempts),
            locked_until = CASE
                WHEN excluded.locked_until IS NULL THEN k.locked_until
                ELSE greatest(coalesce(k.locked_until, excluded.locked_until),
                              excluded.locked_until)
            END,
            lockouts = greatest(k.lockouts, excluded.lockouts);
    END $$
    """,
)


def _frozen_0013(name: str) -> str:
    """0013's text of one of its functions, to put back on a downgrade."""
    (found,) = [f for f in FUNCTIONS_0013 if f"FUNCTION {API}.{name}(" in f]
    return found.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


DOWNGRADE: Sequence[str] = tuple(
    _frozen_0013(name) for name in ("_genuine", "pin_check", "offline_lockout")
)
