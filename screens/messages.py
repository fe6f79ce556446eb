"""Messages that cross screens: posted by background workers, handled on the UI thread.

Workers post, handlers mutate: nothing here touches a widget. They are dataclasses: Textual's
``Message.__post_init__`` sets them up. Messages that can pile up
(camera state, preview frames) replace older ones of their kind still in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the devices load only when a station uses them (start-up time)
    import numpy as np
    import numpy.typing as npt

    from devices.outage import DatabaseState
    from devices.print_worker import PrintOutcome
    from eventdesk.services.door.scan_result import ScanResult
    from eventdesk.services.people.auth import StaffInfo


@dataclass
class ScanDecided(Message):
    """A ticket was scanned (camera, keyboard-wedge scanner, the desk, a walk-in, the kiosk's
    email and PIN) and decided: the door's answer, the line read, how long it took from the
    line's end to its answer, and who read it. One envelope from the queue to the screen: the
    queue's Decision (devices know no Textual) is opened once, where its queue posts it."""

    result: ScanResult
    payload: str
    latency_ms: float
    source: str  # camera | scanner | desk | walk-in | lookup
    frame_index: int | None = None  # the camera's frame the code was read in


@dataclass
class CameraStatus(Message):
    """The camera's state changed (starting, running, no frames, reconnecting, failed...)."""

    state: str
    detail: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CameraStatus)


@dataclass
class CameraFrame(Message):
    """A small RGB copy of what the camera sees, for the preview; stale ones are dropped."""

    image: npt.NDArray[np.uint8]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CameraFrame)


@dataclass
class BadgePrinted(Message):
    """The print worker finished a job: done, queued again (printer away) or failed; what it
    tells a person, where it is news (devices.news: "trouble", "back", "printed", "failed")."""

    outcome: PrintOutcome
    news: str | None = None


@dataclass
class DatabaseStatus(Message):
    """A worker found the database not answering, or answering again (devices.outage): the
    camera's or the scanner's scans are kept meanwhile, the print queue waits."""

    state: DatabaseState
    source: str  # camera | scanner | printer

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DatabaseStatus) and message.source == self.source


@dataclass
class BackupProblem(Message):
    """The periodic backup failed (``problem`` says why), or works again (None)."""

    problem: str | None


@dataclass
class ShopProblem(Message):
    """The exchange with a connected shop failed (``problem`` says why), or works again
    (None): said once each time it changes."""

    problem: str | None


@dataclass
class SyncProblem(Message):
    """A round of the mirror's sync failed for a reason other than the server being away
    (``locked``: the copy is locked, its key unknown here: staff type its passphrase)."""

    problem: str
    locked: bool = False


@dataclass
class UploadRefused(Message):
    """To the app, from the sync: the server refused scans this station decided offline
    (``count`` of them kept refused in its outbox; ``problem``: the server's words, when this
    round heard them)."""

    count: int
    problem: str | None


class StationOffered(Message):
    """To the app, from the worker that opened the station's database (``Backend.take``)."""


@dataclass
class StationUnopened(Message):
    """To the app: the station's database could not be opened."""

    error: Exception


class StationOpen(Message, bubble=False):
    """To the screen: the station's database is open and its event chosen (after the first
    screen was drawn)."""


@dataclass
class SignedIn(Message):
    """Someone signed in (or, with staff None, signed out)."""

    staff: StaffInfo | None
