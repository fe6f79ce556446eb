"""The desk's messages: posted by its thread workers, handled on the UI thread."""

from __future__ import annotations

from textual.message import Message

from eventdesk.services.catalogue.events import EventInfo
from eventdesk.services.people.attendees import AttendeeInfo, DoorState
from screens.desk.card import CardData
from screens.messages import ScanDecided


class Searched(Message):
    """Search results for query number ``seq``; ``states``: where each stands at the door."""

    def __init__(
        self,
        seq: int,
        query: str,
        people: list[AttendeeInfo],
        states: dict[int, DoorState] | None = None,
    ) -> None:
        super().__init__()
        self.seq, self.query, self.people, self.states = seq, query, people, states or {}


class CardLoaded(Message):
    """Card number ``seq``; with ``scan``, the decision it was read for (shown with it)."""

    def __init__(
        self,
        seq: int,
        card: CardData | None,
        problem: str | None = None,
        scan: ScanDecided | None = None,
    ) -> None:
        super().__init__()
        self.seq, self.card, self.problem, self.scan = seq, card, problem, scan


class Polled(Message):
    """The card and the table's statuses read again (another station may have changed them):
    the states of the people ``asked`` about (the rows shown when the read began)."""

    def __init__(
        self,
        card_seq: int,
        card: CardData | None,
        search_seq: int,
        states: dict[int, DoorState],
        asked: tuple[int, ...],
    ) -> None:
        super().__init__()
        self.card_seq, self.card = card_seq, card
        self.search_seq, self.states, self.asked = search_seq, states, asked


class EventLoaded(Message):
    def __init__(self, info: EventInfo) -> None:
        super().__init__()
        self.info = info


class Done(Message):
    """An action finished; ``attendee_id``'s card is read again."""

    def __init__(self, text: str, attendee_id: int | None, *, wake_printer: bool = False) -> None:
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
    """An action failed; ``decision``: a scan or a check-in that could not be decided (the
    banner says so, in place of "Checking…")."""

    def __init__(
        self, text: str, attendee_id: int | None = None, *, decision: bool = False
    ) -> None:
        super().__init__()
        self.text, self.attendee_id, self.decision = text, attendee_id, decision


class NotATicket(Message):
    """What was typed in Search and entered (``text``) has a ticket id's shape but is no
    ticket's id: its Enter is the search's."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
