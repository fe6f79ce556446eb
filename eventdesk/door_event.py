"""The event a station's door admits: the station's own setting, kept in its data folder.

Creating or editing events, and the clock, never change it: a restarted door admits what it
admitted before. Which event, the first rule that applies:

1. ``--event`` (``app``, ``scan``, ``checkin``): for that run only, never kept.
2. The newest deliberate choice of the station, made in one of two places:
   - its kept choice, ``DATA_DIR/station.toml`` ("Use at this door" in the app, the demo, the
     first choice at start), which remembers what ``event =`` said when it was made;
   - ``event =`` in ``DATA_DIR/eventdesk.toml``.
   So "Use at this door" wins over ``event =`` (what the organizer did last, at this door),
   until someone sets or changes ``event =``: then the file wins, and is kept in turn.
   Removing the ``event =`` line chooses nothing: the door keeps what it admits.
3. Nothing set: the one event running now (else the one whose door is open now, else the only
   event there is) is chosen and kept. Several candidates: none is chosen; the app asks the
   staff (``choices``), ``scan`` and ``checkin`` say so and decide with no door event.

A kept event that has ended (its check-in closed) or was cancelled stays the door's event: the
door says so (``notice``) and asks for a new choice; it never picks another by itself.

A door may admit several events (a festival's days, each sold as its own event): ``--event
fri,sat,sun``, ``[station] events = ["fri", "sat"]`` (which stands for ``event =`` and may not
be given with it), or several chosen with "Use at this door". Everywhere above they are one
setting: kept in station.toml as ``event = "fri,sat,sun"`` (the slugs, comma-separated, in the
order chosen), compared with the file's as a whole, refused whole when one of them does not
exist. Each ticket is decided by its own event's rules and its own event's check-in list (the
default one; a station's chosen ``list`` serves its own event's tickets only) and logged under
its own event; a ticket of an event outside the set is ``wrong_event``. Such a door is over
only when all its events are (one day's ending leaves the others open).

The kept choice is per database (a data folder may hold the demo's database beside the real
one): SQLite files inside the data folder are named relative to it, so a copied folder keeps it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec

from eventdesk.config import Config, event_refs, is_file_path, joined, read_station_file
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.event_time import show
from eventdesk.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from eventdesk.db import Store
    from eventdesk.services.catalogue.events import EventInfo

STATION_FILE = "station.toml"
HOW_TO_CHOOSE = N_(
    '"Use at this door" in the organizer\'s Events tab, --event EVENT, or event = in eventdesk.toml'
)
Source = Literal["option", "kept", "file", "chosen", "none"]
# The door of an event with no check-in times of its own: it opens this long before the event
# starts and closes this long after it ends. Kept here, where the app settles its door before
# the check-in service loads (start-up time); the check-in rules (services/door/rules.py) use
# these.
DOOR_OPENS_BEFORE = timedelta(hours=24)
DOOR_CLOSES_AFTER = timedelta(hours=6)


class KeptDoor(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One database's door event, as kept in station.toml."""

    database: str
    event: str  # a slug, or several comma-separated ("fri,sat,sun")
    file_event: str | None = None  # eventdesk.toml's ``event =`` when this was kept
    how: str = ""
    at: str = ""


class StationFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    door: list[KeptDoor] = msgspec.field(default_factory=list)


@dataclass(frozen=True)
class DoorEvent:
    """The event a door admits, where that came from, and what to say about it."""

    slug: str | None
    info: EventInfo | None = None  # None when there is none, or the database did not answer
    source: Source = "none"
    ended: bool = False
    choices: tuple[EventInfo, ...] = ()  # what to choose from, when a choice is asked for
    notice: str | None = None  # a sentence for the door's top line and the CLI's stderr
    # A door for several events: each of them (``slug`` is their slugs joined by commas,
    # ``info`` the first); empty for one event.
    infos: tuple[EventInfo, ...] = ()

    @property
    def events(self) -> tuple[EventInfo, ...]:
        """The events this door admits, as read (none when none is, or unread)."""
        return self.infos or ((self.info,) if self.info is not None else ())

    @property
    def asks(self) -> bool:
        """The staff should choose this door's event (none chosen, or it ended)."""
        return bool(self.choices) and (self.slug is None or self.ended)


