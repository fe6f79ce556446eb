"""What a station's own login may do on a PostgreSQL server, as migration 0013 made it.

The server decides what it accepts, whatever runs on a station. A station logs in as a login of
its own, registered in ``station_login`` with its station's name and its kind (a door: kiosks,
scanners, door laptops; or a desk). Such a login has no grant on a table. It reads through
views with the tables' names in a schema of its kind (``station_door``, ``station_desk``; its
``search_path``), which leave out what it has no need of: a door reads no e-mail, phone, payment
method or reference, no attendee PIN hash and no PIN hash of an organizer; a desk reads the
attendees' and payments' details the desk shows, but no attendee PIN hash. It writes through the
functions of ``station_api``, SECURITY DEFINER (they run as the schema's owner, the
organizer's login) and bound to the login (``session_user``): a check-in, an exit, a session
door, an undo, a scan's log row, an offline scan uploaded, a conflict, a PIN tried, the
station's clock. Each checks what it is given against the server's own rows and clock: the
ticket exists and the line scanned is its own (or a check-in by its id), its status, event,
import, sessions and payments, the time (online the server's, within a minute; offline within
the last OFFLINE_DAYS days, see station_functions_0013), and that an undo annuls only this
station's own check-in. A hand-edited station copy can at most record what its own station
could have decided honestly.

A desk also registers walk-ins, takes payments, moves people off the waitlist and cancels, with
the desk's own code, through the views (auto-updatable) with the grants ``eventdesk roles``
gives; row rules (triggers, for desk logins) keep the money rules: a desk inserts payments, never
refunds; a new ticket costs its type's price; a cancelled ticket stays cancelled; a check-in is
changed only through the functions; the places counted (``registered_count``) are the
registered tickets, checked when the desk's transaction commits.

Roles (cluster-wide) are made by ``eventdesk roles`` (eventdesk/services/stations/roles.py), which
needs a login that may create roles; this migration makes what lives in the database. The texts are
frozen: a later change adds a migration of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, text

from eventdesk.migrations.station_functions_0013 import API, DESK_RULES, FUNCTIONS

VIEWS = {"door": "station_door", "desk": "station_desk"}

# Tables a station's views leave out altogether.
HIDDEN = ("station_login", "station_secret", "alembic_version")
# Columns a kind of station reads as NULL (what it has no need of), by table.
MASKED: dict[str, dict[str, tuple[str, ...]]] = {
    "door": {
        "attendee": ("email", "email_key", "phone"),
        "payment": ("method", "reference"),
        "transaction_log": ("attendee_id", "amount_cents", "currency", "detail"),
    },
    "desk": {},
}
# An attendee's PIN hash is read by no station: whether there is one, only ('set').
PIN_SET = "CASE WHEN pin_hash IS NULL THEN NULL ELSE 'set' END"
# A door reads no search words (they are made of names and e-mails).
EMPTY = {"door": ("search_token",), "desk": ()}
# A staff PIN hash a station reads: the accounts that may sign in at a station (never an
# organizer's, who signs in on the server).
STAFF_HASH = "CASE WHEN role IN ('staff', 'kiosk') AND active THEN pin_hash END"


def view_statements(
    conn: Connection,
    *,
    shown: Mapping[tuple[str, str], str] | None = None,
    hidden: tuple[str, ...] = (),
) -> list[str]:
    """The views of each kind, made from the tables as they are now (every column, the masked
    ones NULL): run again by a later migration that adds a column a station reads. ``shown``:
    what a later migration shows of a column instead (an expression, by table and column);
    ``hidden``: the tables it leaves out besides HIDDEN (eventdesk/migrations/stations_0018.py
    gives both: a migration after it passes them on)."""
    tables = conn.execute(
        text(
            "SELECT table_name, string_agg(quote_ident(column_name), ',' ORDER BY ordinal_position)"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " GROUP BY table_name ORDER BY table_name"
        )
    ).all()
    made = []
    for kind, schema in VIEWS.items():
        masked = MASKED[kind]
        for table, joined in tables:
            if table in HIDDEN or table in hidden:
                continue
            columns = []
            for column in joined.split(","):
                bare = column.strip('"')
                if shown and (table, bare) in shown:
                    columns.append(f"{shown[table, bare]} AS {column}")
                elif table == "staff" and bare == "pin_hash":
                    columns.append(f"{STAFF_HASH} AS pin_hash")
                elif table == "attendee" and bare == "pin_hash":
                    columns.append(f"{PIN_SET}::varchar(200) AS pin_hash")
                elif bare in masked.get(table, ()):
                    columns.append(f"NULL::{_type_of(conn, table, bare)} AS {column}")
                else:
                    columns.append(column)
            where = " WHERE false" if table in EMPTY[kind] else ""
            made.append(f"DROP VIEW IF EXISTS {schema}.{table}")
            made.append(
                f"CREATE VIEW {schema}.{table} AS SELECT {', '.join(columns)} "
                f"FROM public.{table}{where}"
            )
    made.append(f"DROP VIEW IF EXISTS {VIEWS['door']}.alembic_version")
    made.append(
        f"CREATE VIEW {VIEWS['door']}.alembic_version AS SELECT version_num "
        "FROM public.alembic_version"
    )
    made.append(f"DROP VIEW IF EXISTS {VIEWS['desk']}.alembic_version")
    made.append(
        f"CREATE VIEW {VIEWS['desk']}.alembic_version AS SELECT version_num "
        "FROM public.alembic_version"
    )
    return made


def walk_in_statements() -> list[str]:
    """A desk adds a walk-in (and the PIN they chose) through its attendee view, which shows
    no PIN hash: the row as the desk gave it, into the table (made after the views)."""
    desk = VIEWS["desk"]
    return [
        f"DROP TRIGGER IF EXISTS attendee_walk_in ON {desk}.attendee",
        f"CREATE TRIGGER attendee_walk_in INSTEAD OF INSERT ON {desk}.attendee "
        f"FOR EACH ROW EXECUTE FUNCTION {API}._walk_in()",
    ]


def _type_of(conn: Connection, table: str, column: str) -> str:
    found = conn.execute(
        text(
            "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "WHERE a.attrelid = CAST(:t AS regclass) AND a.attname = :c"
        ),
        {"t": f"public.{table}", "c": column},
    ).scalar_one()
    return str(found)


SETUP: Sequence[str] = (
    f"CREATE SCHEMA {API}",
    f"CREATE SCHEMA {VIEWS['door']}",
    f"CREATE SCHEMA {VIEWS['desk']}",
    f"REVOKE ALL ON SCHEMA {API}, {VIEWS['door']}, {VIEWS['desk']} FROM PUBLIC",
    # This database's secret, for the made-up salt of an account nobody has (so that asking
    # for a salt tells nobody whether an account exists). The tables are the migration's.
    "INSERT INTO station_secret VALUES (1, md5(random()::text || clock_timestamp()::text)"
    " || md5(random()::text || pg_backend_pid()::text))",
)

# The door's functions a station login may call (the helpers starting with _ are for them).
CALLABLE = (
    "whoami()",
    "admit(text, text, timestamptz, text, boolean, boolean)",
    "readmit(text, text)",
    "leave(text, text)",
    "session_admit(text, text, integer, timestamptz, text, boolean, boolean)",
    "log_scan(text, timestamptz, text, integer, integer, text, text, text, text, text, text,"
    " boolean)",
    "undo(text, text, integer, timestamptz, timestamptz, text)",
    "annul_own(text, text, integer, timestamptz)",
    "conflict(text, text, text, text, timestamptz, text)",
    "pin_salt(text, text)",
    "pin_check(text, text, text)",
    "offline_lockout(integer, integer, timestamptz, integer)",
    "report_clock(text, bigint)",
    "printed_offline(text, text, text, text, text, integer, text, timestamptz, timestamptz)",
)


def upgrade_statements(conn: Connection) -> list[str]:
    """Everything 0013 makes, in order (the views from the tables as they are)."""
    return [
        *SETUP,
        *FUNCTIONS,
        *DESK_RULES,
        # Only what ``eventdesk roles`` grants a group is callable: the helpers are the
        # functions' own (a function is anyone's to call unless revoked).
        f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {API} FROM PUBLIC",
        *view_statements(conn),
        *walk_in_statements(),
    ]


DOWNGRADE: Sequence[str] = (
    *(
        f"DROP TRIGGER IF EXISTS {t}_desk_counted ON {t}"
        for t in ("event", "ticket_type", "event_session")
    ),
    "DROP TRIGGER IF EXISTS payment_desk_rules ON payment",
    "DROP TRIGGER IF EXISTS ticket_desk_rules ON ticket",
    f"DROP SCHEMA IF EXISTS {VIEWS['door']} CASCADE",
    f"DROP SCHEMA IF EXISTS {VIEWS['desk']} CASCADE",
    f"DROP SCHEMA IF EXISTS {API} CASCADE",
)
