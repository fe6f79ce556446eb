"""The self-service kiosk at the door: scan your ticket, see a big answer, get your badge.

Attendees show a QR ticket to the camera (or a USB keyboard-wedge scanner), or check in with
their email and PIN. The kiosk is locked: it has no keys but its own, and leaving it takes a
desk or organizer PIN.
"""

from __future__ import annotations

import time

from sqlalchemy.exc import SQLAlchemyError
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, ContentSwitcher, Input, Label, Static

from devices.outage import describe
from devices.wedge import MAX_LINE, Decision, Line, LineSplitter, PendingScan
from eventdesk.db import failure_text
from eventdesk.errors import EventdeskError
from eventdesk.i18n import (
    N_,
    _,
    current,
    languages,
    own_name,
    show_in,
    speaking,
    station_language,
)
from eventdesk.labels import label
from eventdesk.services.catalogue.events import EventInfo, show_event
from eventdesk.services.door.scan_result import ScanResult
from eventdesk.services.people.auth import StaffInfo, verify_attendee
from eventdesk.services.people.question_answers import missing_answers
from eventdesk.services.people.registration import TicketInfo, tickets_of_attendee
from screens.base import StationScreen
from screens.kiosk.answer import GO_IN, KioskAnswer, SignText, draw_sign
from screens.kiosk.preview import CameraPreview
from screens.login import StaffPinScreen
from screens.messages import BadgePrinted, CameraFrame, CameraStatus, DatabaseStatus, ScanDecided
from screens.scanner_keys import WedgeScans
from screens.widgets.key_bar import KeyBar
from screens.widgets.offline_state import OfflineState, needs_server
from screens.widgets.recent_answers import AnswerList, RecentAnswers

PIN_MAX = 32
DEBOUNCE = 3.0  # seconds, as devices.scanner's DEFAULT_DEBOUNCE for the camera
EMAIL_MAX = 254
BADGE_PRINTING = N_("Your badge is printing…")
BADGE_READY = N_("Your badge is ready: please take it from the printer.")
PRINTER_TROUBLE = N_("Printer needs attention - please see the desk.")
BUSY = N_("The kiosk could not check you in just now: please try again.")
DATABASE_AWAY = N_(
    "Database not answering: your scan is kept and answered as soon as it is back - "
    "please wait, or please see the desk."
)

CAMERA_WORDS = {
    "starting": N_("Camera starting…"),
    "running": N_("Camera ready: hold your ticket's QR code up to it"),
    "no frames": N_("The camera shows no picture - please see the desk"),
    "reconnecting": N_("Camera reconnecting…"),
    "finished": N_("The camera's video has ended"),
    "stopped": N_("Camera stopped"),
    "failed": N_("The camera is not working - please see the desk"),
}
LANGUAGE_SECONDS = 60.0  # a language an attendee chose and left: the kiosk's own again after this


def pick_ticket(tickets: list[TicketInfo], event: str | None) -> TicketInfo | None:
    """The attendee's ticket for this door: a registered one not yet used, if there is one."""
    here = [t for t in tickets if event is None or t.event == event]

    def rank(ticket: TicketInfo) -> int:
        if ticket.status == "registered":
            return 0 if ticket.checked_in_at is None else 1
        return 2

    return min(here, key=rank, default=None)


