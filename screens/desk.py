"""The registration desk: search as you type, the attendee's card, and the desk's actions.

Every key in the search box starts a search in a thread worker; its results come back as a
message and only the newest query's results are shown. The card of the highlighted attendee is
read the same way. Check in, undo, reprint, pay, walk-in, cancel and promote act on the card's
tickets of this station's event. A keyboard-wedge scanner may type a ticket (``ED1.`` ...) into
the search box, the scan field, or anywhere else on the screen; the camera's scans arrive as
``ScanDecided`` messages. Every answer shows in the coloured banner.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import Button, DataTable, Footer, Header, Input, Static
from textual.widgets.button import ButtonVariant
from textual.worker import Worker, WorkerState, get_current_worker

from eventdesk.errors import EventdeskError, NotFound, SoldOut
from eventdesk.services.attendees import AttendeeInfo, find_attendees
from eventdesk.services.checkin import ScanResult, undo_checkin
from eventdesk.services.events import EventInfo, show_event
from eventdesk.services.payments import PaymentSummary
from eventdesk.services.printing import enqueue
from eventdesk.services.registration import cancel, promote, show_ticket
from kiosk.wedge import LineSplitter
from screens.base import StationScreen
from screens.messages import BadgePrinted, CameraFrame, CameraStatus, ScanDecided
from screens.widgets.confirm import ConfirmScreen
from screens.widgets.desk_card import AttendeeCard, CardData, TicketLine, clock, load_card
from screens.widgets.desk_forms import PaymentScreen, WalkInDone, WalkInScreen
from screens.widgets.desk_results import ResultsTable

SCAN_PREFIX = "ED1."
SEARCH_LIMIT = 50
# action -> what CardData.pick calls it
TICKET_ACTIONS = {
    "check_in": "check_in",
    "undo": "undo",
    "reprint": "reprint",
    "pay": "pay",
    "cancel_ticket": "cancel",
    "promote": "promote",
}
BUTTONS: tuple[tuple[str, str, ButtonVariant], ...] = (
    ("check_in", "^K Check in", "success"),
    ("undo", "^U Undo", "default"),
    ("reprint", "^R Reprint", "default"),
    ("pay", "^P Pay", "primary"),
    ("walk_in", "^N Walk-in", "primary"),
    ("cancel_ticket", "^X Cancel", "error"),
    ("promote", "^W Promote", "warning"),
)
ANSWER_CLASSES = ("-ok", "-warn", "-bad", "-info")


def scan_payload(text: str) -> str | None:
    """The scanned part of what was typed into the search box, if a scanner typed there."""
    at = text.find(SCAN_PREFIX)
    return text[at:] if at >= 0 else None


def answer_content(result: ScanResult, source: str) -> tuple[Content, str]:
    """The banner for a decision, and its class (-ok green, -warn yellow, -bad red)."""
    where = {"camera": "camera", "scanner": "scanner", "desk": "desk"}.get(source, source)
    extras = []
    if result.attention:
        extras.append(f"⚑ {result.attention}")
    extras.extend(flag for flag in result.flags if flag != "badge queued")
    if "badge queued" in result.flags:
        extras.append("badge queued")
    detail = "  ·  ".join(extras)
    if result.result == "ok":
        head = Content.assemble(("✔ ADMITTED  ", "bold"), result.message)
        kind = "-ok"
    elif result.result == "already_checked_in":
        who = f"{result.attendee}: " if result.attendee else ""
        head = Content.assemble(("● ALREADY CHECKED IN  ", "bold"), who + result.message)
        kind = "-warn"
    else:
        label = result.result.replace("_", " ").upper()
        who = f"{result.attendee}: " if result.attendee else ""
        head = Content.assemble((f"✖ {label}  ", "bold"), who + result.message)
        kind = "-bad"
    tail = Content.styled(f"   [{where}]", "dim")
    lines = [head + tail]
    if detail:
        lines.append(Content(detail))
    return Content("\n").join(lines), kind


class DeskScreen(StationScreen):
    """The registration desk operator's screen."""

    CSS_PATH = "desk.tcss"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+k", "check_in", "Check in", id="desk.check-in", priority=True),
        Binding("ctrl+u", "undo", "Undo", id="desk.undo", priority=True),
        Binding("ctrl+r", "reprint", "Reprint", id="desk.reprint", priority=True),
        Binding("ctrl+p", "pay", "Pay", id="desk.pay", priority=True),
        Binding("ctrl+n", "walk_in", "Walk-in", id="desk.walk-in", priority=True),
        Binding("ctrl+x", "cancel_ticket", "Cancel", id="desk.cancel", priority=True),
        Binding("ctrl+w", "promote", "Promote", id="desk.promote", priority=True),
        Binding("ctrl+f", "focus_search", "Search", id="desk.search", show=False),
        Binding("escape", "clear_search", "Clear search", id="desk.clear-search", show=False),
        Binding("ctrl+s", "focus_scan", "Scan field", id="desk.scan", show=False),
    ]

    # --- messages (posted by this screen's workers) -----------------------------------------
    class Searched(Message):
        """Search results for query number ``seq``."""

        def __init__(self, seq: int, query: str, people: list[AttendeeInfo]) -> None:
            super().__init__()
            self.seq, self.query, self.people = seq, query, people

    class CardLoaded(Message):
        def __init__(self, seq: int, card: CardData | None, problem: str | None = None) -> None:
            super().__init__()
            self.seq, self.card, self.problem = seq, card, problem

    class EventLoaded(Message):
        def __init__(self, info: EventInfo) -> None:
            super().__init__()
            self.info = info

    class Done(Message):
        """An action finished; ``attendee_id``'s card is read again."""

        def __init__(
            self, text: str, attendee_id: int | None, *, wake_printer: bool = False
        ) -> None:
            super().__init__()
            self.text, self.attendee_id, self.wake_printer = text, attendee_id, wake_printer

    class PromoteRefused(Message):
        """There is no free place for a waitlisted ticket."""

        def __init__(self, ticket_id: str, attendee_id: int, name: str, text: str) -> None:
            super().__init__()
            self.ticket_id, self.attendee_id, self.name, self.text = (
                ticket_id,
                attendee_id,
                name,
                text,
            )

    class Failed(Message):
        def __init__(self, text: str, attendee_id: int | None = None) -> None:
            super().__init__()
            self.text, self.attendee_id = text, attendee_id

    # --- state ------------------------------------------------------------------------------
    def __init__(self) -> None:
        super().__init__()
        self.search_seq = 0  # the newest query typed; older results are dropped
        self.shown_query: str | None = None  # the query the table shows results for
        self.people: list[AttendeeInfo] = []
        self.card_seq = 0  # the newest card asked for
        self.attendee_id: int | None = None  # the attendee the card is (being) read for
        self.card: CardData | None = None  # what the card shows; the actions act on it
        self.timezone = "UTC"
        self.event_title = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="desk-inputs"):
            yield Input(
                placeholder="Search: name, email, company or ticket id",
                id="search",
                select_on_focus=False,
            )
            yield Input(placeholder="Scan (keyboard-wedge)", id="scan")
        yield Static(Content("Ready: search for someone, or scan a ticket."), id="banner")
        with Horizontal(id="desk-main"):
            yield ResultsTable(id="results")
            yield AttendeeCard(id="card")
        with Horizontal(id="desk-actions"):
            for action, label, variant in BUTTONS:
                button = Button(
                    label,
                    id=f"do-{action}",
                    variant=variant,
                    compact=True,
                    classes="desk-action",
                    action=f"screen.{action}",
                )
                button.can_focus = False  # a scanner's Enter must never press a button
                yield button
        yield Static("", id="camera")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#banner", Static).add_class("-info")
        self.query_one("#card", AttendeeCard).can_focus = False
        self.query_one("#search", Input).focus()
        self._sync_actions()
        self.load_event(self.backend.event)
        self._search("")

    # --- devices: camera on while the desk is shown -----------------------------------------
    def on_screen_resume(self) -> None:
        self.devices.listen(self)
        if self.backend.camera is not None:
            self.devices.start_camera()
        if self.attendee_id is not None:
            self._request_card(attendee_id=self.attendee_id)

    def on_screen_suspend(self) -> None:
        covered_by_dialog = self.app.screen is not self and self in self.app.screen_stack
        if not covered_by_dialog and self.devices.sink is self:
            self.devices.listen(None)

    @on(CameraStatus)
    def camera_status(self, message: CameraStatus) -> None:
        message.stop()
        if self.backend.camera is None:
            text = "Camera: none configured · a USB scanner can type into any field"
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

    # --- event ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="desk-event", exit_on_error=False)
    def load_event(self, event: str | None) -> None:
        if event is None:
            self.post_message(self.Failed("This station has no event: create one first."))
            return
        try:
            self.post_message(self.EventLoaded(show_event(self.backend.store, event)))
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))

    @on(EventLoaded)
    def event_loaded(self, message: EventLoaded) -> None:
        self.timezone, self.event_title = message.info.timezone, message.info.title
        self.query_one("#card", AttendeeCard).border_subtitle = message.info.title
        if self.card is not None:
            self._show_card(self.card)

    # --- search -----------------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def search_changed(self, message: Input.Changed) -> None:
        if scan_payload(message.value) is None:  # a scanner typing: no searching
            self._search(message.value)
            self._sync_actions()  # nothing to act on until the results catch up

    def _search(self, query: str) -> None:
        self.search_seq += 1
        self.run_search(self.search_seq, query)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, seq: int, query: str) -> None:
        try:
            people = find_attendees(self.backend.store, query, limit=SEARCH_LIMIT)
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Searched(seq, query, people))

    @on(Searched)
    def searched(self, message: Searched) -> None:
        if message.seq != self.search_seq:
            return  # a newer query was typed meanwhile: its results are the ones to show
        self.people, self.shown_query = message.people, message.query
        table = self.query_one("#results", ResultsTable)
        chosen = table.fill(message.people, self.attendee_id)
        if chosen is None:
            self._clear_card(f"Nobody matches “{message.query}”. ^N registers a walk-in.")
        elif chosen != self.attendee_id or self.card is None:
            self._request_card(attendee_id=chosen)
        self._sync_actions()  # the results caught up with the typing

    @on(DataTable.RowHighlighted, "#results")
    def row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        value = message.row_key.value
        table = message.data_table
        if value is None or not table.is_valid_row_index(table.cursor_row):
            return
        if table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value != value:
            return  # posted before the table was refilled: that row is not under the cursor
        if int(value) != self.attendee_id:
            self._request_card(attendee_id=int(value))

    @on(Input.Submitted, "#search")
    def search_submitted(self, message: Input.Submitted) -> None:
        self._submit_search(from_table=False)

    @on(ResultsTable.Chosen)
    def row_chosen(self) -> None:
        self._submit_search(from_table=True)

    def _submit_search(self, *, from_table: bool) -> None:
        search = self.query_one("#search", Input)
        payload = scan_payload(search.value)
        if payload is not None:  # a scanner typed into the search box
            search.value = search.value[: search.value.find(SCAN_PREFIX)]
            self.scan_text(payload, "scanner")
            return
        settled = self.shown_query == search.value
        if from_table or (settled and len(self.people) == 1):
            self.action_check_in()
        elif self.people:
            self.query_one("#results", ResultsTable).focus()

    # --- keyboard wedge ---------------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        """Typing while no text field has focus goes to the search box (a scanner included);
        the focus stays put so that every key of a fast scanner arrives in order."""
        if isinstance(self.focused, Input):
            return
        search = self.query_one("#search", Input)
        if event.key == "backspace":
            search.value = search.value[:-1]
        elif event.is_printable and event.character:
            search.value += event.character
        elif event.key == "enter" and self.focused is None:
            self._submit_search(from_table=False)
        else:
            return
        event.stop()
        event.prevent_default()

    @on(Input.Submitted, "#scan")
    def scan_submitted(self, message: Input.Submitted) -> None:
        text = message.value
        message.input.value = ""
        self.scan_text(text, "scanner")

    def scan_text(self, text: str, source: str) -> None:
        if not text.strip():
            return
        self._banner(Content("Checking the ticket…"), "-info")
        self.run_scan(text, source)

    @work(thread=True, group="scan", exit_on_error=False)
    def run_scan(self, text: str, source: str) -> None:
        from kiosk.scanner import check_lines  # OpenCV loads on first use (start-up time)

        splitter = LineSplitter()
        lines = [*splitter.feed(text), *splitter.flush()]
        try:
            for decision in check_lines(self.backend.checkin(), lines):
                self.post_message(ScanDecided(decision, source))
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))

    @on(ScanDecided)
    def scan_decided(self, message: ScanDecided) -> None:
        message.stop()
        result = message.decision.result
        content, kind = answer_content(result, message.source)
        self._banner(content, kind)
        if not self.is_current:
            severity: SeverityLevel = (
                "information" if kind == "-ok" else "warning" if kind == "-warn" else "error"
            )
            self.notify(content.plain, title="Scan", severity=severity, markup=False)
        if "badge queued" in result.flags:
            self.devices.wake_printer()
        if result.ticket_id is not None and result.result != "unknown":
            self._request_card(ticket_id=result.ticket_id)

    def _banner(self, content: Content, kind: str) -> None:
        banner = self.query_one("#banner", Static)
        banner.update(content)
        banner.remove_class(*ANSWER_CLASSES)
        banner.add_class(kind)

    # --- the card ---------------------------------------------------------------------------
    def _request_card(
        self, *, attendee_id: int | None = None, ticket_id: str | None = None
    ) -> None:
        self.card_seq += 1
        if attendee_id is not None:
            self.attendee_id = attendee_id
        self.read_card(self.card_seq, attendee_id, ticket_id, self.backend.event)

    @work(thread=True, exclusive=True, group="card", exit_on_error=False)
    def read_card(
        self, seq: int, attendee_id: int | None, ticket_id: str | None, event: str | None
    ) -> None:
        store = self.backend.store
        try:
            if attendee_id is None:
                if ticket_id is None:
                    return
                attendee_id = show_ticket(store, ticket_id).attendee_id
            card = load_card(store, attendee_id, event)
        except NotFound as exc:
            self.post_message(self.CardLoaded(seq, None, exc.message))
            return
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.CardLoaded(seq, card))

    @on(CardLoaded)
    def card_loaded(self, message: CardLoaded) -> None:
        if message.seq != self.card_seq:
            return  # someone else was chosen meanwhile
        if message.card is None:
            self._clear_card(message.problem or "")
            return
        self.attendee_id = message.card.attendee.id
        self._show_card(message.card)

    def _show_card(self, card: CardData) -> None:
        self.card = card
        self.query_one("#card", AttendeeCard).show(card, self.timezone)
        self._sync_actions()

    def _clear_card(self, hint: str) -> None:
        self.card, self.attendee_id = None, None
        self.card_seq += 1  # a card still being read is not wanted any more
        self.query_one("#card", AttendeeCard).show(None, self.timezone, hint=hint)
        self._sync_actions()

    def _catching_up(self) -> bool:
        """The table still shows results for an older query than the one typed."""
        typed = self.query_one("#search", Input).value
        return scan_payload(typed) is None and typed != (self.shown_query or "") and bool(typed)

    def _pick(self, kind: str) -> TicketLine | None:
        card = self.card
        if card is None or card.attendee.id != self.attendee_id or self._catching_up():
            return None  # never act on someone the operator is no longer looking at
        return card.pick(kind)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "walk_in":
            return True if self.backend.event else None
        kind = TICKET_ACTIONS.get(action)
        if kind is None:
            return True
        if kind == "reprint" and not self.backend.printer:
            return None
        return True if self._pick(kind) is not None else None

    def _sync_actions(self) -> None:
        for action, _, _ in BUTTONS:
            self.query_one(f"#do-{action}", Button).disabled = not self.check_action(action, ())
        self.refresh_bindings()

    # --- actions ----------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        search.focus()

    def action_focus_scan(self) -> None:
        self.query_one("#scan", Input).focus()

    def action_check_in(self) -> None:
        if self._catching_up():
            self._banner(Content("Still searching: check the card, then check in."), "-info")
            return
        line = self._pick("check_in")
        if line is not None:
            self._banner(Content(f"Checking in {line.ticket.attendee}…"), "-info")
            self.check_in_ticket(line.ticket.id)

    @work(thread=True, group="action", exit_on_error=False)
    def check_in_ticket(self, ticket_id: str) -> None:
        started = time.monotonic()
        try:
            result = self.backend.checkin().checkin_ticket(ticket_id)
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        latency = (time.monotonic() - started) * 1000
        from kiosk.scanner import Decision

        self.post_message(ScanDecided(Decision(result, f"ticket:{ticket_id}", latency), "desk"))

    def action_undo(self) -> None:
        line = self._pick("undo")
        if line is not None:
            ticket = line.ticket
            self.undo_ticket(ticket.id, ticket.attendee_id, ticket.attendee, self.timezone)

    @work(thread=True, group="action", exit_on_error=False)
    def undo_ticket(self, ticket_id: str, attendee_id: int, name: str, timezone: str) -> None:
        try:
            undone = undo_checkin(self.backend.store, ticket_id, station=self.backend.station)
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message, attendee_id))
            return
        was = clock(undone.was_checked_in_at, timezone)
        self.post_message(
            self.Done(
                f"Check-in of {name} ({ticket_id}) undone: it was at {was} at "
                f"{undone.was_station or 'another station'}.",
                attendee_id,
            )
        )

    def action_reprint(self) -> None:
        line = self._pick("reprint")
        printer = self.backend.printer
        if line is not None and printer:
            self.reprint_badge(line.ticket.id, line.ticket.attendee_id, printer)

    @work(thread=True, group="action", exit_on_error=False)
    def reprint_badge(self, ticket_id: str, attendee_id: int, printer: str) -> None:
        try:
            job = enqueue(
                self.backend.store,
                ticket_id,
                printer,
                reason="reprint",
                station=self.backend.station,
            )
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message, attendee_id))
            return
        self.post_message(
            self.Done(
                f"Badge for {ticket_id} queued on {printer} (job {job.id}).",
                attendee_id,
                wake_printer=True,
            )
        )

    def action_pay(self) -> None:
        line = self._pick("pay")
        if line is None:
            return
        attendee_id = line.ticket.attendee_id

        def paid(summary: PaymentSummary | None) -> None:
            if summary is None:
                return
            due = summary.due_cents
            left = f"{due // 100}.{due % 100:02d} {summary.currency} still due" if due else "paid"
            text = f"Payment recorded for {line.ticket.attendee} ({line.ticket.id}): {left}."
            self._banner(Content(text), "-info")
            self.notify(text, title="Payment", markup=False)
            self._request_card(attendee_id=attendee_id)

        self.app.push_screen(PaymentScreen(self.backend, line.ticket, line.payment), paid)

    def action_walk_in(self) -> None:
        if self.backend.event is None:
            return
        self.app.push_screen(WalkInScreen(self.backend), self._walked_in)

    def _walked_in(self, done: WalkInDone | None) -> None:
        if done is None:
            return
        person, placed = done.attendee, done.registration
        if placed is None:
            self.notify(
                f"{person.name} was added, but not registered: {done.problem}",
                title="Walk-in",
                severity="error",
                markup=False,
            )
        elif placed.status == "waitlisted":
            self.notify(
                f"{person.name} is on the waitlist at place {placed.waitlist_position} "
                f"({placed.ticket_type}, ticket {placed.ticket_id}).",
                title="Walk-in waitlisted",
                severity="warning",
                markup=False,
            )
        else:
            self.notify(
                f"{person.name} is registered ({placed.ticket_type}, ticket {placed.ticket_id}).",
                title="Walk-in registered",
                markup=False,
            )
        self._request_card(attendee_id=person.id)
        search = self.query_one("#search", Input)
        search.value = person.name
        search.focus()

    def action_cancel_ticket(self) -> None:
        line = self._pick("cancel")
        if line is None:
            return
        ticket = line.ticket
        question = (
            f"Cancel {ticket.attendee}'s {ticket.ticket_type} ticket {ticket.id} "
            f"({ticket.status})?\nA freed place goes to the next person on the waitlist."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.cancel_ticket(ticket.id, ticket.attendee_id)

        self.app.push_screen(ConfirmScreen(question, yes="Cancel ticket", no="Keep it"), answered)

    @work(thread=True, group="action", exit_on_error=False)
    def cancel_ticket(self, ticket_id: str, attendee_id: int) -> None:
        store = self.backend.store
        try:
            result = cancel(store, ticket_id, station=self.backend.station)
            promoted = [show_ticket(store, t) for t in result.promoted]
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message, attendee_id))
            return
        text = f"Ticket {ticket_id} cancelled."
        if promoted:
            names = ", ".join(f"{t.attendee} ({t.ticket_type}, {t.id})" for t in promoted)
            text += f" Off the waitlist: {names}."
        self.post_message(self.Done(text, attendee_id))

    def action_promote(self) -> None:
        line = self._pick("promote")
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
            self.post_message(self.PromoteRefused(ticket_id, attendee_id, name, exc.message))
            return
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message, attendee_id))
            return
        seat = f", seat {placed.seat}" if placed.seat else ""
        over = " over capacity" if force else ""
        self.post_message(
            self.Done(
                f"{name} is off the waitlist: registered{over} ({ticket_id}{seat}).", attendee_id
            )
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

    # --- outcomes ---------------------------------------------------------------------------
    @on(Done)
    def done(self, message: Done) -> None:
        self._banner(Content(message.text), "-info")
        self.notify(message.text, title="Desk", markup=False)
        if message.wake_printer:
            self.devices.wake_printer()
        if message.attendee_id is not None:
            self._request_card(attendee_id=message.attendee_id)

    @on(Failed)
    def failed(self, message: Failed) -> None:
        self.notify(message.text, title="Desk", severity="error", markup=False)
        if message.attendee_id is not None:
            self._request_card(attendee_id=message.attendee_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug or a lost database in a worker is said, not a crash of the desk."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"Something went wrong: {error}", title="Desk", severity="error", markup=False
            )
