"""A station's mirror: what a door needs, copied from the server into ``DATA_DIR/mirror.db``.

The mirror's tables carry the names and columns of the server's, so that an offline decision is
the same ``Checkin`` running on another store: the same rules in the same order, nothing
written twice. It holds tickets (status, type, holder, seat, price, what was paid, check-ins,
the QR payload a badge prints), events, sessions and who is registered for them, ticket
types, whether a ticket's import is done, and the public signing keys; of each attendee the
name, company and badge name, which the desk searches and shows and a badge prints offline
(``services.stations.mirror_read``), the staff's notes on each person and order, which the door
shows with its answers (never printed), the events' registration questions and the answers
given to them (the desk's card shows them, a badge prints them), and at a desk only
(``refresh(emails=)``) the e-mail its search reads; no attendee PINs or phones, no payment
methods or references. It is encrypted at rest (SQLCipher) with a key that is not on the
station's disk (``services.stations.copy_key``).
It also keeps the staff accounts a station signs in while its server is away
(``services.stations.mirror_staff``): the argon2 PIN hashes and lockout state of the desk and kiosk
accounts, and of an organizer only the name and role (never a hash: an organizer signs in on
the server).

Beside the copy it keeps this station's own scans: the scan log (a nonce retried offline gets
its first answer), the badges queued by offline check-ins (``print_job``, printed from this
copy and their outcome uploaded) and the outbox, every scan decided offline in order, uploaded by
``services.stations.sync``. The outbox is written in the decision's own transaction with
``synchronous=FULL``: a scan shown as decided survives a crash or a power cut.

A refresh reads only what changed on the server since the last one (PostgreSQL keeps the
transaction that last wrote each row, migration 0009), except the registration questions and
their answers, small tables read whole at each refresh (a forgotten person's answers leave the
copy with it), and puts this station's scans that are
not uploaded yet back over what it copied: a refresh never makes the door forget an admission.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _
from eventdesk.models import (
    Attendee,
    BadgeLayout,
    CheckinAnswer,
    CheckinList,
    Event,
    EventSession,
    ImportRun,
    ListEntry,
    Order,
    Payment,
    PrintJob,
    QuestionAnswer,
    RegistrationQuestion,
    ScanLog,
    SessionCheckin,
    SigningKey,
    Staff,
    Ticket,
    TicketSession,
    TicketType,
    UTCDateTime,
)
from eventdesk.pins import salt_of
from eventdesk.services.stations.list_sync import LIST_EFFECTS
from eventdesk.services.stations.mirror_quota import QUOTA, QUOTA_WHOLE, SALES
from eventdesk.text import words
from eventdesk.values import utcnow

MIRROR_FILE = "mirror.db"
MIRROR_VERSION = "15"  # a mirror of another version is copied again (its outbox is kept)
# Versions this build copies again in place (their outbox is this one's); a mirror of any other
# version is a schema this build does not know: it is moved aside (services.stations.mirror_repair).
KNOWN_VERSIONS = (*(str(n) for n in range(1, 15)), MIRROR_VERSION)  # "1" to "14", and this one
CHUNK = 2000  # rows written to the mirror per transaction: a door waits at most that long
PRIVATE = 0o600  # the mirror's files: names and PIN hashes
FULL_AFTER = timedelta(hours=12)  # a mirror older than this is copied whole again

MIRROR: MetaData = MetaData()
NOTICE_KEY = "moved_aside"  # services.stations.mirror_repair: the last mirror moved aside, and why
GEN = "mirror_gen"  # a copied row's generation: a whole new copy removes the older ones last
EMAILS = "emails"  # the state's: "yes" when the copy holds the attendees' e-mails


def _copy(source: Any, names: Iterable[str] | None = None) -> Table:
    """The server's table ``source`` in the mirror: the same name, types and key, only
    ``names`` (every column when None), no foreign keys and nothing required. A copied table
    also says which whole copy wrote each row; this station's own tables (the scan log, the
    print queue) do not."""
    table = cast(Table, source.__table__)
    wanted = None if names is None else set(names)
    columns = [
        Column(c.name, c.type, primary_key=c.primary_key)
        for c in table.columns
        if wanted is None or c.name in wanted
    ]
    if table.name not in ("scan_log", "print_job"):  # copied rows: the copy that wrote them
        columns.append(Column(GEN, Integer))
    return Table(table.name, MIRROR, *columns)


# What a door reads, as the check-in service reads it (services.door.checkin): whole rows of the
# small tables, only what the door shows or checks of the large and personal ones.
EVENT = _copy(Event)
SESSION = _copy(EventSession)
TICKET_TYPE = _copy(TicketType)
ATTENDEE = _copy(
    Attendee, ("id", "name", "email", "company", "language", "badge_name", "alert", "note")
)
# Of each order only the staff's note, which the door shows with its tickets' answers.
ORDER = _copy(Order, ("id", "note"))
TICKET = _copy(
    Ticket,
    (
        "id",
        "order_id",
        "event_id",
        "ticket_type_id",
        "attendee_id",
        "holder_name",
        "status",
        "price_cents",
        "currency",
        "seat_label",
        "qr_payload",
        "checked_in_at",
        "checked_in_station",
        "inside",
        "import_run_id",
        "created_at",
    ),
)
TICKET_SESSION = _copy(TicketSession)
SESSION_CHECKIN = _copy(SessionCheckin)
# One row per ticket with what it has paid in all (and a refund row of 0 when it was refunded):
# what is due, without the payments themselves.
PAYMENT = _copy(Payment, ("id", "ticket_id", "kind", "amount_cents", "status"))
IMPORT_RUN = _copy(ImportRun, ("id", "state"))
SIGNING_KEY = _copy(SigningKey, ("id", "public_key"))
SCAN_LOG = _copy(ScanLog)
# The check-in lists and each ticket's admissions on them (services.door.lists); the answers
# given here offline (no one's answers are copied from the server: they are only uploaded).
CHECKIN_LIST = _copy(CheckinList)
LIST_ENTRY = _copy(ListEntry)
CHECKIN_ANSWER = _copy(CheckinAnswer)
# The stored badge layouts: a badge decided offline prints with its ticket type's own.
BADGE_LAYOUT = _copy(BadgeLayout)
# The events' registration questions and the answers of their orders and tickets, whole: the
# desk's card shows them and a badge prints them (services.people.question_answers reads them
# here as on the server).
QUESTION = _copy(RegistrationQuestion)
QUESTION_ANSWER = _copy(QuestionAnswer)
# The accounts that sign in here while the server is away (services.stations.mirror_staff): copied
# whole at each refresh; ``offline_changed`` marks a row whose wrong PINs were counted here and not
# uploaded yet.
STAFF = _copy(Staff)
# The desk's offline search (services.stations.mirror_read): the folded words each person is found
# by (name, e-mail, company; a ticket's holder and id), written with the copied row.
SEARCH_TEXT = "search_text"
ATTENDEE.append_column(Column(SEARCH_TEXT, Text))
TICKET.append_column(Column(SEARCH_TEXT, Text))
# Badges queued by check-ins decided here offline: the server's print queue, kept here until
# printed, and the outcome uploaded (``uploaded_at``) to the server's print log.
PRINT_JOB = _copy(PrintJob)
PRINT_JOB.append_column(Column("uploaded_at", UTCDateTime()))
STAFF.append_column(Column("offline_changed", Integer))
# A desk or kiosk account's PIN, as a station checks it offline (eventdesk.pins): ``pin_hash`` here
# is the server's ``offline_pin``, and ``pin_salt`` the server hash's parameters and salt.
STAFF.append_column(Column("pin_salt", String(200)))
Index("uq_mirror_scan_log_nonce", SCAN_LOG.c.nonce, unique=True)
Index("ix_mirror_ticket_session", TICKET_SESSION.c.session_id)
Index("ix_mirror_ticket_attendee", TICKET.c.attendee_id)
Index("ix_mirror_question_answer_ticket", QUESTION_ANSWER.c.ticket_id)
Index("ix_mirror_question_answer_order", QUESTION_ANSWER.c.order_id)

# Every scan (and undo) this station decided offline, in order, until the server has it.
OUTBOX = Table(
    "outbox",
    MIRROR,
    Column("seq", Integer, primary_key=True),
    Column("nonce", String(64), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),  # scan | undo
    # What the decision did to the ticket: admit | readmit | leave | session | undo | none
    Column("effect", String(10), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("station", String(100), nullable=False),
    Column("operator", String(100)),
    Column("event_id", Integer),
    Column("session_id", Integer),
    Column("ticket_id", String(16)),
    Column("direction", String(8), nullable=False),
    Column("payload", String(256)),
    Column("result", String(24), nullable=False),
    Column("answer", Text),
    Column("was_at", UTCDateTime()),  # an undo: the check-in it annulled
    Column("was_station", String(100)),
    Column("state", String(10), nullable=False),  # pending | done | refused
    Column("problem", String(400)),  # why the server refused it (kept, reported)
    Column("uploaded_at", UTCDateTime()),
    Index("ix_outbox_state", "state", "seq"),
    Index("ix_outbox_ticket", "ticket_id"),
)
STATE = Table(
    "mirror_state",
    MIRROR,
    Column("key", String(40), primary_key=True),
    Column("value", Text),
)

# Copied from the server: mirror table -> (server table, columns that name a row).
COPIED: dict[str, tuple[Table, tuple[str, ...]]] = {
    "event": (EVENT, ("id",)),
    "event_session": (SESSION, ("id",)),
    "ticket_type": (TICKET_TYPE, ("id",)),
    "attendee": (ATTENDEE, ("id",)),
    "ticket": (TICKET, ("id",)),
    "ticket_order": (ORDER, ("id",)),
    "ticket_session": (TICKET_SESSION, ("ticket_id", "session_id")),
    "session_checkin": (SESSION_CHECKIN, ("ticket_id", "session_id")),
    "import_run": (IMPORT_RUN, ("id",)),
    "signing_key": (SIGNING_KEY, ("id",)),
    "checkin_list": (CHECKIN_LIST, ("id",)),
    "list_entry": (LIST_ENTRY, ("list_id", "ticket_id", "day")),
    "badge_layout": (BADGE_LAYOUT, ("name",)),
}
# Copied whole at each refresh (not tracked by the server: small), in this order.
WHOLE: dict[str, tuple[Table, Any]] = {
    "registration_question": (QUESTION, RegistrationQuestion),
    "question_answer": (QUESTION_ANSWER, QuestionAnswer),
    **QUOTA_WHOLE,
}
NOT_COPIED = {"event": {"invite_code"}}  # a secret of registration, not of the door
_SERVER = {
    "event": Event,
    "event_session": EventSession,
    "ticket_type": TicketType,
    "attendee": Attendee,
    "ticket": Ticket,
    "ticket_order": Order,
    "ticket_session": TicketSession,
    "session_checkin": SessionCheckin,
    "import_run": ImportRun,
    "signing_key": SigningKey,
    "checkin_list": CheckinList,
    "list_entry": ListEntry,
    "badge_layout": BadgeLayout,
}
_SERVER_PAYMENT = cast(Table, Payment.__table__)
_SINCE = text("sync_xid >= CAST(:mark AS xid8)")


@dataclass(frozen=True)
class Refreshed:
    """One refresh: rows copied and removed, and whether it was a whole new copy."""

    downloaded: int
    removed: int
    full: bool
    seconds: float


class Mirror:
    """The mirror of one station (``DATA_DIR/mirror.db``), made on first use: encrypted with
    ``key`` (services.stations.copy_key); None only for a file read as it is (the plain copy of
    an earlier version, and the benchmark's side without encryption)."""

    def __init__(self, data_dir: Path, key: bytes | None) -> None:
        self.path = Path(data_dir) / MIRROR_FILE
        private_file(self.path)
        self.encrypted = key is not None
        self.store = Store(f"sqlite:///{self.path}", key=key)
        if self._current():
            return  # the usual case: opened as it is, nothing written
        with self.store.write() as session:  # made once: no need to wait for the disk
            conn = session.connection()
            found = set(
                conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
            )
            version = (
                conn.execute(select(STATE.c.value).where(STATE.c.key == "version")).scalar()
                if STATE.name in found
                else None
            )
            if version != MIRROR_VERSION:  # new, or of another version: copied again
                for table in (*reversed(MIRROR.sorted_tables), QUOTA):
                    if table is not OUTBOX and table.name in found:
                        table.drop(conn)
            MIRROR.create_all(conn)
            SALES.create_all(conn)  # the quotas and the sales made offline from them
            if version != MIRROR_VERSION:
                conn.execute(insert(STATE), {"key": "version", "value": MIRROR_VERSION})

    def _current(self) -> bool:
        """The file is a mirror of this version already."""
        if not self.path.exists():
            return False
        with self.store.read() as session:
            conn = session.connection()
            if not conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mirror_state'")
            ).first():
                return False
            return self.get(conn, "version") == MIRROR_VERSION

    def close(self) -> None:
        self.store.dispose()

    # --- what it holds --------------------------------------------------------------------
    def get(self, conn: Connection, key: str) -> str | None:
        return conn.execute(select(STATE.c.value).where(STATE.c.key == key)).scalar()

    @staticmethod
    def put(conn: Connection, key: str, value: str | None) -> None:
        statement = sqlite_insert(STATE).values(key=key, value=value)
        conn.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    def status(self) -> MirrorStatus:
        with self.store.read() as session:
            conn = session.connection()
            values: dict[str, str | None] = {
                key: value for key, value in conn.execute(select(STATE.c.key, STATE.c.value))
            }
            states: dict[str, int] = {
                state: count
                for state, count in conn.execute(
                    select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state)
                )
            }
            tickets = conn.execute(select(func.count()).select_from(TICKET)).scalar() or 0
        updated = values.get("refreshed_at")
        return MirrorStatus(
            updated_at=datetime.fromisoformat(updated) if updated else None,
            tickets=int(tickets),
            pending=int(states.get("pending", 0)),
            refused=int(states.get("refused", 0)),
            uploaded=int(states.get("done", 0)),
            server=values.get("server"),
            notice=values.get(NOTICE_KEY),
        )

    def pending(self) -> int:
        with self.store.read() as session:
            found = session.execute(
                select(func.count()).select_from(OUTBOX).where(OUTBOX.c.state == "pending")
            ).scalar()
        return int(found or 0)

    def has_copy(self) -> bool:
        with self.store.read() as session:
            return (
                session.execute(select(STATE.c.value).where(STATE.c.key == "mark")).scalar()
                is not None
            )

    # --- what this station did --------------------------------------------------------------
    def remember(self, effect: str, ticket_id: str | None, **row: Any) -> None:
        """An admission (or exit, undo) decided online: kept here too, so that the door still
        knows it when the server goes away before the next refresh. Not a durable write: the
        server has it, and the next refresh brings it back after a crash."""
        if ticket_id is None or effect == "none":
            return
        with self.store.write() as session:
            apply_local(session.connection(), effect, ticket_id, **row)


