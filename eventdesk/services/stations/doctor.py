"""A station checks itself before the doors open (``eventdesk doctor`` and the app's screen):
the core's checks, each one line, green or a sentence saying what to do. The devices' checks
(printer, camera, scanner, sound) are in ``devices.doctor``, the badges' (fonts, label size) in
``badges.doctor``; they share ``Finding``.

- the database (or server): it answers, and its schema is this build's;
- (a server's standby: services.stations.standby, after the database's line);
- a station on a server: its copy (mirror) is there and fresh (the organizer's login works on
  the server, and keeps no copy unless ``eventdesk sync`` makes one: none is no fault there);
- the scans it decided offline that wait in its copy's outbox to upload: a few just decided are
  well, one that has waited long (or that the server refused) is said;
- the clock against the server's;
- the free disk space of the data folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from eventdesk.errors import EventdeskError
from eventdesk.event_time import UTC_ZONE, show
from eventdesk.i18n import _, ngettext
from eventdesk.services.stations.clock import OFF_AFTER, clock_words

if TYPE_CHECKING:
    from eventdesk.db import Store
    from eventdesk.services.stations.offline import Station

COPY_STALE_AFTER = timedelta(minutes=15)  # a copy older than this is said to be stale
# An offline scan waiting to upload longer than this was not taken by the server (a station
# online uploads within seconds): the other doors do not know of it.
OUTBOX_LATE_AFTER = timedelta(minutes=5)
CLOCK_OFF_AFTER = OFF_AFTER  # 60 s: a clock further off than this is said
DISK_LOW_BYTES = 300 * 1024 * 1024  # less free space than this in the data folder is said


@dataclass(frozen=True)
class Finding:
    """One check's line: ``check`` a fixed key (never translated), ``says`` for people."""

    check: str
    ok: bool
    says: str

    def as_json(self) -> dict[str, object]:
        return {"check": self.check, "ok": self.ok, "says": self.says}


def problem_of(exc: BaseException) -> str:
    """An error as one line for a check's sentence."""
    text = exc.message if isinstance(exc, EventdeskError) else str(exc)
    return " ".join(text.split())[:300] or type(exc).__name__


# --- the database -----------------------------------------------------------------------------
def schema_of(store: Store) -> str | None:
    """The schema revision the database says it is at (None: it says none)."""
    from sqlalchemy import text

    with store.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def check_database(opener: Callable[[], Store], *, on_server: bool) -> tuple[Finding, Store | None]:
    """The database answers and its schema is this build's; the store when it answered."""
    from eventdesk.migrations import HEAD_REVISION

    where = _("server") if on_server else _("database")
    try:
        store = opener()
        revision = schema_of(store)
    except Exception as exc:
        says = _("{where} not answering ({problem}): check the address and the network").format(
            where=where, problem=problem_of(exc)
        )
        if not on_server:
            says = _("database not found or not readable ({problem}): run `eventdesk init`").format(
                problem=problem_of(exc)
            )
        return Finding("database", False, says), None
    if revision == HEAD_REVISION:
        return (
            Finding(
                "database",
                True,
                _("{where} answers; schema {revision}, this build's").format(
                    where=where, revision=revision
                ),
            ),
            store,
        )
    newer = (
        revision is not None
        and revision.isdigit()
        and HEAD_REVISION.isdigit()
        and int(revision) > int(HEAD_REVISION)
    )
    says = (
        _("schema {revision} is newer than this build's {head}: update eventdesk on this station")
        if newer
        else _("schema {revision}, this build needs {head}: run `eventdesk init` to upgrade it")
    ).format(revision=revision or "?", head=HEAD_REVISION)
    return Finding("database", False, says), store


