"""supervisor override: the staff accounts that may admit despite a door's refusal

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-29 10:00:00.000000

``staff.can_override``: this account may override a door's refusal with its PIN and a reason
(services.door.override; an organizer always may). On PostgreSQL the stations' views are made
again (as 0026 left them) so that a station reads the new column (its copy knows who may
override while the server is away), and a desk's own login overrides through the server's
function ``station_api.override_admit``: the server checks the supervisor's PIN (the typed PIN
hashed with the account's salt, as ``pin_check`` counts it) and their right, admits the ticket
(never one cancelled or waitlisted, never of a cancelled event) and writes the override in the
transaction log with the name it checked: a station is not trusted to say who overrode.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from eventdesk.migrations import station_access_0013 as access
from eventdesk.migrations import stations_0018, stations_0020

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HIDDEN = (*stations_0020.HIDDEN, 'station_upload', 'arrival_alert')
API = 'station_api'
_HEAD = 'LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$'
# The refusals an override admits (services.door.override.OVERRIDABLE, as written here).
_OVERRIDABLE = (
    "'closed', 'wrong_type', 'used_today', 'too_soon', 'already_checked_in', 'no_reentry', "
    "'unpaid', 'needs_staff', 'needs_answer', 'not_yet_valid', 'expired', 'wrong_session'"
)
FUNCTION = f"""
CREATE FUNCTION {API}.override_admit(
    p_station text, p_ticket text, p_session integer, p_at timestamptz, p_key text,
    p_candidate text, p_reason text, p_refused text, p_rule text,
    OUT verdict text, OUT by_name text, OUT first boolean, OUT tries_left integer,
    OUT locked_until timestamptz) {_HEAD}
DECLARE
    me text := {API}._station(p_station);
    moment timestamptz := {API}._when(p_at, false);
    checked record;
    s staff;
    t ticket;
    changed integer;
BEGIN
    IF {API}._kind() <> 'desk' THEN
        RAISE EXCEPTION 'only a desk overrides a refusal' USING ERRCODE = '42501';
    END IF;
    IF p_refused IS NULL OR p_refused NOT IN ({_OVERRIDABLE}) THEN
        RAISE EXCEPTION 'a refusal % is never overridden', p_refused USING ERRCODE = '42501';
    END IF;
    IF coalesce(trim(p_reason), '') = '' OR length(p_reason) > 200
            OR length(coalesce(p_rule, '')) > 100 THEN
        RAISE EXCEPTION 'an override needs a reason of 1 to 200 characters'
            USING ERRCODE = '42501';
    END IF;
    SELECT * INTO checked FROM {API}.pin_check('staff', p_key, p_candidate);
    IF checked.verdict <> 'ok' THEN
        verdict := checked.verdict;
        tries_left := checked.tries_left;
        locked_until := checked.locked_until;
        RETURN;
    END IF;
    SELECT * INTO s FROM staff WHERE id = checked.account;
    by_name := s.name;
    IF NOT (s.role = 'organizer' OR (s.role = 'staff' AND s.can_override)) THEN
        verdict := 'not_allowed';
        RETURN;
    END IF;
    SELECT * INTO t FROM ticket WHERE id = p_ticket;
    IF NOT FOUND OR t.status <> 'registered'
            OR EXISTS (SELECT 1 FROM event e WHERE e.id = t.event_id AND e.status = 'cancelled')
    THEN
        RAISE EXCEPTION 'ticket % is no ticket an override admits', p_ticket
            USING ERRCODE = '42501';
    END IF;
    IF p_session IS NOT NULL THEN
        INSERT INTO session_checkin (ticket_id, session_id, checked_in_at, station)
        VALUES (t.id, p_session, moment, me) ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS changed = ROW_COUNT;
    ELSE
        UPDATE ticket SET checked_in_at = moment, checked_in_station = me, inside = true
        WHERE id = t.id AND checked_in_at IS NULL;
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed = 0 THEN
            UPDATE ticket SET inside = true WHERE id = t.id;
        END IF;
    END IF;
    first := changed = 1;
    INSERT INTO transaction_log (at, kind, event_id, ticket_id, station, detail)
    VALUES (moment, 'override', t.event_id, t.id, me,
            json_build_object('by', s.name, 'reason', p_reason, 'refused', p_refused,
                              'rule', p_rule, 'operator', NULL, 'session_id', p_session)::text);
    verdict := 'ok';
END $$
"""
# The function a desk's login may call (eventdesk/station_api.py's CALLABLE adds it).
CALLABLE = ('override_admit(text, text, integer, timestamptz, text, text, text, text, text)',)
SIGNATURE = f'{API}.{CALLABLE[0]}'


def _views() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.staff')
        for statement in (
            *access.view_statements(bind, shown=stations_0018.SHOWN, hidden=HIDDEN),
            *access.walk_in_statements(),
        ):
            op.execute(statement)


def upgrade() -> None:
    op.add_column(
        'staff', sa.Column('can_override', sa.Boolean(), server_default='0', nullable=False)
    )
    _views()
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FUNCTION)
        op.execute(f'REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP FUNCTION IF EXISTS {SIGNATURE}')
        for schema in access.VIEWS.values():
            op.execute(f'DROP VIEW IF EXISTS {schema}.staff')
    # Not a batch (a copy of the table): on SQLite, dropping the old table would take the
    # rows that refer to it along.
    op.drop_column('staff', 'can_override')
    _views()
