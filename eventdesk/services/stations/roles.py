"""Station logins on a PostgreSQL server: made, listed and removed by the organizer's station.

Each database has two group roles, ``<database>_door`` and ``<database>_desk``, that hold what a
kind of station may do (eventdesk/migrations/station_access_0013.py says what, and why); a
station's login is a member of one, registered in ``station_login`` with its station's name,
and has the server-side limits a station's session needs: a transaction left idle (a link that
died mid-way) is ended and its locks freed within seconds, a statement waiting on a lock gives
up (the door then answers from its mirror), and the server's TCP keepalives notice a vanished
station. ``setup`` is run again after an upgrade (``upgrade`` does it when the groups exist):
views a migration makes again lose their grants.

Making roles needs a login that may (CREATEROLE, or a superuser); the organizer's is made so.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from eventdesk.db import StationLogin, Store
from eventdesk.errors import InvalidInput, NotAllowed, NotFound
from eventdesk.grants import KINDS, Kind, grant_statements, groups, role_exists
from eventdesk.i18n import _
from eventdesk.station_api import VIEWS

# A station's session on the server (each login's own settings, whatever its station sends).
LIMITS = {
    "idle_in_transaction_session_timeout": "5s",
    "lock_timeout": "3s",
    "statement_timeout": "60s",
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
}
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _login_name(value: str) -> str:
    name = value.strip()
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            _("a login is 1 to 63 lower-case letters, digits and _, starting with a letter"),
            field="login",
        )
    return name


def _require_server(store: Store) -> None:
    if store.is_sqlite:
        raise NotAllowed(
            _(
                "this station's database is an SQLite file on this machine: it has no logins "
                "(stations share a PostgreSQL server for that)"
            )
        )


def setup(store: Store) -> dict[Kind, str]:
    """The two group roles (made when missing) and their grants: the groups' names."""
    _require_server(store)
    names = groups(store.url)
    with store.connect() as conn:
        for group in names.values():
            if not role_exists(conn, group):
                conn.exec_driver_sql(f"CREATE ROLE {group} NOLOGIN")
        for statement in grant_statements(store.url):
            conn.exec_driver_sql(statement)
        conn.commit()
    return names


@dataclass(frozen=True)
class Bound:
    """A station's login as ``roles list`` shows it: with the events it admits (their slugs;
    none: every event's)."""

    login: str
    station: str
    kind: str
    events: tuple[str, ...] = ()


def _event_ids(conn: Connection, events: Sequence[str | int]) -> list[int]:
    """The ids of the events named (ids or slugs); NotFound naming one that is not there."""
    found = []
    for ref in events:
        name = str(ref).strip()
        if not name:
            continue
        row = conn.execute(
            text("SELECT id FROM event WHERE slug = :r OR CAST(id AS text) = :r"), {"r": name}
        ).first()
        if row is None:
            raise NotFound(_("no event {event!r}").format(event=name), field="event")
        found.append(int(row.id))
    return sorted(set(found))


def _bind(conn: Connection, login: str, events: Sequence[str | int] | None) -> None:
    """The login's events: ``events`` (None or empty: every event's)."""
    ids = _event_ids(conn, events or ())
    conn.execute(text("DELETE FROM station_login_event WHERE login = :l"), {"l": login})
    for event_id in ids:
        conn.execute(
            text("INSERT INTO station_login_event (login, event_id) VALUES (:l, :e)"),
            {"l": login, "e": event_id},
        )


def bind(store: Store, login: str, events: Sequence[str | int] | None) -> Bound:
    """Bind a station's login to the events it admits (``roles bind``; none: every event's):
    the server refuses from it every other event's ticket (migration 0029)."""
    _require_server(store)
    name = _login_name(login)
    with store.connect() as conn:
        known = conn.execute(
            text("SELECT 1 FROM station_login WHERE login = :l"), {"l": name}
        ).first()
        if known is None:
            raise NotFound(_("no station login {login}").format(login=name), field="login")
        _bind(conn, name, events)
        conn.commit()
    return next(row for row in listed(store) if row.login == name)


