"""Parts of the desk screen (screens/desk/screen.py) that stand alone: the scanner's lines and the
banner their answers go to, the camera and printer lines, and promoting a waitlisted ticket
(an organizer may admit over capacity)."""

from __future__ import annotations

from textual import on, work
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.widgets import Static

from devices.wedge import Line, PendingScan
from eventdesk.errors import EventdeskError, SoldOut
from eventdesk.services.people.registration import promote
from screens.base import StationScreen
from screens.desk.answer import answer_content
from screens.desk.card import CardData, TicketLine, card_at_door
from screens.desk.messages import CardLoaded, Done, Failed, Polled, PromoteRefused
from screens.desk.results import states_at_door
from screens.messages import (
    BadgePrinted,
    CameraFrame,
    CameraStatus,
    DatabaseStatus,
    ScanDecided,
)
from screens.widgets.confirm import ConfirmScreen
from screens.widgets.wedge_scans import WedgeScans

ANSWER_CLASSES = ("-ok", "-warn", "-bad", "-info")


class DeskParts(StationScreen):
    """The desk's scanner lines, banner, camera and printer lines, and its promote key."""

    scans: WedgeScans  # the scanner's lines, decided in order off the UI thread
    scanning: bool  # a scan's answer (and card) is on its way: no action until it is shown

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
        self._banner(Content("Checking the ticket…"), "-info")
        if line is not None:
            self.scans.put(line, source, read_at)
        else:
            self.scans.put_text(text, source)
        if self.scans.away:
            self._banner(*self.scans.banner(self.devices.scanner))

    def _scan_failed(self, _scan: PendingScan, exc: Exception) -> None:  # in the scans' thread
        self.post_message(Failed(exc.message if isinstance(exc, EventdeskError) else str(exc)))
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
            self._banner(*self.scans.banner(self.devices.scanner))

    def _answer(self, message: ScanDecided) -> None:
        """A scan's answer on the banner (and its sound, where the station wants one)."""
        content, kind = answer_content(message.decision.result, message.source)
        self._banner(content, kind)
        self.devices.sound_answer("desk", message.decision.result)
        if not self.is_current:
            severity: SeverityLevel = (
                "information" if kind == "-ok" else "warning" if kind == "-warn" else "error"
            )
            self.notify(content.plain, title="Scan", severity=severity, markup=False)
        self._sync_actions()

    def _banner(self, content: Content, kind: str) -> None:
        banner = self.query_one("#banner", Static)
        banner.update(content)
        banner.remove_class(*ANSWER_CLASSES)
        banner.add_class(kind)

    def _sync_actions(self) -> None:
        self.refresh_bindings()

    def _target(self, action: str) -> TicketLine | None:
        """The ticket ``action`` works on (the desk says why when there is none)."""
        raise NotImplementedError

    @on(CameraStatus)
    def camera_status(self, message: CameraStatus) -> None:
        message.stop()
        if self.backend.camera is None:
            text = "Camera: none configured · a USB scanner reads into Search or the scan field"
        else:
            detail = f" ({message.detail})" if message.detail else ""
            text = f"Camera: {message.state}{detail}"
        self.query_one("#camera", Static).update(Content(text))

    @on(CameraFrame)
    def camera_frame(self, message: CameraFrame) -> None:
        message.stop()  # the desk shows no preview

    @on(BadgePrinted)
    def badge_printed(self, message: BadgePrinted) -> None:
        message.stop()  # the app says it when a badge could not print
        outcome = message.outcome
        if outcome.state == "done":
            self.query_one("#camera", Static).update(
                Content(f"Badge for {outcome.job.ticket_id} printed on {outcome.job.printer}.")
            )

    def action_promote(self) -> None:
        line = self._target("promote")
        if line is not None:
            ticket = line.ticket
            self.promote_ticket(ticket.id, ticket.attendee_id, ticket.attendee, force=False)

    @work(thread=True, group="action", exit_on_error=False)
    def promote_ticket(self, ticket_id: str, attendee_id: int, name: str, *, force: bool) -> None:
        try:
            placed = promote(
                self.backend.store, ticket_id, force=force, station=self.backend.station
            )
        except SoldOut as exc:
            self.post_message(PromoteRefused(ticket_id, attendee_id, name, exc.message))
            return
        except EventdeskError as exc:
            self.post_message(Failed(exc.message, attendee_id))
            return
        seat = f", seat {placed.seat}" if placed.seat else ""
        over = " over capacity" if force else ""
        self.post_message(
            Done(f"{name} is off the waitlist: registered{over} ({ticket_id}{seat}).", attendee_id)
        )

    @on(PromoteRefused)
    def promote_refused(self, message: PromoteRefused) -> None:
        """No free place: an organizer may admit the ticket over capacity; staff are told."""
        staff = self.backend.staff
        if staff is None or staff.role != "organizer":
            self.notify(
                f"{message.text} (an organizer can admit over capacity)",
                title="Promote",
                severity="error",
                markup=False,
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.promote_ticket(
                    message.ticket_id, message.attendee_id, message.name, force=True
                )

        question = f"{message.text}.\nAdmit {message.name} over capacity anyway?"
        self.app.push_screen(
            ConfirmScreen(question, yes="Admit over capacity", no="Keep it"), answered
        )

    # --- reading cards and who is in: from the server, or offline from the station's copy ----
    def card_at_door(
        self, attendee_id: int | None, ticket_id: str | None, event: str | None
    ) -> CardData:
        """An attendee's card, or a ticket's buyer's (in a thread worker)."""
        backend = self.backend
        return card_at_door(
            lambda: backend.store,
            backend.door_station,
            attendee_id,
            ticket_id,
            event,
            backend.now(),
        )

    @work(thread=True, exclusive=True, group="desk-poll", exit_on_error=False)
    def read_again(
        self,
        seqs: tuple[int, int],
        attendee_id: int | None,
        ids: tuple[int, ...],
        event: str | None,
    ) -> None:
        """What other stations did meanwhile: the card and the rows read again (offline, from
        the station's copy)."""
        backend = self.backend
        try:
            card = self.card_at_door(attendee_id, None, event) if attendee_id else None
            states = states_at_door(lambda: backend.store, backend.door_station, event, ids)
        except EventdeskError:
            return  # the next poll tries again
        self.post_message(Polled(seqs[0], card, seqs[1], states))
