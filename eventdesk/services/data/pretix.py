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
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _, current
from eventdesk.models import ScanLog, ShopPush, Ticket
from eventdesk.private import private_file
from eventdesk.services.catalogue.events import create_event
from eventdesk.services.common import get_event
from eventdesk.services.data.pretix_api import Connection, get, pages
from eventdesk.services.data.pretix_checkins import Exchanged, pull_checkins, push, waiting
from eventdesk.services.data.pretix_lists import EventDays, read_lists, write_lists
from eventdesk.services.data.shop_export import ShopImport, ShopTicket, revoke, write_tickets
from eventdesk.values import utcnow

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


def translated(value: Any) -> str:
    """A pretix multi-lingual string in the station's language, else English, else the first."""
    if isinstance(value, dict):
        for language in (current(), "en"):
            if value.get(language):
                return str(value[language])
        return next((str(v) for v in value.values() if v), "")
    return "" if value is None else str(value)


def _cents(value: Any) -> int | None:
    try:
        return int(Decimal(str(value)) * 100)
    except (InvalidOperation, ValueError):
        return None


def positions(
    connection: Connection,
    names: dict[tuple[int, int | None], str],
    checkins: dict[str, list[dict[str, Any]]] | None = None,
) -> list[ShopTicket]:
    """Every order position of the event, as the tickets an export would have (and, into
    ``checkins``, each one's check-ins at pretix, by its code)."""
    found: list[ShopTicket] = []
    for order in pages(connection, "orders/?ordering=datetime"):
        state = order.get("status")
        email = order.get("email") or ""
        for place in order.get("positions", []):
            if checkins is not None and place.get("checkins"):
                checkins[str(place["secret"])] = list(place["checkins"])
            holder = place.get("attendee_name") or translated(
                (order.get("invoice_address") or {}).get("name")
            )
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
                    unpaid=state == "n",
                    price_cents=_cents(place.get("price")),
                    key=f"{order['code']}-{place['positionid']}",
                )
            )
    return found


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
    done = pull(store, connection, progress=progress)
    connection = reached(data_dir, connection, done)
    return Pulled(connection, done)


def reached(data_dir: Path, connection: Connection, done: ShopImport) -> Connection:
    """The connection kept with the time its pull had the shop's answers."""
    stamp = done.pulled_at.isoformat() if done.pulled_at else connection.last_reached
    lists = done.list_slugs or connection.lists
    kept = Connection(**{**connection.__dict__, "last_reached": stamp, "lists": lists})
    save(data_dir, kept)
    return kept


@dataclass(frozen=True)
class ShopStatus:
    connection: Connection
    waiting: int  # our check-ins not sent yet
    refused: list[str]  # what the shop refused of ours, and why


def status(store: Store, data_dir: Path, ours: str) -> ShopStatus:
    """What this station knows of the connection, without asking the shop."""
    connection = load(data_dir, ours)
    with store.read() as session:
        event_id = get_event(session, connection.ours).id
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
    return ShopStatus(connection, len(waiting(store, event_id)), refused)


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
    store: Store, connection: Connection, *, progress: Callable[[int], None] | None = None
) -> ShopImport:
    """Everything the shop has of the event now, written as an import again would."""
    names = product_names(connection)
    checkins: dict[str, list[dict[str, Any]]] = {}
    tickets = positions(connection, names, checkins)
    with store.read() as session:
        found = get_event(session, connection.ours)
        event_id = found.id
        event = EventDays(found.starts_at, found.ends_at, found.timezone)
    done = write_tickets(store, event_id, "pretix", tickets, progress=progress)
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
    shop_lists = read_lists(connection, names, get(connection, connection.api("")), event)
    written = write_lists(store, event_id, shop_lists, connection.lists)
    done.lists_made, done.lists_changed = written.made, written.changed
    done.lists_refused, done.list_slugs = written.refused, written.slugs
    # pretix's redeem takes one list of an event: our entries count on its door of every
    # product with no rule, else on its first list.
    plain = [each for each in shop_lists if each.plain] or shop_lists
    lists = [plain[0].shop_id] if plain else []
    theirs = pull_checkins(store, event_id, checkins)
    ours = push(store, connection, event_id, lists)
    done.exchanged = Exchanged(
        pushed=ours.pushed,
        refused=ours.refused,
        pulled=theirs.pulled,
        conflicts=theirs.conflicts,
        waiting=len(waiting(store, event_id)),
    )
    return done
