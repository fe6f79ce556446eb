"""Why a desk key cannot act now: every refused key says what is wrong and what to do instead
(no key silently does nothing). ``DeskView`` is what the keys go by, read off the desk as a key
is drawn or pressed; its answers are plain functions of it."""

from __future__ import annotations

from dataclasses import dataclass

from eventdesk.i18n import N_, _
from screens.desk.card import CardData, TicketLine
from screens.desk.jobs import TICKET_ACTIONS
from screens.desk.walkin import NO_EVENT
from screens.widgets.key_bar import keys_in

# Said when a key cannot act: marked here, translated where said.
NOBODY = N_("Nobody is selected: search for someone (or scan a ticket) first.")
SEARCHING = N_("Still searching: wait for the card, then press the key again.")
SCANNING = N_("A scan is being answered: wait for its card, then press the key again.")
CARD_COMING = N_(
    "The card of the person chosen is still being read: wait for it, then press the key again."
)
NO_PRINTER = N_("This station has no badge printer configured: nothing can be printed here.")
# What the server's absence holds back.
OFFLINE_CHANGES = N_(
    "The server does not answer: payments and changes to tickets come back with it."
)
OFFLINE_BADGE_NAMES = N_("The server does not answer: badge names are changed when it is back.")
OFFLINE_NOTES = N_("The server does not answer: notes are written when it is back.")


def _status_of(lines: list[TicketLine], name: str) -> str:
    """The state of the tickets here, as a clause about ``name``: 'Ann Lee is on the
    waitlist...'; "" when they have a registered ticket."""
    if not lines:
        return keys_in(_("{name} has no ticket for this event (^N registers a walk-in)")).format(
            name=name
        )
    states = {line.ticket.status for line in lines}
    if states == {"cancelled"}:
        return _("{name} has only a cancelled ticket ({tickets})").format(
            name=name, tickets=", ".join(t.ticket.id for t in lines)
        )
    if "registered" not in states and "waitlisted" in states:
        waiting = next(t.ticket for t in lines if t.ticket.status == "waitlisted")
        if waiting.waitlist_position:
            return keys_in(
                _("{name} is on the waitlist ({ticket}, place {place}): ^W promotes them first")
            ).format(name=name, ticket=waiting.id, place=waiting.waitlist_position)
        return keys_in(_("{name} is on the waitlist ({ticket}): ^W promotes them first")).format(
            name=name, ticket=waiting.id
        )
    return ""


def why_not(action: str, card: CardData) -> str:
    """Why ``action`` (a desk action's name) does nothing for the person on ``card``."""
    name, here = card.attendee.name, card.here()
    status = _status_of(here, name)
    registered = [line for line in here if line.ticket.status == "registered"]
    if action == "undo":
        if status:
            # TRANSLATORS: {why} is a clause about the person, e.g. "Ann Lee has no ticket..."
            return _("Nothing to undo: {why}.").format(why=status)
        return keys_in(_("Nothing to undo: {name} is not checked in here (^K checks in).")).format(
            name=name
        )
    if action == "reprint":
        if status:
            # TRANSLATORS: {why} is a clause about the person, e.g. "Ann Lee has no ticket..."
            return _("No badge to reprint: {why}.").format(why=status)
        if not any(line.ticket.checked_in_at for line in registered):
            return keys_in(
                _("No badge to reprint: {name} is not checked in yet (^K checks in).")
            ).format(name=name)
        return _("No badge to reprint for {name}.").format(name=name)
    if action == "pay":
        if not here:
            # TRANSLATORS: {why} is a clause about the person, e.g. "Ann Lee has no ticket..."
            return _("Nothing to pay: {why}.").format(why=status)
        free = all(line.ticket.price_cents == 0 for line in here)
        if all(line.ticket.status == "cancelled" for line in here):
            return _("Nothing is owed by {name}: their ticket is cancelled.").format(name=name)
        if free:
            return _("Nothing is owed by {name}: their ticket is free.").format(name=name)
        return _("Nothing is owed by {name}: everything is paid.").format(name=name)
    if action == "cancel_ticket":
        if not here:
            # TRANSLATORS: {why} is a clause about the person, e.g. "Ann Lee has no ticket..."
            return _("Nothing to cancel: {why}.").format(why=status)
        return _("Nothing to cancel: {name}'s ticket is cancelled already.").format(name=name)
    if action == "sessions":
        # TRANSLATORS: {why} is a clause about the person, e.g. "Ann Lee has no ticket..."
        return _("No ticket to change the sessions of: {why}.").format(
            why=status or _("{name}'s ticket is cancelled").format(name=name)
        )
    if action == "promote":
        if not here:
            # TRANSLATORS: {why} is a clause about the person, e.g. "Ann Lee has no ticket..."
            return _("Nothing to promote: {why}.").format(why=status)
        return _("Nothing to promote: {name} is not on the waitlist.").format(name=name)
    return _("{name}: nothing to do here.").format(name=name)


