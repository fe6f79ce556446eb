"""The station's checks before the doors open, in the app (F7 from the sign-in screen and every
mode but the kiosk's): the same checks as ``eventdesk doctor`` (devices.doctor), each one line,
green or a sentence saying what to do. A ticket's QR scanned here checks the scanner's
keyboard layout; R checks everything again, Escape goes back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from eventdesk.errors import DatabaseUnavailable
from eventdesk.i18n import N_, _

if TYPE_CHECKING:
    from devices.wedge import Line
    from eventdesk.db import Store
    from eventdesk.services.stations.doctor import Finding
    from screens.backend import Backend


class DoctorScreen(ModalScreen[None]):
    """Every check of this station, made in a worker and shown as each comes."""

    DEFAULT_CSS = """
    DoctorScreen { align: center middle; }
    DoctorScreen #doctor-box {
        width: 100%; max-width: 110; height: 100%; max-height: 40;
        padding: 0 1; border: round $primary; background: $surface;
    }
    DoctorScreen #doctor-title { height: 1; text-style: bold; }
    DoctorScreen #doctor-lines { height: 1fr; }
    DoctorScreen .doctor-line { height: auto; }
    DoctorScreen .doctor-line.-ok { color: $success; }
    DoctorScreen .doctor-line.-bad { color: $error; }
    DoctorScreen #doctor-scan { height: 3; }
    DoctorScreen #doctor-keys { height: 1; color: $text-muted; }
    """
    BINDINGS = [
        # TRANSLATORS: a key: leave the station's checks
        Binding("escape", "close", N_("Back"), id="doctor.back"),
        # TRANSLATORS: a key: make the station's checks again
        Binding("ctrl+r", "again", N_("Check again"), id="doctor.again"),
    ]

    class Found(Message):
        """One check made (from the worker)."""

        def __init__(self, finding: Finding, run: int) -> None:
            super().__init__()
            self.finding, self.run = finding, run

    class Scanned(Message):
        """A scanned line checked (from its worker): shown, whatever the run said before."""

        def __init__(self, finding: Finding, run: int) -> None:
            super().__init__()
            self.finding, self.run = finding, run

    class Done(Message):
        """Every check made (from the worker)."""

        def __init__(self, run: int) -> None:
            super().__init__()
            self.run = run

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.findings: dict[str, Finding] = {}
        self.done = False
        self._run = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="doctor-box"):
            yield Static(
                _("Station {station}: checks before the doors open").format(
                    station=self.backend.station
                ),
                id="doctor-title",
                markup=False,
            )
            yield VerticalScroll(id="doctor-lines")
            yield Input(
                placeholder=_("Scan a ticket's QR here to check the scanner"), id="doctor-scan"
            )
            yield Static(
                # TRANSLATORS: the keys of the station's checks
                _("Ctrl+R: check again · Escape: back"),
                id="doctor-keys",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#doctor-scan", Input).focus()
        self.action_again()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_again(self) -> None:
        self._run += 1
        self.done = False
        self.findings.clear()
        self.query_one("#doctor-lines", VerticalScroll).remove_children()
        self._check(self._run)

    @work(thread=True, exclusive=True, group="doctor")
    def _check(self, run: int) -> None:
        """Every check but the scanner's (that waits for a scan), posted one by one."""
        from devices.doctor import DoctorOptions, run_checks

        backend = self.backend
        options = DoctorOptions(
            event=backend.event,
            printer=backend.printer,
            camera=backend.camera,
            screen="desk",  # every mode but the kiosk's: answers read by staff
        )
        config = backend.config

        def found(finding: Finding) -> None:
            self.post_message(self.Found(finding, run))

        run_checks(config, lambda: backend.store, backend.door_station, options, on_finding=found)
        self.post_message(self.Done(run))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.run != self._run:
            return
        if message.finding.check == "scanner" and "scanner" in self.findings:
            return  # a scan came first: its answer stays
        self._show(message.finding)

    @on(Scanned)
    def _scan_checked(self, message: Scanned) -> None:
        self._show(message.finding)

    @on(Done)
    def _done(self, message: Done) -> None:
        if message.run == self._run:
            self.done = True

    def _show(self, found: Finding) -> None:
        from devices.doctor_cli import finding_line

        self.findings[found.check] = found
        lines = self.query_one("#doctor-lines", VerticalScroll)
        line_id = f"doctor-{found.check.replace('_', '-')}"
        text = finding_line(found)
        existing = lines.query(f"#{line_id}")
        if existing:
            line = existing.first(Static)
            line.update(text)
        else:
            line = Static(text, id=line_id, classes="doctor-line", markup=False)
            lines.mount(line)
        line.set_class(found.ok, "-ok")
        line.set_class(not found.ok, "-bad")

    def take_scan(self, line: Line, ended_at: float) -> None:
        """A scanner's line, caught wherever the focus is (screens.scanner_keys)."""
        self._scanned(line.text)

    @on(Input.Submitted, "#doctor-scan")
    def _typed(self, event: Input.Submitted) -> None:
        """A line that reached the box (a scanner too slow to be told from typing)."""
        self._scanned(event.value)
        event.input.value = ""

    def _scanned(self, text: str) -> None:
        self._check_scan(text, self._run)

    @work(thread=True, group="doctor-scan")
    def _check_scan(self, text: str, run: int) -> None:
        """In a thread worker: the scanned line read as the door reads it (its signature
        checked against the station's database)."""
        from devices.doctor import check_scan_line

        try:
            store: Store | None = self.backend.store
        except DatabaseUnavailable:  # no database to ask: the line's shape is all that is checked
            store = None
        self.post_message(self.Scanned(check_scan_line(text, store), run))
