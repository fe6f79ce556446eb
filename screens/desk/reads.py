"""The desk's reads: the search, an attendee's card and who is in, from the server or offline
from the station's copy. Each runs in a thread worker of the desk; its answer comes back to the
desk as a message (screens/desk/messages.py), and only the newest asked for is shown there."""

from __future__ import annotations

from functools import partial

from textual.worker import get_current_worker

from eventdesk.errors import EventdeskError, NotFound
from screens.base import StationScreen
from screens.desk.card import CardData, card_at_door
from screens.desk.messages import CardLoaded, Failed, Polled, Searched
from screens.desk.results import find_at_door, states_at_door
from screens.messages import ScanDecided

SEARCH_LIMIT = 50


class DeskReads:
    """What the desk reads for ``screen`` (its backend says from where)."""

    def __init__(self, screen: StationScreen) -> None:
        self.screen = screen

    def search(self, seq: int, query: str) -> None:
        """The people ``query`` (the ``seq``-th typed) finds: ``Searched``."""
        self.screen.run_worker(
            partial(self._search, seq, query),
            thread=True,
            exclusive=True,
            group="search",
            exit_on_error=False,
        )

    def card(
        self,
        seq: int,
        attendee_id: int | None,
        ticket_id: str | None,
        event: str | None,
        scan: ScanDecided | None = None,
    ) -> None:
        """Card number ``seq``, of an attendee or a ticket's holder: ``CardLoaded``. A card
        read for a scan is never replaced by a later read: its answer waits for it."""
        read = partial(self._card, seq, attendee_id, ticket_id, event, scan)
        if scan is None:
            self.screen.run_worker(
                read, thread=True, exclusive=True, group="card", exit_on_error=False
            )
        else:
            self.screen.run_worker(read, thread=True, group="scan-card", exit_on_error=False)

    def again(
        self,
        seqs: tuple[int, int],
        attendee_id: int | None,
        ids: tuple[int, ...],
        event: str | None,
    ) -> None:
        """What other stations did meanwhile: the card and the rows read again: ``Polled``."""
        self.screen.run_worker(
            partial(self._again, seqs, attendee_id, ids, event),
            thread=True,
            exclusive=True,
            group="desk-poll",
            exit_on_error=False,
        )

    # --- in the workers' threads ----------------------------------------------------------------
    def _read_card(
        self, attendee_id: int | None, ticket_id: str | None, event: str | None
    ) -> CardData:
        backend = self.screen.backend
        return card_at_door(
            lambda: backend.store,
            backend.door_station,
            attendee_id,
            ticket_id,
            event,
            backend.now(),
            backend.checkin_list,
        )

    def _search(self, seq: int, query: str) -> None:
        backend, post = self.screen.backend, self.screen.post_message
        try:
            people, states = find_at_door(
                lambda: backend.store,
                backend.door_station,
                backend.event,
                query,
                SEARCH_LIMIT,
                backend.checkin_list,
            )
        except EventdeskError as exc:
            post(Failed(exc.message))
            return
        if not get_current_worker().is_cancelled:
            post(Searched(seq, query, people, states))

    def _card(
        self,
        seq: int,
        attendee_id: int | None,
        ticket_id: str | None,
        event: str | None,
        scan: ScanDecided | None,
    ) -> None:
        if attendee_id is None and ticket_id is None:
            return
        post = self.screen.post_message
        try:
            card = self._read_card(attendee_id, ticket_id, event)
        except NotFound as exc:
            post(CardLoaded(seq, None, exc.message, scan))
            return
        except EventdeskError as exc:
            post(Failed(exc.message))
            if scan is not None:  # the answer is shown all the same
                post(CardLoaded(-1, None, None, scan))
            return
        if scan is not None or not get_current_worker().is_cancelled:
            post(CardLoaded(seq, card, None, scan))

    def _again(
        self,
        seqs: tuple[int, int],
        attendee_id: int | None,
        ids: tuple[int, ...],
        event: str | None,
    ) -> None:
        backend = self.screen.backend
        try:
            card = self._read_card(attendee_id, None, event) if attendee_id else None
            states = states_at_door(
                lambda: backend.store, backend.door_station, event, ids, backend.checkin_list
            )
        except EventdeskError:
            return  # the next poll tries again
        self.screen.post_message(Polled(seqs[0], card, seqs[1], states))
