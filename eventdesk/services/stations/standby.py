"""The server's standby as ``doctor`` sees it (docs/standby.md): is a standby connected, is it
synchronous, how far behind is it; and the two states of a pair that need an operator: a
primary that waits at every write for a synchronous standby that is not there, and a
replication slot that keeps every change for a standby that is gone (the server's disk fills).

And where the figures of what only reads come from (``[database] reads = "standby"``: the
reports, the exports and the stats asked of a standby when one answers): which server, and how
far the standby's replay is behind what it has received.

Read from PostgreSQL's own views, which any login may read: ``pg_stat_replication`` (its
state, synchronous or not and lag are shown to a superuser and to a login with ``pg_monitor``;
to any other, such as a door's own, only the standby's name, so that whether it is synchronous
is then read from ``synchronous_standby_names``), ``pg_replication_slots`` and
``pg_is_in_recovery()``. A station on SQLite is its own server: it has no such check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventdesk.i18n import _
from eventdesk.services.stations.doctor import Finding, problem_of

if TYPE_CHECKING:
    from eventdesk.db import Store

# A standby further behind than either of these is said (a synchronous standby has each
# confirmed write on its disk; these are about replaying it, which its reads show).
BEHIND_SECONDS = 30.0
BEHIND_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class StreamedTo:
    """A standby the primary streams to: its name (``application_name``), and what only a
    login with ``pg_monitor`` is shown (None otherwise): its state, whether it is synchronous
    (``sync``, ``quorum``, ``potential`` or ``async``), and how far its replay is behind."""

    name: str
    state: str | None
    sync_state: str | None
    lag_seconds: float | None
    lag_bytes: int | None

    @property
    def hidden(self) -> bool:
        return self.state is None

    def behind(self) -> bool:
        return (self.lag_seconds or 0.0) > BEHIND_SECONDS or (self.lag_bytes or 0) > BEHIND_BYTES


@dataclass(frozen=True)
class Replication:
    """What the server says of its pair."""

    in_recovery: bool  # the server is itself a standby
    wanted: str  # synchronous_standby_names, as set
    standbys: tuple[StreamedTo, ...]
    idle_slots: tuple[str, ...]  # physical slots no standby is using

    @property
    def synchronous(self) -> tuple[int, tuple[str, ...]]:
        """How many synchronous standbys the server waits for, and the names it takes them
        from ('*': any), read from ``synchronous_standby_names`` ('FIRST 1 (a, b)', 'ANY 2
        (a, b, c)', '2 (a, b)' or the older 'a, b')."""
        setting = self.wanted.strip()
        if not setting:
            return 0, ()
        counted = re.fullmatch(r"(?:(?:FIRST|ANY)\s+)?(\d+)\s*\((.*)\)", setting, re.I | re.S)
        count, listed = (int(counted[1]), counted[2]) if counted else (1, setting)
        return count, tuple(name.strip().strip('"') for name in listed.split(",") if name.strip())

    def is_synchronous(self, standby: StreamedTo) -> bool:
        if not standby.hidden:
            return standby.sync_state in ("sync", "quorum")
        _count, names = self.synchronous
        return any(name == "*" or name.casefold() == standby.name.casefold() for name in names)


def replication_of(store: Store) -> Replication | None:
    """The server's pair as its views show this login; None on SQLite."""
    from sqlalchemy import text

    if store.is_sqlite:
        return None
    with store.connect() as conn:
        in_recovery = bool(conn.execute(text("SELECT pg_is_in_recovery()")).scalar())
        wanted = conn.execute(text("SELECT current_setting('synchronous_standby_names')")).scalar()
        # pg_current_wal_lsn() is the primary's own: a standby has none.
        position = "NULL" if in_recovery else "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)"
        rows = conn.execute(
            text(
                "SELECT coalesce(application_name, ''), state, sync_state, "
                f"extract(epoch FROM replay_lag)::float8, {position}::bigint "
                "FROM pg_stat_replication ORDER BY application_name"
            )
        ).all()
        idle = conn.execute(
            text(
                "SELECT slot_name FROM pg_replication_slots "
                "WHERE slot_type = 'physical' AND NOT active ORDER BY slot_name"
            )
        ).scalars()
        return Replication(
            in_recovery=in_recovery,
            wanted=str(wanted or ""),
            standbys=tuple(
                StreamedTo(str(name), state, sync, lag, None if behind is None else int(behind))
                for name, state, sync, lag, behind in rows
            ),
            idle_slots=tuple(str(slot) for slot in idle),
        )


def check_standby(store: Store) -> Finding | None:
    """``doctor``'s line on the server's standby (None: a station on SQLite, its own server)."""
    try:
        facts = replication_of(store)
    except Exception as exc:  # the server went away meanwhile, or refused this login the views
        return Finding(
            "standby",
            False,
            _("the server's standby could not be read ({problem})").format(problem=problem_of(exc)),
        )
    return None if facts is None else standby_finding(facts)


def standby_finding(facts: Replication) -> Finding:
    """What the pair's state means for the doors, and what to do when it needs an operator."""
    if facts.in_recovery:
        return Finding(
            "standby",
            False,
            _(
                "this server is a standby and takes no writes: name both machines in the "
                "station's address, with target_session_attrs=read-write"
            ),
        )
    problems: list[str] = []
    count, names = facts.synchronous
    connected = [s for s in facts.standbys if facts.is_synchronous(s)]
    if count and len(connected) < count:
        problems.append(
            _(
                "the server waits at every write for a synchronous standby ({names}) that is "
                "not connected, and the doors decide from their copies meanwhile: bring the "
                "standby back, or run the server alone (synchronous_standby_names emptied)"
            ).format(names=", ".join(names))
        )
    if facts.idle_slots:
        problems.append(
            _(
                "the replication slot {slots} keeps every change for a standby that is not "
                "connected, and the server's disk fills: bring the standby back, or drop the "
                "slot (pg_drop_replication_slot)"
            ).format(slots=", ".join(facts.idle_slots))
        )
    for standby in facts.standbys:
        if standby.behind():
            problems.append(
                _(
                    "standby {name} is {seconds} s ({megabytes} MB) behind the primary: check "
                    "its machine and its network"
                ).format(
                    name=standby.name,
                    seconds=round(standby.lag_seconds or 0),
                    megabytes=(standby.lag_bytes or 0) // (1024 * 1024),
                )
            )
    if problems:
        return Finding("standby", False, "; ".join(problems))
    if not facts.standbys:
        return Finding(
            "standby",
            True,
            _(
                "no standby: if the server's machine dies, what it took since its last backup "
                "is lost"
            ),
        )
    return Finding("standby", True, "; ".join(_connected(facts, s) for s in facts.standbys))


def _connected(facts: Replication, standby: StreamedTo) -> str:
    if standby.hidden:
        lag = _("its lag is not shown to this login")
    elif not standby.lag_bytes:
        lag = _("caught up")
    else:
        lag = _("{seconds} s behind").format(seconds=round(standby.lag_seconds or 0, 1))
    if facts.is_synchronous(standby):
        said = _(
            "standby {name} connected, synchronous: each write the server confirms is on both "
            "machines ({lag})"
        )
    else:
        said = _(
            "standby {name} connected, not synchronous: a write confirmed just before the "
            "primary dies may be lost ({lag})"
        )
    return said.format(name=standby.name, lag=lag)


# --- the figures a read gave ------------------------------------------------------------------
def reads_url(url: str) -> str:
    """``url`` asking for a standby first (``target_session_attrs=prefer-standby``: any host
    that is a standby, else the primary), for what only reads."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    asked = parsed.update_query_dict({"target_session_attrs": "prefer-standby"})
    return asked.render_as_string(hide_password=False)


@dataclass(frozen=True)
class FiguresFrom:
    """The server a read was answered by (``host:port``), whether it is a standby, and how many
    seconds its figures are behind the primary's (0: it has replayed all it received)."""

    server: str | None
    standby: bool
    behind_seconds: float | None

    def words(self) -> str:
        if not self.standby:
            return _("figures from the primary {server}, as they are now").format(
                server=self.server
            )
        if not self.behind_seconds:
            return _("figures from the standby {server}, caught up with the primary").format(
                server=self.server
            )
        return _("figures from the standby {server}, {seconds} s behind the primary").format(
            server=self.server, seconds=round(self.behind_seconds)
        )


def figures_from(store: Store) -> FiguresFrom | None:
    """Where ``store``'s reads are answered now (None on SQLite: the station's own file)."""
    from sqlalchemy import text

    if store.is_sqlite:
        return None
    with store.connect() as conn:
        standby, behind = conn.execute(
            text(
                "SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() THEN NULL "
                "WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() "
                "THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
            )
        ).one()
    behind_seconds = None if behind is None else float(behind)
    return FiguresFrom(store.host_in_use(), bool(standby), behind_seconds)
