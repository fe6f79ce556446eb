"""The desk's reads: the search, an attendee's card and who is in, from the server or offline
from the station's copy. Each runs in a thread worker of the desk; its answer comes back to the
desk as a message (screens/desk/messages.py), and only the newest asked for is shown there."""

from __future__ import annotations

from functools import partial

from textual.worker import get_current_worker

from eventdesk.db import Store
from eventdesk.errors import EventdeskError, NotFound
from eventdesk.services.door.list_changes import find_list
from screens.base import StationScreen
from screens.desk.card import CardData, card_at_door
from screens.desk.messages import CardLoaded, Failed, Polled, Searched
from screens.desk.results import DoorEvents, find_at_door, states_at_door
from screens.messages import ScanDecided

SEARCH_LIMIT = 50


class DeskReads:
    """What the desk reads for ``screen`` (its backend says from where)."""

    def __init__(self, screen: StationScreen) -> None:
        self.screen = screen
        # (event, list ref) -> the door's list that keeps its own admissions: (id, name)
        self._lists: dict[tuple[str, str], tuple[int, str] | None] = {}

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
    def _door_list(self, event: str | None) -> tuple[int, str] | None:
        """The check-in list this door decides on, when it keeps admissions of its own (not
        the default list's, kept on the ticket): its id and name, looked up once per event."""
        backend = self.screen.backend
        ref = backend.checkin_list
        if ref is None or event is None:
            return None
        if (event, ref) not in self._lists:

            def on(store: Store) -> tuple[int, str] | None:
                try:
                    rules = find_list(store, ref, event)
                except NotFound:
                    return None  # the door's answer says so; the rows stay the event's
                # (A list's own entries, when set, decide it whether or not the event lets
                # people back in: the argument only matters for the default "once".)
                if rules.id is None or rules.on_ticket(allow_reentry=False):
                    return None
                return rules.id, rules.name

            station = backend.door_station
            self._lists[event, ref] = (
                on(backend.store)
                if station is None
                else station.read(lambda: on(backend.store), lambda copy: on(copy.store))
            )
        return self._lists[event, ref]

    def _several(self) -> tuple[DoorEvents, str | None, str | None]:
        """At a door for several events: each with the id of the list of its own admissions
        its tickets are decided on (the door's list is the first of them that has it, as the
        door finds it), that list's event and name. Nothing at a door for one event."""
        backend = self.screen.backend
        if not backend.events:
            return (), None, None
        door: list[tuple[str, int | None]] = []
        at: tuple[str, str] | None = None
        for event in backend.admitted:
            on_list = None if at else self._door_list(event)
            door.append((event, on_list[0] if on_list else None))
            if on_list:
                at = event, on_list[1]
        return tuple(door), *(at or (None, None))

    def _read_card(
        self, attendee_id: int | None, ticket_id: str | None, event: str | None
    ) -> CardData:
        backend = self.screen.backend
        several, list_event, list_name = self._several()
        if several:
            events = tuple(slug for slug, _list in several)
            door_list, door = list_name, (events, list_event)
        else:
            door_list = on_list[1] if (on_list := self._door_list(event)) else None
            door = ((), None)
        return card_at_door(
            lambda: backend.store,
            backend.door_station,
            attendee_id,
            ticket_id,
            event,
            backend.now(),
            door_list,
            door,
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
                on_list[0] if (on_list := self._door_list(backend.event)) else None,
                several=self._several()[0],
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
            on_list = self._door_list(event)
            states = states_at_door(
                lambda: backend.store,
                backend.door_station,
                event,
                ids,
                on_list[0] if on_list else None,
                several=self._several()[0],
            )
        except EventdeskError:
            return  # the next poll tries again
        self.screen.post_message(Polled(seqs[0], card, seqs[1], states, ids))
