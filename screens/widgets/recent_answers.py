"""The answers a door gave lately, each with its person: none lost in a rush.

A scanner's burst is decided line by line; the screen draws its last answer large (the desk's
banner, the kiosk's sign). Every answer is also kept here, newest first, and an answer that
asks something of the people at the door (an attention note such as "VIP: gold lanyard" or
"check student ID", a staff note on the person or their order, money to collect, "see the
desk", a question to answer) stays marked until someone acknowledges it with a key
(``acknowledge``: the oldest first), however many scans follow. ``AnswerList`` draws them, one
line each, cut with "…" where the line is wider than the screen; where the attendees read the
screen (a kiosk) it never shows the staff's notes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import count

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

from eventdesk.event_time import UTC_ZONE, show
from eventdesk.i18n import N_, _, ngettext
from eventdesk.services.door import answer_words
from eventdesk.services.door.scan_result import ScanResult
from screens.terminal import fit, for_screen
from screens.widgets.key_bar import key_named

# The heading of a refused scan's answer, by its result ("✖ NOT YET VALID").
REFUSED = {
    "invalid": N_("INVALID"),
    "unknown": N_("UNKNOWN"),
    "revoked": N_("REVOKED"),
    "waitlisted": N_("WAITLISTED"),
    "wrong_event": N_("WRONG EVENT"),
    "wrong_session": N_("WRONG SESSION"),
    "not_yet_valid": N_("NOT YET VALID"),
    "expired": N_("EXPIRED"),
    "unpaid": N_("UNPAID"),
    "no_reentry": N_("NO REENTRY"),
    "not_checked_in": N_("NOT CHECKED IN"),
    "wrong_type": N_("WRONG TYPE"),
    "closed": N_("CLOSED"),
    "used_today": N_("USED TODAY"),
    "too_soon": N_("TOO SOON"),
}
KEEP = 50  # answers kept (the marked ones are kept however old)
SEEN_KEY = "ctrl+o"  # the desk's and the kiosk's key that sees to an answer


def refusal_label(result: ScanResult) -> str:
    """A refusal's heading word ("NOT YET VALID"), in the reader's language."""
    code = result.result
    return _(REFUSED[code]) if code in REFUSED else code.replace("_", " ").upper()


def headline(result: ScanResult) -> str:
    """An answer in a few words, as the list of recent answers says it."""
    if result.result == "ok" and result.direction == "exit":
        # TRANSLATORS: a recent answer, in a few words: the person was let out
        return _("↩ checked out")
    if result.result == "ok":
        # TRANSLATORS: a recent answer, in a few words: the person was let in
        return _("✔ admitted")
    if result.result == "already_checked_in":
        # TRANSLATORS: a recent answer, in a few words
        return _("● already checked in")
    if result.result == "needs_staff":
        # TRANSLATORS: a recent answer, in a few words: the person is sent to the desk
        return _("● see the desk")
    if result.result == "needs_answer":
        # TRANSLATORS: a recent answer, in a few words: a question is to be answered first
        return _("? a question first")
    return _("✖ {refusal}").format(refusal=refusal_label(result))


def staff_notes(result: ScanResult) -> list[str]:
    """The staff's notes an answer carries, in words: for the people at the door only."""
    said = []
    if result.note:
        # TRANSLATORS: with a door's answer: the staff's note on the person
        said.append(_("✎ note: {note}").format(note=for_screen(result.note)))
    if result.order_note:
        # TRANSLATORS: with a door's answer: the staff's note on the ticket's order
        said.append(_("✎ order note: {note}").format(note=for_screen(result.order_note)))
    return said


def asks_for(
    result: ScanResult, *, notes: bool = True, beside_headline: bool = False
) -> tuple[str, ...]:
    """What an answer asks of the people at the door, in words; nothing for an answer that
    asks nothing (a plain welcome, a refusal the person was told). ``notes``: the staff note
    too (not where attendees read the screen); ``beside_headline``: only what the answer's
    headline does not say already ("● see the desk", "? a question first")."""
    asks = []
    if notes and result.admitted and result.attention:
        asks.append(f"⚑ {result.attention}")
    if notes:  # the staff's notes on the person and their order (services.people.notes)
        asks.extend(staff_notes(result))
    owed = answer_words.owed_text(result)
    if result.admitted and owed:
        # TRANSLATORS: a recent answer asks the desk to take money from the person let in
        asks.append(_("collect {amount}").format(amount=owed))
    said = beside_headline and result.result in ("needs_staff", "needs_answer")
    if result.result == "needs_staff" or (result.see_desk and not result.admitted):
        to_pay = owed and not result.admitted
        if to_pay or not said:
            # TRANSLATORS: a recent answer asks the desk to see the person
            asks.append(_("see the desk") + (f": {owed}" if to_pay else ""))
    if result.result == "needs_answer" and not said:
        # TRANSLATORS: a recent answer asks the desk to put the list's question
        asks.append(_("a question to answer"))
    return tuple(asks)


@dataclass
class Answer:
    """One answer kept: the decision, where its scan came from, whether it asks something of
    the people at the door (``marked``) and whether someone acknowledged that (``seen``)."""

    result: ScanResult
    source: str
    marked: bool
    seq: int
    seen: bool = False

    @property
    def waiting(self) -> bool:
        """It asks something nobody has acknowledged yet."""
        return self.marked and not self.seen

    @property
    def person(self) -> str:
        """Whose answer it is: the ticket's holder, else the ticket, else what was read."""
        if self.result.attendee:
            return for_screen(self.result.attendee)
        if self.result.ticket_id:
            return self.result.ticket_id
        # TRANSLATORS: a recent answer about a code that names nobody (garbage, another event)
        return _("unknown ticket")