class KioskScreen(StationScreen, inherit_bindings=False):
    """Attract screen, camera preview, answer panel, email + PIN look-up; locked."""

    CSS_PATH = "kiosk.tcss"
    BINDINGS = [
        Binding("f5", "lookup", N_("No QR? Email + PIN"), id="kiosk.lookup"),
        Binding("escape", "back", N_("Back"), show=False, id="kiosk.back"),
        Binding("f6", "next_language", N_("Language"), id="kiosk.language"),
        Binding("f12", "leave", N_("Staff"), id="kiosk.leave"),
        # TRANSLATORS: a key of the kiosk, for staff: the answers it lists were seen to
        Binding("ctrl+o", "seen", N_("Seen"), id="kiosk.seen", priority=True, show=False),
    ]

    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    answer_seconds = 6.0
    repeat_seconds = DEBOUNCE  # the same QR read again within this gets no second decision
    """How long an answer stays before the attract screen comes back."""
    lookup_seconds = 60.0
    """How long an untouched email + PIN form stays open."""
    language_seconds = LANGUAGE_SECONDS

    class LookupRefused(Message):
        """The email + PIN look-up checked nobody in; ``text`` says why."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Unanswered(Message):
        """The person checked in by email and PIN has required registration questions left
        unanswered (their text): the kiosk sends them to the desk to answer them."""

        def __init__(self, ticket_id: str, questions: list[str]) -> None:
            super().__init__()
            self.ticket_id, self.questions = ticket_id, questions

    class ScanFailed(Message):
        """A scan could not be decided (the database was busy or away)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class EventTitle(Message):
        """The event at this door, read from the database."""

        def __init__(self, info: EventInfo) -> None:
            super().__init__()
            self.info = info

    def __init__(self) -> None:
        super().__init__()
        self.splitter = LineSplitter()
        self._answer_timer: Timer | None = None
        self._lookup_timer: Timer | None = None
        self._language_timer: Timer | None = None
        self._badge_ticket: str | None = None
        self.printer_trouble = False
        self.door_event: str | None = None  # the event whose title the top line shows
        self._last_scanned: dict[str, float] = {}  # payload -> when the scanner last read it
        # The answers staff must see to: a burst's refusals and "see the desk" answers (the
        # sign shows only the last one), and those sending someone to the desk; until ^O.
        self.recent = RecentAnswers()
        # The scanner's lines, decided in order off the UI thread, kept while the database
        # does not answer.
        self.scans = WedgeScans(
            self,
            lambda: self.backend.checkin(self_service=True),
            failed=self._scan_failed,
            decided=self._scan_decided,
            name="kiosk scanner",
        )

    # --- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="kiosk-top"):
            yield Static(self._where(), id="door", markup=False)
            yield Static("", id="kiosk-camera", markup=False)
        yield OfflineState(self.backend.door_station, id="offline")
        with Container(id="kiosk-body"):
            with ContentSwitcher(initial="attract", id="kiosk-panes"):
                with Horizontal(id="attract"):
                    with Vertical(id="attract-left"):
                        yield Static("", id="attract-title")
                        yield Static("", id="attract-how")
                        yield Button("", id="lookup-open", variant="primary")
                        with Horizontal(id="languages"):
                            for code in self.offered:
                                yield Button(
                                    own_name(code),
                                    id=f"language-{code}",
                                    classes="language",
                                    compact=True,
                                )
                        yield Static("", id="printer-state", markup=False)
                        yield Static("", id="db-state", markup=False)
                        with Horizontal(id="wedge-row"):
                            yield Label("", id="wedge-label")
                            yield Input(
                                placeholder="",
                                max_length=4 * MAX_LINE,
                                id="wedge",
                                select_on_focus=False,
                            )
                    with Vertical(id="attract-right"):
                        yield CameraPreview(self._no_picture(), id="preview")
                        yield Static("", id="camera-state", markup=False)
                with Vertical(id="lookup"):
                    yield Static("", id="lookup-title")
                    yield Label("", classes="field", id="email-label")
                    yield Input(placeholder="", max_length=EMAIL_MAX, id="email")
                    yield Label("", classes="field", id="pin-label")
                    yield Input(password=True, max_length=PIN_MAX, placeholder="", id="pin")
                    yield Static("", id="lookup-problem", markup=False)
                    with Horizontal(id="lookup-buttons"):
                        yield Button("", variant="success", id="lookup-submit")
                        yield Button("", id="lookup-back")
            yield KioskAnswer(id="answer")
        yield AnswerList(id="kiosk-recent", rows=3, notes=False, waiting_only=True)
        yield KeyBar()

    @property
    def offered(self) -> tuple[str, ...]:
        """The languages an attendee may choose here (none to choose from: only one)."""
        codes = self.backend.config.kiosk_languages or languages()
        return codes if len(codes) > 1 else ()

    def _words(self) -> None:
        """Every fixed text of the kiosk, in the language it speaks now."""
        self.query_one("#attract-title", Static).update(_("Scan your ticket"))
        self.query_one("#attract-how", Static).update(self._how())
        self.query_one("#lookup-open", Button).label = _("No QR? Use your email and PIN")
        self.query_one("#db-state", Static).update(_(DATABASE_AWAY))
        self.query_one("#wedge-label", Label).update(_("Scanner"))
        # TRANSLATORS: the kiosk's scanner field, waiting for a scan
        self.query_one("#wedge", Input).placeholder = _("ready")
        self.query_one("#lookup-title", Static).update(_("Check in with your email and PIN"))
        self.query_one("#email-label", Label).update(_("Email"))
        self.query_one("#email", Input).placeholder = _("you@example.com")
        self.query_one("#pin-label", Label).update(_("PIN"))
        self.query_one("#pin", Input).placeholder = _("PIN")
        # TRANSLATORS: a button on the kiosk: look me up and check me in
        self.query_one("#lookup-submit", Button).label = _("Check me in")
        self.query_one("#lookup-back", Button).label = _("Back")
        self.query_one("#door", Static).update(self._where())
        self._printer_from(self.devices.last_print.state if self.devices.last_print else None)
        speaks = current()
        for button in self.query(".language").results(Button):
            button.set_class(button.id == f"language-{speaks}", "-chosen")
        self.query_one(KeyBar).bindings_changed(self)

    def _where(self) -> str:
        door = self.backend.door
        title = door.title if door is not None else self.backend.event or _("no event")
        if self.backend.events:  # a door for several events: "Fri + Sat + Sun"
            title = self.backend.door_title or title
        return self._top_line(title)

    def _top_line(self, title: str) -> str:
        says = self.backend.door_says
        notice = f"  ·  {says}" if says else ""
        # The door's check-in list, when it is not the event's default.
        on_list = f"  ·  {self.backend.checkin_list}" if self.backend.checkin_list else ""
        return f"{title}{on_list}  ·  {self.backend.station}{notice}"

    def _how(self) -> str:
        if self.backend.camera:
            return _("Hold the QR code of your ticket up to the camera, or to the scanner.")
        return _("Hold the QR code of your ticket under the scanner.")

    def _no_picture(self) -> str:
        return _("camera starting") if self.backend.camera else _("no camera at this kiosk")

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_languages)

    def _fit_languages(self) -> None:
        """The languages on one row where they fit (each its own name's width), else on two."""
        if not self.offered:
            return
        width = self.query_one("#attract-left").content_region.width
        offered = len(self.offered)
        widest = max(len(own_name(code)) for code in self.offered) + 3
        columns = offered if width >= offered * widest else (offered + 1) // 2
        self.query_one("#languages").styles.grid_size_columns = columns

    # --- the attendee's language ----------------------------------------------------------------
    def choose_language(self, code: str | None) -> None:
        """The kiosk speaks ``code`` (None: its own language) until it has been idle a while."""
        show_in(code)
        self._keep_language()
        self._words()  # an answer on show keeps its language; the next one is in the new one

    def _keep_language(self) -> None:
        """A chosen language stays while someone is at the kiosk: its time starts again with
        each scan, key or touch, and it ends a while after the last."""
        if self._language_timer is not None:
            self._language_timer.stop()
            self._language_timer = None
        if current() != station_language():
            self._language_timer = self.set_timer(self.language_seconds, self._idle_language)

    def _idle_language(self) -> None:
        self._language_timer = None
        busy = self.answering or (
            self.query_one("#kiosk-panes", ContentSwitcher).current != "attract"
        )
        if busy:  # someone is reading an answer or typing: their language stays a while more
            self._keep_language()
        elif current() != station_language():
            self.choose_language(None)

    def on_key(self) -> None:
        self._keep_language()

    def on_click(self, event: events.Click) -> None:
        self._keep_language()
        answer = self.query_one("#answer", KioskAnswer)
        clicked = event.widget
        if (
            answer.display
            and clicked is not None
            and (clicked is answer or answer in clicked.ancestors)
        ):
            self.show_attract()

    @on(Button.Pressed, ".language")
    def language_pressed(self, message: Button.Pressed) -> None:
        message.stop()
        code = (message.button.id or "").removeprefix("language-")
        if self.answering:
            self.show_attract()
        self.choose_language(code)
        self.query_one("#wedge", Input).focus()

    def action_next_language(self) -> None:
        """F6: the next language the kiosk offers (a kiosk with a keyboard and no touch)."""
        offered = self.offered
        if not offered:
            return
        speaks = current()
        at = offered.index(speaks) + 1 if speaks in offered else 0
        following = offered[at % len(offered)]
        if self.answering:
            self.show_attract()
        self.choose_language(following)

    def on_mount(self) -> None:
        self._words()
        self.query_one("#lookup-open", Button).can_focus = False
        for button in self.query(".language").results(Button):
            button.can_focus = False
        self.query_one("#answer", KioskAnswer).display = False
        self.query_one("#printer-state", Static).display = False
        self.query_one("#db-state", Static).display = False
        if not self.backend.camera:
            self.query_one("#attract-right").display = False
        self._printer_from(self.devices.last_print.state if self.devices.last_print else None)
        self.call_after_refresh(self.devices.warm_scanner)  # after the first paint
        self.call_after_refresh(self.warm_letters)
        self.call_after_refresh(self.devices.warm_sound, "kiosk")

    def on_screen_resume(self) -> None:
        self.devices.listen(self)
        if self.door_event != self.backend.event:  # first shown, or the door's event changed
            self.door_event = self.backend.event
            self.query_one("#door", Static).update(self._where())
            self.load_title(self.backend.event)
        if self.backend.camera:
            self.start_camera()
        if self.query_one("#kiosk-panes", ContentSwitcher).current == "attract":
            self.query_one("#wedge", Input).focus()

    def on_unmount(self) -> None:
        show_in(None)  # whoever uses the app next reads the station's language
        if self.devices.sink is self:
            self.devices.listen(None)
        self.scans.stop()

    # --- workers: they post, the handlers below change the widgets ---------------------------
    @work(thread=True, exclusive=True, group="kiosk-camera")
    def start_camera(self) -> None:
        self.devices.start_camera(self_service=True)  # says how it went with CameraStatus messages

    @work(thread=True, exclusive=True, group="kiosk-letters")
    def warm_letters(self) -> None:
        """Load the fonts of the large letters before the first person scans (a first drawing
        reads the font files: a tenth of a second the first answer should not wait)."""
        draw_sign(
            SignText("ok", "Welcome", "Ág", GO_IN),  # not for translation: fonts warmed up
            64,
            32,
            background=(0, 0, 0),
            ink=(1, 1, 1),
        )

    @work(thread=True, exclusive=True, group="kiosk-title")
    def load_title(self, event: str | None) -> None:
        if event is None:
            return
        try:
            info = show_event(self.backend.store, event)
        except (EventdeskError, SQLAlchemyError):
            return  # the title read when the event was chosen stays on show
        self.post_message(self.EventTitle(info))

    # In the scans' thread: they post, the handlers below change the widgets.
    def _scan_decided(self, decision: Decision) -> None:
        if decision.result.badge_queued:
            self.devices.wake_printer()

    def _scan_failed(self, _scan: PendingScan, exc: Exception) -> None:
        if not isinstance(exc, EventdeskError | SQLAlchemyError):
            self.log.error(f"kiosk scan: {describe(exc)}")
        self.post_message(self.ScanFailed(failure_text(exc)))

    def check_by_pin(self, email: str, pin: str) -> None:
        self._check_by_pin(email, pin, current())

    @work(thread=True, exclusive=True, group="kiosk-lookup")
    def _check_by_pin(self, email: str, pin: str, language: str) -> None:
        with speaking(language):  # the thread's words: in the language the attendee reads
            self._check_by_pin_in(email, pin)

    def _check_by_pin_in(self, email: str, pin: str) -> None:

        start = time.monotonic()
        store = self.backend.store
        try:
            attendee_id = verify_attendee(store, email, pin)
            ticket = pick_ticket(tickets_of_attendee(store, attendee_id), self.backend.event)
            if ticket is None:
                self.post_message(
                    self.LookupRefused(
                        _("You have no ticket for this event - please see the desk.")
                    )
                )
                return
            result = self.backend.checkin(self_service=True).checkin_ticket(ticket.id)
        except EventdeskError as exc:
            self.post_message(
                self.LookupRefused(needs_server(exc, _("Checking in with your email and PIN")))
            )
            return
        except SQLAlchemyError:
            self.post_message(self.LookupRefused(_(BUSY)))
            return
        latency = (time.monotonic() - start) * 1000
        self.post_message(ScanDecided(result, f"ticket:{ticket.id}", latency, "lookup"))
        if result.badge_queued:
            self.devices.wake_printer()
        try:
            missing = missing_answers(store, ticket.id)
        except (EventdeskError, SQLAlchemyError):
            return  # the check-in stands; the desk's card shows the answers anyway
        if missing:
            self.post_message(self.Unanswered(ticket.id, missing))

    @on(Unanswered)
    def unanswered(self, message: Unanswered) -> None:
        """Said under the answer it belongs to (in the language the answer speaks)."""
        answer = self.query_one("#answer", KioskAnswer)
        result = answer.result
        if result is None or result.ticket_id != message.ticket_id:
            return
        with speaking(result.language):
            answer.set_missing(message.questions)

    # --- devices ------------------------------------------------------------------------------
    @on(CameraStatus)
    def camera_status(self, message: CameraStatus) -> None:
        known = CAMERA_WORDS.get(message.state)
        words = _(known) if known else message.state.capitalize()
        if not self.backend.camera:
            words = _("No camera here: use the scanner, or your email and PIN")
        elif message.detail and message.state not in ("running", "starting"):
            words = _("{words} ({detail})").format(words=words, detail=message.detail)
        self.query_one("#camera-state", Static).update(words)
        self.query_one("#kiosk-camera", Static).update(
            _("camera: {state}").format(state=label("camera_state", message.state))
            if self.backend.camera
            else _("no camera")
        )
        self.set_class(message.state == "running", "-camera-running")
        preview = self.query_one("#preview", CameraPreview)
        if not preview.has_picture or message.state in ("failed", "stopped", "no frames"):
            preview.clear(words)

    @on(CameraFrame)
    def camera_frame(self, message: CameraFrame) -> None:
        self.query_one("#preview", CameraPreview).show_frame(message.image)

    @on(CameraPreview.Resized)
    def preview_resized(self, message: CameraPreview.Resized) -> None:
        width = max(8, min(message.width, 960))
        height = max(4, min(message.height, 720))
        self.devices.preview_size = (width, height)

    @on(DatabaseStatus)
    def database_status(self, message: DatabaseStatus) -> None:
        """The database does not answer: the scans wait (said on screen), kept, and are
        answered when it is back."""
        away = self.scans.note(message)
        if away is not None:
            self.query_one("#db-state", Static).display = away

    @on(ScanDecided)
    def scan_decided(self, message: ScanDecided) -> None:
        message.stop()
        result = message.result
        if self.scans.later_decisions(message) > 0:
            # A burst decided together: the last line's answer is the one on the sign; a
            # refusal or "see the desk" before it is listed for staff.
            self._listed(result, message.source)
            return
        on_sign = self.query_one("#answer", KioskAnswer).result
        if self.answering and on_sign is not None and on_sign is not result:
            # A refusal still on the sign, cut short by this answer: listed too.
            self._listed(on_sign, "")
        if result.see_desk or result.result == "needs_staff":
            self._listed(result, message.source)
        self.show_answer(result)

    def _listed(self, result: ScanResult, source: str) -> None:
        """A refusal or a "see the desk" answer listed for staff until ^O (once each; a
        welcome is not listed)."""
        if (result.admitted and not result.see_desk) or any(
            kept.result is result for kept in self.recent.answers
        ):
            return
        self.recent.add(result, source, marked=True)
        answers = self.query_one("#kiosk-recent", AnswerList)
        answers.zone = self.backend.zone
        answers.show_answers(self.recent)

    def action_seen(self) -> None:
        """Staff saw to the oldest answer listed."""
        if self.recent.acknowledge() is not None:
            self.query_one("#kiosk-recent", AnswerList).show_answers(self.recent)

    @on(BadgePrinted)
    def badge_printed(self, message: BadgePrinted) -> None:
        outcome = message.outcome
        self._printer_from(outcome.state)
        answer = self.query_one("#answer", KioskAnswer)
        if self._badge_ticket is not None and outcome.job.ticket_id == self._badge_ticket:
            with speaking(answer.result.language if answer.result is not None else None):
                said = _(BADGE_READY) if outcome.state == "done" else _(PRINTER_TROUBLE)
            answer.set_badge(said)

    def _printer_from(self, state: str | None) -> None:
        """A failed or waiting print job means someone has to go to the printer."""
        if self.backend.print_to is None or state is None:
            return
        self.printer_trouble = state != "done"
        line = self.query_one("#printer-state", Static)
        line.update(_(PRINTER_TROUBLE) if self.printer_trouble else "")
        line.display = self.printer_trouble

    # --- the answer ---------------------------------------------------------------------------
    def show_answer(self, result: ScanResult) -> None:
        """The full-screen answer; it goes back to the attract screen by itself."""
        answer = self.query_one("#answer", KioskAnswer)
        answer.set_class(self.backend.config.kiosk_theme == "high-contrast", "-high-contrast")
        # In the attendee's own language when their registration has one, else the kiosk's.
        with speaking(result.language):
            answer.show(result, self.backend.zone)
            badge = _(PRINTER_TROUBLE) if self.printer_trouble else _(BADGE_PRINTING)
        self.devices.sound_answer("kiosk", result)
        self._badge_ticket = None
        if self.backend.print_to is not None and result.badge_queued:
            self._badge_ticket = result.ticket_id
            answer.set_badge(badge)
        self._put_up(answer)

    def show_attract(self) -> None:
        """Back to "Scan your ticket", ready for the next person."""
        if self._answer_timer is not None:
            self._answer_timer.stop()
            self._answer_timer = None
        self._badge_ticket = None
        self.query_one("#answer", KioskAnswer).display = False
        self.set_class(False, "-answering")
        self._attract_underneath()

    def _attract_underneath(self) -> None:
        """The attract pane with an empty form, and the scanner's field focused."""
        if self._lookup_timer is not None:
            self._lookup_timer.stop()
            self._lookup_timer = None
        self._clear_lookup()
        self.query_one("#kiosk-panes", ContentSwitcher).current = "attract"
        self.query_one("#wedge", Input).focus()

    @property
    def answering(self) -> bool:
        return bool(self.query_one("#answer", KioskAnswer).display)

    # --- keyboard-wedge scanner ---------------------------------------------------------------
    # A real scanner's line does not come through the #wedge field: the terminal's driver (or,
    # without it, the app's ScannerGate) takes it whole before any field sees a key and hands
    # it to ``take_scan`` below (docs/architecture.md, "The path of one scan"). The field takes
    # what is typed or pasted into it by hand.
    @on(Input.Submitted, "#wedge")
    def wedge_line(self, message: Input.Submitted) -> None:
        message.input.value = ""
        for line in self.splitter.feed(message.value + "\n"):
            if self._fresh(line):
                self.scans.put(line)

    def take_scan(self, line: Line, ended_at: float) -> None:
        """A scanner's line, taken whole before any field saw it (screens/scanner_keys.py), or
        a serial scanner's: decided in order behind those before it."""
        if self._fresh(line):
            self.scans.put(line, read_at=ended_at)

    def _fresh(self, line: Line) -> bool:
        """The same QR read again within a few seconds gets no second decision (as the
        camera's debounce): a ticket sent to the desk is not asked about twice."""
        now, payload = time.monotonic(), line.text.strip()
        last = self._last_scanned.get(payload)
        window = self.repeat_seconds
        self._last_scanned = {p: t for p, t in self._last_scanned.items() if now - t <= window}
        self._last_scanned[payload] = now
        return last is None or now - last > window

    @on(ScanFailed)
    def scan_failed(self, message: ScanFailed) -> None:
        """A scan not decided: the attendee is sent to the desk, the reason under it."""
        answer = self.query_one("#answer", KioskAnswer)
        answer.set_class(self.backend.config.kiosk_theme == "high-contrast", "-high-contrast")
        answer.trouble(message.text)
        self.devices.sound_cue("kiosk", "desk")
        self._put_up(answer)

    def _put_up(self, answer: KioskAnswer) -> None:
        """The answer panel up, over the attract pane, until the next scan or its timer."""
        self._attract_underneath()
        answer.display = True
        self.set_class(True, "-answering")
        self._keep_language()
        if self._answer_timer is not None:
            self._answer_timer.stop()
        self._answer_timer = self.set_timer(self.answer_seconds, self.show_attract)

    # --- email + PIN --------------------------------------------------------------------------
    def action_lookup(self) -> None:
        if self.answering:
            self.show_attract()
        self._clear_lookup()
        self.query_one("#kiosk-panes", ContentSwitcher).current = "lookup"
        self.query_one("#email", Input).focus()
        self._restart_lookup_timer()

    @on(Button.Pressed, "#lookup-open")
    def lookup_pressed(self) -> None:
        self.action_lookup()

    def action_back(self) -> None:
        if self.answering or self.query_one("#kiosk-panes", ContentSwitcher).current != "attract":
            self.show_attract()

    @on(Button.Pressed, "#lookup-back")
    def lookup_back(self) -> None:
        self.show_attract()

    @on(Input.Changed, "#email, #pin")
    def lookup_typing(self) -> None:
        if self.query_one("#kiosk-panes", ContentSwitcher).current == "lookup":
            self._restart_lookup_timer()

    @on(Input.Submitted, "#email")
    def email_entered(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#lookup-submit")
    def lookup_submit(self) -> None:
        email = self.query_one("#email", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if not email:
            self._say(_("Type the email address you registered with."))
            self.query_one("#email", Input).focus()
            return
        if not pin:
            self._say(_("Type your PIN."))
            self.query_one("#pin", Input).focus()
            return
        self._say(_("Checking…"))
        self.check_by_pin(email, pin)

    @on(LookupRefused)
    def lookup_refused(self, message: LookupRefused) -> None:
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()
        self._say(message.text[:1].upper() + message.text[1:])

    def _say(self, text: str) -> None:
        self.query_one("#lookup-problem", Static).update(text)

    def _clear_lookup(self) -> None:
        self.query_one("#email", Input).value = ""
        self.query_one("#pin", Input).value = ""
        self._say("")

    def _restart_lookup_timer(self) -> None:
        if self._lookup_timer is not None:
            self._lookup_timer.stop()
        self._lookup_timer = self.set_timer(self.lookup_seconds, self.show_attract)

    # --- the title --------------------------------------------------------------------------
    @on(EventTitle)
    def event_title(self, message: EventTitle) -> None:
        if message.info.slug == self.backend.event:
            self.query_one("#door", Static).update(self._top_line(message.info.title))

    # --- leaving (staff only) -----------------------------------------------------------------
    def action_leave(self) -> None:
        self.choose_language(None)  # staff sign in, and the desk opens, in the station's language
        self.app.push_screen(
            StaffPinScreen(self.backend, reason=_("Staff PIN to leave the kiosk")), self._unlocked
        )

    def _unlocked(self, staff: StaffInfo | None) -> None:
        if staff is None:
            self.show_attract()
            return
        # The app owns the switch: this screen is dropped on the way out.
        self.app.run_worker(self.station_app.sign_in(staff, mode="desk"), group="sign-in")
