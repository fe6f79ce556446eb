"""The station's copy's schema (services.stations.mirror): each copied table derived from the
server's model (its name and the columns a door needs), the columns only the copy has, the
outbox and the copy's own state, and which tables a refresh copies by what changed and which
whole."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
)

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
    RevokedCode,
    ScanLog,
    SessionCheckin,
    ShopKey,
    SigningKey,
    Staff,
    Ticket,
    TicketSession,
    TicketType,
    UTCDateTime,
)
from eventdesk.services.stations.mirror_quota import QUOTA_WHOLE

MIRROR_FILE = "mirror.db"
MIRROR_VERSION = "23"  # a mirror of another version is copied again (its outbox is kept)
# Versions this build copies again in place (their outbox is this one's); a mirror of any other
# version is a schema this build does not know: it is moved aside (services.stations.mirror_repair).
KNOWN_VERSIONS = (*(str(n) for n in range(1, 23)), MIRROR_VERSION)  # "1" to "22", and this one
CHUNK = 2000  # rows written to the mirror per transaction: a door waits at most that long
PRIVATE = 0o600  # the mirror's files: names and PIN hashes
FULL_AFTER = timedelta(hours=12)  # a mirror older than this is copied whole again

MIRROR: MetaData = MetaData()
NOTICE_KEY = "moved_aside"  # services.stations.mirror_repair: the last mirror moved aside, and why
GEN = "mirror_gen"  # a copied row's generation: a whole new copy removes the older ones last
EMAILS = "emails"  # the state's: "yes" when the copy holds the attendees' e-mails


def _copy(
    source: Any, names: Iterable[str] | None = None, metadata: MetaData | None = None
) -> Table:
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
    return Table(table.name, MIRROR if metadata is None else metadata, *columns)


# What a door reads, as the check-in service reads it (services.door.checkin): whole rows of the
# small tables, only what the door shows or checks of the large and personal ones.
EVENT = _copy(Event)
SESSION = _copy(EventSession)
TICKET_TYPE = _copy(TicketType)
# The family part of a name given apart sorts the paper door list and a badge sheet offline.
ATTENDEE = _copy(
    Attendee,
    ("id", "name", "family_name", "email", "company", "language", "badge_name", "alert", "note"),
)
# Of each order only the staff's note, which the door shows with its tickets' answers, and the
# shop it was sold in with its code there (the desk's card shows it).
ORDER = _copy(Order, ("id", "note", "shop", "shop_ref"))
TICKET = _copy(
    Ticket,
    (
        "id",
        "order_id",
        "event_id",
        "ticket_type_id",
        "attendee_id",
        "holder_name",
        "holder_family_name",
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
        "shop_hold",
        "valid_from",
        "valid_until",
        "parent_id",
    ),
)
TICKET_SESSION = _copy(TicketSession)
SESSION_CHECKIN = _copy(SessionCheckin)
# One row per ticket with what it has paid in all (and a refund row of 0 when it was refunded):
# what is due, without the payments themselves.
PAYMENT = _copy(Payment, ("id", "ticket_id", "kind", "amount_cents", "status"))
IMPORT_RUN = _copy(ImportRun, ("id", "state"))
SIGNING_KEY = _copy(SigningKey, ("id", "public_key"))
# This station's scan log is its outbox's scans, read through a view (SCAN_LOG_VIEW): an offline
# decision is written once, as its outbox row, which the replay check (a nonce answered before),
# the roll call and the statistics read (version 17; before it, a second row in a table).
VIEWS = MetaData()
SCAN_LOG = _copy(ScanLog, metadata=VIEWS)
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
# The codes a shop revoked: the door names them as such offline too (eventdesk.tickets).
REVOKED_CODE = _copy(RevokedCode)
# The keys a shop signs an event's tickets with: a forged code is told offline too.
SHOP_KEY = _copy(ShopKey)
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
Index("ix_mirror_ticket_session", TICKET_SESSION.c.session_id)
Index("ix_mirror_ticket_attendee", TICKET.c.attendee_id)
# A shop's code is looked up at the door, offline too (eventdesk.tickets.Verifier.by_code).
Index("ix_mirror_ticket_code", TICKET.c.qr_payload)
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
    # No index but the nonce's: what waits is found from the mark (``waiting``), so that a
    # decision writes its row, its nonce and its ticket, and no index page more (version 18).
)
STATE = Table(
    "mirror_state",
    MIRROR,
    Column("key", String(40), primary_key=True),
    Column("value", Text),
)
# The outbox's mark: every row before it is done (uploaded). Rows are numbered in the order they
# are written, and the upload moves the mark past what it finished (mirror.settle_outbox), so
# what waits, was refused or was set apart is read from the mark on: the few rows since, not
# the day's.
WAITING_FROM = "waiting_from"


def waiting() -> ColumnElement[bool]:
    """The outbox's rows from its mark on (every row not done is among them)."""
    mark = select(STATE.c.value.cast(Integer)).where(STATE.c.key == WAITING_FROM)
    return OUTBOX.c.seq >= func.coalesce(mark.scalar_subquery(), 0)


# As SQLite keeps it in sqlite_master (mirror_repair accepts this view and no other).
SCAN_LOG_VIEW = f"""CREATE VIEW {SCAN_LOG.name} AS
SELECT seq AS id, at, station, operator, event_id, session_id, ticket_id, direction, payload,
       result, nonce, answer, 1 AS offline
FROM {OUTBOX.name} WHERE kind = 'scan'"""

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
    "revoked_code": (REVOKED_CODE, RevokedCode),
    "shop_key": (SHOP_KEY, ShopKey),
    **QUOTA_WHOLE,
}
NOT_COPIED = {"event": {"invite_code"}}  # a secret of registration, not of the door
