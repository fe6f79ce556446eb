"""A station's link to its server: calls waited for with a time limit (``Link.call``), and whether
the server answers (``online``, with why not and since when). The door
(``services.stations.offline``) decides offline once a call did not answer in time; the screens'
reads (``Station.read``) go through the same link.

Every wait on the server has a bound, however the link died:

- a call (a scan, a read) waits at most the threshold; one that overran has its connection cut
  (``eventdesk.connections``), so the thread that made it is not left waiting on a dead socket
  holding what it held;
- a call refused or reset at once (a link that comes and goes) is tried again for up to
  ``AGAIN_SECONDS`` (within the threshold), the scan's nonce making a second try of one scan the
  same scan on the server, before the station decides offline;
- a round of sync (``guard``) is cut when the server has not answered it for
  ``SILENCE_SECONDS``;
- when the server answers again (``came_back``), every connection a station's thread took before
  the server went away is cut: a link that died half-open left it waiting for bytes that will
  never come.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from eventdesk.errors import StationRefused
from eventdesk.i18n import _
from eventdesk.outage import (
    describe,
    is_outage,
    is_refusal,
    is_timeout,
    login_refusal,
    refused_login,
)
from eventdesk.values import utcnow

T = TypeVar("T")
QUICK_SECONDS = 0.2  # a failure this fast is a refusal (nothing listens, the link was reset)
RETRY_SECONDS = 0.025  # the pause before a call refused at once is tried again
AGAIN_SECONDS = 0.75  # how long (within the threshold) a call refused at once is tried again
# As long, once a call was refused for the whole of AGAIN_SECONDS: it outlasts a cut of a link
# that comes and goes, and scans queued at a door whose server died are not each kept that long.
AGAIN_AFTER_GIVING_UP = 0.1
# A server that has refused every try for this long is down, not a link that comes and goes:
# a call then tries once.
DOWN_SECONDS = 3.0
SILENCE_SECONDS = 10.0  # the longest a round of sync waits on a server that says nothing

# Cuts the connections of these threads (taken before a time.monotonic(), when given).
Cutter = Callable[[Iterable[int], "float | None"], int]


class ServerAway(Exception):
    """The server did not answer in time, or a try failed because it is not there.
    ``waiting``: the server's process ids of the connections a call that overran was waiting
    on (what held them can be asked of the server: Station.holder)."""

    def __init__(self, reason: str = "", waiting: Sequence[int] = ()) -> None:
        super().__init__(reason)
        self.waiting = tuple(waiting)


class _Caller(threading.Thread):
    """Runs calls for one thread of the station, so that a call can be waited for with a time
    limit; a call that overruns keeps its thread until it ends (cut), and the next call gets a
    new one. A caller ``once`` runs one call and ends (for a short-lived thread: a screen's
    worker); one given up ends with the call it was given up on."""

    def __init__(self, link: Link, *, once: bool = False) -> None:
        super().__init__(name="server call", daemon=True)
        self.jobs: queue.SimpleQueue[
            tuple[Callable[[], Any], dict[str, Any], threading.Event] | None
        ] = queue.SimpleQueue()
        self.once = once
        self.link = link
        self.given_up = False  # its call overran: whoever waited for it decided without it

    def run(self) -> None:
        self.link.thread_started(self)
        try:
            while True:
                job = self.jobs.get()
                if job is None:  # given up: no call comes to it any more
                    return
                work, box, done = job
                try:
                    box["value"] = work()
                except BaseException as exc:
                    box["error"] = exc
                finally:
                    done.set()
                if self.once or self.given_up:
                    return
        finally:
            self.link.thread_ended(self)


@dataclass
class Silence:
    """A thread's bound on the server's silence: its connections cut when nothing was heard by
    ``deadline``."""

    seconds: float
    deadline: float
    cut: bool = False  # cut for its silence
    stale: bool = False  # cut when the server came back: it waited on the link that died


def no_answer(seconds: float) -> str:
    """Why the server is away when it stayed silent for ``seconds``."""
    return _("no answer within {seconds:g} s").format(seconds=seconds)


class Link:
    """This process's view of its server, shared by its threads."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.online = True
        self.reason = ""
        self.since: datetime | None = None  # when it stopped answering
        self._away_mark: float | None = None  # the same, as time.monotonic()
        # The last failure was quick (refused, reset), not a silence: asking again costs next
        # to nothing, so a scan asks the server itself instead of waiting for the sync loop.
        self.refused = False
        self._local = threading.local()
        self._lock = threading.Lock()
        self.listeners: list[Callable[[bool, str], None]] = []
        # False: a one-shot command of a station whose server did not answer it a moment ago
        # tries once, not again (it answers from its copy at once), until the server answers.
        self.retry_quick = True
        # A one-shot command's first ask of the server (time.monotonic): until the server has
        # answered, its refused calls are tried again no longer than AGAIN_SECONDS from then,
        # not from each call's start (None: from the call's start).
        self.again_from: float | None = None
        # A call was refused for the whole of its tries since the server last answered: the
        # calls after it are tried again for AGAIN_AFTER_GIVING_UP only, until it answers.
        self.gave_up = False
        # Told when the server refuses this station's login (StationRefused's message).
        self.refusals: list[Callable[[str], None]] = []
        # The station's way of cutting its threads' connections (once its server is open), and
        # of naming the server's processes they are connected to.
        self.cutter: Cutter | None = None
        self.backends: Callable[[Iterable[int]], list[int]] | None = None
        self._callers: set[int] = set()  # the threads that run calls (their idents)
        self._guards: dict[int, Silence] = {}  # threads whose silence is bounded
        self._watch: threading.Condition = threading.Condition(self._lock)
        self._watcher: threading.Thread | None = None

    # --- calls ---------------------------------------------------------------------------
    def call(
        self,
        work: Callable[[], T],
        *,
        timeout: float | None = None,
        one_off: bool = False,
        budget: float | None = None,
        answered: Callable[[T], bool] | None = None,
        again: bool = True,
    ) -> T:
        """``work()`` on the server, waited for at most ``timeout`` (the threshold) seconds.
        ServerAway when it did not answer in time or failed as a server that is not there.
        ``one_off``: for a thread that ends soon (a screen's worker), in a thread of its own
        that ends with the call, rather than one kept for this thread's next calls.
        ``budget``: the whole wait this is the rest of (what "no answer within" says).
        ``answered``: for work that meets an absent server itself and says so in what it
        returns (a round of sync): whether the server answered it.
        ``again``: while the server answered its last call, a try refused or reset at once
        is made again for up to AGAIN_SECONDS of the limit, counted from ``again_from`` when
        set (a one-shot command's first ask) (``work`` must be the same work
        twice: a scan with its nonce, a read); not for work that must not be repeated."""
        limit = self.threshold if timeout is None else timeout
        said = limit if budget is None else budget
        started = time.monotonic()
        deadline = started + limit
        # Tried again on a link that answered, or that has refused only a moment: once the
        # server is known down, one quick try. Once a call tried it again for the whole of
        # AGAIN_SECONDS and found it gone, the calls after it are tried again for a moment only
        # (each scan queued behind that call waiting as long again would answer later and
        # later: a server machine that died mid-rush).
        again = again and self.retry_quick and self.coming_and_going()
        first = started if self.again_from is None else min(started, self.again_from)
        window = AGAIN_AFTER_GIVING_UP if self.gave_up and not self.online else AGAIN_SECONDS
        again_until = min(deadline, first + window)
        refused_before = False  # a try of this call was refused at once: not a silence
        while True:
            tried = time.monotonic()
            box, waiting = self._run(work, one_off=one_off, wait=max(0.0, deadline - tried))
            if box is None:
                self.went_away(no_answer(said), refused=refused_before)
                raise ServerAway(self.reason, waiting)
            if "error" not in box:
                value: T = box["value"]
                if answered is None or answered(value):
                    self.again_from = None  # a call refused later counts from its own start
                    self.came_back()  # it answered: online from now on
                return value
            error: BaseException = box["error"]
            refusal = login_refusal(error)
            if refusal is not None:
                message = error.message if isinstance(error, StationRefused) else None
                self.refused_login(message or refused_login(refusal))
                raise StationRefused(message or refused_login(refusal)) from error
            if not is_outage(error):
                raise error
            now = time.monotonic()
            quick = now - tried <= QUICK_SECONDS or is_refusal(error)
            if again and quick and now + RETRY_SECONDS < again_until:
                refused_before = True
                time.sleep(RETRY_SECONDS)  # a link that comes and goes: it may be back
                continue
            if again and quick and refused_before:
                self.gave_up = True  # refused for the whole of its tries: gone, for now
            if is_timeout(error) and now >= deadline - QUICK_SECONDS:
                # A silence the driver's own timer ended with ours (libpq's connect_timeout
                # is the wait of a station with no copy; a command's connection may have
                # begun before this call): said as the silence it is.
                self.went_away(no_answer(said), refused=refused_before)
            else:
                self.went_away(describe(error), refused=quick)
            raise ServerAway(self.reason) from error

    def _run(
        self, work: Callable[[], Any], *, one_off: bool, wait: float
    ) -> tuple[dict[str, Any] | None, tuple[int, ...]]:
        """``work`` run by this thread's caller, waited for ``wait`` seconds: its box (a value
        or an error); or None when it overran (its connections then cut: it is given up), and
        the server's processes it was connected to."""
        caller: _Caller | None = None if one_off else getattr(self._local, "caller", None)
        if caller is None:
            caller = _Caller(self, once=one_off)
            caller.start()
            if not one_off:
                self._local.caller = caller
        box: dict[str, Any] = {}
        done = threading.Event()
        caller.jobs.put((work, box, done))
        if done.wait(wait):
            return box, ()
        caller.given_up = True
        caller.jobs.put(None)  # it ends once its call does (had it ended just now, at once)
        if not one_off:
            self._local.caller = None  # it may stay stuck: the next call gets another
        waiting: tuple[int, ...] = ()
        if caller.ident is not None:
            backends = self.backends
            waiting = tuple(backends([caller.ident])) if backends is not None else ()
            self.cut([caller.ident])
        return None, waiting

    def still_waited(self) -> None:
        """In a call's work, before it changes anything on the server: ServerAway when the
        call was given up meanwhile (a scan then decided offline must not be decided here
        again, later)."""
        current = threading.current_thread()
        if isinstance(current, _Caller) and current.given_up:
            raise ServerAway(self.reason)

    def thread_started(self, caller: _Caller) -> None:
        with self._lock:
            self._callers.add(threading.get_ident())

    def thread_ended(self, caller: _Caller) -> None:
        with self._lock:
            self._callers.discard(threading.get_ident())

    def cut(self, threads: Iterable[int], *, before: float | None = None) -> int:
        """Cut the connections ``threads`` hold to the server (taken before ``before``)."""
        cutter = self.cutter
        return cutter(list(threads), before) if cutter is not None else 0

    # --- a round's silence ---------------------------------------------------------------
    @contextlib.contextmanager
    def guard(self, seconds: float = SILENCE_SECONDS) -> Iterator[Silence]:
        """This thread's waits on the server bounded: when the server has said nothing to it
        (no statement begun or ended, ``heard``) for ``seconds``, its connections are cut and
        its wait fails as an outage (``guard.cut`` then tells why)."""
        ident = threading.get_ident()
        held = Silence(seconds, time.monotonic() + seconds)
        with self._lock:
            self._guards[ident] = held
            self._start_watcher()
            self._watch.notify_all()
        try:
            yield held
        finally:
            with self._lock:
                self._guards.pop(ident, None)

    def heard(self) -> None:
        """The server (or the station's copy) just took or answered a statement of this
        thread: its silence starts again."""
        held = self._guards.get(threading.get_ident())
        if held is not None:
            held.deadline = time.monotonic() + held.seconds

    def _start_watcher(self) -> None:
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watching, name="link watch", daemon=True)
            self._watcher.start()

    def _watching(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                late = [
                    ident
                    for ident, held in self._guards.items()
                    if not held.cut and held.deadline <= now
                ]
                for ident in late:
                    self._guards[ident].cut = True
                if not late:
                    soonest = min(
                        (g.deadline for g in self._guards.values() if not g.cut), default=None
                    )
                    self._watch.wait(None if soonest is None else max(0.01, soonest - now))
                    continue
            self.cut(late)

    # --- the state -------------------------------------------------------------------------
    def coming_and_going(self) -> bool:
        """Online, or away for less than DOWN_SECONDS with every try refused at once (a link
        that comes and goes): a call refused at once is worth trying again."""
        away = self._away_mark
        if self.online or away is None:
            return True
        return self.refused and time.monotonic() - away < DOWN_SECONDS

    def worth_asking(self) -> bool:
        """Online; or away, but the last try was refused at once (not a silence): a scan asks
        the server itself, and is online again the moment it answers."""
        return self.online or self.refused

    def refused_login(self, message: str) -> None:
        """The server answered, refusing this station's login: no decision from now on."""
        for listener in list(self.refusals):
            listener(message)

    def went_away(self, reason: str, *, refused: bool = False) -> None:
        with self._lock:
            self.reason = reason
            self.refused = refused
            if not self.online:
                return
            self.online, self.since, self._away_mark = False, utcnow(), time.monotonic()
        for listener in list(self.listeners):
            listener(False, reason)

    def came_back(self) -> None:
        with self._lock:
            if self.online:
                return
            away = self._away_mark
            self.online, self.since, self.reason, self.refused = True, None, "", False
            self.retry_quick, self.gave_up = True, False
            self._away_mark = None
            me = threading.get_ident()
            callers = self._callers - {me}
            guards = {ident: g for ident, g in self._guards.items() if ident != me}
        if away is not None:
            # What waited on the server since before it went away waits on a dead link.
            self.cut(callers, before=away)
            for ident, held in guards.items():
                if self.cut([ident], before=away):
                    held.stale = True
        for listener in list(self.listeners):
            listener(True, "")
