"""A connected pretix event's check-in lists made ours (services.door.lists): each list of the
shop a list of the event here, found again by pretix's id at the next pull.

pretix's list says which products it admits, whether a ticket enters again (at all, or after an
exit) and, in JsonLogic, its rules. A rule is mapped onto our list's rules where it says what
they say: a product or variation among some (``inList``), a first entry only or one a day
(``entries_number`` or ``entries_today`` below 1), an entry after or before a moment or a time
of day (``isAfter``/``isBefore`` of ``now`` and a ``buildTime``), and any ``and`` of these
(``or`` of products). Any other rule (a gate, the minutes since an entry, an attribute of the
order, ...) cannot be honoured here: the list is not made ours, and the sync says which rule,
so that no door here admits what pretix would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.event_time import DAY_CHANGE_HOURS, event_zone, in_zone
from eventdesk.i18n import _
from eventdesk.models import CheckinList, Event
from eventdesk.services.data.pretix_api import Connection, pages
from eventdesk.services.data.shop_export import ticket_types
from eventdesk.services.door.lists import (
    DEFAULT,
    DEFAULT_NAME,
    day_of,
    default_rules,
    event_days,
)
from eventdesk.text import slugify
from eventdesk.values import utcnow

Product = tuple[int, int | None]  # pretix's item, and its variation (None: it has none)
MIDNIGHT = time(0, 0)
DAY_START = time(DAY_CHANGE_HOURS)  # an event's day starts (eventdesk.event_time)


class Unhonoured(Exception):
    """A list's rule that our lists cannot say: the sentence names it."""


@dataclass
class _Door:
    """What a list's rules say, gathered as they are read."""

    products: set[Product]
    entries: str | None = None
    after: datetime | None = None  # the first moment it admits
    before: datetime | None = None  # the moment it stops admitting
    opens: time | None = None  # every day, from
    closes: time | None = None  # every day, until


@dataclass(frozen=True)
class EventDays:
    """Our event's times, as its lists' days and hours are counted in."""

    starts_at: datetime
    ends_at: datetime
    timezone: str | None


@dataclass(frozen=True)
class ShopList:
    """One of the shop's lists, as it becomes ours (``refused``: why it does not)."""

    shop_id: int
    name: str
    columns: dict[str, Any] = field(default_factory=dict)
    types: tuple[str, ...] = ()
    refused: str | None = None
    plain: bool = False  # every product, no rule: a door that admits any valid ticket


