"""The codes a person reads, in their words: a ticket's status, a payment's method, a staff
account's role, a door's answer... (docs/languages.md).

The code stays what the program stores, compares, writes to ``--json`` and to CSV files; a
table, a line or a screen meant for a person shows ``label(kind, code)`` instead: the code's
label in the reader's language. The labels are marked here with ``N_`` (or ``NC_`` where the
same English means two things) and translated where they are shown. A code with no label (one
a newer version wrote, say) is shown as it is.

English reads the labels as it read the codes before: most of them are the code itself.
"""

from __future__ import annotations

from eventdesk.i18n import N_, NC_, _, pgettext

# --- tickets and events -----------------------------------------------------------------------
# eventdesk.models.TicketStatus
TICKET_STATUSES = {
    # TRANSLATORS: a ticket's status: it has a place at the event
    "registered": N_("registered"),
    # TRANSLATORS: a ticket's status: on the waitlist, waiting for a place
    "waitlisted": N_("waitlisted"),
    # TRANSLATORS: a ticket's status: given back or annulled (an event's is another message)
    "cancelled": N_("cancelled"),
}
EVENT_STATUS = "event status"  # the context of an event's status: "cancelled" differs
EVENT_STATUSES = {
    # TRANSLATORS: an event's status: it takes place as planned
    "scheduled": NC_("event status", "scheduled"),
    # TRANSLATORS: an event's status: called off (not a ticket's "cancelled")
    "cancelled": NC_("event status", "cancelled"),
}
# eventdesk.services.catalogue.events.VISIBILITIES
VISIBILITIES = {
    # TRANSLATORS: an event's visibility: listed for everyone
    "public": N_("public"),
    # TRANSLATORS: an event's visibility: not listed
    "private": N_("private"),
    # TRANSLATORS: an event's visibility: registering needs its invite code
    "invite": N_("invite"),
}
# eventdesk.services.catalogue.events.UNPAID_POLICIES, and a check-in list's own
UNPAID_POLICIES = {
    # TRANSLATORS: what the door does with an unpaid ticket: refuse it
    "refuse": N_("refuse"),
    # TRANSLATORS: what the door does with an unpaid ticket: admit it (the money is collected)
    "admit": N_("admit"),
}
# A check-in list's entries (eventdesk.services.door.lists.ENTRIES): how often a ticket gets in
ENTRIES = {
    # TRANSLATORS: a check-in list's entries: a ticket gets in once
    "once": N_("once"),
    # TRANSLATORS: a check-in list's entries: a ticket gets in once each day of the event
    "daily": N_("once a day"),
    # TRANSLATORS: a check-in list's entries: in and out as often as wanted, an exit between
    "unlimited": N_("unlimited, an exit between"),
}

# --- money ------------------------------------------------------------------------------------
# eventdesk.models.PaymentKind
PAYMENT_KINDS = {
    # TRANSLATORS: a payment record's kind: money taken
    "payment": N_("payment"),
    # TRANSLATORS: a payment record's kind: money given back
    "refund": N_("refund"),
}
# eventdesk.models.PaymentMethod
PAYMENT_METHODS = {
    # TRANSLATORS: a payment method
    "cash": N_("cash"),
    # TRANSLATORS: a payment method
    "card": N_("card"),
    # TRANSLATORS: a payment method: given for free
    "comp": N_("comp"),
    # TRANSLATORS: a payment method: paid later, on an invoice
    "invoice": N_("invoice"),
}
# eventdesk.models.PaymentStatus
PAYMENT_STATUSES = {
    # TRANSLATORS: a payment's status: the money is there
    "completed": N_("completed"),
    # TRANSLATORS: a payment's status: not paid yet (an open invoice)
    "pending": N_("pending"),
    # TRANSLATORS: a payment's status: annulled, it counts for nothing
    "void": N_("void"),
}

# --- people -----------------------------------------------------------------------------------
# eventdesk.services.people.auth.ROLES
STAFF_ROLES = {
    # TRANSLATORS: a staff account's role
    "organizer": N_("organizer"),
    # TRANSLATORS: a staff account's role: desk staff
    "staff": N_("staff"),
    # TRANSLATORS: a staff account's role: a self-service kiosk
    "kiosk": N_("kiosk"),
}

# eventdesk.grants.KINDS: what a station's own login on a server is
STATION_KINDS = {
    # TRANSLATORS: a station login's kind: a door (kiosks, scanners, door laptops)
    "door": N_("door"),
    # TRANSLATORS: a station login's kind: a registration desk
    "desk": N_("desk"),
}

