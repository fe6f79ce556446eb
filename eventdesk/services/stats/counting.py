"""How the live stats count (table ``stat_tally``): the triggers migration 0010 made, kept
here with the stats that read them (eventdesk.services.stats.tallies).

The stats screen polls every two seconds. Counting who is in, who waits, who came in each ten
minutes, what was paid and what every door scanned from the rows themselves costs more the more
rows there are: 80 ms at 100,000 tickets, seconds at a million. So the database keeps the counts
itself, by triggers, in the same transaction as the change: a check-in, an undo, a cancel, a
promotion, a payment, an import's rows and their undoing, a restore's migrated copy, whatever
writes the rows, now or in later code. A snapshot then reads a few dozen tally rows, whatever
the event's size.

Each tally row is (event, kind, key, shard) with a count ``n``, a second count ``extra`` and a
time ``last_at``:

    in        key ticket type id   checked in, of registered tickets
    inside    key ''               of those, inside now
    arrived   key 'YYYY-MM-DD HH:M' (UTC)  checked in during those ten minutes
    minute    key 'YYYY-MM-DD HH:MM' (UTC) checked in during that minute
    waiting   key ticket type id   waitlisted tickets
    attended  key session id       session check-ins
    net       key currency         completed payments less refunds, in cents (comps left out)
    scans     key 'result:station' scans (extra: decided offline; last_at: the newest)

On PostgreSQL every connection adds to a shard of its own (its backend pid modulo 16), so
stations checking people in at once never wait on each other's tally rows; a snapshot sums the
shards. SQLite has one writer: one shard.

These texts are frozen: restored files carry the triggers as written here, and the restore
check (eventdesk.services.data.backup) accepts exactly these. A later change adds a migration with
new texts and keeps these.
"""

from __future__ import annotations

SHARDS = 16
TRIGGER_NAMES = (
    "ticket_tally_insert",
    "ticket_tally_update",
    "ticket_tally_delete",
    "payment_tally_insert",
    "payment_tally_update",
    "payment_tally_delete",
    "session_checkin_tally_insert",
    "session_checkin_tally_update",
    "session_checkin_tally_delete",
    "scan_log_tally_insert",
    "scan_log_tally_update",
    "scan_log_tally_delete",
)


NO_TIME = "CAST(NULL AS TIMESTAMP WITH TIME ZONE)"  # typed, for PostgreSQL's UNION


def _arrived(row: str, dialect: str, length: int) -> str:
    """The first ``length`` characters of the check-in time as 'YYYY-MM-DD HH:MM' (UTC)."""
    if dialect == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff'
        return f"substr({row}.checked_in_at, 1, {length})"
    utc = f"to_char({row}.checked_in_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
    return f"substr({utc}, 1, {length})"


def _ticket(row: str, sign: int, dialect: str) -> list[str]:
    counted = f"{row}.status = 'registered' AND {row}.checked_in_at IS NOT NULL"
    type_key = f"CAST({row}.ticket_type_id AS TEXT)"
    return [
        f"SELECT {row}.event_id AS event_id, 'in' AS kind, {type_key} AS key, {sign} AS n,"
        f" 0 AS extra, {NO_TIME} AS last_at WHERE {counted}",
        f"SELECT {row}.event_id, 'inside', '', {sign}, 0, {NO_TIME}"
        f" WHERE {counted} AND {row}.inside",
        f"SELECT {row}.event_id, 'arrived', {_arrived(row, dialect, 15)}, {sign}, 0, {NO_TIME}"
        f" WHERE {counted}",
        f"SELECT {row}.event_id, 'minute', {_arrived(row, dialect, 16)}, {sign}, 0, {NO_TIME}"
        f" WHERE {counted}",
        f"SELECT {row}.event_id, 'waiting', {type_key}, {sign}, 0, {NO_TIME}"
        f" WHERE {row}.status = 'waitlisted'",
    ]


