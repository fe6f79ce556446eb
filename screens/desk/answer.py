"""What the desk says about a scan: the coloured banner, and the hint line under the search box.

An attention note (VIP, ID check) is said only with an admission, the staff's notes on the
person and their order with every answer about their ticket; a ticket that needs staff is a
yellow "please see the desk", as at the kiosk.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from eventdesk import tickets
from eventdesk.i18n import N_, _
from eventdesk.services.door import answer_words
from eventdesk.services.door.scan_result import ScanResult
from screens.desk.card import CardData
from screens.terminal import for_screen
from screens.widgets.key_bar import keys_in
from screens.widgets.recent_answers import refusal_label, staff_notes

SCAN_PREFIX = "ED1."

# The scanner is named on the camera's line below; this line fits 80 columns. (Marked here,
# translated where shown.)
# TRANSLATORS: a hint line under the search box, at most 80 characters
HINT_SEARCH = N_("Search by name, email, company or ticket id · Enter checks in the one found")
HINT_SCANNED = N_(
    "The card shows ticket {ticket}, just answered · type a name to search someone else · "
    "Esc clears"
)
READY = N_("Ready: search for someone, or scan a ticket.")
# While the station decides from its mirror (the server does not answer).
HINT_OFFLINE = N_(
    "OFFLINE: scans, undo, badges, search and walk-ins (from its quota) work from this "
    "station's copy · payments and cancellations come back with the server"
)
HINT_NO_EVENT = N_(
    "This station admits no event yet: an organizer picks one (Organizer, Events, Use at this door)"
)
# Where a scan came from, at the end of its answer: "[camera]".
SOURCES = {
    # TRANSLATORS: where a scan came from, shown as "[camera]"
    "camera": N_("camera"),
    # TRANSLATORS: where a scan came from, shown as "[scanner]"
    "scanner": N_("scanner"),
    # TRANSLATORS: where a scan came from (the desk's Check in key), shown as "[desk]"
    "desk": N_("desk"),
    # TRANSLATORS: where a scan came from (a walk-in checked in), shown as "[walk-in]"
    "walk-in": N_("walk-in"),
}


class ScanOrder:
    """The desk's scans in the order they were decided. Each answer is shown as it comes; the
    card read for it (in a thread: reads may finish in any order) is shown only if no later
    scan was answered meanwhile, so the banner and the card always name the same ticket."""

    def __init__(self) -> None:
        # id(scan) -> its place among the decisions, and the scan (held: its id stays its own)
        self._waiting: dict[int, tuple[int, object]] = {}
        self._count = 0

    def decided(self, scan: object) -> None:
        """``scan`` is answered now; its card is to be read."""
        self._count += 1
        self._waiting[id(scan)] = (self._count, scan)

    def skip(self, scan: object) -> None:
        """No card for ``scan``: a later scan's answer is on its way already, or it has none."""
        self._waiting.pop(id(scan), None)

    def newest(self, scan: object) -> bool:
        """Whether ``scan``'s card, read now, is to be shown: it is the last scan answered."""
        place = self._waiting.pop(id(scan), (0, None))[0]
        return place == self._count

    @property
    def pending(self) -> bool:
        """The last scan answered has its card still being read."""
        return any(place == self._count for place, _scan in self._waiting.values())


def scan_payload(text: str) -> str | None:
    """The scanned part of what was typed into the search box, if a scanner typed there (through
    a QWERTZ or AZERTY layout or with Caps Lock on too: eventdesk.tickets.payload_start)."""
    at = tickets.payload_start(text)
    return text[at:] if at >= 0 else None


def shop_code_typed(text: str) -> bool:
    """What a shop's barcode or reference looks like typed into Search, and a name or an
    e-mail does not: one word with a digit in it, that could be a ticket's code
    (eventdesk.tickets.may_be_code)."""
    word = text.strip()
    return (
        len(word) >= 4
        and tickets.may_be_code(word)
        and not any(c.isspace() for c in word)
        and ("@" not in word and any(c.isdigit() for c in word))
    )


def scanner_typing(text: str) -> bool:
    """A scanner is typing a ticket here (``ED1`` before its dot counts: nobody searches for it)."""
    return tickets.scanner_typing(text)


