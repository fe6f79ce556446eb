"""What migration 0017 makes on a PostgreSQL server: a desk's row rules that the server's own
functions write past, and the function a station's own login records an offline scan the
server refused with.

A desk's row rules.
The desk's row rule on tickets (station_functions_0013's ``_desk_ticket``) keeps a desk's login
from changing a ticket's check-in with its own hand: a desk changes a ticket's status and seat,
and admits only through the server's functions. But the rule fired on the functions' own writes
too (a SECURITY DEFINER function's statement is still the desk's session), so a desk's login
could not check anyone in. From 0017 the trigger tells the two apart: inside one of the server's
functions the current role is the functions' owner, which the desk's login is no member of (it
cannot become it with ``SET ROLE``, as it can become its own group); there the function has
checked what it writes. Anywhere else the rules are 0013's, word for word. Frozen texts: a later
change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventdesk.migrations.station_functions_0013 import API, OFFLINE_DAYS, TOLERANCE
from eventdesk.migrations.station_functions_0013 import DESK_RULES as DESK_RULES_0013

_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"

UPGRADE: Sequence[str] = (
    # 0013's checks, unchanged, as a function of the operation and the rows.
    f"""
    CREATE FUNCTION {API}._desk_ticket_rules(p_op text, p_old ticket, p_new ticket)
    RETURNS void {_HEAD}
    DECLARE
        price bigint;
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM station_login l
                       WHERE l.login = session_user AND l.kind = 'desk') THEN
            RETURN;
        END IF;
        IF p_op = 'INSERT' THEN
            SELECT tt.price_cents INTO price FROM ticket_type tt
            WHERE tt.id = p_new.ticket_type_id;
            IF p_new.status NOT IN ('registered', 'waitlisted') OR p_new.price_cents <> price
                    OR p_new.checked_in_at IS NOT NULL OR p_new.inside THEN
                RAISE EXCEPTION 'a desk registers a ticket at its type''s price, not checked in'
                    USING ERRCODE = '42501';
            END IF;
            RETURN;
        END IF;
        IF p_old.status = 'cancelled' AND p_new.status <> 'cancelled' THEN
            RAISE EXCEPTION 'ticket % is cancelled: a desk does not bring it back', p_old.id
                USING ERRCODE = '42501';
        END IF;
        IF p_new.status = 'registered' AND p_old.status NOT IN ('registered', 'waitlisted') THEN
            RAISE EXCEPTION 'ticket %: not a move a desk makes', p_old.id
                USING ERRCODE = '42501';
        END IF;
        IF (p_new.price_cents, p_new.attendee_id, p_new.event_id, p_new.ticket_type_id,
            p_new.order_id)
                IS DISTINCT FROM
                (p_old.price_cents, p_old.attendee_id, p_old.event_id, p_old.ticket_type_id,
                 p_old.order_id)
            OR (p_new.checked_in_at, p_new.checked_in_station, p_new.inside, p_new.qr_payload)
                IS DISTINCT FROM
                (p_old.checked_in_at, p_old.checked_in_station, p_old.inside, p_old.qr_payload)
        THEN
            RAISE EXCEPTION 'ticket %: a desk changes its status and seat only', p_old.id
                USING ERRCODE = '42501';
        END IF;
    END $$
    """,
    # The trigger runs as whoever wrote the row (SECURITY INVOKER): a role the session's login
    # is no member of can only be a SECURITY DEFINER function's owner, the server's own
    # functions, which checked the row themselves.
    f"""
    CREATE OR REPLACE FUNCTION {API}._desk_ticket() RETURNS trigger
    LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp AS $$
    BEGIN
        IF NOT pg_has_role(session_user, current_user, 'MEMBER') THEN
            RETURN NEW;
        END IF;
        PERFORM {API}._desk_ticket_rules(TG_OP, OLD, NEW);
        RETURN NEW;
    END $$
    """,
)

REFUSED: Sequence[str] = (
    f"""
    CREATE FUNCTION {API}.upload_refused(p_station text, p_nonce text, p_ticket text,
                                          p_at timestamptz, p_operator text, p_result text,
                                          p_detail text) RETURNS void {_HEAD}
    DECLARE
        me text := {API}._station(p_station);
        t ticket;
        moment timestamptz;
    BEGIN
        IF p_nonce IS NULL OR length(p_nonce) > 64 THEN
            RAISE EXCEPTION 'not a scan this server records' USING ERRCODE = '42501';
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
    f"REVOKE ALL ON FUNCTION {API}.upload_refused(text, text, text, timestamptz, text, text, text)"
    " FROM PUBLIC",
)
# The function a station login may call (granted by ``eventdesk roles``: eventdesk.grants).
CALLABLE: Sequence[str] = ("upload_refused(text, text, text, timestamptz, text, text, text)",)

DOWNGRADE: Sequence[str] = (
    DESK_RULES_0013[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
    f"DROP FUNCTION IF EXISTS {API}._desk_ticket_rules(text, ticket, ticket)",
    f"DROP FUNCTION IF EXISTS {API}.upload_refused(text, text, text, timestamptz, text, text,"
    " text)",
)