def add(
    store: Store,
    login: str,
    *,
    kind: Kind,
    station: str,
    password: str,
    events: Sequence[str | int] | None = None,
) -> StationLogin:
    """A station's login (made, or made a station's if it exists), with its limits, bound to
    ``events`` (their ids or slugs; none: every event's)."""
    _require_server(store)
    if kind not in KINDS:
        raise InvalidInput(_("kind must be door or desk"), field="kind")
    name = _login_name(login)
    where = station.strip()
    if not where or len(where) > 100 or not where.isprintable():
        raise InvalidInput(_("a station's name is 1 to 100 printable characters"), field="station")
    if not password:
        raise InvalidInput(_("a login needs a password"), field="password")
    names = setup(store)
    with store.connect() as conn:
        _refuse_taken(conn, name, names)
        quoted = conn.exec_driver_sql("SELECT quote_literal(%s)", (password,)).scalar_one()
        verb = "ALTER" if role_exists(conn, name) else "CREATE"
        conn.exec_driver_sql(f"{verb} ROLE {name} LOGIN PASSWORD {quoted}")
        for other in KINDS:
            conn.exec_driver_sql(f"REVOKE {names[other]} FROM {name}")
        conn.exec_driver_sql(f"GRANT {names[kind]} TO {name}")
        conn.exec_driver_sql(f"ALTER ROLE {name} SET search_path = {VIEWS[kind]}")
        for setting, value in LIMITS.items():
            conn.exec_driver_sql(f"ALTER ROLE {name} SET {setting} = '{value}'")
        conn.execute(
            text(
                "INSERT INTO station_login (login, station, kind) VALUES (:l, :s, :k) "
                "ON CONFLICT (login) DO UPDATE SET station = excluded.station, kind = excluded.kind"
            ),
            {"l": name, "s": where, "k": kind},
        )
        _bind(conn, name, events)
        if _revoked(conn, where):  # added again: a new key (the lost copy's stays useless)
            conn.execute(text("SELECT station_api._new_copy_key(:s)"), {"s": where})
        conn.commit()
    return StationLogin(name, where, kind)


def _revoked(conn: Connection, station: str) -> bool:
    """The station's newest key was revoked."""
    found = conn.execute(
        text(
            "SELECT revoked_at IS NOT NULL FROM station_key WHERE station = :s "
            "ORDER BY made_at DESC LIMIT 1"
        ),
        {"s": station},
    ).scalar()
    return bool(found)


def _refuse_taken(conn: Connection, name: str, groups_: dict[Kind, str]) -> None:
    """A name another role has (a group, a person's or another database's login) is refused;
    this database's own station login of that name is made again (its station, kind and
    password as now given)."""
    if not role_exists(conn, name):
        return
    ours = conn.execute(text("SELECT 1 FROM station_login WHERE login = :l"), {"l": name}).first()
    if ours is not None:
        return
    if name == groups_["door"]:
        raise InvalidInput(
            _(
                "{login} is the group role of this database's doors, not a login: choose "
                "another name"
            ).format(login=name),
            field="login",
        )
    if name == groups_["desk"]:
        raise InvalidInput(
            _(
                "{login} is the group role of this database's desks, not a login: choose "
                "another name"
            ).format(login=name),
            field="login",
        )
    raise InvalidInput(
        _(
            "a role named {login} exists on this server already (a person's, or another "
            "database's): choose another name"
        ).format(login=name),
        field="login",
    )


def listed(store: Store) -> list[Bound]:
    """Every station login, its station and kind, and the events it admits."""
    _require_server(store)
    with store.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.login, l.station, l.kind, "
                "array_remove(array_agg(e.slug ORDER BY e.slug), NULL) AS events "
                "FROM station_login l "
                "LEFT JOIN station_login_event b ON b.login = l.login "
                "LEFT JOIN event e ON e.id = b.event_id "
                "GROUP BY l.login, l.station, l.kind ORDER BY l.station, l.login"
            )
        ).all()
    return [Bound(str(r.login), r.station, r.kind, tuple(r.events or ())) for r in rows]


