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

The screen is built in layers, one file a region: the card (screens/desk/card_pane.py, with
what every region shares), the search and its results (search_pane.py), the scans
(scan_intake.py), and here the screen itself: its widgets, the door's event on the top line,
which key may act now, the keys and what became of them.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Header, Input, Static
from textual.worker import Worker, WorkerState

from eventdesk.db import failure_text
from eventdesk.errors import EventdeskError
from eventdesk.i18n import N_, _
from screens.desk.answer import HINT_SEARCH, READY, Banner, not_decided, nothing_to_check_in
from screens.desk.card import AttendeeCard, TicketLine
from screens.desk.device_line import DeviceLine
from screens.desk.dialogs import DeskDialogs
from screens.desk.jobs import TICKET_ACTIONS
from screens.desk.keys import DESK_KEYS
from screens.desk.messages import Done, EventLoaded, Failed, PromoteRefused
from screens.desk.promote import Promotion
from screens.desk.refusals import NO_PRINTER, NOBODY, DeskView
from screens.desk.results import ResultsTable
from screens.desk.scan_intake import ScanIntake
from screens.desk.search_pane import POLL_SECONDS
from screens.desk.typing import DeskKeys
from screens.desk.walkin import NO_EVENT
from screens.widgets.key_bar import KeyBar, keys_in, say_not_available
from screens.widgets.offline_state import OfflineState
from screens.widgets.recent_answers import AnswerList

# TRANSLATORS: on the desk's top line: scans let people out; Ctrl+E makes it an entry again
EXIT_GATE = N_("EXIT GATE (^E: entry)")


class DeskScreen(ScanIntake):
    """The registration desk operator's screen, over its regions' layers (``ScanIntake`` over
    ``SearchPane`` over ``CardPane``). Its parts: the answer's ``Banner``, the devices' line,
    the ``DeskReads`` of search, cards and polls, the ``DeskJobs`` and ``DeskDialogs`` of its
    keys, the ``Promotion`` key and the ``DeskView`` that says which key may act now."""

    CSS_PATH = "desk.tcss"
    OWN_TAB = True  # Tab ends a scan here (action_tab), not the app's next field
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = DESK_KEYS

    def __init__(self) -> None:
        super().__init__()
        self.keys = DeskKeys(self)
        self.door_event: str | None = None  # the door's event whose title and zone are loaded
        self.event_title = ""
        self.promotion = Promotion(self)
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
            text += "  ·  " + keys_in(_(EXIT_GATE))
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

    def action_exit_mode(self) -> None:
        """An exit gate and back: the scans and Check in let people out, or in."""
        backend = self.backend
        backend.direction = "entry" if backend.direction == "exit" else "exit"
        self._door_line()
        if backend.direction == "exit":
            said = keys_in(_("EXIT GATE (^E: entry): scan tickets to let people out."))
            self.say(Content(said), "-info")
        else:
            self.say(Content(keys_in(_("Entry again: scans and ^K let people in."))), "-info")

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