# --- a station's copy -------------------------------------------------------------------------
def check_copy(
    station: Station, *, stale_after: timedelta = COPY_STALE_AFTER, login: str | None = None
) -> Finding:
    """A station on a server: its copy is there and was refreshed lately. ``login``: what the
    station's login is (services.stations.reach); the organizer's keeps no copy by design
    (unless ``eventdesk sync`` made one: then it is checked as any)."""
    if not station.copy_exists():
        if login == "organizer":
            return _no_copy_by_design()
        return Finding(
            "copy",
            False,
            _("this station has no copy to work from offline: run `eventdesk sync` now"),
        )
    try:
        updated = station.mirror.refreshed_at()
    except Exception as exc:
        return Finding(
            "copy",
            False,
            _("this station's copy cannot be read ({problem}): run `eventdesk sync`").format(
                problem=problem_of(exc)
            ),
        )
    if updated is None:
        if login == "organizer":
            return _no_copy_by_design()
        return Finding(
            "copy", False, _("this station's copy was never filled: run `eventdesk sync` now")
        )
    age = station.clock() - updated
    minutes = max(0, int(age.total_seconds() // 60))
    if age > stale_after:
        return Finding(
            "copy",
            False,
            ngettext(
                "copy is {count} minute old: run `eventdesk sync` (the app refreshes it while "
                "it runs)",
                "copy is {count} minutes old: run `eventdesk sync` (the app refreshes it while "
                "it runs)",
                minutes,
            ).format(count=minutes),
        )
    return Finding(
        "copy",
        True,
        ngettext("copy is {count} minute old", "copy is {count} minutes old", minutes).format(
            count=minutes
        ),
    )


def _no_copy_by_design() -> Finding:
    return Finding(
        "copy",
        True,
        _(
            "the organizer's login works on the server and keeps no copy here (`eventdesk "
            "sync` makes one, to work offline): not checked"
        ),
    )


# --- the outbox -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outbox:
    """What waits in a station's outbox: scans decided offline not uploaded yet (and the oldest
    one's time), and those the server refused."""

    waiting: int
    oldest: datetime | None
    refused: int


def outbox_of(station: Station) -> Outbox:
    """The station's outbox, counted in its copy (none when it has no copy)."""
    from sqlalchemy import func, select

    from eventdesk.services.stations.mirror_schema import OUTBOX, waiting

    if not station.copy_exists():
        return Outbox(0, None, 0)
    o = OUTBOX
    with station.mirror.store.read() as session:
        rows = session.execute(
            select(o.c.state, func.count(), func.min(o.c.at))
            .where(waiting(), o.c.state.in_(("pending", "refused")))
            .group_by(o.c.state)
        ).all()
    by_state = {state: (int(count), oldest) for state, count, oldest in rows}
    pending, oldest = by_state.get("pending", (0, None))
    return Outbox(pending, oldest, by_state.get("refused", (0, None))[0])


def check_outbox(station: Station, *, late_after: timedelta = OUTBOX_LATE_AFTER) -> Finding:
    """The scans this station decided offline that wait to upload: none, or a few just
    decided, are well (they go up at the next sync); one that has waited longer than
    ``late_after`` is unknown to the other doors, and one the server refused needs a look."""
    from eventdesk.outage import is_outage

    try:
        box = outbox_of(station)
    except Exception as exc:
        if not (isinstance(exc, EventdeskError) or is_outage(exc)):
            raise
        return Finding(
            "outbox",
            False,
            _("this station's outbox cannot be read ({problem})").format(problem=problem_of(exc)),
        )
    if box.waiting == 0 and box.refused == 0:
        return Finding("outbox", True, _("no scan waits to upload"))
    parts, ok = [], True
    if box.waiting:
        oldest = box.oldest or station.clock()
        age = max(timedelta(0), station.clock() - oldest)
        minutes = int(age.total_seconds() // 60)
        since = show(oldest, UTC_ZONE, "clock")
        waited = ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)
        if age > late_after:
            ok = False
            # TRANSLATORS: {since} is a time of day (UTC), {waited} "52 minutes"
            said = ngettext(
                "{count} scan decided offline has waited to upload since {since} UTC "
                "({waited}): the other doors do not know of it; bring the server back (or the "
                "network), then run `eventdesk sync`",
                "{count} scans decided offline wait to upload, the oldest since {since} UTC "
                "({waited}): the other doors do not know of them; bring the server back (or the "
                "network), then run `eventdesk sync`",
                box.waiting,
            )
        else:
            # TRANSLATORS: {since} is a time of day (UTC), {waited} "2 minutes"
            said = ngettext(
                "{count} scan decided offline waits to upload, since {since} UTC ({waited}): it "
                "goes up at the next sync",
                "{count} scans decided offline wait to upload, the oldest since {since} UTC "
                "({waited}): they go up at the next sync",
                box.waiting,
            )
        parts.append(said.format(count=box.waiting, since=since, waited=waited))
    if box.refused:
        ok = False
        parts.append(
            ngettext(
                "{count} scan was refused by the server: see `eventdesk station outbox`",
                "{count} scans were refused by the server: see `eventdesk station outbox`",
                box.refused,
            ).format(count=box.refused)
        )
    return Finding("outbox", ok, "; ".join(parts))


# --- the clock --------------------------------------------------------------------------------
def check_clock(station: Station, *, off_after: timedelta = CLOCK_OFF_AFTER) -> Finding:
    """This station's clock against its server's (the server's now(), measured now)."""
    from eventdesk.services.stations.link import ServerAway

    try:
        skew = station.link.call(station.measure_clock, timeout=station.connect_limit)
    except (ServerAway, EventdeskError) as exc:
        reason = station.link.reason if isinstance(exc, ServerAway) else problem_of(exc)
        return Finding(
            "clock",
            False,
            _("the server's clock could not be read ({problem})").format(
                problem=reason or _("server not answering")
            ),
        )
    said = clock_words(skew.seconds)
    if abs(skew.seconds) > off_after.total_seconds():
        return Finding(
            "clock",
            False,
            _(
                "this station's clock is {clock} against the server's: set it right "
                "(e.g. `timedatectl set-ntp true`); until then its times are put right by the "
                "server's"
            ).format(clock=said),
        )
    return Finding(
        "clock", True, _("this station's clock is {clock} against the server's").format(clock=said)
    )


def one_box_clock() -> Finding:
    """An SQLite station is its own server: its clock decides."""
    return Finding(
        "clock", True, _("this station is its own server: its own clock decides (not checked)")
    )


# --- the disk ---------------------------------------------------------------------------------
def check_disk(data_dir: Path, *, low: int = DISK_LOW_BYTES) -> Finding:
    """The free space of the data folder's disk."""
    where = data_dir if data_dir.exists() else data_dir.parent
    try:
        free = shutil.disk_usage(where).free
    except OSError as exc:
        return Finding(
            "disk",
            False,
            _("the data folder {path} cannot be read ({problem})").format(
                path=data_dir, problem=exc.strerror or exc
            ),
        )
    megabytes = free // (1024 * 1024)
    if free < low:
        return Finding(
            "disk",
            False,
            _(
                "only {free} MB free for the data folder {path}: free some space (old backups, "
                "badge files), at least {low} MB"
            ).format(free=megabytes, path=data_dir, low=low // (1024 * 1024)),
        )
    return Finding("disk", True, _("{free} MB free for the data folder").format(free=megabytes))


def core_checks(
    opener: Callable[[], Store], station: Station | None, data_dir: Path
) -> tuple[list[Finding], Store | None]:
    """The database; the copy, its outbox and the clock (a station on a server); the disk; the
    store when it answered (the badges' checks read the event's names from it)."""
    found, store = check_database(opener, on_server=station is not None)
    findings = [found]
    if station is not None:
        findings.append(check_copy(station, login=login_of(station, store)))
        findings.append(check_outbox(station))
        findings.append(check_clock(station) if store is not None else _clock_unread())
    else:
        findings.append(one_box_clock())
    findings.append(check_disk(data_dir))
    return findings, store


def login_of(station: Station, store: Store | None) -> str | None:
    """What the station's login is (services.stations.reach): asked of the server when it
    answered, else as the station's copy kept it (None: not known)."""
    from eventdesk.services.stations.reach import LOGIN_KEY, LoginFacts

    if store is not None:
        try:
            return LoginFacts.of(store).kind
        except Exception:  # the server went away meanwhile: as the copy has it
            pass
    return station.recall(LOGIN_KEY)


def _clock_unread() -> Finding:
    return Finding(
        "clock", False, _("the server's clock could not be read: the server does not answer")
    )


def now_of(station: Station | None) -> datetime:
    """The time a doctor's run goes by: the station's, put right by its server's."""
    from eventdesk.values import utcnow

    return station.time.now() if station is not None else utcnow()
