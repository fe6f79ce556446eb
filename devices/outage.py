"""Riding out a database that does not answer: busy or locked past its timeout, a server that
went away, an SQLite file moved or deleted under the station.

Every long-lived worker (the keyboard-wedge scanner, the camera's scan worker, the print
worker) keeps what it was doing, says once that the database is not answering, tries again
with capped backoff, and says once when it is back. It never exits for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eventdesk.i18n import N_, _, ngettext
from eventdesk.outage import describe as describe
from eventdesk.outage import is_outage as is_outage

NOT_ANSWERING = N_("database not answering")
BACK = N_("database back")
FIRST_RETRY = 0.2  # seconds before the first try again...
LONGEST_RETRY = 5.0  # ...doubling each time, at most this


class Backoff:
    """The waits between tries: ``first`` seconds, doubling, at most ``longest``."""

    def __init__(self, first: float = FIRST_RETRY, longest: float = LONGEST_RETRY) -> None:
        self.first, self.longest = first, longest
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self.longest, delay * 2)
        return delay

    def reset(self) -> None:
        self._next = self.first


@dataclass(frozen=True)
class DatabaseState:
    """What a worker says of the database when that changes."""

    answering: bool
    reason: str = ""  # why not, while it does not answer
    waiting: int | None = None  # the scans kept meanwhile (None: the worker keeps no count)

    def sentence(self) -> str:
        """What changed, as a person reads it (in the reader's language)."""
        if self.answering:
            if not self.waiting:
                return _(BACK)
            return ngettext(
                "database back: deciding the {count} scan that waited",
                "database back: deciding the {count} scans that waited",
                self.waiting,
            ).format(count=self.waiting)
        if self.waiting is None:
            if self.reason:
                return _("database not answering ({reason}); trying again until it does").format(
                    reason=self.reason
                )
            return _("database not answering; trying again until it does")
        if self.reason:
            return ngettext(
                "database not answering ({reason}); {count} scan waiting, decided when it answers",
                "database not answering ({reason}); {count} scans waiting, decided when it answers",
                self.waiting,
            ).format(reason=self.reason, count=self.waiting)
        return ngettext(
            "database not answering; {count} scan waiting, decided when it answers",
            "database not answering; {count} scans waiting, decided when it answers",
            self.waiting,
        ).format(count=self.waiting)


class Outage:
    """One worker's view of the database: news only when a try fails after tries that worked
    (``failed`` is True) or works after tries that failed (``answered`` is True)."""

    def __init__(self) -> None:
        self.since: float | None = None  # time.monotonic() of the first failed try
        self.reason = ""

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException) -> bool:
        self.reason = describe(exc)
        if self.since is not None:
            return False
        self.since = time.monotonic()
        return True

    def answered(self) -> bool:
        if self.since is None:
            return False
        self.since = None
        return True