@dataclass(frozen=True)
class DeskView:
    """The desk as its keys see it."""

    has_event: bool  # the door admits an event (walk-ins register for it)
    offline: bool  # the server does not answer: the station decides from its copy
    printer: bool  # a badge printer is configured
    offline_undo: bool  # offline, the last admission decided here can be undone with no card
    catching_up: bool  # the table shows results for an older query than the one typed
    scanning: bool  # a scan's answer and card are on their way
    card: CardData | None  # the card shown
    attendee_id: int | None  # the attendee the card is (being) read for
    scanned: str | None  # the ticket id a scan put in the search box

    def pick(self, kind: str) -> TicketLine | None:
        """The card's ticket a ``kind`` of action works on (None: none, or not now)."""
        card = self.card
        if card is None or card.attendee.id != self.attendee_id or self.catching_up:
            return None  # never act on someone the operator is no longer looking at
        if self.scanning:
            return None  # a scan's answer and card are on their way
        return card.pick(kind, prefer=self.scanned)

    def refusal(self, action: str) -> str | None:
        """Why the desk key ``action`` cannot act now: what is wrong and what to do (None: it
        can act)."""
        if action == "walk_in":
            # Offline too: sold from this station's quota (screens.desk.walkin_offline).
            return None if self.has_event else _(NO_EVENT)
        if action == "badge_name":  # the person on the card, whatever their tickets
            return _(OFFLINE_BADGE_NAMES) if self.offline else self.not_yet()
        if action == "note":  # the person on the card, and their order here
            return _(OFFLINE_NOTES) if self.offline else self.not_yet()
        kind = TICKET_ACTIONS.get(action)
        if kind is None:
            return None
        if kind == "reprint" and not self.printer:
            return _(NO_PRINTER)
        if kind == "undo" and self.offline_undo:
            return None  # the last admission decided offline (no card to pick from)
        if kind == "check_in" and (self.catching_up or (self.card and not self.scanning)):
            return None  # it says on the banner why nothing is admitted
        if self.offline and kind in ("pay", "cancel", "promote", "sessions"):
            return _(OFFLINE_CHANGES)
        if self.pick(kind) is not None:
            return None
        not_yet = self.not_yet()
        if not_yet is not None or self.card is None:
            return not_yet or _(NOBODY)
        return why_not(action, self.card)

    def not_yet(self) -> str | None:
        """Why no ticket can be picked for lack of the card meant: results or a card still on
        their way, or nobody chosen (None: the card shown is the one meant)."""
        if self.catching_up:
            return _(SEARCHING)
        if self.scanning:
            return _(SCANNING)
        if self.attendee_id is not None and (
            self.card is None or self.card.attendee.id != self.attendee_id
        ):
            return _(CARD_COMING)
        return _(NOBODY) if self.card is None else None
