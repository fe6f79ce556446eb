"""The desk's actions as plain functions: each calls a service and returns what to say.

They run in the desk's thread workers (never on the UI thread); an ``EventdeskError`` they raise
is said to the operator.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from eventdesk.db import Store
from eventdesk.services.door.printing import enqueue
from eventdesk.services.door.undo import UndoResult
from eventdesk.services.people import payments
from eventdesk.services.people.registration import cancel, show_ticket
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_prints import queue_in_copy
from eventdesk.values import format_cents
from screens.desk.card import clock

# action -> what CardData.pick calls it
TICKET_ACTIONS = {
    "check_in": "check_in",
    "undo": "undo",
    "reprint": "reprint",
    "pay": "pay",
    "cancel_ticket": "cancel",
    "promote": "promote",
}


def undo(
    undo_at_door: Callable[[str], UndoResult], ticket_id: str, name: str, zone: ZoneInfo
) -> str:
    """``undo_at_door``: the backend's undo (on a server, offline too)."""
    undone = undo_at_door(ticket_id)
    was = clock(undone.was_checked_in_at, zone)
    where = undone.was_station or "another station"
    return f"Check-in of {name} ({ticket_id}) undone: it was at {was} at {where}."


def reprint(
    store: Callable[[], Store], copy: Mirror | None, station: str, ticket_id: str, printer: str
) -> str:
    """Queue a badge again: on the server, or in ``copy``'s own queue while it does not answer
    (printed from the station's copy, its outcome uploaded later)."""
    if copy is not None:
        queue_in_copy(copy, ticket_id, printer, station=station)
        return f"Badge for {ticket_id} queued on {printer} (offline, from this station's copy)."
    job_id = enqueue(store(), ticket_id, printer, reason="reprint", station=station).id
    return f"Badge for {ticket_id} queued on {printer} (job {job_id})."


def cancel_ticket(store: Store, station: str, ticket_id: str, *, refund: bool = False) -> str:
    """Cancel a ticket; with ``refund``, give back what was paid in the same transaction."""
    if refund:
        refunded = payments.refund(store, ticket_id, cancel=True, station=station)
        promoted_ids = refunded.promoted
        text = f"Ticket {ticket_id} cancelled and what was paid refunded."
    else:
        cancelled = cancel(store, ticket_id, station=station)
        promoted_ids = cancelled.promoted
        text = f"Ticket {ticket_id} cancelled."
        if cancelled.paid_cents > 0:
            kept = format_cents(cancelled.paid_cents, cancelled.currency)
            text += f" The {kept} paid was kept, not refunded."
    promoted = [show_ticket(store, t) for t in promoted_ids]
    if promoted:
        names = ", ".join(f"{t.attendee} ({t.ticket_type}, {t.id})" for t in promoted)
        text += f" Off the waitlist: {names}."
    return text
