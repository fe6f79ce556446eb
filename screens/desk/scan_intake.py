"""The desk's scan intake: a keyboard-wedge scanner's lines (typed anywhere, or into the scan
field) decided in order off the UI thread and kept while the database is away; the camera's
decisions; each answer on the banner with its sound, its holder's card read, the list's
questions asked; the devices' line (camera, printer)."""

from __future__ import annotations

from textual import events, on
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.widgets import Input

from devices.wedge import Line, PendingScan
from eventdesk.db import failure_text
from eventdesk.i18n import _, ngettext
from eventdesk.services.door.override import may_override
from eventdesk.services.door.scan_result import ScanResult
from screens.desk.card import AttendeeCard
from screens.desk.device_line import DeviceLine
from screens.desk.jobs import DeskJobs
from screens.desk.messages import CardLoaded, Failed
from screens.desk.search_pane import SearchPane
from screens.messages import BadgePrinted, CameraFrame, CameraStatus, DatabaseStatus, ScanDecided
from screens.scanner_keys import WedgeScans
from screens.widgets.recent_answers import Answer


class ScanIntake(SearchPane):
    """The scans, from the scanner and the camera, and their answers."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: ScanResult | None = None  # the last answer, a refusal ^Y may override
        # The scanner's lines: decided in order off the UI thread, kept while the database is away.
        self.scans = WedgeScans(self, lambda: self.backend.checkin(), failed=self._scan_failed)
        self.jobs = DeskJobs(self)  # a check-in (after a list's questions too), undo, reprint

    def on_key(self, event: events.Key) -> None:
        """Typing while no text field has focus goes to the search box (a scanner included)."""
        if self.keys.key(event):
            event.stop()
            event.prevent_default()

    @on(Input.Submitted, "#scan")
    def scan_submitted(self, message: Input.Submitted) -> None:
        text = message.value
        message.input.value = ""
        self.scan_text(text, "scanner")

    def action_focus_scan(self) -> None:
        self.query_one("#scan", Input).focus()

    def take_scan(self, line: Line, ended_at: float) -> None:
        """A scanner's line, taken whole before any field saw it (screens/scanner_keys.py), or
        a serial scanner's: decided in order, and nothing typed anywhere is touched."""
        self.scan_text(line.text, "scanner", line=line, read_at=ended_at)

    def scan_text(
        self, text: str, source: str, *, line: Line | None = None, read_at: float | None = None
    ) -> None:
        if not text.strip():
            return
        self.scanning = True  # until its answer (and its card) is shown
        self._sync_actions()
        self.say(Content(_("Checking the ticket…")), "-info")
        if line is not None:
            self.scans.put(line, source, read_at)
        else:
            self.scans.put_text(text, source)
        if self.scans.away:
            self.say(*self.scans.banner(self.devices.scanner))

    def _scan_failed(self, _scan: PendingScan, exc: Exception) -> None:  # in the scans' thread
        self.post_message(Failed(failure_text(exc), decision=True))
        self.post_message(CardLoaded(-1, None, scan=None))  # nothing to wait for

    @on(DatabaseStatus)
    def database_status(self, message: DatabaseStatus) -> None:
        """The database does not answer: the scans wait, kept, said on the banner (the desk
        stays usable meanwhile); they are answered when it is back."""
        away = self.scans.note(message)
        if away:
            self.scanning = False  # the answer comes when the database does
            self._sync_actions()
        if away or (away is not None and not self.scanning):
            self.say(*self.scans.banner(self.devices.scanner))

    @on(ScanDecided)
    def scan_decided(self, message: ScanDecided) -> None:
        """The answer at once; the holder's card once it is read (meanwhile the card says whose
        is coming, so that it never shows someone else beside the answer)."""
        message.stop()
        result = message.result
        self.scan_order.decided(message)
        self.refused = result if may_override(result) else None
        answer = self.board.decided(message)
        if result.badge_queued:
            self.devices.wake_printer()
        if self.scans.later_decisions(message) > 0:
            self.scan_order.skip(message)  # a burst's: the last line's answer and card show
            self.scanning = self.scan_order.pending or self.scans.waiting > 0
            return
        self._answer(message, answer)
        if result.result == "needs_answer" and result.questions and result.ticket_id:
            self._ask(result)
        if result.offline:
            self._offline_view()  # the card comes from the station's copy
        if result.ticket_id is not None and result.result != "unknown":
            self.scanning = True
            self._sync_actions()
            who = result.attendee or result.ticket_id
            self.query_one("#card", AttendeeCard).show(None, self.zone, hint=f"{who}…")
            self.request_card(ticket_id=result.ticket_id, scan=message)
        else:
            self.scan_order.skip(message)
            self.scanning = self.scan_order.pending or self.scans.waiting > 0
            if result.offline and result.admitted and result.ticket_id is not None:
                self.offline_admitted = (result.ticket_id, result.attendee or result.ticket_id)
            self._sync_actions()

    def _answer(self, message: ScanDecided, answer: Answer) -> None:
        """A scan's answer on the banner (and its sound, where the station wants one)."""
        result = message.result
        content, kind = self.board.answer(message, answer)
        self.devices.sound_answer("desk", result)
        if not self.is_current:
            severity: SeverityLevel = (
                "information" if kind == "-ok" else "warning" if kind == "-warn" else "error"
            )
            self.notify(content.plain, title=_("Scan"), severity=severity, markup=False)
        self._sync_actions()

    def _ask(self, result: ScanResult) -> None:
        """The list's questions, asked before the ticket is admitted (escape: not admitted)."""
        from screens.desk.questions import QuestionsScreen

        ticket_id = result.ticket_id
        assert ticket_id is not None

        def answered(answers: dict[str, str] | None) -> None:
            if answers is not None:
                self.jobs.check_in(ticket_id, answers)

        self.app.push_screen(QuestionsScreen(result), answered)

    def action_seen(self) -> None:
        """The oldest answer still asking something of the desk is seen to."""
        answer = self.board.seen()
        if answer is not None:
            left = len(self.board.recent.waiting)
            said = ngettext(
                "Seen to: {person}. {count} more answer waits.",
                "Seen to: {person}. {count} more answers wait.",
                left,
            ).format(person=answer.person, count=left)
            if not left:
                said = _("Seen to: {person}.").format(person=answer.person)
            self.notify(said, title=_("Desk"), markup=False)

    @on(CameraStatus)
    def camera_status(self, message: CameraStatus) -> None:
        message.stop()
        configured = self.backend.camera is not None
        self.query_one(DeviceLine).camera(message, configured=configured)

    @on(CameraFrame)
    def camera_frame(self, message: CameraFrame) -> None:
        message.stop()  # the desk shows no preview

    @on(BadgePrinted)
    def badge_printed(self, message: BadgePrinted) -> None:
        message.stop()  # the app says it when a badge could not print
        self.query_one(DeviceLine).printed(message)