def private_file(path: Path) -> None:
    """``path`` is 0600 whatever the process's umask (it holds names and PIN hashes): made so
    when new (SQLite gives its WAL and shared-memory files the same mode), tightened when
    looser."""
    if os.name == "nt":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    with contextlib.suppress(OSError):  # not ours to change: the station still runs
        for each in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
            if each.exists() and stat.S_IMODE(each.stat().st_mode) & ~PRIVATE:
                os.chmod(each, PRIVATE)


@dataclass(frozen=True)
class MirrorStatus:
    updated_at: datetime | None
    tickets: int
    pending: int
    refused: int
    uploaded: int
    server: str | None
    notice: str | None = None  # the last time a mirror here was moved aside, and why


def apply_local(
    conn: Connection,
    effect: str,
    ticket_id: str,
    *,
    at: datetime,
    station: str,
    session_id: int | None = None,
    **_ignored: Any,
) -> None:
    """What a decision did to a ticket, done to the mirror's copy of it."""
    t, sc = TICKET, SESSION_CHECKIN
    if effect in LIST_EFFECTS:
        apply_list(conn, effect, ticket_id, at=at, station=station, **_ignored)
        return
    if effect == "admit":
        conn.execute(
            update(t)
            .where(t.c.id == ticket_id, t.c.checked_in_at.is_(None))
            .values(checked_in_at=at, checked_in_station=station)
        )
        conn.execute(update(t).where(t.c.id == ticket_id).values(inside=True))
    elif effect == "readmit":
        conn.execute(update(t).where(t.c.id == ticket_id).values(inside=True))
    elif effect == "leave":
        conn.execute(update(t).where(t.c.id == ticket_id).values(inside=False))
    elif effect == "session" and session_id is not None:
        conn.execute(
            sqlite_insert(sc)
            .values(ticket_id=ticket_id, session_id=session_id, checked_in_at=at, station=station)
            .on_conflict_do_nothing()
        )
    elif effect == "undo":
        if session_id is None:
            conn.execute(
                update(t)
                .where(t.c.id == ticket_id)
                .values(checked_in_at=None, checked_in_station=None, inside=False)
            )
        else:
            conn.execute(
                delete(sc).where(sc.c.ticket_id == ticket_id, sc.c.session_id == session_id)
            )


