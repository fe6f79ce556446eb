"""The desk's keys that end or route typing: Tab and Enter in the search box, the results and
the scan field, and keys typed while no field has the focus (a keyboard-wedge scanner's too).
A scanner may end its line with Tab, then Enter: that Enter is the scanner's, not a person's
"check in the one found"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.content import Content
from textual.widgets import Input

from eventdesk.i18n import ngettext
from eventdesk.text import ticket_id_shaped
from screens.desk.answer import scan_payload, shop_code_typed
from screens.desk.results import ResultsTable
from screens.scanner_keys import key_time

if TYPE_CHECKING:
    from screens.desk.screen import DeskScreen

SCAN_SUFFIX_SECONDS = 1.0  # a scanner's Enter after its Tab comes within this


class DeskKeys:
    """Tab, Enter and unfocused typing at ``screen``."""

    def __init__(self, screen: DeskScreen) -> None:
        self.screen = screen
        # When a scan ended with Tab: the Enter some scanners send right after it is theirs.
        self.scan_suffix: float | None = None

    def scanners_enter(self) -> bool:
        """An Enter that came from the terminal right after a scan's Tab is the scanner's."""
        ended, self.scan_suffix = self.scan_suffix, None
        return ended is not None and key_time(self.screen.app) - ended < SCAN_SUFFIX_SECONDS

    def tab(self, arrived: float) -> None:
        """Tab ends a scan typed into Search or the scan field (a scanner set to send Tab);
        from Search otherwise it goes to the results table, where Enter acts on the row the
        card shows (or says the results are still coming), then to the scan field, and round
        to Search again."""
        screen = self.screen
        search, scan = screen.query_one("#search", Input), screen.query_one("#scan", Input)
        typed_scan = scan_payload(search.value) is not None
        focused = screen.focused
        if focused is scan and scan.value.strip():
            self.scan_suffix = arrived
            text, scan.value = scan.value, ""
            screen.scan_text(text, "scanner")
        elif typed_scan and (focused is search or not isinstance(focused, Input)):
            self.scan_suffix = arrived
            self.submit(from_table=False)
        elif focused is search:
            screen.query_one("#results", ResultsTable).focus()
        elif focused is screen.query_one("#results", ResultsTable):
            scan.focus()
        elif focused is scan:
            search.focus()
        else:
            screen.focus_next()

    def submit(self, *, from_table: bool) -> None:
        """Enter in the search box or on a row: a scan typed there is decided (a ticket's id
        typed there too, once the database says it is one), however late the Enter came and
        whatever the results and the card show by then; else the one person found is checked
        in, or the results are offered to pick from."""
        screen = self.screen
        search = screen.query_one("#search", Input)
        payload = scan_payload(search.value)
        if payload is not None:  # a scanner typed into the search box
            search.value = search.value[: len(search.value) - len(payload)]
            screen.scan_text(payload, "scanner")
            return
        if not from_table and (ticket_id_shaped(search.value) or shop_code_typed(search.value)):
            # Ended by its Enter: what is typed next, before the answer comes, is the next line.
            search.select_all()
            screen.jobs.typed_ticket(search.value)  # NotATicket: then the search's Enter
            return
        self.search_enter(from_table=from_table)

    def search_enter(self, *, from_table: bool) -> None:
        """Enter on what was searched: the one person found is checked in, or the results
        are offered to pick from."""
        screen = self.screen
        search = screen.query_one("#search", Input)
        settled = screen.shown_query == search.value
        if from_table or (settled and len(screen.people) == 1):
            screen.action_check_in()
        elif screen.people:
            screen.query_one("#results", ResultsTable).focus()
            if settled:
                count = len(screen.people)
                said = ngettext(
                    "{count} person matches: pick one with ↑↓, then Enter.",
                    "{count} people match: pick one with ↑↓, then Enter.",
                    count,
                ).format(count=count)
                screen.say(Content(said), "-info")

    def key(self, event: events.Key) -> bool:
        """A key typed while no text field has the focus goes to the search box; the focus
        stays put so that every key of a fast scanner arrives in order. True: it was taken."""
        screen = self.screen
        if isinstance(screen.focused, Input):
            return False
        search = screen.query_one("#search", Input)
        start, end = sorted(search.selection)
        if event.key == "backspace":
            search.value = search.value[:start] if start < end else search.value[:-1]
        elif event.is_printable and event.character:
            # The text a scan selected is typed over, as in the search box itself.
            search.value = (search.value[:start] if start < end else search.value) + event.character
        elif event.key == "enter" and screen.focused is None:
            if not self.scanners_enter():
                self.submit(from_table=False)
        else:
            return False
        return True
