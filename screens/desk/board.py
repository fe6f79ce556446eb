"""The desk's answer board: the banner (the newest answer, or what an action said) and, under
it, the recent answers (screens/widgets/recent_answers.py), each with its person; an answer
that asks something of the desk stays marked until Ctrl+O. The banner's words belong to a person:
a card of someone else takes them off it (they stay in the list, with their name)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from textual.content import Content
from textual.dom import DOMNode

from eventdesk.i18n import _
from screens.desk.answer import READY, Banner
from screens.desk.card import CardData
from screens.messages import ScanDecided
from screens.widgets.key_bar import key_named
from screens.widgets.recent_answers import SEEN_KEY, Answer, AnswerList, RecentAnswers


class AnswerBoard:
    """The banner and the recent answers of ``screen`` (its ``#banner`` and ``#answers``);
    ``zone`` gives the event's zone the times are said in."""

    def __init__(self, screen: DOMNode, zone: Callable[[], ZoneInfo]) -> None:
        self.screen, self.zone = screen, zone
        self.recent = RecentAnswers()
        self.shown: Answer | None = None  # the scan's answer the banner shows
        # Whose the banner's words are (ticket id, attendee id); None: nobody's.
        self.owner: tuple[str | None, int | None] | None = None

    @property
    def waiting(self) -> bool:
        """An answer still asks something of the desk."""
        return bool(self.recent.waiting)

    def rows(self, height: int) -> None:
        """The recent answers take three lines on a short terminal, five on a tall one."""
        rows = 3 if height < 30 else 5
        answers = self.screen.query_one(AnswerList)
        if answers.rows != rows or self.recent.answers:
            answers.rows = rows
            self.refresh()

    def decided(self, message: ScanDecided) -> Answer:
        """Keep a scan's answer (a burst's too, though only its last is on the banner)."""
        answer = self.recent.add(message.result, message.source)
        self.refresh()
        return answer

    def answer(self, message: ScanDecided, answer: Answer) -> tuple[Content, str]:
        """A scan's answer on the banner; what it said and its kind come back."""
        result = message.result
        key = key_named(SEEN_KEY) if answer.waiting else None
        said = self.screen.query_one(Banner).answer(result, message.source, waiting_key=key)
        self.shown = answer
        self.owner = (result.ticket_id, None) if result.ticket_id else None
        self.refresh()
        return said

    def say(self, content: Content, kind: str, owner: int | None = None) -> None:
        """The banner says ``content`` (about attendee ``owner``, if about anyone); a scan's
        answer it showed goes to the list under it."""
        self.screen.query_one(Banner).say(content, kind)
        self.owner = None if owner is None else (None, owner)
        if self.shown is not None:
            self.shown = None
            self.refresh()

    def refresh(self) -> None:
        answers = self.screen.query_one(AnswerList)
        answers.zone = self.zone()  # times in the event's zone, as the rows and the card
        answers.show_answers(self.recent, self.shown)
        self.screen.refresh_bindings()  # Ctrl+O is shown while an answer waits

    def seen(self) -> Answer | None:
        """The oldest answer still asking something is seen to (None: none was)."""
        answer = self.recent.acknowledge()
        if answer is None:
            return None
        if answer is self.shown:
            self.screen.query_one(Banner).answer(answer.result, answer.source)
        self.refresh()
        return answer

    def card_shown(self, card: CardData | None) -> None:
        """A card of someone else than the banner's words name takes them off the banner."""
        if self.owner is None:
            return
        ticket_id, attendee_id = self.owner
        if card is not None and (
            card.attendee.id == attendee_id
            or any(line.ticket.id == ticket_id for line in card.tickets)
        ):
            return
        self.say(Content(_(READY)), "-info")