@dataclass
class RecentAnswers:
    """The door's recent answers, newest last (see the module's docstring)."""

    keep: int = KEEP
    answers: deque[Answer] = field(default_factory=deque)
    _seq: count[int] = field(default_factory=lambda: count(1))

    def add(self, result: ScanResult, source: str, *, marked: bool | None = None) -> Answer:
        """Keep an answer; ``marked`` by what it asks unless said otherwise."""
        mark = bool(asks_for(result)) if marked is None else marked
        answer = Answer(result, source, mark, next(self._seq))
        self.answers.append(answer)
        while len(self.answers) > self.keep:
            old = next((a for a in self.answers if not a.waiting), None)
            if old is None:
                break
            self.answers.remove(old)
        return answer

    @property
    def waiting(self) -> list[Answer]:
        """The answers still asking for something, oldest first."""
        return [a for a in self.answers if a.waiting]

    def acknowledge(self) -> Answer | None:
        """The oldest answer still asking for something is seen to; it comes back (None: none
        was waiting)."""
        for answer in self.answers:
            if answer.waiting:
                answer.seen = True
                return answer
        return None

    def shown(
        self, rows: int, *, leave: Answer | None = None, waiting_only: bool = False
    ) -> tuple[list[Answer], int]:
        """What ``rows`` lines show, newest first: every answer still asking for something,
        then the latest others; ``leave`` out (the one drawn large already). Also how many
        waiting answers did not fit (said on the last line instead)."""
        rest = [a for a in self.answers if a is not leave]
        waiting = [a for a in rest if a.waiting]
        if len(waiting) > rows:
            keep = waiting[-(rows - 1) :] if rows > 1 else []
            return keep[::-1], len(waiting) - len(keep)
        others = [] if waiting_only else [a for a in rest if not a.waiting]
        others = others[-(rows - len(waiting)) :]
        chosen = sorted([*waiting, *(others if rows > len(waiting) else [])], key=_seq_of)
        return chosen[::-1], 0


def _seq_of(answer: Answer) -> int:
    return answer.seq


class AnswerList(Static):
    """Recent answers, one line each, newest first; a marked one starts with ⚑ until it is
    acknowledged (the key is named on the line it sees to next: the oldest). Hidden while there
    is none."""

    DEFAULT_CSS = """
    AnswerList {
        height: auto;
        padding: 0 1;
        display: none;
    }
    AnswerList.-some {
        display: block;
    }
    """

    def __init__(
        self,
        *,
        rows: int = 4,
        key: str | None = None,
        notes: bool = True,
        waiting_only: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__("", id=id, markup=False)
        self.rows = rows
        self.key = key  # the key that sees to one, as written; None: Ctrl+O as the key bar has it
        self.notes = notes  # staff notes shown (not where the attendees read the screen)
        self.waiting_only = waiting_only  # the answers seen to go
        self._drawn: tuple[RecentAnswers, Answer | None] | None = None
        self.zone = UTC_ZONE
        self.lines: list[str] = []  # what is shown, in plain words (for tests and the log)

    def on_resize(self) -> None:
        if self._drawn is not None:
            self.show_answers(*self._drawn)

    def show_answers(self, recent: RecentAnswers, leave: Answer | None = None) -> None:
        self._drawn = (recent, leave)
        shown, more = recent.shown(self.rows, leave=leave, waiting_only=self.waiting_only)
        width = max(20, self.size.width - 2) if self.size.width else 78
        lines: list[Content] = []
        waiting = recent.waiting
        next_seen = waiting[0] if waiting else None  # the one the key sees to: the oldest
        key = self.key or key_named(SEEN_KEY)
        for answer in shown:
            text = self._line(answer)
            if answer is next_seen and not more:
                # TRANSLATORS: after the answer the key sees to next (the oldest still to be
                # seen to): the key that does it
                tail = "  " + _("({key}: seen)").format(key=key)
                text = fit(text, width - cell_len(tail)) + tail
            style = "bold $warning" if answer.waiting else "dim" if not answer.marked else ""
            lines.append(Content.styled(fit(text, width), style))
        if more:
            said = ngettext(
                "⚑ {count} more answer to see to ({key}: seen)",
                "⚑ {count} more answers to see to ({key}: seen)",
                more,
            ).format(count=more, key=key)
            lines.append(Content.styled(fit(said, width), "bold $warning"))
        self.lines = [line.plain for line in lines]
        self.update(Content("\n").join(lines))
        self.set_class(bool(lines), "-some")

    def _line(self, answer: Answer) -> str:
        result = answer.result
        mark = "⚑" if answer.waiting else "✓" if answer.marked else " "
        when = show(result.at, self.zone, "clock")
        asks = asks_for(result, notes=self.notes, beside_headline=True)
        parts = [headline(result), *asks] if answer.marked else [headline(result)]
        if not answer.marked and not result.admitted and result.result != "already_checked_in":
            parts.append(answer_words.sentence(result))
        return f"{mark} {when}  {answer.person}  " + " · ".join(parts)