# --- the file ---------------------------------------------------------------------------------
def database_key(data_dir: Path, url: str) -> str:
    """How station.toml names a database: an SQLite file by its path (relative to the data
    folder when inside it), a server by its address and database name (not by the login)."""
    from sqlalchemy.engine import make_url

    if is_file_path(url):
        path = Path(url.strip())
    else:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            port = f":{parsed.port}" if parsed.port else ""
            return f"{parsed.get_backend_name()}://{parsed.host or ''}{port}/{parsed.database}"
        if not parsed.database or parsed.database == ":memory:":
            return "sqlite:memory"
        path = Path(parsed.database)
    resolved = path.expanduser().resolve()
    try:
        return resolved.relative_to(data_dir.expanduser().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _station_file(data_dir: Path) -> StationFile:
    path = data_dir / STATION_FILE
    raw = read_station_file(path)
    if raw is None:
        return StationFile()
    try:
        return msgspec.toml.decode(raw, type=StationFile)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidInput(
            _("{file}: {problem} (fix it, or delete it and choose this door's event again)").format(
                file=path, problem=exc
            ),
            field=str(path),
        ) from None


def kept_door(config: Config) -> KeptDoor | None:
    """The door event kept for this station's database, if any."""
    key = database_key(config.data_dir, config.database_url)
    return next((d for d in _station_file(config.data_dir).door if d.database == key), None)


def _toml_text(value: str) -> str:
    return json.dumps(value)  # JSON's escapes are TOML's basic-string escapes


def keep_door(config: Config, slug: str, *, how: str, now: datetime) -> None:
    """Keep ``slug`` as this station's door event (for its database): written whole to a new
    file that replaces the old one, so a crash leaves the old choice or the new one."""
    key = database_key(config.data_dir, config.database_url)
    doors = [d for d in _station_file(config.data_dir).door if d.database != key]
    doors.append(
        KeptDoor(
            database=key,
            event=slug,
            file_event=config.door_event_in_file,
            how=how,
            at=now.isoformat(timespec="seconds"),
        )
    )
    lines = [
        "# The event this station's door admits, per database (eventdesk.door_event). Written by",
        '# eventdesk: "Use at this door", the demo, the first choice at start.',
    ]
    for door in doors:
        lines += ["", "[[door]]"]
        lines += [
            f"{name} = {_toml_text(value)}"
            for name, value in (
                ("database", door.database),
                ("event", door.event),
                ("file_event", door.file_event),
                ("how", door.how),
                ("at", door.at),
            )
            if value is not None
        ]
    path = config.data_dir / STATION_FILE
    temporary = path.with_name(f".{STATION_FILE}.{os.getpid()}.tmp")
    try:
        config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InvalidInput(
            _("cannot keep this door's event in {file}: {problem}").format(
                file=path, problem=exc.strerror or exc
            ),
            field=str(path),
        ) from None


# --- which event ------------------------------------------------------------------------------
def door_closes(info: EventInfo) -> datetime:
    """When check-in for ``info`` closes (the check-in service's own rule)."""
    return info.checkin_closes_at or info.ends_at + DOOR_CLOSES_AFTER


def _door_opens(info: EventInfo) -> datetime:
    return info.checkin_opens_at or info.starts_at - DOOR_OPENS_BEFORE


def has_ended(info: EventInfo, now: datetime) -> bool:
    return info.status == "cancelled" or now > door_closes(info)


def ended_notice(info: EventInfo, now: datetime) -> str | None:
    """What a door says when its event is over, or None."""
    if info.status == "cancelled":
        return _("{event} was cancelled: choose this door's event").format(event=info.title)
    if now > door_closes(info):
        closed = show(door_closes(info), info.zone)
        return _("{event} has ended (check-in closed {closed}): choose this door's event").format(
            event=info.title, closed=closed
        )
    return None


def candidates(listed: Sequence[EventInfo], now: datetime) -> tuple[EventInfo | None, list[str]]:
    """The event a door with nothing set takes by itself (the one running now, else the one
    whose door is open now, else the only one), or None; and the slugs to choose from."""
    live = [e for e in listed if e.status != "cancelled"]
    running = [e for e in live if e.starts_at <= now <= e.ends_at]
    door_open = [e for e in live if _door_opens(e) <= now <= door_closes(e)]
    for group in (running, door_open):
        if len(group) == 1:
            return group[0], [group[0].slug]
        if group:
            return None, [e.slug for e in group]
    if len(live) == 1:
        return live[0], [live[0].slug]
    upcoming = [e for e in live if not has_ended(e, now)]
    return None, [e.slug for e in upcoming]


def settle_door(
    config: Config,
    store: Store | None,
    *,
    given: str | None,
    now: datetime,
    keep: bool = True,
) -> DoorEvent:
    """The event this station's door admits (the rules are in this module's docstring).
    ``given`` is ``--event`` (else ``config.door_event_option``; ``config.door_event``, which
    is the file's ``event =`` when no option was given, may be passed too). ``store`` None, or
    a database that does not answer: decided from what is set, unchecked. A first choice is
    kept unless ``keep`` is False. An event named by ``--event`` or ``event =`` that does not
    exist is refused."""
    from eventdesk.outage import is_outage

    in_file = config.door_event_in_file
    option = config.door_event_option or (given if given != in_file else None)
    listed: list[EventInfo] | None = None
    if store is not None:
        from eventdesk.services.catalogue.events import list_events

        try:
            listed = list_events(store, include_hidden=True)
        except Exception as exc:
            if not is_outage(exc):
                raise
    by_ref = {e.slug: e for e in listed or ()} | {str(e.id): e for e in listed or ()}

    def named(ref: str, where: str, source: Source) -> DoorEvent:
        refs = event_refs(ref)
        if listed is None:
            return DoorEvent(joined(refs), source=source)
        infos = []
        for one in refs:
            info = by_ref.get(one)
            if info is None:
                raise NotFound(
                    _("no event {ref!r} ({where})").format(ref=one, where=where), field="event"
                )
            infos.append(info)
        return _with_notice(infos, source, listed, now)

    if option is not None:
        return named(option, "--event", "option")
    kept = kept_door(config)
    if kept is not None and (in_file is None or kept.file_event == in_file):
        if listed is None:
            return DoorEvent(kept.event, source="kept")
        missing = [ref for ref in event_refs(kept.event) if ref not in by_ref]
        if missing:  # the database was reset or replaced: asked, not guessed
            _unused, slugs = candidates(listed, now)
            return DoorEvent(
                None,
                source="kept",
                choices=tuple(by_ref[s] for s in slugs),
                notice=_(
                    "this door's event {event!r} is not in this database: choose this door's event"
                ).format(event=missing[0]),
            )
        infos = [by_ref[ref] for ref in event_refs(kept.event)]
        return _with_notice(infos, "kept", listed, now)
    if in_file is not None:
        # TRANSLATORS: where the event was named: "no event 'x' (event = in data/eventdesk.toml)"
        where = _("event = in {file}").format(file=config.data_dir / "eventdesk.toml")
        chosen = named(in_file, where, "file")
        if keep and chosen.slug is not None and chosen.info is not None:
            keep_door(config, chosen.slug, how="eventdesk.toml", now=now)
        return chosen
    if listed is None:
        return DoorEvent(None)
    only, slugs = candidates(listed, now)
    if only is not None:
        if keep:
            keep_door(config, only.slug, how="first start", now=now)
        return DoorEvent(only.slug, only, source="chosen")
    choices = tuple(by_ref[s] for s in slugs)
    notice = None
    if len(choices) > 1:
        titles = ", ".join(e.title for e in choices[:4]) + (", …" if len(choices) > 4 else "")
        notice = ngettext(
            "{count} event could be admitted here ({titles}): choose this door's",
            "{count} events could be admitted here ({titles}): choose this door's",
            len(choices),
        ).format(count=len(choices), titles=titles)
    return DoorEvent(None, choices=choices, notice=notice)


def _with_notice(
    infos: Sequence[EventInfo], source: Source, listed: Sequence[EventInfo], now: datetime
) -> DoorEvent:
    """The door of ``infos`` (one event, or several: over only when all of them are; the
    notice is then the one that closed last's)."""
    infos = list({e.id: e for e in infos}.values())  # "fri" and its id: one event
    several = tuple(infos) if len(infos) > 1 else ()
    slug = joined([e.slug for e in infos])
    last = max(infos, key=lambda e: (e.status != "cancelled", door_closes(e)))
    notice = ended_notice(last, now)
    if notice is None:
        return DoorEvent(slug, infos[0], source=source, infos=several)
    _unused, slugs = candidates([e for e in listed if e.id not in {i.id for i in infos}], now)
    others = {e.slug: e for e in listed}
    return DoorEvent(
        slug,
        infos[0],
        source=source,
        ended=True,
        choices=tuple(others[s] for s in slugs),
        notice=notice,
        infos=several,
    )


def door_title(events: Sequence[EventInfo]) -> str:
    """How a door names its events: "Friday + Saturday + Sunday" (one event: its title)."""
    # TRANSLATORS: between the titles of the events one door admits: "Fri + Sat + Sun"
    return _(" + ").join(e.title for e in events)


def door_for_command(
    config: Config,
    store: Callable[[], Store] | None,
    given: str | None,
    *,
    now: datetime,
    warn: Callable[[str], None],
) -> str | None:
    """The door event of a headless command (``scan``, ``checkin``), its doubts said through
    ``warn`` (an ended event, nothing chosen among several, a first choice kept)."""
    from eventdesk.outage import is_outage

    opened: Store | None = None
    if store is not None:
        try:
            opened = store()
        except Exception as exc:
            if not is_outage(exc):
                raise
    door = settle_door(config, opened, given=given, now=now)
    advice = door_advice(config, door, now)
    if advice is not None:
        warn(advice)
    elif door.source == "chosen" and door.info is not None:
        kept = config.data_dir / STATION_FILE
        warn(
            _("this door admits {event} ({slug}) from now on (kept in {file})").format(
                event=door.info.title, slug=door.slug, file=kept
            )
        )
    return door.slug


def door_advice(config: Config, door: DoorEvent, now: datetime) -> str | None:
    """What a headless door (``scan``, ``checkin``) says of its event when that is over, or
    when none is chosen among several; None when all is well. Fitted to where the event was
    named: by ``--event`` (for this run: what becomes of its tickets, how an organizer lets
    late arrivals in, which events are open now), by the station's kept choice ("Use at this
    door"), or by ``event =`` in eventdesk.toml (changed where it is set)."""
    if door.notice is None:
        return None
    if door.slug is None:  # not in this database, or several to choose from: none is used
        return _("{notice} ({how}); deciding with no door event meanwhile").format(
            notice=door.notice, how=_(HOW_TO_CHOOSE)
        )
    info = door.info
    if door.source == "option" and info is not None:
        if info.status == "cancelled":
            said = _("{event} was cancelled: its tickets are refused").format(event=info.title)
        else:
            said = _(
                "{event} has ended (check-in closed {closed}): its tickets are refused as "
                "expired; an organizer lets late arrivals in with: eventdesk event update {slug} "
                "--checkin-closes TIME"
            ).format(event=info.title, closed=show(door_closes(info), info.zone), slug=info.slug)
    elif door.source == "file":
        said = _(
            "{notice}: event = in {file} names it: change it there, or give --event EVENT for "
            "this run"
        ).format(notice=door.notice, file=config.data_dir / "eventdesk.toml")
    else:
        said = _(
            '{notice}: "Use at this door" in the organizer\'s Events tab keeps another, or give '
            "--event EVENT for this run"
        ).format(notice=door.notice)
    open_now = [
        e
        for e in door.choices
        if e.status != "cancelled" and _door_opens(e) <= now <= door_closes(e)
    ]
    if open_now:
        # TRANSLATORS: after what a door says of its ended event: the events it could admit
        # now, each with the option that names it ("Evening Meetup (--event evening-meetup)")
        said += "; " + _("open now: {events}").format(
            events=", ".join(f"{e.title} (--event {e.slug})" for e in open_now)
        )
    return said
