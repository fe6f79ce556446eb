"""A pretix event connected (``eventdesk shop connect pretix``, ``shop sync``): its REST API
read (``/api/v1/``, a team's API token), and its tickets written as ours the way a shop's export
is (services.data.shop_export): each order position a ticket whose code is the position's
secret, unchanged, found again by its order code and position at the next pull.

The token is read from a file and kept in the station's data folder, readable by the station
alone (mode 0600), never in the database, a log or an export. pretix's own documentation of its
API (events, items, orders, check-in lists) is what this reads; what it answers is the shop's
word for names, states and codes.
"""

from __future__ import annotations

import contextlib
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.event_time import event_zone, show
from eventdesk.i18n import _
from eventdesk.models import ScanConflict, ScanLog, ShopKey, ShopPush, Ticket
from eventdesk.private import private_file
from eventdesk.services.catalogue.events import create_event
from eventdesk.services.common import get_event
from eventdesk.services.data.pretix_api import Connection, get, pages, translated
from eventdesk.services.data.pretix_checkins import (
    SHOP_STATION,
    Exchanged,
    pull_checkins,
    push,
    waiting,
)
from eventdesk.services.data.pretix_lists import EventDays, door_list, read_lists, write_lists
from eventdesk.services.data.pretix_questions import (
    ShopQuestion,
    answers_of,
    read_questions,
    write_answers,
    write_questions,
)
from eventdesk.services.data.shop_export import ShopImport, ShopTicket, revoke, write_tickets
from eventdesk.shop_codes import SIG1, public_keys
from eventdesk.values import utcnow

# The next pull asks for the orders changed since the last one began, less this: the shop's
# clock may be behind ours (an order changed twice is only written once).
CLOCKS_APART = timedelta(minutes=5)
SEAT_LENGTH = 20  # a ticket's seat_label
FOLDER = "shops"  # in the data folder: each connected event's connection and token


def read_token(path: str | Path) -> str:
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InvalidInput(
            _("the token file {path} cannot be read: {why}").format(
                path=path, why=exc.strerror or exc
            ),
            field="token_file",
        ) from None
    if not token or any(c.isspace() for c in token):
        raise InvalidInput(
            _("the token file {path} holds no API token (one line, the token alone)").format(
                path=path
            ),
            field="token_file",
        )
    return token


def _cents(value: Any) -> int | None:
    try:
        return int(Decimal(str(value)) * 100)
    except (InvalidOperation, ValueError):
        return None


def positions(
    connection: Connection,
    names: dict[tuple[int, int | None], str],
    checkins: dict[str, list[dict[str, Any]]] | None = None,
    reading: Callable[[int], None] | None = None,
    since: str | None = None,
    answers: tuple[dict[int, ShopQuestion], dict[str, dict[str, str]]] | None = None,
) -> list[ShopTicket]:
    """Every order position of the event (``since``: of the orders changed since then, a
    check-in at pretix's gates changing its order too), cancelled ones included, as the tickets
    an export would have (and, into ``checkins``, each one's check-ins at pretix, by its code);
    ``reading`` hears of each order read."""
    found: list[ShopTicket] = []
    query = "orders/?ordering=datetime&include_canceled_positions=true"
    if since is not None:
        query += f"&modified_since={urllib.parse.quote(since)}"
    for order in pages(connection, query):
        if reading is not None:
            reading(1)
        state = order.get("status")
        email = order.get("email") or ""
        # Each position's key by pretix's id of it: an add-on names its parent so.
        keys = {
            p.get("id"): f"{order['code']}-{p['positionid']}" for p in order.get("positions", [])
        }
        awaiting = state == "n" and bool(order.get("require_approval"))
        named: dict[Any, tuple[str, str | None]] = {}
        for place in order.get("positions", []):
            if checkins is not None and place.get("checkins"):
                checkins[str(place["secret"])] = list(place["checkins"])
            if answers is not None and place.get("answers"):
                answers[1][str(place["secret"])] = answers_of(place, answers[0])
            # An add-on pretix asks no name for is its parent's holder's (pretix's order lists a
            # parent before its add-ons).
            holder, family = (
                name_parts(place.get("attendee_name_parts"), place.get("attendee_name"))
                or named.get(place.get("addon_to"))
                or name_parts(
                    (order.get("invoice_address") or {}).get("name_parts"),
                    translated((order.get("invoice_address") or {}).get("name")),
                )
                or ("", None)
            )
            named[place.get("id")] = (holder, family)
            found.append(
                ShopTicket(
                    row=len(found) + 1,
                    code=str(place["secret"]),
                    order=str(order["code"]),
                    name=(holder or (place.get("attendee_email") or email).partition("@")[0])[:200],
                    email=place.get("attendee_email") or email,
                    ticket_type=names.get((place["item"], place.get("variation")), "?")[:100],
                    company=place.get("company") or None,
                    cancelled=state in ("c", "e") or bool(place.get("canceled")),
                    # An order pretix counts valid while pending admits as a paid one.
                    unpaid=state == "n" and not order.get("valid_if_pending"),
                    price_cents=_cents(place.get("price")),
                    key=keys[place.get("id")],
                    seat=_seat(place.get("seat")),
                    # A position pretix blocked (its "blocked" reasons) admits no one, nor one
                    # of an order that awaits the shop's approval: the door says which.
                    hold="blocked" if place.get("blocked") else "approval" if awaiting else None,
                    valid_from=_moment(place.get("valid_from")),
                    valid_until=_moment(place.get("valid_until")),
                    parent_key=keys.get(place.get("addon_to")) if place.get("addon_to") else None,
                    family=family[:200] if family and holder else None,
                )
            )
    return found