def _payment(row: str, sign: int, _dialect: str) -> list[str]:
    amount = f"CASE WHEN {row}.kind = 'refund' THEN -{row}.amount_cents ELSE {row}.amount_cents END"
    return [
        f"SELECT {row}.event_id AS event_id, 'net' AS kind, {row}.currency AS key,"
        f" {sign} * ({amount}) AS n, 0 AS extra, {NO_TIME} AS last_at"
        f" WHERE {row}.status = 'completed' AND {row}.method <> 'comp'"
        f" AND {row}.event_id IS NOT NULL"
    ]


def _session_checkin(row: str, sign: int, _dialect: str) -> list[str]:
    return [
        "SELECT s.event_id AS event_id, 'attended' AS kind,"
        f" CAST({row}.session_id AS TEXT) AS key, {sign} AS n, 0 AS extra, {NO_TIME} AS last_at"
        f" FROM event_session AS s WHERE s.id = {row}.session_id"
    ]


def _scan(row: str, sign: int, _dialect: str) -> list[str]:
    last = f"{row}.at" if sign > 0 else NO_TIME  # a scan taken away leaves the newest time
    return [
        f"SELECT {row}.event_id AS event_id, 'scans' AS kind,"
        f" {row}.result || ':' || coalesce({row}.station, '') AS key, {sign} AS n,"
        f" {sign} * (CASE WHEN {row}.offline THEN 1 ELSE 0 END) AS extra, {last} AS last_at"
        f" WHERE {row}.event_id IS NOT NULL"
    ]


# table -> (its contributions, the columns an update must touch to change them, and when a
# row counts at all: an import's million new tickets, none checked in, run no trigger)
_TABLES = {
    "ticket": (
        _ticket,
        ("status", "checked_in_at", "inside", "ticket_type_id", "event_id"),
        "{r}.checked_in_at IS NOT NULL OR {r}.status = 'waitlisted'",
    ),
    "payment": (
        _payment,
        ("status", "method", "kind", "amount_cents", "currency", "event_id"),
        "{r}.status = 'completed'",
    ),
    "session_checkin": (_session_checkin, ("session_id",), ""),
    "scan_log": (
        _scan,
        ("event_id", "result", "station", "offline", "at"),
        "{r}.event_id IS NOT NULL",
    ),
}


def _when(counts: str, row: str, dialect: str) -> str:
    if not counts:
        return ""
    condition = counts.format(r=row)
    return f"\nWHEN {condition}" if dialect == "sqlite" else f" WHEN ({condition})"


def _sum(parts: list[str], dialect: str) -> str:
    """One upsert of the parts' sums: a change that leaves a count as it was writes nothing."""
    into = "stat_tally" if dialect == "sqlite" else "stat_tally AS t"
    shard = "0" if dialect == "sqlite" else f"pg_backend_pid() % {SHARDS}"
    me = "" if dialect == "sqlite" else "t."
    newest = (
        "CASE WHEN excluded.last_at IS NULL OR (last_at IS NOT NULL"
        " AND last_at >= excluded.last_at) THEN last_at ELSE excluded.last_at END"
        if dialect == "sqlite"
        else "GREATEST(t.last_at, excluded.last_at)"
    )
    union = "\n      UNION ALL ".join(parts)
    return (
        f"INSERT INTO {into} (event_id, kind, key, shard, n, extra, last_at)\n"
        f"    SELECT d.event_id, d.kind, d.key, {shard}, sum(d.n), sum(d.extra), max(d.last_at)\n"
        f"    FROM (\n      {union}\n    ) AS d\n"
        "    WHERE d.event_id IS NOT NULL\n"
        "    GROUP BY d.event_id, d.kind, d.key\n"
        "    HAVING sum(d.n) <> 0 OR sum(d.extra) <> 0 OR max(d.last_at) IS NOT NULL\n"
        "    ON CONFLICT (event_id, kind, key, shard) DO UPDATE SET\n"
        f"      n = {me}n + excluded.n, extra = {me}extra + excluded.extra,"
        f" last_at = {newest}"
    )


def _changed(columns: tuple[str, ...], null_safe_differs: str) -> str:
    return " OR ".join(f"OLD.{c} {null_safe_differs} NEW.{c}" for c in columns)