# --- the door ---------------------------------------------------------------------------------
# eventdesk.services.door.scan_result.ScanOutcome, and "conflict" (an offline admission that
# another station or a cancel overtook), as the statistics count them
SCAN_RESULTS = {
    # TRANSLATORS: a scan's result: admitted
    "ok": N_("ok"),
    # TRANSLATORS: a scan's result at a badge station: a badge printed, no check-in
    "printed": N_("printed"),
    # TRANSLATORS: a scan's result at a badge station: a badge printed again, no check-in
    "reprinted": N_("reprinted"),
    # TRANSLATORS: a scan's result: the QR code is not one of ours (forged or damaged)
    "invalid": N_("invalid"),
    # TRANSLATORS: a scan's result: no such ticket
    "unknown": N_("unknown"),
    # TRANSLATORS: a scan's result: the ticket was cancelled
    "revoked": N_("revoked"),
    # TRANSLATORS: a scan's result: the ticket is on the waitlist
    "waitlisted": N_("waitlisted"),
    # TRANSLATORS: a scan's result: a ticket of another event
    "wrong_event": N_("wrong event"),
    # TRANSLATORS: a scan's result: not registered for this session
    "wrong_session": N_("wrong session"),
    # TRANSLATORS: a scan's result: the door is not open yet for it
    "not_yet_valid": N_("not yet valid"),
    # TRANSLATORS: a scan's result: the door has closed for it
    "expired": N_("expired"),
    # TRANSLATORS: a scan's result: the ticket is not paid
    "unpaid": N_("unpaid"),
    # TRANSLATORS: a scan's result: the ticket was used already
    "already_checked_in": N_("already checked in"),
    # TRANSLATORS: a scan's result: the event allows no re-entry
    "no_reentry": N_("no reentry"),
    # TRANSLATORS: a scan's result: an exit scan of someone not inside
    "not_checked_in": N_("not checked in"),
    # TRANSLATORS: a scan's result: sent to the desk (an ID check)
    "needs_staff": N_("needs staff"),
    # TRANSLATORS: a scan's result: a ticket type the check-in list does not admit
    "wrong_type": N_("wrong type"),
    # TRANSLATORS: a scan's result: the check-in list is closed at this day or hour
    "closed": N_("closed"),
    # TRANSLATORS: a scan's result: today's entry was used already
    "used_today": N_("used today"),
    # TRANSLATORS: a scan's result: too soon after the last entry
    "too_soon": N_("too soon"),
    # TRANSLATORS: a scan's result: a question to answer before admitting
    "needs_answer": N_("needs answer"),
    # TRANSLATORS: a scan's result: admitted offline, but another station or a cancel came first
    "conflict": N_("conflict"),
    # TRANSLATORS: admitted by a supervisor despite the door's refusal
    "override": N_("override"),
}
# eventdesk.services.door.scan_result.Direction
DIRECTIONS = {
    # TRANSLATORS: a scan's direction: going in
    "entry": N_("entry"),
    # TRANSLATORS: a scan's direction: going out
    "exit": N_("exit"),
}

# --- badges and files -------------------------------------------------------------------------
# eventdesk.models.JobState
PRINT_STATES = {
    # TRANSLATORS: a badge's print job: waiting for its printer
    "queued": N_("queued"),
    # TRANSLATORS: a badge's print job: being printed now
    "printing": N_("printing"),
    # TRANSLATORS: a badge's print job: printed
    "done": N_("done"),
    # TRANSLATORS: a badge's print job: it could not be printed
    "failed": N_("failed"),
}
# Why a badge was printed (eventdesk.models.PrintJob.reason)
PRINT_REASONS = {
    # TRANSLATORS: why a badge was printed: at check-in
    "checkin": N_("checkin"),
    # TRANSLATORS: why a badge was printed: printed again
    "reprint": N_("reprint"),
    # TRANSLATORS: why a badge was printed: someone asked for it
    "manual": N_("manual"),
    # TRANSLATORS: why a badge was printed: scanned at a badge station (no check-in), the
    # first time
    "badge": N_("badge"),
}
# eventdesk.services.data.csvexport.EXPORTS
EXPORTS = {
    # TRANSLATORS: what a CSV export holds: the event's attendees
    "attendees": N_("attendees"),
    # TRANSLATORS: what a CSV export holds: the event's check-ins
    "checkins": N_("checkins"),
    # TRANSLATORS: what a CSV export holds: the event's scans
    "scans": N_("scans"),
    # TRANSLATORS: what a CSV export holds: the event's payments
    "payments": N_("payments"),
}

