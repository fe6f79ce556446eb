"""Why a desk key cannot act on the person on the card: every refused key says what is wrong
and what to do instead (no key silently does nothing)."""

from __future__ import annotations

from screens.desk.card import CardData, TicketLine

NOBODY = "Nobody is selected: search for someone (or scan a ticket) first."
SEARCHING = "Still searching: wait for the card, then press the key again."
SCANNING = "A scan is being answered: wait for its card, then press the key again."
CARD_COMING = (
    "The card of the person chosen is still being read: wait for it, then press the key again."
)
NO_PRINTER = "This station has no badge printer configured: nothing can be printed here."
OFFLINE = "The server does not answer: {what} come back with it."


def _status_of(lines: list[TicketLine]) -> str:
    """The state of the tickets here, for a sentence: 'on the waitlist', 'cancelled', ..."""
    if not lines:
        return "has no ticket for this event (^N registers a walk-in)"
    states = {line.ticket.status for line in lines}
    if states == {"cancelled"}:
        return f"has only a cancelled ticket ({', '.join(t.ticket.id for t in lines)})"
    if "registered" not in states and "waitlisted" in states:
        waiting = next(t.ticket for t in lines if t.ticket.status == "waitlisted")
        place = f", place {waiting.waitlist_position}" if waiting.waitlist_position else ""
        return f"is on the waitlist ({waiting.id}{place}): ^W promotes them first"
    return ""


def why_not(action: str, card: CardData) -> str:
    """Why ``action`` (a desk action's name) does nothing for the person on ``card``."""
    name, here = card.attendee.name, card.here()
    status = _status_of(here)
    registered = [line for line in here if line.ticket.status == "registered"]
    if action == "undo":
        if status:
            return f"Nothing to undo: {name} {status}."
        return f"Nothing to undo: {name} is not checked in here (^K checks in)."
    if action == "reprint":
        if status:
            return f"No badge to reprint: {name} {status}."
        if not any(line.ticket.checked_in_at for line in registered):
            return f"No badge to reprint: {name} is not checked in yet (^K checks in)."
        return f"No badge to reprint for {name}."
    if action == "pay":
        if not here:
            return f"Nothing to pay: {name} {_status_of(here)}."
        free = all(line.ticket.price_cents == 0 for line in here)
        what = "their ticket is free" if free else "everything is paid"
        if all(line.ticket.status == "cancelled" for line in here):
            what = "their ticket is cancelled"
        return f"Nothing is owed by {name}: {what}."
    if action == "cancel_ticket":
        if not here:
            return f"Nothing to cancel: {name} {_status_of(here)}."
        return f"Nothing to cancel: {name}'s ticket is cancelled already."
    if action == "promote":
        if not here:
            return f"Nothing to promote: {name} {_status_of(here)}."
        return f"Nothing to promote: {name} is not on the waitlist."
    return f"{name}: nothing to do here."
