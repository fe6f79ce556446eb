"""A refresh of the station's copy (services.stations.mirror): what changed on the server since
the last one (PostgreSQL keeps the transaction that last wrote each row, migration 0009), or the
whole of it; the staff accounts and the small tables copied whole; and this station's scans not
uploaded yet laid back over what it copied."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Row,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _
from eventdesk.models import (
    Base,
    Payment,
    Staff,
)
from eventdesk.pins import salt_of
from eventdesk.services.stations.mirror import Mirror, reapply
from eventdesk.services.stations.mirror_schema import (
    CHUNK,
    COPIED,
    EMAILS,
    FULL_AFTER,
    GEN,
    LIST_ENTRY,
    NOT_COPIED,
    PAYMENT,
    SEARCH_TEXT,
    SESSION_CHECKIN,
    STAFF,
    TICKET,
    WHOLE,
)
from eventdesk.text import words
from eventdesk.values import utcnow

_SERVER_PAYMENT = cast(Table, Payment.__table__)
_SINCE = text("sync_xid >= CAST(:mark AS xid8)")


@dataclass(frozen=True)
class Refreshed:
    """One refresh: rows copied and removed, and whether it was a whole new copy."""

    downloaded: int
    removed: int
    full: bool
    seconds: float


def server_name(server: Store) -> str:
    return make_url(server.url).render_as_string(hide_password=True)


def refresh(server: Store, mirror: Mirror, *, full: bool = False, emails: bool = True) -> Refreshed:
    """Copy what changed on the server since the last refresh (everything the first time, or
    when ``full``). ``emails``: the attendees' e-mails too (a desk searches them; a door, a
    kiosk, keeps none: its copy is made again whole when that changes). Needs PostgreSQL: an
    SQLite station is its own server."""
    if server.is_sqlite:
        raise InvalidInput(_("this station's database is on this machine: it has no mirror"))
    started = utcnow()
    with mirror.store.read() as session:
        conn = session.connection()
        mark = mirror.get(conn, "mark")
        refreshed_at = mirror.get(conn, "refreshed_at")
        known_server = mirror.get(conn, "server")
        gen = int(mirror.get(conn, "gen") or 0)
        kept_emails = mirror.get(conn, EMAILS) == "yes"
    name = server_name(server)
    old = refreshed_at is None or datetime.fromisoformat(refreshed_at) < started - FULL_AFTER
    whole = full or mark is None or known_server != name or old or kept_emails != emails
    since = None if whole else mark
    gen += 1 if whole else 0
    downloaded = removed = 0
    with server.engine.connect() as source:
        source = source.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        with source.begin():
            new_mark = source.execute(
                text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
            ).scalar_one()
            # A whole copy is written over the old one, which the door goes on deciding
            # from meanwhile; what the server no longer has goes at the end, all at once.
            if not whole:
                removed = _remove_gone(source, mirror, since)
            for name_, (table, _key) in COPIED.items():
                left = set() if emails or name_ != "attendee" else {"email"}
                downloaded += _copy_table(source, mirror, name_, table, since, gen, left)
            downloaded += _copy_payments(source, mirror, since, gen)
            accounts = _read_staff(source)
            wholes = _read_whole(source, gen)
    with mirror.store.write_conn() as conn:
        _write_staff(conn, accounts)
        _write_whole(conn, wholes)
        if whole:
            for table in (*(t for t, _how in COPIED.values()), PAYMENT):
                removed += rowcount(conn.execute(delete(table).where(_older(table, gen))))
            reapply(conn, None)
        mirror.put(conn, "gen", str(gen))
        mirror.put(conn, "mark", str(new_mark))
        mirror.put(conn, "server", name)
        mirror.put(conn, EMAILS, "yes" if emails else "no")
        mirror.put(conn, "refreshed_at", utcnow().isoformat())
    seconds = (utcnow() - started).total_seconds()
    return Refreshed(downloaded, removed, whole, seconds)


_SERVER_STAFF = cast(Table, Staff.__table__)
_LOCK_COLUMNS = ("failed_pin_attempts", "locked_until", "lockouts")
ORGANIZER = "organizer"  # its PIN hash is never copied: an organizer signs in on the server


def _read_staff(source: Connection) -> list[dict[str, Any]]:
    """Every staff account (a few rows: read whole at each refresh), an organizer's without
    its hash or lockout state."""
    columns = [c.name for c in STAFF.columns if c.name in _SERVER_STAFF.c]
    query = select(*(_SERVER_STAFF.c[c] for c in columns))
    rows = [dict(row) for row in source.execute(query).mappings()]
    for row in rows:
        verifier, server_hash = row.pop("offline_pin", None), row["pin_hash"]
        row.update(pin_hash=verifier, pin_salt=salt_of(server_hash) if server_hash else None)
        if row["role"] == ORGANIZER or verifier is None:
            row.update(pin_hash=None, pin_salt=None)
        if row["role"] == ORGANIZER:
            row.update(failed_pin_attempts=0, locked_until=None, lockouts=0)
    return rows


def _write_staff(conn: Connection, accounts: list[dict[str, Any]]) -> None:
    """The accounts as the server has them, except the lockout state of a row counted here
    and not uploaded yet: the later lock, the higher counts, until the upload."""
    counted = {
        row["id"]: row
        for row in conn.execute(select(STAFF).where(STAFF.c.offline_changed.is_not(None)))
        .mappings()
        .all()
    }
    rows = []
    for account in accounts:
        here = counted.get(account["id"])
        if here is not None and account["role"] != ORGANIZER:
            account = {**account, **merged_lock(account, here), "offline_changed": 1}
        rows.append(account)
    conn.execute(delete(STAFF))
    if rows:
        conn.execute(insert(STAFF), rows)


def _read_whole(source: Connection, gen: int) -> list[tuple[Table, list[dict[str, Any]]]]:
    """The tables copied whole (WHOLE), as the server has them now."""
    read = []
    for table, model in WHOLE.values():
        server_table = cast(Table, model.__table__)
        columns = [c.name for c in table.columns if c.name != GEN]
        query = select(*(server_table.c[c] for c in columns))
        rows = [{**row, GEN: gen} for row in source.execute(query).mappings()]
        read.append((table, rows))
    return read


def _write_whole(conn: Connection, read: list[tuple[Table, list[dict[str, Any]]]]) -> None:
    """The tables copied whole in place of what the copy had: what the server no longer has
    (a forgotten person's answers) leaves the copy."""
    for table, _rows in reversed(read):
        conn.execute(delete(table))
    for table, rows in read:
        if rows:
            conn.execute(insert(table), rows)


def merged_lock(server: Any, here: Any) -> dict[str, Any]:
    """The lockout state of ``server``'s row with what ``here`` counted: never lower than
    either (the later lock, the more wrong tries and lockouts)."""
    until = [u for u in (server["locked_until"], here["locked_until"]) if u is not None]
    return {
        "failed_pin_attempts": max(server["failed_pin_attempts"], here["failed_pin_attempts"]),
        "locked_until": max(until) if until else None,
        "lockouts": max(server["lockouts"], here["lockouts"]),
    }


def rowcount(result: Any) -> int:
    return int(result.rowcount)


def _older(table: Table, gen: int) -> Any:
    return or_(table.c[GEN].is_(None), table.c[GEN] != gen)


def _copy_table(
    source: Connection,
    mirror: Mirror,
    name: str,
    table: Table,
    since: str | None,
    gen: int,
    left: set[str],
) -> int:
    """``left``: columns not copied (NULL in the copy)."""
    server_table = Base.metadata.tables[name]  # the server's table the copy's is made from
    skip = {GEN, SEARCH_TEXT, *NOT_COPIED.get(name, set()), *left}
    columns = [c.name for c in table.columns if c.name not in skip]
    query = select(*[server_table.c[c] for c in columns])
    params: dict[str, Any] = {}
    if since is not None:
        query = query.where(_SINCE)
        params["mark"] = since
    result = source.execution_options(stream_results=True, yield_per=CHUNK).execute(query, params)
    count = 0
    searched = SEARCHED.get(name)
    for rows in result.partitions(CHUNK):
        batch = [{**dict(zip(columns, row, strict=True)), GEN: gen} for row in rows]
        if searched is not None:
            for row in batch:
                row[SEARCH_TEXT] = search_text(*(row.get(c) for c in searched))
        count += len(batch)
        _write(mirror, table, batch)
    return count


# The columns a row's search words come from (SEARCH_TEXT).
SEARCHED = {"attendee": ("name", "email", "company"), "ticket": ("holder_name", "id")}


def search_text(*parts: str | None) -> str:
    """The folded words of ``parts``, each after a space: a typed word starts one of them
    where the text holds " " + the word."""
    return "".join(" " + word for part in parts if part for word in words(part))


def _write(mirror: Mirror, table: Table, batch: list[dict[str, Any]]) -> None:
    with mirror.store.write_conn() as conn:
        conn.execute(insert(table).prefix_with("OR REPLACE"), batch)
        if table is TICKET or table is SESSION_CHECKIN or table is LIST_ENTRY:
            reapply(conn, sorted({str(row.get("ticket_id", row.get("id"))) for row in batch}))


def _remove_gone(source: Connection, mirror: Mirror, since: str | None) -> int:
    gone = source.execute(
        text("SELECT tbl, key FROM sync_gone WHERE sync_xid >= CAST(:mark AS xid8)"),
        {"mark": since},
    ).all()
    if not gone:
        return 0
    with mirror.store.write_conn() as conn:
        touched: list[str] = []
        for table_name, key in gone:
            if table_name == "payment":
                continue  # payments are kept as one sum a ticket: recomputed below
            found = COPIED.get(table_name)
            if found is None:
                continue
            table, columns = found
            conn.execute(delete(table).where(and_(*[table.c[c] == key[c] for c in columns])))
            if table is TICKET or table is SESSION_CHECKIN or table is LIST_ENTRY:
                touched.append(str(key.get("ticket_id", key.get("id"))))
        if touched:
            reapply(conn, touched)
    return len(gone)


def _copy_payments(source: Connection, mirror: Mirror, since: str | None, gen: int) -> int:
    """What each ticket has paid (payments less refunds) and whether it was refunded."""
    p = _SERVER_PAYMENT
    net = func.sum(
        text("CASE WHEN kind = 'payment' THEN amount_cents ELSE -amount_cents END")
    ).label("paid")
    refunded = func.bool_or(p.c.kind == "refund").label("refunded")
    query = select(p.c.ticket_id, net, refunded).where(p.c.status == "completed")
    params: dict[str, Any] = {}
    changed: list[str] | None = None
    if since is not None:
        changed = list(
            source.execute(
                text(
                    "SELECT ticket_id FROM payment WHERE sync_xid >= CAST(:mark AS xid8) "
                    "UNION SELECT key ->> 'ticket_id' FROM sync_gone "
                    "WHERE tbl = 'payment' AND sync_xid >= CAST(:mark AS xid8)"
                ),
                {"mark": since},
            ).scalars()
        )
        if not changed:
            return 0
        query = query.where(p.c.ticket_id.in_(changed))
    rows = source.execute(query.group_by(p.c.ticket_id), params).all()
    if changed is not None:  # a few tickets: in one transaction
        with mirror.store.write_conn() as conn:
            conn.execute(delete(PAYMENT).where(PAYMENT.c.ticket_id.in_(changed)))
            if rows:
                conn.execute(insert(PAYMENT), list(_payment_rows(rows, gen)))
        return len(rows)
    for start in range(0, len(rows), CHUNK):  # each ticket's sum replaced in one transaction
        part = rows[start : start + CHUNK]
        with mirror.store.write_conn() as conn:
            conn.execute(delete(PAYMENT).where(PAYMENT.c.ticket_id.in_([r[0] for r in part])))
            conn.execute(insert(PAYMENT), list(_payment_rows(part, gen)))
    return len(rows)


def _payment_rows(rows: Sequence[Row[Any, Any, Any]], gen: int) -> Iterator[dict[str, Any]]:
    for ticket_id, paid, refunded in cast(Sequence[tuple[str, Any, Any]], rows):
        yield {
            "ticket_id": ticket_id,
            "kind": "payment",
            "amount_cents": int(paid or 0),
            "status": "completed",
            GEN: gen,
        }
        if refunded:
            yield {
                "ticket_id": ticket_id,
                "kind": "refund",
                "amount_cents": 0,
                "status": "completed",
                GEN: gen,
            }