def _moment(text: Any) -> datetime | None:
    """A time pretix gives (ISO 8601 with its offset), None when it gives none."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _seat(seat: Any) -> str | None:
    """A position's seat as the door names it: pretix's own name of it ("Stalls, Row 3, Seat
    12"), without its zone when that is longer than a ticket's seat holds."""
    if not isinstance(seat, dict):
        return None
    name = str(seat.get("name") or "").strip()
    if len(name) > SEAT_LENGTH:
        row = seat.get("row_label") or (f"Row {seat['row_name']}" if seat.get("row_name") else "")
        place = seat.get("seat_label") or (
            f"Seat {seat['seat_number']}" if seat.get("seat_number") else ""
        )
        name = ", ".join(str(part) for part in (row, place) if part) or name
    return name[:SEAT_LENGTH] or None


# pretix's name schemes (its PERSON_NAME_SCHEMES) that write the family name first, and how.
_FAMILY_FIRST = {"family_given": " ", "family_nospace_given": "", "family_comma_given": ", "}


def name_parts(parts: Any, whole: Any = None) -> tuple[str, str | None] | None:
    """A name pretix gives, as one (``whole``, pretix's ``attendee_name``: its parts joined as
    the event's name scheme writes them), else its parts joined so, and its family part (None:
    none given apart); None when there is no name. The parts are ``attendee_name_parts``:
    ``_scheme`` and given, family, title, ... as the scheme asks them; a scheme of one full
    name gives no family part."""
    given_apart = parts if isinstance(parts, dict) else {}
    text = {k: str(v).strip() for k, v in given_apart.items() if k != "_scheme" and v}
    family = text.get("family_name") or None
    name = str(whole).strip() if whole else ""
    if not name and text:
        scheme = str(given_apart.get("_scheme") or "")
        if scheme in _FAMILY_FIRST and ("given_name" in text or "family_name" in text):
            name = _FAMILY_FIRST[scheme].join(
                text[k] for k in ("family_name", "given_name") if k in text
            )
        else:
            order = ("salutation", "title", "given_name", "middle_name", "family_name")
            known = [text[k] for k in order if k in text]
            rest = [v for k, v in text.items() if k not in order and k != "calling_name"]
            name = " ".join(known + rest) if known else " ".join(rest)
    return (name, family) if name else None


def product_names(connection: Connection) -> dict[tuple[int, int | None], str]:
    """Each product and variation as a ticket type's name ("Day pass – Sunday")."""
    names: dict[tuple[int, int | None], str] = {}
    for item in pages(connection, "items/"):
        name = translated(item.get("name"))
        names[item["id"], None] = name
        for variation in item.get("variations", []):
            names[item["id"], variation["id"]] = f"{name} – {translated(variation.get('value'))}"
    return names


def saved_at(data_dir: Path, ours: str) -> Path:
    return data_dir / FOLDER / f"{ours}.json"


def save(data_dir: Path, connection: Connection) -> None:
    """The connection kept in the data folder, the token in a file of the station's alone."""
    path = private_file(saved_at(data_dir, connection.ours))
    path.write_text(json.dumps(connection.__dict__), encoding="utf-8")


def load(data_dir: Path, ours: str) -> Connection:
    try:
        data = json.loads(saved_at(data_dir, ours).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(
            _("no shop is connected to event {event} at this station").format(event=ours)
        ) from None
    return Connection(**data)


@dataclass(frozen=True)
class Pulled:
    connection: Connection
    done: ShopImport


def connect(
    store: Store,
    data_dir: Path,
    url: str,
    *,
    organizer: str,
    event: str,
    token_file: str | Path,
    as_event: str | None = None,
    progress: Callable[[int], None] | None = None,
    reading: Callable[[int], None] | None = None,
) -> Pulled:
    """The pretix event read and made ours (``as_event``: into an event we have; else a new
    one of its name, dates, zone), the connection kept, and its tickets pulled."""
    if urllib.parse.urlparse(url).scheme not in ("http", "https"):
        raise InvalidInput(_("{url} is not a web address").format(url=url), field="url")
    connection = Connection(url, organizer, event, "", read_token(token_file))
    shop_event = get(connection, connection.api(""))
    if as_event is not None:
        with store.read() as session:
            ours = get_event(session, as_event).slug
    else:
        ours = _made(store, shop_event)
    connection = Connection(url, organizer, event, ours, connection.token)
    done = pull(store, connection, progress=progress, reading=reading, shop_event=shop_event)
    connection = reached(data_dir, connection, done)
    return Pulled(connection, done)


def reached(data_dir: Path, connection: Connection, done: ShopImport) -> Connection:
    """The connection kept with the time its pull had the shop's answers."""
    stamp = done.pulled_at.isoformat() if done.pulled_at else connection.last_reached
    kept = Connection(
        **{
            **connection.__dict__,
            "last_reached": stamp,
            "lists": done.list_slugs or connection.lists,
            "lists_refused": done.lists_refused,
            "modified_since": done.changed_since or connection.modified_since,
        }
    )
    save(data_dir, kept)
    return kept


@dataclass(frozen=True)
class ShopStatus:
    connection: Connection
    waiting: int  # our check-ins not sent yet
    refused: list[str]  # what the shop refused of ours, and why
    conflicts: int  # tickets admitted by the shop's scanners and here while apart
    timezone: str | None = None  # the event's: its times are said in it

    def reached(self) -> str:
        """When the shop was last reached, on the event's clock ("never")."""
        stamp = self.connection.last_reached
        if not stamp:
            return _("never")
        return show(datetime.fromisoformat(stamp), event_zone(self.timezone))


def status(store: Store, data_dir: Path, ours: str) -> ShopStatus:
    """What this station knows of the connection, without asking the shop."""
    connection = load(data_dir, ours)
    with store.read() as session:
        event = get_event(session, connection.ours)
        event_id, timezone = event.id, event.timezone
        refused = [
            f"{code}: {reason or said}"
            for code, said, reason in session.execute(
                select(Ticket.qr_payload, ShopPush.status, ShopPush.reason)
                .join(ScanLog, ScanLog.id == ShopPush.scan_id)
                .join(Ticket, Ticket.id == ScanLog.ticket_id)
                .where(ScanLog.event_id == event_id, ShopPush.status != "ok")
                .order_by(ShopPush.scan_id)
            )
        ]
        conflicts = session.scalar(
            select(func.count())
            .select_from(ScanConflict)
            .where(ScanConflict.event_id == event_id, ScanConflict.station == SHOP_STATION)
        )
    return ShopStatus(
        connection, len(waiting(store, event_id)), refused, int(conflicts or 0), timezone
    )


def keep_keys(store: Store, event_id: int, valid_keys: Any) -> list[str]:
    """The event's pretix_sig1 keys kept as the shop gives them now (a station's copy takes
    them along): a key gone from the shop is gone here. A key that is none is said, not kept."""
    given = [str(k) for k in ((valid_keys or {}).get(SIG1) or ())]
    try:
        public_keys({SIG1: given})
    except ValueError as exc:
        return [_("the shop's signing keys were not taken: {why}").format(why=exc)]
    with store.write() as session:
        kept = set(session.scalars(select(ShopKey.public_key).where(ShopKey.event_id == event_id)))
        for gone in kept - set(given):
            session.execute(
                delete(ShopKey).where(ShopKey.event_id == event_id, ShopKey.public_key == gone)
            )
        for key in sorted(set(given) - kept):
            session.add(ShopKey(event_id=event_id, public_key=key, scheme=SIG1, added_at=utcnow()))
    return []


def connected(data_dir: Path) -> list[str]:
    """Our events with a shop connected at this station."""
    return sorted(path.stem for path in (data_dir / FOLDER).glob("*.json"))


def chosen(data_dir: Path, ours: str | None) -> str:
    """The event named, else the one event with a shop connected here (NotFound: none, or
    InvalidInput naming them: several)."""
    if ours is not None:
        return ours
    found = connected(data_dir)
    if not found:
        raise NotFound(_("no shop is connected at this station: `shop connect pretix` first"))
    if len(found) > 1:
        raise InvalidInput(
            _("shops are connected for several events here: name one ({events})").format(
                events=", ".join(found)
            ),
            field="event",
        )
    return found[0]


def disconnect(data_dir: Path, ours: str) -> Connection:
    """The connection forgotten at this station, its token with it (the event's tickets stay:
    they are the event's now). NotFound when there is none."""
    connection = load(data_dir, ours)
    saved_at(data_dir, ours).unlink()
    return connection


def summary(ours: str, done: ShopImport) -> dict[str, object]:
    """What a pull did, as `shop connect` and `shop sync` say it (their JSON)."""
    exchanged = done.exchanged or Exchanged()  # a pull always has it
    return {
        "event": ours,
        "shop": "pretix",
        "orders": done.orders,
        "tickets": done.created + done.updated + done.unchanged,
        **done.as_json(),
        "pulled": exchanged.pulled,
        "pushed": exchanged.pushed,
        "conflicts": exchanged.conflicts,
        "waiting": exchanged.waiting,
        "refused": exchanged.refused,
        "push_stopped": exchanged.stopped,
        "lists_made": done.lists_made,
        "lists_changed": done.lists_changed,
        "lists_refused": done.lists_refused,
        "lists": sorted(done.list_slugs.values()),
        "refused_lists": [
            {"list": name, "why": why}
            for name, why in zip(done.lists_refused_names, done.lists_refused, strict=True)
        ],
        "last_reached": done.pulled_at.isoformat() if done.pulled_at else None,
    }


def told(said: dict[str, object], done: ShopImport) -> list[str]:
    """A pull's summary in words, a line each."""
    lists = done.lists_made + done.lists_changed
    return [
        _(
            "{event}: {tickets} ticket(s) of {orders} order(s) from pretix ({created} new, "
            "{updated} changed, {gone} cancelled as gone from the shop)"
        ).format(**said),
        _(
            "check-ins: {pushed} sent to pretix, {pulled} taken from its scanners, "
            "{conflicts} admitted on both sides while apart"
        ).format(**said),
        # TRANSLATORS: {lists} are check-in lists' short names, as `checkin --list` takes them
        *(
            [_("check-in lists from pretix: {lists}").format(lists=", ".join(lists))]
            if lists
            else []
        ),
        *done.lists_refused,
        *done.problems,
        *_stopped(said),
        *refusals(done.exchanged.refused if done.exchanged else []),
    ]


def _stopped(said: dict[str, object]) -> list[str]:
    if not said["push_stopped"]:
        return []
    return [
        # TRANSLATORS: {why} is the shop's answer ("the shop at URL answered HTTP 429")
        _("sending stopped: {why}; {waiting} check-in(s) wait for the next sync").format(
            why=said["push_stopped"], waiting=said["waiting"]
        )
    ]


def refusals(refused: list[str]) -> list[str]:
    # TRANSLATORS: {check} is a ticket's code and pretix's reason it refused our check-in
    return [_("refused by pretix: {check}").format(check=each) for each in refused]


def status_line(found: ShopStatus, when: str) -> str:
    """The connection in one line: ``when`` is its last pull as the reader's clock says it."""
    connection = found.connection
    return _(
        "{event}: pretix {url} ({organizer}/{shop_event}), last reached {reached}; "
        "{waiting} check-in(s) waiting to go up, {conflicts} conflict(s)"
    ).format(
        event=connection.ours,
        url=connection.url,
        organizer=connection.organizer,
        shop_event=connection.event,
        reached=when,
        waiting=found.waiting,
        conflicts=found.conflicts,
    )


def _made(store: Store, shop_event: dict[str, Any]) -> str:
    """Our event for the shop's: the one of its slug, else a new one."""
    slug = str(shop_event["slug"])
    with store.read() as session, contextlib.suppress(NotFound):
        return get_event(session, slug).slug
    starts = datetime.fromisoformat(str(shop_event["date_from"]))
    ends_text = shop_event.get("date_to")
    ends = datetime.fromisoformat(str(ends_text)) if ends_text else starts
    made = create_event(
        store,
        name=translated(shop_event.get("name")) or slug,
        slug=slug,
        starts=starts,
        ends=max(ends, starts),
        timezone=str(shop_event.get("timezone") or "UTC"),
    )
    return made.slug


def pull(
    store: Store,
    connection: Connection,
    *,
    progress: Callable[[int], None] | None = None,
    reading: Callable[[int], None] | None = None,
    full: bool = True,
    shop_event: dict[str, Any] | None = None,
) -> ShopImport:
    """What the shop has of the event now, written as an import again would: everything
    (``full``: a ticket gone from the shop is cancelled here), else the orders changed since the
    last pull (Connection.modified_since); then our check-ins sent and the shop's taken."""
    started = utcnow()
    since = None if full else connection.modified_since
    names = product_names(connection)
    questions = read_questions(connection)
    checkins: dict[str, list[dict[str, Any]]] = {}
    given: dict[str, dict[str, str]] = {}
    tickets = positions(connection, names, checkins, reading, since, (questions, given))
    with store.read() as session:
        found = get_event(session, connection.ours)
        event_id = found.id
        event = EventDays(found.starts_at, found.ends_at, found.timezone)
    done = write_tickets(
        store, event_id, "pretix", tickets, progress=progress, partial=since is not None
    )
    done.changed_since = (started - CLOCKS_APART).isoformat()
    write_questions(store, event_id, questions.values())
    done.problems += write_answers(store, event_id, given)
    now = utcnow()
    current = {t.code for t in tickets}
    revoked = [
        str(each["secret"])
        for each in pages(connection, "revokedsecrets/")
        if each.get("secret") and each["secret"] not in current
    ]
    with store.write() as session:
        for code in revoked:
            revoke(session, event_id, code, None, now)
    done.pulled_at = now
    if shop_event is None:  # connect read it a moment ago
        shop_event = get(connection, connection.api(""))
    done.problems += keep_keys(store, event_id, shop_event.get("valid_keys"))
    shop_lists = read_lists(connection, names, shop_event, event)
    written = write_lists(store, event_id, shop_lists, connection.lists)
    done.lists_made, done.lists_changed = written.made, written.changed
    done.lists_refused, done.list_slugs = written.refused, written.slugs
    done.lists_refused_names = written.refused_names
    # pretix's redeem takes one list of an event: our entries count on its door of every
    # product with no rule, else on its first list.
    door = door_list(shop_lists)
    lists = [door.shop_id] if door is not None else []
    theirs = pull_checkins(store, event_id, checkins)
    ours = push(store, connection, event_id, lists)
    done.exchanged = Exchanged(
        pushed=ours.pushed,
        refused=ours.refused,
        stopped=ours.stopped,
        pulled=theirs.pulled,
        conflicts=theirs.conflicts,
        waiting=len(waiting(store, event_id)),
    )
    return done
