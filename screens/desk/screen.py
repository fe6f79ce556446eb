"""The registration desk: search as you type, the attendee's card, and the desk's actions.

Every key in the search box starts a search in a thread worker; its results come back as a
message and only the newest query's results are shown. The card of the highlighted attendee is
read the same way. Check in, undo, reprint, pay, walk-in, cancel and promote act on the card's
tickets of this station's event (the door's, shown on top). A keyboard-wedge scanner may type a
ticket (``ED1.`` ...) into the search box, the scan field, or anywhere else on the screen; the
camera's scans arrive as ``ScanDecided`` messages. A scan's answer (the coloured banner) and its
holder's card are shown together, and the search box then holds the ticket's id, selected:
typing replaces it with a search. Every two seconds a worker reads the card and the table's ✔
marks again, so what other stations do shows up here.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.widgets import DataTable, Header, Input, Static
from textual.widgets.input import Selection
from textual.worker import Worker, WorkerState

from devices.wedge import Line, PendingScan
from eventdesk.db import failure_text
from eventdesk.errors import EventdeskError
from eventdesk.event_time import UTC_ZONE
from eventdesk.i18n import N_, _, ngettext
from eventdesk.services.door.override import may_override
from eventdesk.services.door.scan_result import ScanResult
from eventdesk.services.people.attendees import AttendeeInfo
from screens.base import StationScreen
from screens.desk.answer import (
    HINT_NO_EVENT,
    HINT_OFFLINE,
    HINT_SCANNED,
    HINT_SEARCH,
    READY,
    Banner,
    ScanOrder,
    not_decided,
    nothing_to_check_in,
    scan_payload,
    scanner_typing,
)
from screens.desk.board import AnswerBoard
from screens.desk.card import AttendeeCard, CardData, TicketLine
from screens.desk.device_line import DeviceLine
from screens.desk.dialogs import DeskDialogs
from screens.desk.jobs import TICKET_ACTIONS, DeskJobs
from screens.desk.keys import DESK_KEYS
from screens.desk.messages import (
    CardLoaded,
    Done,
    EventLoaded,
    Failed,
    NotATicket,
    Polled,
    PromoteRefused,
    Searched,
)
from screens.desk.promote import Promotion
from screens.desk.reads import DeskReads
from screens.desk.refusals import NO_PRINTER, NOBODY, DeskView
from screens.desk.results import ResultsTable
from screens.desk.typing import DeskKeys
from screens.desk.walkin import NO_EVENT
from screens.messages import (
    BadgePrinted,
    CameraFrame,
    CameraStatus,
    DatabaseStatus,
    ScanDecided,
)
from screens.scanner_keys import WedgeScans, key_time
from screens.widgets.key_bar import KeyBar, say_not_available
from screens.widgets.offline_state import OfflineState
from screens.widgets.recent_answers import Answer, AnswerList

# TRANSLATORS: on the desk's top line: scans let people out; Ctrl+E makes it an entry again
EXIT_GATE = N_("EXIT GATE (^E: entry)")
POLL_SECONDS = 2.0  # the card and the ✔ marks follow what other stations do


class DeskScreen(StationScreen):
    """The registration desk operator's screen. Its parts: the answer's ``Banner``, the
    devices' line, the ``DeskReads`` of search, cards and polls, the ``DeskJobs`` and
    ``DeskDialogs`` of its keys, the ``Promotion`` key and the ``DeskView`` that says which key
    may act now."""

    CSS_PATH = "desk.tcss"
    OWN_TAB = True  # Tab ends a scan here (action_tab), not the app's next field
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = DESK_KEYS

    # --- state ------------------------------------------------------------------------------
    def __init__(self) -> None:
        super().__init__()
        self.search_seq = 0  # the newest query typed; older results are dropped
        self.shown_query: str | None = None  # the query the table shows results for
        self.people: list[AttendeeInfo] = []
        self.card_seq = 0  # the newest card asked for
        self.attendee_id: int | None = None  # the attendee the card is (being) read for
        self.card: CardData | None = None  # what the card shows; the actions act on it
        self.scanning = False  # a scan's card is being read: no action until it is shown
        self.scanned: str | None = None  # the ticket id a scan put in the search box
        # Tab, Enter and typing where no field has the focus (a scanner's too).
        self.keys = DeskKeys(self)
        # The last admission decided offline (ticket id, name): Ctrl+U undoes it with no card.
        self.offline_admitted: tuple[str, str] | None = None
        self.refused: ScanResult | None = None  # the last answer, a refusal ^Y may override
        self.offline_shown = False  # the offline view is up (search and card need the server)
        self.door_event: str | None = None  # the door's event whose title and zone are loaded
        self.zone = UTC_ZONE
        self.event_title = ""
        # The scanner's lines: decided in order off the UI thread, kept while the database is away.
        self.scans = WedgeScans(self, lambda: self.backend.checkin(), failed=self._scan_failed)
        self.scan_order = ScanOrder()  # only the newest scan's answer and card are shown
        # The banner and the recent answers under it, each with its person; those that ask
        # something of the desk stay marked until ^O.
        self.board = AnswerBoard(self, lambda: self.zone)
        self.search_at_scan = 0  # the query typed when a scan's card was last shown
        self.reads = DeskReads(self)
        self.promotion = Promotion(self)
        self.jobs = DeskJobs(self)
        self.dialogs = DeskDialogs(
            self,
            say=self.say,
            show_card=lambda attendee_id: self.request_card(attendee_id=attendee_id),
            jobs=self.jobs,
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="door", markup=False)
        yield OfflineState(self.backend.door_station, id="offline")
        with Horizontal(id="desk-inputs"):
            yield Input(
                placeholder=_("Search: name, email, company or ticket id"),
                id="search",
                select_on_focus=False,
            )
            # TRANSLATORS: the field a scanner that types like a keyboard types into
            yield Input(placeholder=_("Scan (keyboard-wedge)"), id="scan")
        yield Static(_(HINT_SEARCH), id="hint", markup=False)
        yield Banner(Content(_(READY)), id="banner")
        yield AnswerList(id="answers")
        with Horizontal(id="desk-main"):
            yield ResultsTable(id="results")
            yield AttendeeCard(id="card")
        yield DeviceLine("", id="camera")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(Banner).add_class("-info")
        self.board.rows(self.size.height)
        self.query_one("#card", AttendeeCard).can_focus = False
        self.query_one("#search", Input).focus()
        self._sync_actions()
        self._search("")
        self.set_interval(POLL_SECONDS, self.poll, name="desk-poll")
        self.call_after_refresh(self.devices.warm_scanner)  # after the first paint

    # --- devices: camera on while the desk is shown -----------------------------------------
    def on_screen_resume(self) -> None:
        self.devices.listen(self)
        if self.door_event != self.backend.event or self.door_event is None:
            self._show_door()  # first shown, or the door's event was changed meanwhile
        if self.backend.camera is not None:
            self.devices.start_camera()
        if self.attendee_id is not None:
            self.request_card(attendee_id=self.attendee_id)

    def on_unmount(self) -> None:
        self.scans.stop()

    def on_resize(self) -> None:
        self.board.rows(self.size.height)

    def on_screen_suspend(self) -> None:
        covered_by_dialog = self.app.screen is not self and self in self.app.screen_stack
        if not covered_by_dialog and self.devices.sink is self:
            self.devices.listen(None)

    # --- event ------------------------------------------------------------------------------
    def _show_door(self) -> None:
        """The door's event on the top line (as chosen), then read afresh."""
        self.door_event, door = self.backend.event, self.backend.door
        if door is not None:
            self.zone, self.event_title = door.zone, door.title
        self._door_line()
        self._hint()
        self.load_event(self.backend.event)

    def _door_line(self) -> None:
        station = self.backend.station
        if self.backend.event is None:
            text = _("{station} admits no event yet").format(station=station)
        else:
            title = (self.backend.events and self.backend.door_title) or self.event_title
            # TRANSLATORS: the desk's top line; {zone} is a time zone ("Europe/Berlin")
            text = _("{station} admits: {event}  ·  times in {zone}").format(
                station=station, event=title or self.backend.event, zone=self.zone.key
            )
        if self.backend.door_says:  # it ended, or none was chosen among several
            text += f"  ·  {self.backend.door_says}"
        if self.backend.checkin_list is not None:
            # TRANSLATORS: the check-in list this door decides on
            text += "  ·  " + _("list: {list}").format(list=self.backend.checkin_list)
        if self.backend.direction == "exit":
            text += "  ·  " + _(EXIT_GATE)
        self.query_one("#door", Static).update(text)

    @work(thread=True, exclusive=True, group="desk-event", exit_on_error=False)
    def load_event(self, event: str | None) -> None:
        if event is None:
            self.post_message(Failed(_("This station has no event: create one first.")))
            return
        try:
            self.post_message(EventLoaded(self.backend.event_info(event)))
        except EventdeskError as exc:
            self.post_message(Failed(exc.message))

    @on(EventLoaded)
    def event_loaded(self, message: EventLoaded) -> None:
        if message.info.slug != self.backend.event:
            return  # the door's event was changed meanwhile
        self.zone, self.event_title = message.info.zone, message.info.title
        self.query_one("#card", AttendeeCard).border_subtitle = message.info.title
        self._door_line()
        if self.card is not None:
            self._show_card(self.card)

    # --- search -----------------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def search_changed(self, message: Input.Changed) -> None:
        if message.value != self.scanned and self.scanned is not None:
            self.scanned = None  # typed over the scanned ticket's id: a search again
            self._hint()
        if not scanner_typing(message.value):  # a scanner typing: no searching
            self._search(message.value)
            self._sync_actions()  # nothing to act on until the results catch up

    def _unscanned(self) -> None:
        """The card no longer shows the scanned ticket's holder: the hint says so."""
        if self.scanned is not None:
            self.scanned = None
            self._hint()

    def _hint(self) -> None:
        """How to search from here (after a scan too)."""
        if self.backend.event is None:
            text = _(HINT_NO_EVENT)
        elif self.offline_shown:  # what is shown comes from the copy: said until back online
            text = _(HINT_OFFLINE)
        elif self.scanned is not None:
            text = _(HINT_SCANNED).format(ticket=self.scanned)
        else:
            text = _(HINT_SEARCH)
        self.query_one("#hint", Static).update(text)

    def _search(self, query: str) -> None:
        self.search_seq += 1
        if self.backend.offline:  # the station's copy is searched, and said so
            self._offline_view()
        self.reads.search(self.search_seq, query)

    def _offline_view(self) -> None:
        """Offline: what is shown comes from the station's copy (read again from the server
        when it answers)."""
        self.offline_shown = True
        self.query_one("#hint", Static).update(_(HINT_OFFLINE))

    def _back_online(self) -> None:
        """The server answers again: the search typed, and the card, read again."""
        self.offline_shown = False
        self._hint()
        self._search(self.query_one("#search", Input).value)
        if self.offline_admitted is not None:
            self.request_card(ticket_id=self.offline_admitted[0])

    @on(Searched)
    def searched(self, message: Searched) -> None:
        if message.seq != self.search_seq:
            return  # a newer query was typed meanwhile: its results are the ones to show
        if self.backend.offline and not self.offline_shown:
            self._offline_view()  # found in the station's copy: the server stopped answering
        self.people, self.shown_query = message.people, message.query
        table = self.query_one("#results", ResultsTable)
        chosen = table.fill(
            message.people,
            self.attendee_id,
            message.states,
            zone=self.zone,
            today=self.backend.now(),
        )
        if self.scanning or (
            self.card is not None
            and (message.query == self.scanned or message.seq <= self.search_at_scan)
        ):
            pass  # the card is the scanned ticket's holder's: it stays till the next key
        elif chosen is None:
            self._clear_card(
                _("Nobody matches “{query}”. ^N registers a walk-in.").format(query=message.query)
            )
            self._unscanned()
        elif chosen != self.attendee_id or self.card is None:
            self.request_card(attendee_id=chosen)
            self._unscanned()
        self._sync_actions()  # the results caught up with the typing

    @on(DataTable.RowHighlighted, "#results")
    def row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        value = message.row_key.value
        table = message.data_table
        if value is None or not table.is_valid_row_index(table.cursor_row):
            return
        if table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value != value:
            return  # posted before the table was refilled: that row is not under the cursor
        if self.scanning:
            return  # the card about to be shown is the scanned ticket's holder's
        if self.shown_query != self.query_one("#search", Input).value:
            return  # a row of an older query's results (a scan's id came meanwhile)
        if int(value) != self.attendee_id:
            self.request_card(attendee_id=int(value))

    @on(Input.Submitted, "#search")
    def search_submitted(self, message: Input.Submitted) -> None:
        if not self.keys.scanners_enter():
            self.keys.submit(from_table=False)

    @on(NotATicket)
    def not_a_ticket(self, message: NotATicket) -> None:
        """Entered in Search, shaped like a ticket's id and no ticket's: a search's Enter (when
        Search still holds it), the search left as typed, unselected."""
        search = self.query_one("#search", Input)
        if search.value == message.text:
            if sorted(search.selection) == [0, len(search.value)]:
                search.selection = Selection.cursor(len(search.value))
            self.keys.search_enter(from_table=False)

    @on(ResultsTable.Chosen)
    def row_chosen(self) -> None:
        if not self.keys.scanners_enter():
            self.keys.submit(from_table=True)

    def action_tab(self) -> None:
        """Tab, decided once the keys typed before it (queued at the focused widget) are in."""
        focused = self.focused or self
        focused.call_later(self.keys.tab, key_time(self.app))

    # --- keyboard wedge ---------------------------------------------------------------------
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

    # --- scans: the scanner's lines and the camera's decisions -------------------------------
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

    def say(self, content: Content, kind: str, *, owner: int | None = None) -> None:
        """The banner says ``content`` (about attendee ``owner``, if about anyone)."""
        self.board.say(content, kind, owner)

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

    def _sync_actions(self) -> None:
        self.refresh_bindings()

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

    def _ask(self, result: ScanResult) -> None:
        """The list's questions, asked before the ticket is admitted (escape: not admitted)."""
        from screens.desk.questions import QuestionsScreen

        ticket_id = result.ticket_id
        assert ticket_id is not None

        def answered(answers: dict[str, str] | None) -> None:
            if answers is not None:
                self.jobs.check_in(ticket_id, answers)

        self.app.push_screen(QuestionsScreen(result), answered)

    # --- the card ---------------------------------------------------------------------------
    def request_card(
        self,
        *,
        attendee_id: int | None = None,
        ticket_id: str | None = None,
        scan: ScanDecided | None = None,
    ) -> None:
        if self.backend.offline:
            self._offline_view()  # read from the station's copy
        self.card_seq += 1
        if attendee_id is not None:
            self.attendee_id = attendee_id
        if scan is not None:
            attendee_id = None  # the ticket's holder
        self.reads.card(self.card_seq, attendee_id, ticket_id, self.backend.event, scan)

    @on(CardLoaded)
    def card_loaded(self, message: CardLoaded) -> None:
        scan = message.scan
        if scan is not None and not self.scan_order.newest(scan):
            return  # a later scan was answered meanwhile: its card is the one to show
        if scan is not None or message.seq == -1:
            self.scanning = self.scan_order.pending
            self._sync_actions()
        if message.seq != self.card_seq:
            return  # someone else was chosen meanwhile
        if message.card is None:
            self._clear_card(message.problem or "")
            return
        self.attendee_id = message.card.attendee.id
        self._show_card(message.card)
        if scan is not None:
            self.search_at_scan = self.search_seq
        if scan is not None and scan.result.ticket_id is not None:
            self._follow_scan(scan.result.ticket_id)

    def _follow_scan(self, ticket_id: str) -> None:
        """The search box holds the scanned ticket's id, selected: the table shows its holder
        (the card's person) and whatever is typed next replaces it with a search. Only while
        nobody types there: Search empty, still holding the last scan's id as the desk left it,
        or the id of this very ticket, typed and entered. Anything else is someone's typing (a
        name, the next ticket's code, a scanner's line whose keys come slowly): it is left as
        it is, unselected, and so is the focus (the card shows the scanned ticket's holder all
        the same)."""
        search, scan = self.query_one("#search", Input), self.query_one("#scan", Input)
        before, self.scanned = self.scanned, ticket_id
        typed = search.value
        left_by_desk = typed == before and sorted(search.selection) == [0, len(typed)]
        if typed and not left_by_desk and typed.strip().upper() != ticket_id:
            self._hint()
            return
        if typed != ticket_id:
            search.value = ticket_id
        search.select_all()
        if self.focused is None or (self.focused is scan and not scan.value):
            search.focus()
        self._hint()

    # --- polling: what other stations do shows up here ---------------------------------------
    def poll(self) -> None:
        if not self.is_current or self.scanning:
            return
        if self.offline_shown and not self.backend.offline:
            self._back_online()
            return
        ids = tuple(self.query_one("#results", ResultsTable).names)
        seqs = (self.card_seq, self.search_seq)
        self.reads.again(seqs, self.attendee_id, ids, self.backend.event)

    @on(Polled)
    def polled(self, message: Polled) -> None:
        if message.search_seq == self.search_seq:
            table = self.query_one("#results", ResultsTable)
            table.mark(message.states, self.backend.now(), set(message.asked))
        card = message.card
        if message.card_seq != self.card_seq or card is None or self.scanning:
            return  # another card was asked for meanwhile: its own read shows it
        if card != self.card and card.attendee.id == self.attendee_id:
            self._show_card(card)

    def _show_card(self, card: CardData) -> None:
        self.board.card_shown(card)
        self.card = card
        self.query_one("#card", AttendeeCard).show(card, self.zone)
        self._sync_actions()

    def _clear_card(self, hint: str) -> None:
        self.card, self.attendee_id = None, None
        self.board.card_shown(None)
        self.card_seq += 1  # a card still being read is not wanted any more
        self.query_one("#card", AttendeeCard).show(None, self.zone, hint=hint)
        self._sync_actions()

    def _catching_up(self) -> bool:
        """The table still shows results for an older query than the one typed (a scanned
        ticket's id is not: the card was read for it)."""
        typed = self.query_one("#search", Input).value
        if typed == self.scanned or scan_payload(typed) is not None:
            return False
        return typed != (self.shown_query or "") and bool(typed)

    def _view(self) -> DeskView:
        """The desk as its keys see it now."""
        backend = self.backend
        return DeskView(
            has_event=backend.event is not None,
            offline=backend.offline,
            printer=bool(backend.printer),
            offline_undo=self.offline_admitted is not None and backend.offline,
            catching_up=self._catching_up(),
            scanning=self.scanning,
            card=self.card,
            attendee_id=self.attendee_id,
            scanned=self.scanned,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A desk key that cannot act now is shown dimmed; pressed, it says why."""
        if action == "seen":  # shown while an answer waits to be seen to
            return self.board.waiting
        if action == "override":  # shown while the banner says a refusal it may override
            return self.refused is not None
        if action in ("walk_in", "badge_name", "note") or action in TICKET_ACTIONS:
            return True if self.why_not(action) is None else None
        return True

    def key_refusal(self, action: str, parameters: tuple[object, ...]) -> str | None:
        return self.why_not(action)

    def why_not(self, action: str) -> str | None:
        """Why the desk key ``action`` cannot act now (None: it can act)."""
        return self._view().refusal(action)

    def _target(self, action: str) -> TicketLine | None:
        """The ticket ``action`` works on; or None, and the operator is told why not."""
        line = self._view().pick(TICKET_ACTIONS[action])
        if line is None:
            self._refuse(self.why_not(action) or _(NOBODY))
        return line

    def _refuse(self, text: str) -> None:
        """A key that cannot act says so: what is wrong and what to do."""
        say_not_available(self.app, text)

    # --- actions ----------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        search.focus()

    def action_exit_mode(self) -> None:
        """An exit gate and back: the scans and Check in let people out, or in."""
        backend = self.backend
        backend.direction = "entry" if backend.direction == "exit" else "exit"
        self._door_line()
        if backend.direction == "exit":
            said = _("EXIT GATE (^E: entry): scan tickets to let people out.")
            self.say(Content(said), "-info")
        else:
            self.say(Content(_("Entry again: scans and ^K let people in.")), "-info")

    def action_focus_scan(self) -> None:
        self.query_one("#scan", Input).focus()

    def action_check_in(self) -> None:
        if self._catching_up():
            self.say(Content(_("Still searching: check the card, then check in.")), "-info")
            return
        view = self._view()
        line = view.pick("check_in")
        if line is not None:
            said = _("Checking in {name}…").format(name=line.ticket.attendee)
            self.say(Content(said), "-info")
            self.jobs.check_in(line.ticket.id)
        elif (not_yet := view.not_yet()) is not None or self.card is None:
            self._refuse(not_yet or _(NOBODY))
        else:
            self.say(nothing_to_check_in(self.card), "-bad")

    def action_undo(self) -> None:
        if self.offline_admitted is not None and self.backend.offline:  # no card offline
            ticket_id, name = self.offline_admitted
            self.offline_admitted = None
            self.jobs.undo(ticket_id, None, name, self.zone)
            return
        line = self._target("undo")
        if line is not None:
            ticket = line.ticket
            self.jobs.undo(ticket.id, ticket.attendee_id, ticket.attendee, self.zone)

    def action_reprint(self) -> None:
        printer = self.backend.printer
        if not printer:
            self._refuse(_(NO_PRINTER))
            return
        line = self._target("reprint")
        if line is not None:
            self.jobs.reprint(line.ticket.id, line.ticket.attendee_id, printer)

    def action_pay(self) -> None:
        line = self._target("pay")
        if line is not None:
            self.dialogs.pay(line)

    def action_walk_in(self) -> None:
        if self.backend.event is None:
            self._refuse(_(NO_EVENT))
        else:  # offline: sold from this station's quota (screens.desk.walkin_offline)
            self.dialogs.walk_in()

    def action_cancel_ticket(self) -> None:
        line = self._target("cancel_ticket")
        if line is not None:
            self.dialogs.cancel(line)

    def action_promote(self) -> None:
        line = self._target("promote")
        if line is not None:
            self.promotion.start(line)

    def action_sessions(self) -> None:
        if (line := self._target("sessions")) is not None:
            self.dialogs.sessions(line)

    def action_override(self) -> None:
        if self.refused is not None:
            self.dialogs.override(self.refused)

    def action_badge_name(self) -> None:
        """The Badge name dialog for the person on the card."""
        if (why := self.why_not("badge_name")) is not None or self.card is None:
            self._refuse(why or _(NOBODY))
        else:
            self.dialogs.badge_name(self.card.attendee)

    def action_paper_ticks(self) -> None:
        """The ticks of the paper door list entered by ticket id (screens/desk/paper_ticks.py)."""
        self.dialogs.paper_ticks()

    def action_note(self) -> None:
        """The Note dialog for the person on the card (and the order of their ticket here)."""
        if (why := self.why_not("note")) is not None or self.card is None:
            self._refuse(why or _(NOBODY))
        else:
            self.dialogs.note(self.card.attendee, self.card.order_here())

    @on(PromoteRefused)
    def promote_refused(self, message: PromoteRefused) -> None:
        self.promotion.refused(message)

    # --- outcomes ---------------------------------------------------------------------------
    @on(Done)
    def done(self, message: Done) -> None:
        self.say(Content(message.text), "-info", owner=message.attendee_id)
        self.notify(message.text, title=_("Desk"), markup=False)
        if message.wake_printer:
            self.devices.wake_printer()
        if message.attendee_id is not None:
            self.request_card(attendee_id=message.attendee_id)

    @on(Failed)
    def failed(self, message: Failed) -> None:
        if message.decision:  # the answer, in place of "Checking…": never left waiting
            self.scanning = False
            self._sync_actions()
            self.say(not_decided(message.text), "-bad")
        self.notify(message.text, title=_("Desk"), severity="error", markup=False)
        if message.attendee_id is not None:
            self.request_card(attendee_id=message.attendee_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug or a lost database in a worker is said, not a crash of the desk."""
        if event.state == WorkerState.ERROR:
            if event.worker.group in ("card", "scan-card"):
                self.scanning = False
            error = event.worker.error
            if event.worker.group == "action" and error is not None:
                self.say(not_decided(failure_text(error)), "-bad")  # never left "Checking…"
            self.notify(
                _("Something went wrong: {error}").format(error=error),
                title=_("Desk"),
                severity="error",
                markup=False,
            )