# --- devices ---------------------------------------------------------------------------------
# A camera's states (devices.capture.CaptureState, and the desk's own "check-in failed"), as
# the desk, the kiosk and `scan` say them.
CAMERA_STATES = {
    # TRANSLATORS: the camera's state
    "starting": N_("starting"),
    # TRANSLATORS: the camera's state
    "running": N_("running"),
    # TRANSLATORS: the camera's state: it gives no pictures
    "no frames": N_("no frames"),
    # TRANSLATORS: the camera's state
    "reconnecting": N_("reconnecting"),
    # TRANSLATORS: the camera's state: a video file played to its end
    "finished": N_("finished"),
    # TRANSLATORS: the camera's state
    "stopped": N_("stopped"),
    # TRANSLATORS: the camera's state
    "failed": N_("failed"),
    # TRANSLATORS: the camera's state: a ticket it read could not be checked in
    "check-in failed": N_("check-in failed"),
}

# --- reports ---------------------------------------------------------------------------------
# TRANSLATORS: the reports' column headings and section labels, in a terminal table
REPORT_COLUMNS = {
    "section": N_("section"),
    "item": N_("item"),
    "registered": N_("registered"),
    "checked_in": N_("checked in"),
    "no_shows": N_("no-shows"),
    "ticket_type": N_("ticket type"),
    "method": N_("method"),
    "paid_cents": N_("paid (cents)"),
    "refunded_cents": N_("refunded (cents)"),
    "net_cents": N_("net (cents)"),
    "currency": N_("currency"),
    "net": N_("net"),
    "price": N_("price"),
    "quantity": N_("quantity"),
    "sold": N_("sold"),
    "remaining": N_("remaining"),
    "waitlisted": N_("waitlisted"),
    "cancelled": N_("cancelled"),
    "rank": N_("rank"),
    "session": N_("session"),
    "room": N_("room"),
    "capacity": N_("capacity"),
    "fill_percent": N_("fill %"),
    "attended": N_("attended"),
    "tier": N_("tier"),
    "waiting": N_("waiting"),
    "waiting_since": N_("waiting since"),
    "problems": N_("problems"),
    "scans": N_("scans"),
    "day": N_("day"),
    "count": N_("count"),
    "ticket_id": N_("ticket"),
    "attendee": N_("attendee"),
    "stations": N_("stations"),
    "times": N_("times"),
    "reason": N_("reason"),
    "detail": N_("detail"),
    "nonce": N_("nonce"),
    "name": N_("name"),
    "email": N_("email"),
    "company": N_("company"),
    "seat": N_("seat"),
    "at": N_("at"),
    "station": N_("station"),
    # TRANSLATORS: a column of the overrides report: the supervisor who overrode
    "by": N_("by"),
    # TRANSLATORS: a column of the overrides report: what the door had refused
    "refused": N_("refused"),
    "rule": N_("rule"),
}
REPORT_SECTIONS = {
    "total": N_("total"),
    "all tickets": N_("all tickets"),
    "all": N_("all"),
    "ticket type": N_("ticket type"),
    "arrivals by hour": N_("arrivals by hour"),
    "by station": N_("by station"),
    "by result": N_("by result"),
    "per minute": N_("per minute"),
    "first arrivals": N_("first arrivals"),
}


# Every kind of code, by the name ``label`` takes.
KINDS: dict[str, dict[str, str]] = {
    "ticket_status": TICKET_STATUSES,
    "event_status": EVENT_STATUSES,
    "visibility": VISIBILITIES,
    "unpaid_policy": UNPAID_POLICIES,
    "entries": ENTRIES,
    "payment_kind": PAYMENT_KINDS,
    "payment_method": PAYMENT_METHODS,
    "payment_status": PAYMENT_STATUSES,
    "staff_role": STAFF_ROLES,
    "station_kind": STATION_KINDS,
    "scan_result": SCAN_RESULTS,
    "direction": DIRECTIONS,
    "print_state": PRINT_STATES,
    "print_reason": PRINT_REASONS,
    "export": EXPORTS,
    "camera_state": CAMERA_STATES,
    "report_column": REPORT_COLUMNS,
    "report_section": REPORT_SECTIONS,
}
# The kinds whose labels are marked with a context (NC_): translated with it.
CONTEXTS = {"event_status": EVENT_STATUS}


def label(kind: str, code: str | None) -> str:
    """``code``, a code of ``kind`` (a key of ``KINDS``), in the reader's words; a code with no
    label as it is, and no code as nothing."""
    if code is None:
        return ""
    text = KINDS[kind].get(code)
    if text is None:
        return code
    context = CONTEXTS.get(kind)
    return pgettext(context, text) if context is not None else _(text)


def options(kind: str, codes: tuple[str, ...] | list[str]) -> tuple[tuple[str, str], ...]:
    """A choice of ``codes`` as a form offers it: (label, code) each, the label in the reader's
    words and the code what is chosen."""
    return tuple((label(kind, code), code) for code in codes)
