"""A station's link to its server: calls waited for with a time limit (``Link.call``), and whether
the server answers (``online``, with why not and since when). The door
(``services.stations.offline``) decides offline once a call did not answer in time; the screens'
reads (``Station.read``) go through the same link."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from eventdesk.i18n import _
from eventdesk.outage import describe, is_outage
from eventdesk.values import utcnow

T = TypeVar("T")
QUICK_SECONDS = 0.2  # a failure this fast is a refusal (nothing listens, the link was reset)


class ServerAway(Exception):
    """The server did not answer in time, or a try failed because it is not there."""


class _Caller(threading.Thread):
    """Runs calls for one thread of the station, so that a call can be waited for with a time
    limit; a call that overruns keeps its thread, and the next call gets a new one. A caller
    ``once`` runs one call and ends (for a short-lived thread: a screen's worker)."""

    def __init__(self, *, once: bool = False) -> None:
        super().__init__(name="server call", daemon=True)
        self.jobs: queue.SimpleQueue[tuple[Callable[[], Any], dict[str, Any], threading.Event]]
        self.jobs = queue.SimpleQueue()
        self.once = once

    def run(self) -> None:
        while True:
            work, box, done = self.jobs.get()
            try:
                box["value"] = work()
            except BaseException as exc:
                box["error"] = exc
            finally:
                done.set()
            if self.once:
                return


class Link:
    """This process's view of its server, shared by its threads."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.online = True
        self.reason = ""
        self.since: datetime | None = None  # when it stopped answering
        # The last failure was quick (refused, reset), not a silence: asking again costs next
        # to nothing, so a scan asks the server itself instead of waiting for the sync loop.
        self.refused = False
        self._local = threading.local()
        self._lock = threading.Lock()
        self.listeners: list[Callable[[bool, str], None]] = []

    def call(
        self,
        work: Callable[[], T],
        *,
        timeout: float | None = None,
        one_off: bool = False,
        budget: float | None = None,
        answered: Callable[[T], bool] | None = None,
    ) -> T:
        """``work()`` on the server, waited for at most ``timeout`` (the threshold) seconds.
        ServerAway when it did not answer in time or failed as a server that is not there.
        ``one_off``: for a thread that ends soon (a screen's worker), in a thread of its own
        that ends with the call, rather than one kept for this thread's next calls.
        ``budget``: the whole wait this is the rest of (what "no answer within" says).
        ``answered``: for work that meets an absent server itself and says so in what it
        returns (a round of sync): whether the server answered it."""
        caller: _Caller | None = None if one_off else getattr(self._local, "caller", None)
        if caller is None:
            caller = _Caller(once=one_off)
            caller.start()
            if not one_off:
                self._local.caller = caller
        box: dict[str, Any] = {}
        done = threading.Event()
        started = time.monotonic()
        caller.jobs.put((work, box, done))
        limit = self.threshold if timeout is None else timeout
        if not done.wait(limit):
            if not one_off:
                self._local.caller = None  # it may stay stuck: the next call gets another
            said = limit if budget is None else budget
            self.went_away(_("no answer within {seconds:g} s").format(seconds=said))
            raise ServerAway(self.reason)
        if "error" in box:
            error: BaseException = box["error"]
            if is_outage(error):
                quick = time.monotonic() - started <= QUICK_SECONDS
                self.went_away(describe(error), refused=quick)
                raise ServerAway(self.reason) from error
            raise error
        value: T = box["value"]
        if answered is None or answered(value):
            self.came_back()  # it answered: online from now on
        return value

    def worth_asking(self) -> bool:
        """Online; or away, but the last try was refused at once (not a silence): a scan asks
        the server itself, and is online again the moment it answers."""
        return self.online or self.refused

    def went_away(self, reason: str, *, refused: bool = False) -> None:
        with self._lock:
            self.reason = reason
            self.refused = refused
            if not self.online:
                return
            self.online, self.since = False, utcnow()
        for listener in list(self.listeners):
            listener(False, reason)

    def came_back(self) -> None:
        with self._lock:
            if self.online:
                return
            self.online, self.since, self.reason, self.refused = True, None, "", False
        for listener in list(self.listeners):
            listener(True, "")
