"""The desk's search pane: search as you type, each key's search in a thread worker, the
newest query's results shown in the table, the card following the row highlighted; Enter and Tab
in it; and every two seconds the card and the table's ✔ marks read again, so that what other
stations do shows up here."""

from __future__ import annotations

from textual import on
from textual.widgets import DataTable, Input
from textual.widgets.input import Selection

from eventdesk.i18n import _
from screens.desk.answer import scan_payload, scanner_typing
from screens.desk.card_pane import CardPane
from screens.desk.messages import NotATicket, Polled, Searched
from screens.desk.results import ResultsTable
from screens.desk.typing import DeskKeys
from screens.scanner_keys import key_time
from screens.widgets.key_bar import keys_in

POLL_SECONDS = 2.0  # the card and the ✔ marks follow what other stations do


class SearchPane(CardPane):
    """The search box, the results table and the polling that keeps both current."""

    keys: DeskKeys  # Tab, Enter and typing where no field has the focus (screens/desk/typing.py)

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

    def _search(self, query: str) -> None:
        self.search_seq += 1
        if self.backend.offline:  # the station's copy is searched, and said so
            self._offline_view()
        self.reads.search(self.search_seq, query)

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
                keys_in(_("Nobody matches “{query}”. ^N registers a walk-in.")).format(
                    query=message.query
                )
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

    def _catching_up(self) -> bool:
        """The table still shows results for an older query than the one typed (a scanned
        ticket's id is not: the card was read for it)."""
        typed = self.query_one("#search", Input).value
        if typed == self.scanned or scan_payload(typed) is not None:
            return False
        return typed != (self.shown_query or "") and bool(typed)

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        search.focus()

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
