"""A door that never stops when its server does
(docs/architecture.md#stations-and-the-offline-mirror).

A station whose database is a PostgreSQL server decides each scan on the server while the
server answers within ``offline_after`` seconds (about 1 s). When it does not, or the last try
failed, the station decides from its mirror (``services.stations.mirror``) with the same rules, says
``offline`` on the answer, and puts the scan in the mirror's outbox in the same durable
transaction. ``SyncLoop`` (the app, ``scan``, ``sync --watch``) asks the server again every
``PROBE_SECONDS`` while it is away, and the station decides online again as soon as it answers:
its outbox goes up beside its next scans, and a scan whose ticket this station decided offline
has those decisions uploaded first, so its own offline admissions are never contradicted by an
online answer. On a link that comes and goes only the scans made while it is down are offline.

An SQLite station is one box: it never goes offline this way (``Station`` is for servers).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError

from eventdesk.config import Config
from eventdesk.db import APPLICATION_PREFIX, Store, application_name
from eventdesk.errors import DatabaseUnavailable, EventdeskError, ServerBusy, StationRefused
from eventdesk.event_time import event_zone
from eventdesk.i18n import _
from eventdesk.opening import open_store
from eventdesk.outage import (
    describe,
    is_outage,
    is_refusal,
    login_refusal,
    refused_login,
    unavailable,
)
from eventdesk.services.folder_lock import FolderLock
from eventdesk.services.stations.clock import ServerTime, Skew
from eventdesk.services.stations.copy_key import CopyLocked, fetch, held, hold, seal, unlock
from eventdesk.services.stations.link import QUICK_SECONDS, Link, ServerAway, Silence, no_answer
from eventdesk.services.stations.mirror import Mirror, MirrorStatus
from eventdesk.services.stations.mirror_prints import upload_prints
from eventdesk.services.stations.mirror_refresh import Refreshed, refresh
from eventdesk.services.stations.mirror_repair import open_mirror
from eventdesk.services.stations.mirror_schema import EVENT, MIRROR_FILE, OUTBOX, TICKET, waiting
from eventdesk.services.stations.quota_sale import SalesUploaded, sales_waiting
from eventdesk.services.stations.quota_sale import upload as upload_sales
from eventdesk.services.stations.reach import (
    LoginFacts,
    Probe,
    Reaching,
    keep_login,
    lock_holders,
    probe_server,
)
from eventdesk.services.stations.seen import MARK_EVERY, mark_synced
from eventdesk.services.stations.station_door import no_copy
from eventdesk.services.stations.sync import Uploaded, upload
from eventdesk.tickets import InvalidPayload, parse_payload
from eventdesk.values import utcnow

T = TypeVar("T")


CONNECT_SECONDS = 5.0  # libpq's connect_timeout for a station's store (eventdesk.db)
CATCH_UP_SECONDS = 10.0  # a one-shot command's upload of what an earlier run left
DRAIN_ROUNDS = 5  # uploads in a row while offline scans keep coming in
AWAY_MEMORY = 300.0  # seconds a new process remembers that the server did not answer
SKEW_KEY = "clock_skew"  # the mirror's: the server's clock minus this station's, last measured
REFUSED_KEY = "login_refused"  # the copy's: why the server last refused this station's login
PROBE_SECONDS = 0.2  # while the server is away, how often the sync loop asks it again


# --- the station ----------------------------------------------------------------------------
@dataclass(frozen=True)
class StationStatus:
    """What ``station status`` says."""

    online: bool
    pending: int
    refused: int
    mirror_updated_at: datetime | None
    mirror_tickets: int
    reason: str
    server: str | None
    notice: str | None = None  # the last mirror moved aside here, and why
    clock: Skew | None = None  # this station's clock against the server's, last measured
    sales_pending: int = 0  # walk-ins sold offline from the quota, not uploaded yet
    login_refused: str | None = None  # the server refuses this station's login: why
    # Another process of the station syncing its copy now ("PID WHAT"), and since when the
    # station's copy says it decides offline (None: online, as far as the copy knows).
    beside: str | None = None
    beside_offline_since: datetime | None = None
    host: str | None = None  # the server's host answering now ("host:port"), when online


@dataclass(frozen=True)
class SyncReport:
    """One round of ``sync``: upload, then refresh."""

    online: bool
    downloaded: int
    uploaded: int
    conflicts: int
    pending: int
    refused: int
    problems: tuple[str, ...]
    reason: str
    full: bool
    notices: tuple[
        str, ...
    ] = ()  # a mirror moved aside in this round (services.stations.mirror_repair)
    # Of ``uploaded``, the walk-ins sold offline from the quota; and those still waiting.
    sales_uploaded: int = 0
    sales_pending: int = 0
    complete: bool = True  # the round ran to its end (else the server stopped answering it)
    # Another process of this station's data folder syncs it now ("PID PURPOSE"): this round
    # only asked the server and counted what waits.
    beside: str | None = None
    login_refused: str | None = None  # the server refuses this station's login: why


class Station:
    """A station on a server: its link, its mirror, its rounds of sync. One per process."""

    def __init__(
        self,
        config: Config,
        server: Store | Callable[[], Store] | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.clock = clock  # the station's own clock
        self._skew_unkept: Skew | None = None
        self.time = ServerTime(clock, load=self._load_skew, keep=self._keep_skew)
        self.link = Link(config.offline_after)
        # The server's store, or how to open it (on first use, in the thread that needs it).
        self._server: Store | None = server if isinstance(server, Store) else None
        self._opener: Callable[[], Store] = (
            server
            if callable(server) and not isinstance(server, Store)
            else (lambda: open_store(self.config, create=False))
        )
        self._mirror: Mirror | None = None
        self._key: bytes | None = None  # the copy's (services.stations.copy_key)
        self._copied = False  # the mirror holds a copy (known once seen: a copy stays)
        self.notices: list[str] = []  # what opening the mirror did, said by the next round
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        # Held by an offline decision (deciding, writing the outbox, counting it).
        self.outbox_lock = threading.RLock()
        self._pending: int | None = None
        # One upload at a time in this process (a round's batches, a scan's own rows between
        # them); another process of the station uploading beside it sends nothing twice (each
        # row's nonce is the server's once).
        self._upload_lock = threading.Lock()
        self.on_queued: list[Callable[[], None]] = []  # a scan went into the outbox
        self.link.listeners.append(self._remember_link)
        self.link.refusals.append(self.refuse)
        self._reaching: Reaching | None = None  # a one-shot command's early start
        self._probe: Probe | None = None
        self._login_kept = False
        self._wired: set[int] = set()  # the engines whose statements the link hears
        self._refused: str | None = None  # why the server refused this station's login
        self._refused_read = False
        self._marked = -MARK_EVERY  # when the server last recorded nothing left to upload
        if self._server is not None:
            self._wire(self._server)

    def reach_early(self, probe: Probe | None = None, *, one_shot: bool = True) -> None:
        """Begin opening the server now, in a thread of its own (services.stations.reach): a
        one-shot command waits for it no longer than its budget, counted from now, or from
        ``probe``'s start (the command's first ask of the server). Once the server has not
        answered a ``one_shot`` command's call, its next calls ask once: one wait a command,
        not one a call (a refused call is tried again for AGAIN_SECONDS from that first
        ask)."""
        if self._server is not None or self._reaching is not None:
            return
        if self.answers_offline() and self._recently_away():
            self.link.retry_quick = False  # it did not answer a moment ago: asked once
        if one_shot:
            self.link.listeners.append(self._asked_once_after)
            # A refused server is tried again for AGAIN_SECONDS from the command's first ask,
            # as its threshold counts from there: not again from the start of its first call.
            self.link.again_from = probe.started if probe is not None else time.monotonic()
        self._probe = probe
        self._reaching = Reaching(self._opener)
        self._opener = self._reaching.result

    def _asked_once_after(self, online: bool, _reason: str) -> None:
        """A one-shot command's server did not answer: the command's next calls ask it once."""
        if not online:
            self.link.retry_quick = False

    @property
    def reaching(self) -> bool:
        """The server is being opened by a one-shot command's early start."""
        return self._reaching is not None and self._server is None

    @property
    def budget(self) -> float:
        """How long a new command waits for the server: the threshold, or the sync loop's probe
        when the server did not answer this station a moment ago (one back by now answers a
        connection in a fraction of it); as long as a connection may take while the station has
        no copy to answer from instead (a busy server, or a busy station, is not an outage)."""
        if not self.answers_offline():
            return max(self.link.threshold, CONNECT_SECONDS)
        if self._recently_away():
            return min(self.link.threshold, PROBE_SECONDS)
        return self.link.threshold

    def answers_offline(self) -> bool:
        """This station has a copy to decide and answer from (made by a sync), should its server
        not answer: else waiting less than a connection may take gains nothing."""
        if not self._copied and self.copy_exists():
            with contextlib.suppress(EventdeskError, SQLAlchemyError):
                self._copied = self.mirror.has_copy()
        return self._copied

    @property
    def name(self) -> str:
        return self.config.station

    @property
    def mirror(self) -> Mirror:
        if self._mirror is None:
            key = self.copy_key()  # outside the lock: it may ask the server
        with self._lock:
            if self._mirror is None:  # a damaged or foreign one is moved aside first
                url = self._server.url if self._server else self.config.database_url
                self._mirror, moved = open_mirror(self.config.data_dir, url, key)
                self.notices += [moved] if moved else []
                # Rows written to the copy came from the server: a round copying a big table
                # (one statement whose rows stream in for longer than SILENCE_SECONDS) is not
                # silent while they come.
                event.listen(self._mirror.store.engine, "after_cursor_execute", self._heard)
            return self._mirror

    def copy_key(self) -> bytes:
        """The key of this station's copy (services.stations.copy_key): held in memory since
        the machine started, or given by the server (then held, and sealed with the station's
        passphrase for a start without the server). CopyLocked when neither has it."""
        if self._key is not None:
            return self._key
        found = held(self.config.data_dir)
        if found is None:
            try:
                issued = self.link.call(
                    lambda: fetch(self.server(), self.name),
                    timeout=max(self.link.threshold, CONNECT_SECONDS),
                    one_off=True,
                )
            except ServerAway:
                if not self.copy_exists():  # nothing here to unlock: nothing to answer from
                    raise DatabaseUnavailable(no_copy(self.link.reason)) from None
                raise CopyLocked(
                    unavailable(
                        _(
                            "this station's copy is locked, and its key comes from its server, "
                            "which does not answer ({reason}): type the station's passphrase "
                            "to unlock it (eventdesk station unlock)"
                        ).format(reason=self.link.reason)
                    )
                ) from None
            seal(self.config.data_dir, issued.key, issued.passphrase)
            hold(issued.key)
            found = issued.key
        self._key = found
        return found

    def keeps_emails(self, server: Store) -> bool:
        """This station's copy holds the attendees' e-mails: a desk's (its search reads them),
        never a door's or a kiosk's (a door's own login reads none; an organizer's login at a
        station whose role is kiosk keeps none either)."""
        login = server.station_login()
        if login is not None and login.kind != "desk":
            return False
        return self.config.station_role != "kiosk"

    def unlock(self, passphrase: str) -> None:
        """The copy's key unsealed with the passphrase its staff typed, and held in memory
        until the machine stops (InvalidInput: not this station's passphrase)."""
        self._key = unlock(self.config.data_dir, passphrase)

    def server(self) -> Store:
        """The server's store, opened on first use (in the thread that uses it first)."""
        if self._server is None:
            try:
                opened = self._opener()
            except StationRefused as exc:
                self.refuse(exc.message)
                raise
            self._wire(opened)
            self._server = opened
            self._accepted()  # it took this station's login
            if self.copy_exists() and self.recall("away_at"):  # it answers this process
                self.keep("away_at", None)
        return self._server

    def _wire(self, store: Store) -> None:
        """The link hears the statements of ``store`` (a round's silence starts again at
        each), and cuts the connections it holds to the server (``Link.cut``)."""
        if id(store.engine) in self._wired:
            return
        self._wired.add(id(store.engine))
        for moment in ("before_cursor_execute", "after_cursor_execute"):
            event.listen(store.engine, moment, self._heard)
        held = store.held
        if held is not None:
            self.link.cutter = lambda threads, before: held.cut(threads, before=before)
            self.link.backends = held.backends

    def _heard(self, *_args: object, **_kwargs: object) -> None:
        self.link.heard()

    def probe(self) -> None:
        """Whether the server answers a new connection now (its own, not the pool's: one
        taken before an outage may wait on a dead link); raises as the store would."""
        url = self._server.url if self._server is not None else self.config.database_url
        limit = max(2, round(self.link.threshold * 2))
        named = application_name(APPLICATION_PREFIX + self.name)
        probe_server(url, connect_timeout=limit, application=named)

    def busy(self, away: ServerAway) -> None:
        """ServerBusy, naming who holds what a call that overran waited for, when the server
        says it waited on a lock (the server answers: it is no outage); else nothing."""
        url = self._server.url if self._server is not None else self.config.database_url
        holders = lock_holders(url, away.waiting)
        if holders:
            raise ServerBusy(
                _(
                    "the server answers, but {holders} holds what this needs: try again in a "
                    "moment (a station whose link died frees it within seconds)"
                ).format(holders=", ".join(holders))
            )

    # --- a login the server refuses ----------------------------------------------------------
    def refuse(self, message: str) -> None:
        """The server refused this station's login: it decides nothing until it takes it
        again, and its copy remembers that for the station's next process."""
        first = self._refused is None
        self._refused, self._refused_read = message, True
        self.link.went_away(message)
        if first:
            self.keep(REFUSED_KEY, message)

    def refused(self) -> str | None:
        """Why the server refuses this station's login (said by a StationRefused), or None;
        known from the copy in a process that has not reached the server."""
        if not self._refused_read:
            self._refused_read = True
            if self._refused is None:
                self._refused = self.recall(REFUSED_KEY)
        return self._refused

    def require_accepted(self) -> None:
        """StationRefused while the server refuses this station's login (no decision, online
        or from the copy, and nothing promised to upload)."""
        refused = self.refused()
        if refused is not None:
            raise StationRefused(refused)

    def _accepted(self) -> None:
        """The server took this station's login (again)."""
        if self.refused() is not None:
            self._refused = None
            self.keep(REFUSED_KEY, None)

    @property
    def opened(self) -> bool:
        """The server's store is open (connected once) in this process."""
        return self._server is not None

    def read(self, on_server: Callable[[], T], on_copy: Callable[[Mirror], T]) -> T:
        """A read a screen shows (a search, a card): on the server, within the threshold,
        while the station decides online; else from its mirror (and a server that did not
        answer in time makes the station decide offline, as a scan does)."""
        if self.asks_server():
            try:
                return self.link.call(on_server, one_off=True)
            except ServerAway:
                pass
        return on_copy(self.mirror)

    @property
    def connected(self) -> bool:
        """The server's store holds a connection made already (idle in its pool)."""
        if self._server is None:
            return False
        checkedin = getattr(self._server.engine.pool, "checkedin", None)
        return bool(checkedin is not None and checkedin() > 0)

    def close(self) -> None:
        if self._mirror is not None:
            self._mirror.close()

    @property
    def pending(self) -> int:
        """Scans decided offline and not uploaded yet."""
        if self._pending is None:  # no copy yet: none (made when the key is at hand)
            self._pending = self.mirror.pending() if self.copy_exists() else 0
        return self._pending

    def counted(self, more: int = 0, *, fresh: bool = False) -> None:
        """``more`` rows written to the outbox since it was counted (or counted afresh). Not
        counted yet in this process, it is counted from the outbox, which holds them already:
        adding ``more`` to that counted each of them twice."""
        with self.outbox_lock:
            if fresh:
                self._pending = self.mirror.pending()
            elif self._pending is None:
                self._pending = self.pending
            else:
                self._pending += more

    def _remember_link(self, online: bool, _reason: str) -> None:
        """The next process of this station knows the server did not answer (and does not
        wait for it longer than the threshold to find out). The connections idle in the pool
        go with the server: one taken from a link that died half-open would wait forever."""
        if not online and self._server is not None:
            with contextlib.suppress(Exception):
                self._server.engine.pool.dispose()
        if online:
            self._accepted()
        self.keep("away_at", None if online else utcnow().isoformat())

    def _load_skew(self) -> Skew | None:
        try:
            with self.mirror.store.read() as session:
                kept = self.mirror.get(session.connection(), SKEW_KEY)
            if not kept:
                return None
            seconds, _, at = kept.partition("|")
            return Skew(float(seconds), datetime.fromisoformat(at))
        except (EventdeskError, SQLAlchemyError, ValueError):
            return None

    def _keep_skew(self, skew: Skew) -> None:
        if not self.copy_exists():  # none before its first sync: kept once the copy is made
            self._skew_unkept = skew
            return
        self._skew_unkept = None
        kept = f"{skew.seconds}|{skew.measured_at.isoformat()}"
        with contextlib.suppress(EventdeskError, SQLAlchemyError), self.mirror.store.write() as s:
            self.mirror.put(s.connection(), SKEW_KEY, kept)

    def measure_clock(self) -> Skew:
        """This station's clock against the server's, measured now (it also shows the server
        answers)."""
        return self.time.measure(self.server(), self.name)

    def _recently_away(self) -> bool:
        away = self.recall("away_at")
        if not away:
            return False
        return (utcnow() - datetime.fromisoformat(away)).total_seconds() < AWAY_MEMORY

    @property
    def connect_limit(self) -> float:
        """How long opening the server may take (a new process connects, checks the schema):
        PostgreSQL's own connect timeout, or the threshold when that is longer; only the
        threshold when the server did not answer this station a moment ago. A one-shot
        command that began reaching it early waits what is left of its budget."""
        reaching = self._reaching
        if reaching is not None and not reaching.done:
            probe = self._probe
            deadline = (probe or reaching).started + self.budget
            if probe is not None and probe.answers_by(deadline):
                return max(self.link.threshold, CONNECT_SECONDS)  # it answers: let it open
            return max(0.05, deadline - time.monotonic())
        if self.answers_offline() and (reaching is not None or self._recently_away()):
            return self.link.threshold
        return max(self.link.threshold, CONNECT_SECONDS)

    def reached(self) -> Store:
        """The server's store, reached within this station's limit (ServerAway when it does
        not answer in time)."""
        reaching = self._reaching
        if reaching is not None and not reaching.done and not self.link.online:
            # This command gave up on its early reach already: no second wait, and the reason
            # it said stays the one it waited for.
            raise ServerAway(self.link.reason)
        return self.link.call(self.server, timeout=self.connect_limit, budget=self.budget)

    def reach(self) -> Store:
        """The server's store, reached within this station's limit; DatabaseUnavailable,
        saying why, when it does not answer in time."""
        try:
            return self.reached()
        except ServerAway:
            raise DatabaseUnavailable(unavailable(self.link.reason)) from None

    def copy_exists(self) -> bool:
        """This station has a copy (made by its first sync), opened or on its disk."""
        return self._mirror is not None or (self.config.data_dir / MIRROR_FILE).exists()

    def recall(self, key: str) -> str | None:
        """A value this station kept in its copy (None when there is none, or no copy)."""
        if not self.copy_exists():  # its key is not asked of the server for nothing
            return None
        try:
            with self.mirror.store.read() as session:
                return self.mirror.get(session.connection(), key)
        except (EventdeskError, SQLAlchemyError):
            return None

    def keep(self, key: str, value: str | None) -> None:
        """A value kept in the copy for the next process of this station (none before its
        first sync: the copy and its key come with it)."""
        if not self.copy_exists():
            return
        with contextlib.suppress(EventdeskError, SQLAlchemyError), self.mirror.store.write() as s:
            self.mirror.put(s.connection(), key, value)

    def deciding_online(self) -> bool:
        """The server answered the last time it was asked (the station says ONLINE)."""
        return self.link.online

    def asks_server(self) -> bool:
        """A scan, an undo or a read asks the server: it answers, or it refused at once a moment
        ago (a link that comes and goes); a silent one is asked again by the sync loop, not by
        each scan."""
        return self.link.worth_asking()

    def upload_own(self, what: str) -> None:
        """Before a scan or an undo is decided online: what this station decided offline about
        its ticket (``what``: the scanned line or the ticket's id) and has not uploaded yet,
        uploaded first, so that the server's answer counts it."""
        if self.pending == 0:
            return
        text = what.strip() if isinstance(what, str) else ""
        try:
            ticket_id = parse_payload(text).ticket_id
        except InvalidPayload:
            ticket_id = text.upper()
        with self.mirror.store.read() as session:
            mine = list(
                session.execute(
                    select(OUTBOX.c.seq).where(
                        waiting(),
                        OUTBOX.c.state == "pending",
                        (OUTBOX.c.ticket_id == ticket_id) | (OUTBOX.c.payload == text[:200]),
                    )
                ).scalars()
            )
        if mine:
            upload(self.server(), self.mirror, lock=self._upload_lock, only=mine)
            self.counted(fresh=True)

    # --- rounds ----------------------------------------------------------------------------
    def sync_round(
        self, *, full: bool = False, refresh_mirror: bool = True, wait_for_copy: float = 0.0
    ) -> SyncReport:
        """Back online as soon as the server answers, upload what waits, then refresh the
        mirror. One process of a data folder at a time does it (``mirror.lock``); another
        one's round meanwhile only checks the server and counts what waits (``beside`` names
        it), unless that one lets go within ``wait_for_copy`` seconds. No wait of the round on
        the server lasts more than SILENCE_SECONDS without an answer (``Link.guard``): a round
        on a link that died ends, and says so."""
        with (
            self._sync_lock,
            FolderLock(self.config.data_dir, wait=wait_for_copy) as mine,
            self.link.guard() as guard,
        ):
            sent = Uploaded()
            refreshed: Refreshed | None = None
            sales = SalesUploaded()
            complete = False
            started = time.monotonic()
            try:
                server = self.server()
                # Asked within the threshold, as a scan is: a link that died while the station
                # was idle is known dead at its next round, not at its next scan.
                self.link.call(self.measure_clock)
                if not self._login_kept:  # what a one-shot command may do while it is away
                    keep_login(self, LoginFacts.of(server))
                    self._login_kept = True
                self.link.came_back()  # the next scans online, the outbox going up beside them
                if mine.held:
                    # Sales from the quota first: a later offline scan may be of their tickets.
                    upload_sales(server, self.mirror, into=sales)
                    self._drain(server, sent)
                    upload_prints(server, self.mirror)  # badges printed offline: the log
                    if refresh_mirror:
                        emails = self.keeps_emails(server)
                        refreshed = refresh(server, self.mirror, full=full, emails=emails)
                    if self._skew_unkept is not None:  # measured before the first copy
                        self._keep_skew(self._skew_unkept)
                complete = True
            except ServerAway:
                pass  # the link says so already
            except Exception as exc:
                quick = time.monotonic() - started <= QUICK_SECONDS or is_refusal(exc)
                self._round_failed(exc, guard, quick=quick)
            self.counted(fresh=True)
            status = self.mirror.status()
            sales_left = sales_waiting(self.mirror) if self.copy_exists() else 0
            if complete and mine.held and not status.pending and not sales_left:
                self._mark_synced(uploaded=bool(sent.uploaded or sales.uploaded))
            online = self.link.online
            return SyncReport(
                online=online,
                downloaded=refreshed.downloaded if refreshed else 0,
                uploaded=sent.uploaded + sales.uploaded,
                conflicts=sent.conflicts,
                pending=status.pending,
                refused=status.refused,
                problems=(*sales.problems, *sent.problems),
                reason="" if online else self.link.reason,
                full=bool(refreshed and refreshed.full),
                notices=tuple(self.notices.pop(0) for _ in list(self.notices)),
                sales_uploaded=sales.uploaded,
                sales_pending=sales_left,
                complete=complete,
                beside=None if mine.held else mine.holder,
                login_refused=self.refused(),
            )

    def _mark_synced(self, *, uploaded: bool) -> None:
        """The server's record that this station has nothing left to upload (services.stations.
        seen): at once after an upload, else now and then."""
        if not uploaded and time.monotonic() - self._marked < MARK_EVERY:
            return
        try:
            self.link.call(lambda: mark_synced(self.server(), self.name))
        except (ServerAway, StationRefused):
            return
        except EventdeskError:
            return  # a server from before its record (its next upgrade brings it)
        self._marked = time.monotonic()

    def _round_failed(self, exc: Exception, guard: Silence, *, quick: bool) -> None:
        """A round that met the server's absence, or its refusal of this station's login: the
        link told (a bug is raised)."""
        refusal = login_refusal(exc)
        if refusal is not None:
            self.refuse(exc.message if isinstance(exc, StationRefused) else refused_login(refusal))
            return
        if not is_outage(exc):
            raise exc
        if guard.stale:
            return  # it waited on the link that died: the server answers now (came_back)
        if guard.cut:
            self.link.went_away(no_answer(guard.seconds))
            return
        if quick and self.link.online:
            # Refused or reset at once on a link that answered: it may come and go. Asked
            # again within the threshold before the station decides offline.
            with contextlib.suppress(ServerAway, StationRefused):
                self.link.call(self.probe, one_off=True)
            return
        self.link.went_away(describe(exc), refused=quick)

    def _drain(self, server: Store, total: Uploaded) -> None:
        """Upload until the outbox is empty (scans decided offline meanwhile included), each
        upload counted into ``total`` as it is made."""
        for _round in range(DRAIN_ROUNDS):
            upload(server, self.mirror, lock=self._upload_lock, into=total)
            self.counted(fresh=True)
            if not self.pending:
                break

    def catch_up(self, *, limit: float = CATCH_UP_SECONDS) -> None:
        """A one-shot command (``checkin``) before its decision: upload what an earlier run
        decided offline, within ``limit`` seconds; else decide offline."""
        if self.pending == 0 or not self.link.online:
            return
        try:
            self.reached()
            self.link.call(
                lambda: self.sync_round(refresh_mirror=False),
                timeout=limit,
                answered=lambda report: report.online,
            )
        except ServerAway:
            return

    def status(self, *, probe: bool = True) -> StationStatus:
        """How this station stands: its server asked now (within its limit), its copy, and
        another process of the station that syncs it now (the app beside a command), with
        since when that one decides offline."""
        host = None
        if probe:
            try:
                host = self.link.call(
                    self._answering_host, timeout=None if self.opened else self.connect_limit
                )
            except (ServerAway, StationRefused):
                pass
            else:
                self.link.came_back()
        found = self.mirror.status()
        sales = sales_waiting(self.mirror) if self.copy_exists() else 0
        with FolderLock(self.config.data_dir) as lock:
            beside = lock.holder if not lock.held else None
        away = self.recall("away_at") if beside else None
        return StationStatus(
            online=self.link.online,
            pending=found.pending,
            refused=found.refused,
            mirror_updated_at=found.updated_at,
            mirror_tickets=found.tickets,
            reason=self.link.reason,
            server=found.server,
            notice=found.notice,
            clock=self.time.last,
            sales_pending=sales,
            login_refused=self.refused(),
            beside=beside,
            beside_offline_since=datetime.fromisoformat(away) if away else None,
            host=host if self.link.online else None,
        )

    def _answering_host(self) -> str | None:
        """The clock measured against the server's, and which of its hosts answered."""
        self.measure_clock()
        return self.server().host_in_use()

    def zone_of(self, ticket_id: str) -> ZoneInfo:
        """The time zone of a ticket's event, as the mirror knows it (UTC if it does not)."""
        try:
            with self.mirror.store.read() as session:
                zone = session.execute(
                    select(EVENT.c.timezone)
                    .select_from(TICKET.join(EVENT, EVENT.c.id == TICKET.c.event_id))
                    .where(TICKET.c.id == ticket_id.strip().upper())
                ).scalar()
        except (EventdeskError, SQLAlchemyError):
            zone = None
        return event_zone(zone)

    def mirror_status(self) -> MirrorStatus:
        return self.mirror.status()
