"""What the quota migration makes on a PostgreSQL server: the function a station uploads a sale
made offline from its quota with (services.stations.quota_sale).

``station_api.quota_sale`` makes the person (or finds them by e-mail), the order, the ticket
at its type's price, its payment (cash or card, the whole price) and, when the desk admitted
the walk-in at once, its check-in, as a registration made online would, and counts the sale
against the quota the server gave this station: it never trusts the station's copy. A station's
own login sells only from its own quota (bound to the login), only a desk sells, a quota with
no place left refuses the sale, and a nonce already taken answers the ticket it made (an upload
repeated after an unknown outcome makes nothing twice). An organizer's login (the functions'
owner) uploads as the station it names. The ticket's QR is signed later by the station holding
the private key (``eventdesk ticket issue``): no station signs on another's behalf.

Frozen texts: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventdesk.migrations.station_functions_0013 import API

_HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"
NO_PLACES = "ED002"  # the error code of a sale past the station's quota
CALLABLE: Sequence[str] = (
    "quota_sale(text, text, integer, integer, text, text, text, text, timestamptz, text,"
    " boolean, text[])",
)
SIGNATURE = f"{API}.{CALLABLE[0]}"
FUNCTION = f"""
CREATE FUNCTION {API}.quota_sale(
    p_station text, p_nonce text, p_event integer, p_type integer, p_ticket text,
    p_name text, p_email text, p_company text, p_at timestamptz, p_method text,
    p_admitted boolean, p_tokens text[],
    OUT ticket_id text, OUT again boolean) {_HEAD}
DECLARE
    me text;
    moment timestamptz := {API}._when(p_at, true);
    q station_quota;
    tt ticket_type;
    ev event;
    buyer integer;
    made_order integer;
    new_ticket text := upper(coalesce(p_ticket, ''));
    key text := lower(trim(coalesce(p_email, '')));
    taken record;