def sqlite_triggers() -> dict[str, str]:
    """Trigger name -> its CREATE TRIGGER statement, on SQLite."""
    made: dict[str, str] = {}
    for table, (parts, columns, counts) in _TABLES.items():
        made[f"{table}_tally_insert"] = (
            f"CREATE TRIGGER {table}_tally_insert AFTER INSERT ON {table}"
            f"{_when(counts, 'NEW', 'sqlite')}\nBEGIN\n"
            f"  {_sum(parts('NEW', 1, 'sqlite'), 'sqlite')};\nEND"
        )
        made[f"{table}_tally_update"] = (
            f"CREATE TRIGGER {table}_tally_update AFTER UPDATE OF {', '.join(columns)}"
            f" ON {table}\nWHEN {_changed(columns, 'IS NOT')}\nBEGIN\n"
            f"  {_sum(parts('OLD', -1, 'sqlite') + parts('NEW', 1, 'sqlite'), 'sqlite')};\nEND"
        )
        made[f"{table}_tally_delete"] = (
            f"CREATE TRIGGER {table}_tally_delete AFTER DELETE ON {table}"
            f"{_when(counts, 'OLD', 'sqlite')}\nBEGIN\n"
            f"  {_sum(parts('OLD', -1, 'sqlite'), 'sqlite')};\nEND"
        )
    return made


def postgresql_statements() -> list[str]:
    """The functions and triggers, on PostgreSQL. SECURITY DEFINER: a door station's role
    checks people in and records scans without a GRANT on stat_tally."""
    made: list[str] = []
    for table, (parts, columns, counts) in _TABLES.items():
        old = [f"{p} AND TG_OP <> 'INSERT'" for p in parts("OLD", -1, "postgresql")]
        new = [f"{p} AND TG_OP <> 'DELETE'" for p in parts("NEW", 1, "postgresql")]
        made.append(
            f"CREATE FUNCTION eventdesk_tally_{table}() RETURNS trigger LANGUAGE plpgsql"
            " SECURITY DEFINER SET search_path = public AS $$\nBEGIN\n"
            f"  {_sum(old + new, 'postgresql')};\n  RETURN NULL;\nEND $$"
        )
        made.append(
            f"CREATE TRIGGER {table}_tally_insert AFTER INSERT ON {table} FOR EACH ROW"
            f"{_when(counts, 'NEW', 'postgresql')} EXECUTE FUNCTION eventdesk_tally_{table}()"
        )
        made.append(
            f"CREATE TRIGGER {table}_tally_update AFTER UPDATE OF {', '.join(columns)}"
            f" ON {table} FOR EACH ROW WHEN ({_changed(columns, 'IS DISTINCT FROM')})"
            f" EXECUTE FUNCTION eventdesk_tally_{table}()"
        )
        made.append(
            f"CREATE TRIGGER {table}_tally_delete AFTER DELETE ON {table} FOR EACH ROW"
            f"{_when(counts, 'OLD', 'postgresql')} EXECUTE FUNCTION eventdesk_tally_{table}()"
        )
    return made


def backfill(dialect: str) -> str:
    """The tallies of the rows already there (one statement, shard 0)."""
    parts: list[str] = []
    for table, (contribution, _columns, _counts) in _TABLES.items():
        for part in contribution("r", 1, dialect):
            select, _, where = part.partition(" WHERE ")
            if " FROM " in select:  # the session check-in's: it reads event_session
                select, _, source = select.partition(" FROM ")
                parts.append(f"{select} FROM {table} AS r, {source} WHERE {where}")
            else:
                parts.append(f"{select} FROM {table} AS r WHERE {where}")
    union = "\n  UNION ALL ".join(parts)
    return (
        "INSERT INTO stat_tally (event_id, kind, key, shard, n, extra, last_at)\n"
        "SELECT d.event_id, d.kind, d.key, 0, sum(d.n), sum(d.extra), max(d.last_at)\n"
        f"FROM (\n  {union}\n) AS d\n"
        "WHERE d.event_id IS NOT NULL\n"
        "GROUP BY d.event_id, d.kind, d.key"
    )
