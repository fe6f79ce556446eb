"""What a device that is tried again and again tells a person: that it went wrong, once (not at
every try again), and that it is back. A printer that is off keeps its badges waiting, each
tried again with capped backoff (services.door.printing.retry_delay), and a camera that stalls
is opened again and again (devices.capture): ``scan``, ``print-queue --watch`` and the app say
what these filters let through. The serial scanner says only its changes itself
(devices.serial_scanner).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

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
