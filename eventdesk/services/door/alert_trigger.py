"""The database's own writer of arrival alerts (services.door.alerts): a trigger on the scan log
that keeps an ``arrival_alert`` for every admission of an awaited person, whoever logged it.
Made by migration 0025; here so that a restore knows it for eventdesk's own
(services.data.backup)."""

from __future__ import annotations

from collections.abc import Sequence

NAME = "scan_log_arrival_alert"

# The admitted person's alert: their own, else their ticket type's (both dialects' SQL).
_MADE = """
    INSERT INTO arrival_alert (event_id, scan_id, ticket_id, attendee_id, reason, at, station)
    SELECT t.event_id, NEW.id, t.id, a.id, COALESCE(a.alert, tt.alert), NEW.at, NEW.station
    FROM ticket t
    JOIN attendee a ON a.id = t.attendee_id
    JOIN ticket_type tt ON tt.id = t.ticket_type_id
    WHERE t.id = NEW.ticket_id AND COALESCE(a.alert, tt.alert) IS NOT NULL;
"""
_WHEN = "NEW.result = 'ok' AND NEW.direction = 'entry' AND NEW.ticket_id IS NOT NULL"

SQLITE_TRIGGER = f"""CREATE TRIGGER {NAME} AFTER INSERT ON scan_log
    FOR EACH ROW WHEN {_WHEN}
    BEGIN
    {_MADE}
    END"""

# The function runs as the table's owner: no station's login has a grant on arrival_alert.
POSTGRESQL: Sequence[str] = (
    f"""
    CREATE FUNCTION public.{NAME}() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
    {_MADE}
        RETURN NULL;
    END $$
    """,
    f"REVOKE ALL ON FUNCTION public.{NAME}() FROM PUBLIC",
    f"""
    CREATE TRIGGER {NAME} AFTER INSERT ON scan_log
    FOR EACH ROW WHEN ({_WHEN}) EXECUTE FUNCTION public.{NAME}()
    """,
)
