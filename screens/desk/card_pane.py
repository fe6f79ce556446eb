"""The desk's card pane: the card of the attendee chosen (or of a scanned ticket's holder),
read in a thread worker and shown once the newest asked for comes back; and what every region
of the desk shares: the banner's words, the hint line and the keys shown as they may act now.

The first of the desk screen's layers (screens/desk/screen.py): ``CardPane``, then the search
and its results (``SearchPane``), then the scans (``ScanIntake``), then the desk's keys
(``DeskScreen``)."""

from __future__ import annotations

from textual import on
from textual.content import Content
from textual.widgets import Input, Static

from eventdesk.event_time import UTC_ZONE
from eventdesk.i18n import _
from eventdesk.services.people.attendees import AttendeeInfo
from screens.base import StationScreen
from screens.desk.answer import HINT_NO_EVENT, HINT_OFFLINE, HINT_SCANNED, HINT_SEARCH, ScanOrder
from screens.desk.board import AnswerBoard
from screens.desk.card import AttendeeCard, CardData
from screens.desk.messages import CardLoaded
from screens.desk.reads import DeskReads
from screens.messages import ScanDecided


class CardPane(StationScreen):
    """The desk's state, its banner and hint, and the attendee's card."""

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
        # The last admission decided offline (ticket id, name): Ctrl+U undoes it with no card.
        self.offline_admitted: tuple[str, str] | None = None
        self.offline_shown = False  # the offline view is up (search and card need the server)
        self.zone = UTC_ZONE  # the door's event's
        self.scan_order = ScanOrder()  # only the newest scan's answer and card are shown
        # The banner and the recent answers under it, each with its person; those that ask
        # something of the desk stay marked until ^O.
        self.board = AnswerBoard(self, lambda: self.zone)
        self.search_at_scan = 0  # the query typed when a scan's card was last shown
        self.reads = DeskReads(self)

    def say(self, content: Content, kind: str, *, owner: int | None = None) -> None:
        """The banner says ``content`` (about attendee ``owner``, if about anyone)."""
        self.board.say(content, kind, owner)

    def _sync_actions(self) -> None:
        self.refresh_bindings()

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

    def _offline_view(self) -> None:
        """Offline: what is shown comes from the station's copy (read again from the server
        when it answers)."""
        self.offline_shown = True
        self.query_one("#hint", Static).update(_(HINT_OFFLINE))

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
