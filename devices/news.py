"""What a device that is tried again and again tells a person: that it went wrong, once (not at
every try again), and that it is back. A printer that is off keeps its badges waiting, each
tried again with capped backoff (services.door.printing.retry_delay), and a camera that stalls
is opened again and again (devices.capture): ``scan``, ``print-queue --watch`` and the app say
what these filters let through. The serial scanner says only its changes itself
(devices.serial_scanner).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from eventdesk.i18n import _

if TYPE_CHECKING:
    from devices.print_worker import PrintOutcome

PrinterNewsKind = Literal["trouble", "back", "printed", "failed"]
# A camera's states that repeat at each try again while it is away (devices.capture.CaptureState)
CAMERA_RETRYING = frozenset({"reconnecting", "no frames"})


class PrinterNews:
    """A print queue's outcomes, as news for a person, printer by printer."""

    def __init__(self) -> None:
        self._trouble: dict[str, str] = {}  # printer -> what is wrong with it, as last said

    def told(self, outcome: PrintOutcome) -> PrinterNewsKind | None:
        """What ``outcome`` tells: ``"trouble"`` (a printer's badge waits, and that printer's
        trouble was not said yet, or is another now), ``"back"`` (a badge printed on a printer
        whose trouble was said), ``"printed"``, ``"failed"`` (a badge that will not print as it
        is); None when it tells nothing new (the same trouble, at another try of a badge, or for
        another badge waiting for the same printer)."""
        printer = outcome.job.printer
        if outcome.state == "queued":
            if self._trouble.get(printer) == outcome.detail:
                return None
            self._trouble[printer] = outcome.detail
            return "trouble"
        if outcome.state == "done":
            return "back" if self._trouble.pop(printer, None) is not None else "printed"
        return "failed"


class CameraNews:
    """A camera's states as news: a camera that is reconnecting is said once, not at each try
    (each comes with its wait: "retry in 4 s"); every other state as it comes, the state it is
    back in ("running") included."""

    def __init__(self) -> None:
        self._last: str | None = None

    def tells(self, state: str, detail: str) -> bool:
        """Whether the camera's new ``state`` (with ``detail``) is news."""
        again = state == self._last and state in CAMERA_RETRYING
        self._last = state
        return not again


def outcome_news(say: Callable[[str], None]) -> Callable[[Any], None]:
    """What a running print queue says of each outcome: a printer's trouble once (not at every
    try again of every badge waiting for it), that it is back, and each badge printed."""
    news = PrinterNews()

    def told(outcome: Any) -> None:
        kind = news.told(outcome)
        if kind == "back":
            # TRANSLATORS: a badge printer whose trouble was said prints again
            say(_("printer {printer} is back").format(printer=outcome.job.printer))
        if kind is not None:
            say(outcome_line(outcome))

    return told


def outcome_line(outcome: Any) -> str:
    job = outcome.job
    if outcome.state == "done":
        # TRANSLATORS: {detail} says where it went (a file, a printer's address)
        said = _("badge for {ticket} printed on {printer} ({detail})")
    elif outcome.state == "queued":
        # TRANSLATORS: {detail} says what is wrong with the printer
        said = _("badge for {ticket} waits for {printer}: {detail} (will retry)")
    else:
        said = _("badge for {ticket} NOT printed on {printer}: {detail}")
    return said.format(ticket=job.ticket_id, printer=job.printer, detail=outcome.detail)