def list_of_answer(conn: Connection, answer: str | None) -> tuple[int, str] | None:
    """The list and day a decision's answer (its JSON) names, as the mirror knows them."""
    if not answer:
        return None
    data = json.loads(answer)
    if data.get("list_day") is None or not data.get("list"):
        return None
    found = conn.execute(
        select(CHECKIN_LIST.c.id)
        .select_from(CHECKIN_LIST.join(EVENT, EVENT.c.id == CHECKIN_LIST.c.event_id))
        .where(EVENT.c.slug == data.get("event"), CHECKIN_LIST.c.slug == data["list"])
    ).scalar()
    return None if found is None else (int(found), str(data["list_day"]))


def apply_list(
    conn: Connection, effect: str, ticket_id: str, *, at: datetime, station: str, **row: Any
) -> None:
    """A list's admission, re-entry or exit, done to the mirror's copy of its entries."""
    found = list_of_answer(conn, row.get("answer"))
    if found is None:
        return
    list_id, day = found
    e = LIST_ENTRY
    key = (e.c.list_id == list_id, e.c.ticket_id == ticket_id, e.c.day == day)
    if effect == "list":
        conn.execute(
            sqlite_insert(e)
            .values(
                list_id=list_id,
                ticket_id=ticket_id,
                day=day,
                first_at=at,
                station=station,
                last_at=at,
                entries=1,
                inside=True,
            )
            .on_conflict_do_nothing()
        )
    elif effect == "list_in":
        decided = datetime.fromisoformat(json.loads(row["answer"])["at"])
        conn.execute(
            update(e).where(*key).values(inside=True, entries=e.c.entries + 1, last_at=decided)
        )
    else:
        conn.execute(update(e).where(*key).values(inside=False))


def _reapply(conn: Connection, ticket_ids: Sequence[str] | None) -> None:
    """This station's scans not uploaded yet, done again over a copy just refreshed (of
    ``ticket_ids``, or of every ticket)."""
    query = (
        select(OUTBOX)
        .where(OUTBOX.c.state == "pending", OUTBOX.c.effect != "none")
        .order_by(OUTBOX.c.seq)
    )
    if ticket_ids is not None:
        query = query.where(OUTBOX.c.ticket_id.in_(ticket_ids))
    for row in conn.execute(query).mappings():
        apply_local(conn, row["effect"], row["ticket_id"], **row)


# --- refresh --------------------------------------------------------------------------------
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
            _reapply(conn, None)
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
    server_table = cast(Table, _SERVER[name].__table__)
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
            _reapply(conn, sorted({str(row.get("ticket_id", row.get("id"))) for row in batch}))


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
            _reapply(conn, touched)
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