def _shown(rule: Any) -> str:
    text = json.dumps(rule, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= 160 else f"{text[:157]}..."


def _var(value: Any) -> str | None:
    return str(value["var"]) if isinstance(value, dict) and set(value) == {"var"} else None


def _ids(listed: Any, kind: str, rule: Any) -> set[int]:
    """The ids of an ``objectList`` of ``lookup``s of ``kind`` (pretix's rule editor's way)."""
    try:
        looked = listed["objectList"]
        return {int(each["lookup"][1]) for each in looked if each["lookup"][0] == kind}
    except (KeyError, TypeError, ValueError, IndexError):
        raise Unhonoured(_shown(rule)) from None


def _among(rule: Any, products: Iterable[Product]) -> set[Product]:
    """The products an ``inList`` of products or variations admits."""
    args = rule["inList"]
    kind = _var(args[0]) if isinstance(args, list) and len(args) == 2 else None
    if kind not in ("product", "variation"):
        raise Unhonoured(_shown(rule))
    ids = _ids(args[1], kind, rule)
    return {p for p in products if (p[0] if kind == "product" else p[1]) in ids}


_FIRST_ONLY = {("<", 1), ("<=", 0), ("==", 0)}


def _moment(built: Any, shop_event: dict[str, Any], zone: Any, rule: Any) -> time | datetime:
    """A ``buildTime``: a time of day (``customtime``) or a moment."""
    try:
        kind, *value = built["buildTime"]
        if kind == "customtime":
            return time.fromisoformat(str(value[0]))
        text = str(value[0]) if kind == "custom" else str(shop_event[kind])
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError, IndexError):
        raise Unhonoured(_shown(rule)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _take(rule: Any, door: _Door, shop_event: dict[str, Any], zone: Any) -> None:
    """``rule`` read into ``door``; Unhonoured names the part our lists cannot say."""
    if rule in (None, {}, True):
        return
    if not isinstance(rule, dict) or len(rule) != 1:
        raise Unhonoured(_shown(rule))
    ((op, args),) = rule.items()
    if op == "and" and isinstance(args, list):
        for part in args:
            _take(part, door, shop_event, zone)
    elif (
        op == "or"
        and isinstance(args, list)
        and all(isinstance(a, dict) and set(a) == {"inList"} for a in args)
    ):
        door.products &= set().union(*(_among(a, door.products) for a in args))
    elif op == "inList":
        door.products &= _among(rule, door.products)
    elif op in ("<", "<=", "==") and isinstance(args, list) and len(args) == 2:
        counted = _var(args[0])
        if (op, args[1]) not in _FIRST_ONLY or counted not in ("entries_number", "entries_today"):
            raise Unhonoured(_shown(rule))
        entries = "once" if counted == "entries_number" else "daily"
        door.entries = "once" if "once" in (entries, door.entries) else entries
    elif op in ("isAfter", "isBefore") and isinstance(args, list) and len(args) in (2, 3):
        if _var(args[0]) != "now":
            raise Unhonoured(_shown(rule))
        moment = _moment(args[1], shop_event, zone, rule)
        slack = timedelta(minutes=int(args[2] or 0) if len(args) == 3 else 0)
        if op == "isAfter":
            _from(door, moment, slack)
        else:
            _until(door, moment, slack)
    else:
        raise Unhonoured(_shown(rule))


def _shifted(clock: time, by: timedelta) -> time:
    return (datetime.combine(date(2000, 1, 3), clock) + by).time()


def _from(door: _Door, moment: time | datetime, slack: timedelta) -> None:
    if isinstance(moment, datetime):
        at = moment - slack
        door.after = at if door.after is None else max(door.after, at)
    else:
        door.opens = _shifted(moment, -slack)


def _until(door: _Door, moment: time | datetime, slack: timedelta) -> None:
    if isinstance(moment, datetime):
        at = moment + slack
        door.before = at if door.before is None else min(door.before, at)
    else:
        door.closes = _shifted(moment, slack)


def _time_columns(door: _Door, event: EventDays) -> dict[str, Any]:
    """The days and hours a list's moments and times of day come to, in the event's zone. A
    moment is on the event's day it belongs to (a night past midnight is the evening's), so its
    day's hours run from the moment to the day's end, or from the day's start to the moment."""
    zone = event_zone(event.timezone)
    days = event_days(event.starts_at, event.ends_at, event.timezone)
    first = day_of(door.after, zone) if door.after else None
    last = day_of(door.before - timedelta(microseconds=1), zone) if door.before else None
    open_days = [d for d in days if (first is None or d >= first) and (last is None or d <= last)]
    hours: list[list[str | None]] = []
    if door.opens or door.closes:  # a time of day: the calendar's, as pretix reads it
        hours.append([None, f"{door.opens or MIDNIGHT:%H:%M}", f"{door.closes or MIDNIGHT:%H:%M}"])
    own: dict[date, list[time]] = {}
    if door.after and first and (at := in_zone(door.after, zone).time()) != DAY_START:
        own[first] = [at, DAY_START]
    if door.before and last and (at := in_zone(door.before, zone).time()) != DAY_START:
        own.setdefault(last, [DAY_START, DAY_START])[1] = at
    if own and hours:
        raise Unhonoured(_("a time of day together with a moment within a day"))
    for day, (opens, closes) in sorted(own.items()):
        hours.append([day.isoformat(), f"{opens:%H:%M}", f"{closes:%H:%M}"])
    if own:  # the other days: all day
        hours.append([None, f"{DAY_START:%H:%M}", f"{DAY_START:%H:%M}"])
    return {
        "days": None if open_days == days else json.dumps([d.isoformat() for d in open_days]),
        "hours": json.dumps(hours) if hours else None,
    }


def map_list(
    found: dict[str, Any],
    names: dict[Product, str],
    shop_event: dict[str, Any],
    event: EventDays,
) -> ShopList:
    """One list of the shop as ours, or refused saying why."""
    shop_id, name = int(found["id"]), str(found.get("name") or found["id"])[:100]
    products = set(names)
    if not found.get("all_products", True):
        limited = {int(i) for i in found.get("limit_products") or ()}
        products = {p for p in products if p[0] in limited}
    door = _Door(products)
    try:
        if found.get("subevent"):
            raise Unhonoured(
                _("a date of an event series (subevent {id})").format(id=found["subevent"])
            )
        _take(found.get("rules"), door, shop_event, event_zone(event.timezone))
        times = _time_columns(door, event)
    except Unhonoured as exc:
        return ShopList(
            shop_id,
            name,
            refused=_("pretix's list {name!r} has a rule eventdesk cannot honour: {rule}").format(
                name=name, rule=exc
            ),
        )
    if door.entries is None:
        multiple = found.get("allow_multiple_entries") or found.get("allow_entry_after_exit", True)
        door.entries = "unlimited" if multiple else "once"
    types = tuple(sorted({names[p] for p in door.products}))
    columns = {
        "name": name,
        "entries": door.entries,
        # A pending order's ticket is refused as owing money (to the desk), whether or not the
        # list includes pending orders: pretix's redeem refuses it too, unless its scanner's
        # operator confirms it (ignore_unpaid), which our desk does by taking the money or an
        # override. (An order pretix counts valid while pending owes nothing: pretix.positions.)
        "unpaid": "refuse",
        **times,
    }
    plain = found.get("all_products", True) and not found.get("rules")
    return ShopList(shop_id, name, columns, types, plain=bool(plain))


def read_lists(
    connection: Connection,
    names: dict[Product, str],
    shop_event: dict[str, Any],
    event: EventDays,
) -> list[ShopList]:
    """Every check-in list of the shop's event, mapped."""
    real = {p: n for p, n in names.items() if p[1] is not None or not _has_variations(names, p[0])}
    found = pages(connection, "checkinlists/")
    return [map_list(each, real, shop_event, event) for each in found]


def _has_variations(names: dict[Product, str], item: int) -> bool:
    return any(p[0] == item and p[1] is not None for p in names)


@dataclass
class ListsWritten:
    made: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why, in a sentence naming the list
    refused_names: list[str] = field(default_factory=list)  # the lists refused, by name
    slugs: dict[str, str] = field(default_factory=dict)  # pretix's list id -> our list's slug


def door_list(lists: list[ShopList]) -> ShopList | None:
    """The shop's list our entries go up to (pretix's redeem takes one list of an event): its
    list of every product with no rule, else its first list we took."""
    taken = [each for each in lists if each.refused is None]
    plain = [each for each in taken if each.plain]
    found = plain or taken
    return found[0] if found else None


def write_lists(
    store: Store, event_id: int, lists: list[ShopList], known: dict[str, str]
) -> ListsWritten:
    """The shop's lists written as ours (``known``: the slugs given them at earlier pulls);
    a list whose columns did not change is left as it is. The shop's plain list (door_list),
    when it is one, is our default list's counterpart, not a list of its own: an entry at
    either is one entry, here as in the shop."""
    done = ListsWritten()
    ours = door_list(lists)
    plain = ours if ours is not None and ours.plain else None
    if plain is not None:
        done.slugs[str(plain.shop_id)] = DEFAULT
        lists = [each for each in lists if each is not plain]
    with store.write() as session:
        taken = {
            row.slug: row
            for row in session.scalars(select(CheckinList).where(CheckinList.event_id == event_id))
        }
        if plain is not None and _carried(session, event_id, plain, taken.get(DEFAULT)):
            done.changed.append(DEFAULT)
        for shop_list in lists:
            if shop_list.refused is not None:
                done.refused.append(shop_list.refused)
                done.refused_names.append(shop_list.name)
                continue
            ids = ticket_types(session, event_id, shop_list.types)
            columns = {
                **shop_list.columns,
                "ticket_types": json.dumps(sorted(ids)) if ids else "[]",
            }
            slug = known.get(str(shop_list.shop_id))
            row = taken.get(slug) if slug else None
            if row is None:
                slug = _free_slug(shop_list.name, taken)
                row = CheckinList(event_id=event_id, slug=slug, updated_at=utcnow())
                session.add(row)
                taken[slug] = row
                done.made.append(slug)
            elif any(getattr(row, k) != v for k, v in columns.items()):
                done.changed.append(row.slug)
            else:
                done.slugs[str(shop_list.shop_id)] = row.slug
                continue
            for key, value in columns.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            done.slugs[str(shop_list.shop_id)] = row.slug
    return done


def _carried(session: Session, event_id: int, plain: ShopList, row: CheckinList | None) -> bool:
    """The shop's plain list's unpaid policy and entries carried onto our default list
    (stored at its first change, services.door.list_changes): whether it changed."""
    wanted = {key: plain.columns[key] for key in ("unpaid", "entries")}
    if row is None:
        event = session.get(Event, event_id)
        assert event is not None
        now = {
            "unpaid": event.unpaid_policy,
            "entries": default_rules(event_id).entries_for(event.allow_reentry),
        }
        if now == wanted:
            return False
        row = CheckinList(event_id=event_id, slug=DEFAULT, name=DEFAULT_NAME, updated_at=utcnow())
        session.add(row)
    elif all(getattr(row, key) == value for key, value in wanted.items()):
        return False
    for key, value in wanted.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    return True


def _free_slug(name: str, taken: dict[str, CheckinList]) -> str:
    base = slugify(name)[:60] or "pretix"
    slug, n = base, 2
    while slug in taken or slug == "default":
        slug, n = f"{base}-{n}", n + 1
    return slug