def remove(store: Store, login: str) -> StationLogin:
    """A station's login dropped: refused at once (its sessions ended, and what they would
    still ask is refused: the login is no station's). Its station's last login gone, the
    station's copy key is revoked too (``revoke``)."""
    _require_server(store)
    name = _login_name(login)
    with store.connect() as conn:
        row = conn.execute(
            text("DELETE FROM station_login WHERE login = :l RETURNING login, station, kind"),
            {"l": name},
        ).first()
        if row is None:
            raise NotFound(_("no station login {login}").format(login=name), field="login")
        conn.execute(text("DELETE FROM station_login_event WHERE login = :l"), {"l": name})
        _end_login(conn, name)
        others = conn.execute(
            text("SELECT 1 FROM station_login WHERE station = :s"), {"s": row.station}
        ).first()
        if others is None:
            _revoke_key(conn, row.station)
        conn.commit()
    return StationLogin(str(row.login), row.station, row.kind)


@dataclass(frozen=True)
class Revocation:
    """A station ended: the logins dropped, and when its copy's key was revoked."""

    station: str
    logins: list[str]
    revoked_at: datetime


def revoke(store: Store, station: str) -> Revocation:
    """A lost station ended (``station revoke``): every login of it dropped at once, its
    sessions ended, and its copy's key given to no one again (a copy it made stays noise). What
    its outbox held up to now is still taken from its copy when an organizer says so
    (services.stations.lost_copy)."""
    _require_server(store)
    where = station.strip()
    with store.connect() as conn:
        logins = list(
            conn.execute(
                text("DELETE FROM station_login WHERE station = :s RETURNING login"), {"s": where}
            ).scalars()
        )
        known = conn.execute(
            text("SELECT 1 FROM station_key WHERE station = :s"), {"s": where}
        ).first()
        if not logins and known is None:
            raise NotFound(
                _("no station {station} on this server (no login, no copy)").format(station=where),
                field="station",
            )
        for login in logins:
            conn.execute(text("DELETE FROM station_login_event WHERE login = :l"), {"l": login})
            _end_login(conn, str(login))
        revoked_at = _revoke_key(conn, where)
        conn.commit()
    return Revocation(where, [str(login) for login in logins], revoked_at)


def _revoke_key(conn: Connection, station: str) -> datetime:
    """The station's keys revoked (one made, revoked, where it had none: no key is made for
    it again until it is added again); when."""
    found = (
        conn.execute(
            text(
                "UPDATE station_key SET revoked_at = clock_timestamp() "
                "WHERE station = :s AND revoked_at IS NULL RETURNING revoked_at"
            ),
            {"s": station},
        )
        .scalars()
        .first()
    )
    if found is None:  # revoked already
        found = conn.execute(
            text("SELECT max(revoked_at) FROM station_key WHERE station = :s"), {"s": station}
        ).scalar()
    if found is None:  # never synced: a key made for it, in a statement of its own (an UPDATE
        # does not see a row the function it calls inserts), then revoked
        made_at = conn.execute(
            text("SELECT made_at FROM station_api._new_copy_key(:s)"), {"s": station}
        ).scalar_one()
        found = conn.execute(
            text(
                "UPDATE station_key SET revoked_at = clock_timestamp() "
                "WHERE station = :s AND made_at = :m RETURNING revoked_at"
            ),
            {"s": station, "m": made_at},
        ).scalar_one()
    return cast(datetime, found)


def _end_login(conn: Connection, login: str) -> None:
    """The login dropped, and its open sessions ended where this login may end them (a
    session left open can do nothing: it is no station's, and its role's grants are gone)."""
    with contextlib.suppress(DBAPIError), conn.begin_nested():
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = :l AND pid <> pg_backend_pid()"
            ),
            {"l": login},
        )
    if role_exists(conn, login):
        conn.exec_driver_sql(f"DROP ROLE {login}")
