"""The two group roles of a PostgreSQL database, ``<database>_door`` and ``<database>_desk``, and
what each may do (eventdesk/migrations/station_access_0013.py says why): the statements that
grant it, run when the groups are made (``eventdesk roles setup``, services.stations.roles) and
again after every upgrade (``eventdesk.migrate``), since views a migration makes again lose
their grants. Here, below the services, because the store's upgrade needs it.
"""

from __future__ import annotations

import re
from typing import get_args

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from eventdesk.db import LoginKind
from eventdesk.station_api import API, CALLABLE, VIEWS

Kind = LoginKind
KINDS: tuple[Kind, ...] = get_args(LoginKind)
PRINT_COLUMNS = "state, attempts, last_error, claimed_by, updated_at, next_attempt_at"
# What a desk writes itself (its row rules checked by the server), table by table.
DESK_WRITES = (
    "GRANT INSERT ON {s}.attendee, {s}.ticket_order, {s}.ticket, {s}.ticket_session, "
    "{s}.payment, {s}.transaction_log, {s}.print_job, {s}.search_token TO {g}",
    "GRANT DELETE ON {s}.search_token TO {g}",
    # A session taken off a ticket someone holds (migration 0021).
    "GRANT DELETE ON {s}.ticket_session TO {g}",
    # The badge name of someone registered, the one column of a person a desk changes (0022).
    "GRANT UPDATE (badge_name) ON {s}.attendee TO {g}",
    # The staff notes on a person and on an order, shown at the door (migration 0024).
    "GRANT UPDATE (note) ON {s}.attendee, {s}.ticket_order TO {g}",
    "GRANT UPDATE (registered_count) ON {s}.event, {s}.ticket_type, {s}.event_session TO {g}",
    "GRANT UPDATE (status, seat_label, registered_at, cancelled_at, waitlist_seq) "
    "ON {s}.ticket TO {g}",
    # A session seat waiting for a full session, promoted (migration 0014).
    "GRANT UPDATE (status, waitlist_seq) ON {s}.ticket_session TO {g}",
    # The numbers of the rows it adds (the tables' own defaults, through the views).
    "GRANT USAGE ON SEQUENCE ticket_order_id_seq, search_token_id_seq, payment_id_seq, "
    "transaction_log_id_seq TO {g}",
    # The answers to the registration questions given with a registration (migration 0024).
    "GRANT INSERT ON {s}.question_answer TO {g}",
    "GRANT USAGE ON SEQUENCE question_answer_id_seq TO {g}",
)


def groups(url: str) -> dict[Kind, str]:
    """The two group roles of this database."""
    database = make_url(url).database or "eventdesk"
    base = re.sub(r"[^a-z0-9_]", "_", database.lower())[:57]
    return {kind: f"{base}_{kind}" for kind in KINDS}


def role_exists(conn: Connection, name: str) -> bool:
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    return found is not None


def grant_statements(url: str) -> list[str]:
    """What each group may do, as statements (run again at will)."""
    database = make_url(url).database or "eventdesk"
    made = []
    for kind, group in groups(url).items():
        views = VIEWS[kind]
        made += [
            f'GRANT CONNECT ON DATABASE "{database}" TO {group}',
            f"GRANT USAGE ON SCHEMA {views}, {API} TO {group}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {views} TO {group}",
            f"GRANT INSERT, UPDATE ({PRINT_COLUMNS}) ON {views}.print_job TO {group}",
            f"GRANT USAGE ON SEQUENCE print_job_id_seq TO {group}",
            *(f"GRANT EXECUTE ON FUNCTION {API}.{call} TO {group}" for call in CALLABLE),
        ]
        if kind == "desk":
            made += [line.format(s=views, g=group) for line in DESK_WRITES]
    return made


def regrant_if_set_up(conn: Connection, url: str) -> None:
    """After a migration (its views made again): the groups' grants again, if they exist."""
    names = groups(url)
    if all(role_exists(conn, group) for group in names.values()):
        for statement in grant_statements(url):
            conn.exec_driver_sql(statement)