BEGIN
    SELECT l.station INTO me FROM station_login l WHERE l.login = session_user;
    IF me IS NOT NULL THEN
        me := {API}._station(p_station);
        IF {API}._kind() <> 'desk' THEN
            RAISE EXCEPTION 'only a desk sells from a quota' USING ERRCODE = '42501';
        END IF;
        PERFORM {API}._take(me, 1);
    ELSE
        me := p_station;  -- the organizer's own login uploads as the station it names
    END IF;
    IF coalesce(length(p_nonce), 0) NOT BETWEEN 8 AND 64 THEN
        RAISE EXCEPTION 'a sale needs its nonce' USING ERRCODE = '42501';
    END IF;
    SELECT s.ticket_id, s.station INTO taken FROM quota_sale s WHERE s.nonce = p_nonce;
    IF FOUND THEN
        IF taken.station <> me THEN
            RAISE EXCEPTION 'nonce % is another station''s sale', p_nonce
                USING ERRCODE = '42501';
        END IF;
        ticket_id := taken.ticket_id;
        again := true;
        RETURN;
    END IF;
    SELECT * INTO ev FROM event WHERE id = p_event FOR UPDATE;
    IF NOT FOUND OR ev.status = 'cancelled' THEN
        RAISE EXCEPTION 'event % takes no sales', p_event USING ERRCODE = '42501';
    END IF;
    SELECT * INTO tt FROM ticket_type WHERE id = p_type AND event_id = p_event;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ticket type % is not event %''s', p_type, p_event
            USING ERRCODE = '42501';
    END IF;
    SELECT * INTO q FROM station_quota
    WHERE ticket_type_id = p_type AND station = me FOR UPDATE;
    IF NOT FOUND OR q.places - q.sold < 1 THEN
        RAISE EXCEPTION 'no places left to sell offline for % at station %', tt.name, me
            USING ERRCODE = '{NO_PLACES}';
    END IF;
    IF coalesce(length(trim(p_name)), 0) NOT BETWEEN 1 AND 200
            OR length(key) NOT BETWEEN 3 AND 254 OR position('@' in key) = 0
            OR length(coalesce(p_company, '')) > 200 THEN
        RAISE EXCEPTION 'a sale needs a name and an e-mail' USING ERRCODE = '42501';
    END IF;
    IF p_method IS NOT NULL AND p_method NOT IN ('cash', 'card') THEN
        RAISE EXCEPTION 'a sale offline is paid in cash or by card' USING ERRCODE = '42501';
    END IF;
    IF coalesce(array_length(p_tokens, 1), 0) > 60
            OR EXISTS (SELECT 1 FROM unnest(p_tokens) w WHERE length(w) > 100) THEN
        RAISE EXCEPTION 'too many search words' USING ERRCODE = '42501';
    END IF;
    IF new_ticket !~ '^[0-9A-Z]{{8}}$' OR EXISTS (SELECT 1 FROM ticket WHERE id = new_ticket) THEN
        LOOP  -- a ticket id of the server's own (the station's was taken or malformed)
            new_ticket := upper(substr(md5(random()::text || clock_timestamp()::text), 1, 8));
            EXIT WHEN NOT EXISTS (SELECT 1 FROM ticket WHERE id = new_ticket);
        END LOOP;
    END IF;
    SELECT a.id INTO buyer FROM attendee a WHERE a.email_key = key;
    IF NOT FOUND THEN
        INSERT INTO attendee (name, email, email_key, company, failed_pin_attempts, lockouts,
                              created_at)
        VALUES (trim(p_name), trim(p_email), key, nullif(trim(p_company), ''), 0, 0, moment)
        RETURNING id INTO buyer;
    END IF;
    INSERT INTO ticket_order (event_id, buyer_id, created_at)
    VALUES (p_event, buyer, moment) RETURNING id INTO made_order;
    INSERT INTO ticket (id, order_id, event_id, ticket_type_id, attendee_id, status,
                        price_cents, currency, created_at, registered_at, checked_in_at,
                        checked_in_station, inside)
    VALUES (new_ticket, made_order, p_event, p_type, buyer, 'registered', tt.price_cents,
            tt.currency, moment, moment, CASE WHEN p_admitted THEN moment END,
            CASE WHEN p_admitted THEN me END, coalesce(p_admitted, false));
    UPDATE event SET registered_count = registered_count + 1 WHERE id = p_event;
    UPDATE ticket_type SET registered_count = registered_count + 1 WHERE id = p_type;
    UPDATE station_quota SET sold = sold + 1, updated_at = clock_timestamp() WHERE id = q.id;
    INSERT INTO quota_sale (nonce, quota_id, station, ticket_id, at, recorded_at)
    VALUES (p_nonce, q.id, me, new_ticket, moment, clock_timestamp());
    INSERT INTO transaction_log (at, kind, event_id, ticket_id, attendee_id, amount_cents,
                                 currency, station, detail)
    VALUES (moment, 'registered', p_event, new_ticket, buyer, tt.price_cents, tt.currency, me,
            json_build_object('ticket_type', tt.name, 'order_id', made_order, 'offline', true,
                              'quota', true, 'nonce', p_nonce)::text);
    IF p_method IS NOT NULL AND tt.price_cents > 0 THEN
        INSERT INTO payment (ticket_id, event_id, kind, method, amount_cents, currency, status,
                             created_at, station)
        VALUES (new_ticket, p_event, 'payment', p_method, tt.price_cents, tt.currency,
                'completed', moment, me);
        INSERT INTO transaction_log (at, kind, event_id, ticket_id, attendee_id, amount_cents,
                                     currency, station, detail)
        VALUES (moment, 'payment', p_event, new_ticket, buyer, tt.price_cents, tt.currency, me,
                json_build_object('method', p_method, 'offline', true)::text);
    END IF;
    INSERT INTO search_token (token, attendee_id)
    SELECT DISTINCT w, buyer FROM unnest(p_tokens || ARRAY[lower(new_ticket)]) w
    WHERE w <> '' AND NOT EXISTS (
        SELECT 1 FROM search_token s WHERE s.attendee_id = buyer AND s.token = w);
    ticket_id := new_ticket;
    again := false;
END $$
"""