def answer_content(
    result: ScanResult, source: str, *, waiting_key: str | None = None
) -> tuple[Content, str]:
    """The banner for a decision, and its class (-ok green, -warn yellow, -bad red); with
    ``waiting_key``, the answer asks something of the desk still (the key that says it is
    seen to ends its second line)."""
    where = _(SOURCES[source]) if source in SOURCES else source
    extras = []
    if result.event_title:  # a door for several events: the ticket's
        # TRANSLATORS: under the answer of a door for several events: the ticket's event
        extras.append(_("event: {event}").format(event=for_screen(result.event_title)))
    if result.attention and result.result == "ok":
        extras.append(f"⚑ {result.attention}")
    if result.alert and result.result == "ok":
        # TRANSLATORS: an admission of a person the organizer awaits (told of the arrival)
        extras.append(_("awaited: {reason}").format(reason=for_screen(result.alert)))
    extras.extend(staff_notes(result))  # the staff's notes, with any answer about the ticket
    extras.extend(answer_words.extras(result))
    detail = "  ·  ".join(extras)
    said = answer_words.sentence(result)
    if result.attendee:
        # TRANSLATORS: a refused scan's answer: who, and the door's sentence about them
        said = _("{attendee}: {message}").format(attendee=for_screen(result.attendee), message=said)
    if result.result == "ok" and result.direction == "exit":
        # TRANSLATORS: a scan's answer at an exit gate: the person is let out
        head = Content.assemble((_("↩ CHECKED OUT") + "  ", "bold"), result.message)
        kind = "-ok"
    elif result.result == "ok":
        # TRANSLATORS: a scan's answer: the person is let in
        head = Content.assemble((_("✔ ADMITTED") + "  ", "bold"), result.message)
        kind = "-ok"
    elif result.result == "already_checked_in":
        head = Content.assemble((_("● ALREADY CHECKED IN") + "  ", "bold"), said)
        kind = "-warn"
    elif result.result == "needs_staff":
        head = Content.assemble((_("● PLEASE SEE THE DESK") + "  ", "bold"), said)
        kind = "-warn"
    elif result.result == "needs_answer":
        # TRANSLATORS: a scan's answer: a question is to be answered before the person is let in
        head = Content.assemble((_("? A QUESTION FIRST") + "  ", "bold"), said)
        kind = "-warn"
    else:
        label = refusal_label(result)
        # TRANSLATORS: a refused scan's answer; {refusal} is e.g. "NOT YET VALID"
        head = Content.assemble((_("✖ {refusal}").format(refusal=label) + "  ", "bold"), said)
        kind = "-bad"
    tail = Content.styled(f"   [{where}]", "dim")
    lines = [head + tail]
    if waiting_key is not None:
        # TRANSLATORS: on the desk's answer: it asks something of the desk till this key
        seen = Content.styled(_("⚑ {key}: seen").format(key=waiting_key), "bold")
        lines.append(Content(detail + "  ·  ") + seen if detail else seen)
    elif detail:
        lines.append(Content(detail))
    return Content("\n").join(lines), kind


ANSWER_CLASSES = ("-ok", "-warn", "-bad", "-info")


class Banner(Static):
    """The desk's answer line: a scan's or an action's answer, coloured by its kind (-ok green,
    -warn yellow, -bad red, -info plain)."""

    def say(self, content: Content, kind: str) -> None:
        self.update(content)
        self.remove_class(*ANSWER_CLASSES)
        self.add_class(kind)

    def answer(
        self, result: ScanResult, source: str, *, waiting_key: str | None = None
    ) -> tuple[Content, str]:
        """A scan's answer, said; what was said and its kind come back."""
        content, kind = answer_content(result, source, waiting_key=waiting_key)
        self.say(content, kind)
        return content, kind


def not_decided(problem: str) -> Content:
    """The banner when a scan or a check-in could not be decided: why, and that nothing
    changed (its transaction was undone)."""
    # TRANSLATORS: {problem} says why, e.g. "this login is station Desk 1's, not Desk 9's"
    return Content(_("✖ Not decided: {problem}. Nothing was changed.").format(problem=problem))


def nothing_to_check_in(card: CardData) -> Content:
    """Why Check in does nothing for the person on the card."""
    name = card.attendee.name
    here = card.here()
    cancelled = [line.ticket.id for line in here if line.ticket.status == "cancelled"]
    if here and len(cancelled) == len(here):
        return Content(
            _("✖ {name}'s ticket {tickets} is cancelled: nothing to admit.").format(
                name=name, tickets=", ".join(cancelled)
            )
        )
    if not here:
        return Content(
            keys_in(_("✖ {name} has no ticket for this event: ^N registers a walk-in.")).format(
                name=name
            )
        )
    waiting = [line.ticket for line in here if line.ticket.status == "waitlisted"]
    if waiting and not any(line.ticket.status == "registered" for line in here):
        first = waiting[0]
        if first.waitlist_position:
            return Content(
                keys_in(
                    _(
                        "✖ {name} is on the waitlist ({ticket}, place {place}): ^W promotes, then ^K."  # noqa: E501
                    )
                ).format(name=name, ticket=first.id, place=first.waitlist_position)
            )
        return Content(
            keys_in(_("✖ {name} is on the waitlist ({ticket}): ^W promotes, then ^K.")).format(
                name=name, ticket=first.id
            )
        )
    return Content(_("✖ {name} has no ticket to check in here.").format(name=name))
