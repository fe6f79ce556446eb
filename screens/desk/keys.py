"""The desk's keys (its key bar): each with its id, gated by the desk's check_action."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from eventdesk.i18n import N_

DESK_KEYS: list[BindingType] = [
    # TRANSLATORS: a key of the desk (the key bar): check the chosen ticket in
    Binding("ctrl+k", "check_in", N_("Check in"), id="desk.check-in", priority=True),
    # TRANSLATORS: a key of the desk: undo the check-in
    Binding("ctrl+u", "undo", N_("Undo"), id="desk.undo", priority=True),
    # TRANSLATORS: a key of the desk: print the badge again
    Binding("ctrl+r", "reprint", N_("Reprint"), id="desk.reprint", priority=True),
    # TRANSLATORS: a key of the desk: take a payment
    Binding("ctrl+p", "pay", N_("Pay"), id="desk.pay", priority=True),
    # TRANSLATORS: a key of the desk: register someone who came without a ticket
    Binding("ctrl+n", "walk_in", N_("Walk-in"), id="desk.walk-in", priority=True),
    # TRANSLATORS: a key of the desk: cancel the ticket
    Binding("ctrl+x", "cancel_ticket", N_("Cancel ticket"), id="desk.cancel", priority=True),
    # TRANSLATORS: a key of the desk: give a waitlisted ticket a place
    Binding("ctrl+w", "promote", N_("Promote"), id="desk.promote", priority=True),
    # TRANSLATORS: a key of the desk: add a session to the ticket, or take one off
    Binding("ctrl+t", "sessions", N_("Sessions"), id="desk.sessions", priority=True),
    # TRANSLATORS: a key of the desk: the shorter name printed on the person's badges
    Binding("ctrl+g", "badge_name", N_("Badge name"), id="desk.badge-name", priority=True),
    # TRANSLATORS: a key of the desk: the staff's note on the person and their order
    Binding("ctrl+l", "note", N_("Note"), id="desk.note", priority=True),
    # TRANSLATORS: a key of the desk: an answer that asked something (a VIP's lanyard,
    # money to collect, see the desk) has been seen to
    Binding("ctrl+o", "seen", N_("Seen"), id="desk.seen", priority=True),
    # TRANSLATORS: a key of the desk: a supervisor admits the person the door refused
    Binding("ctrl+y", "override", N_("Override"), id="desk.override", priority=True),
    # TRANSLATORS: a key of the desk: enter the ticks of the paper door list by ticket id
    Binding("ctrl+b", "paper_ticks", N_("Paper ticks"), id="desk.paper-ticks", priority=True),
    Binding("ctrl+f", "focus_search", N_("Search"), id="desk.search", show=False),
    Binding("escape", "clear_search", N_("Clear search"), id="desk.clear-search", show=False),
    # TRANSLATORS: a key of the desk: go to the field a scanner types into
    Binding("ctrl+s", "focus_scan", N_("Scan field"), id="desk.scan"),
    # An exit gate: the desk's scans and Check in let people out (events with re-entry).
    # TRANSLATORS: a key of the desk: scans let people out (and back: in)
    Binding("ctrl+e", "exit_mode", N_("Exit mode"), id="desk.exit-mode", priority=True),
    # A scanner may end a scan with Tab; a fast typist's Tab goes to the results table.
    Binding("tab", "tab", N_("Next"), id="desk.tab", show=False, priority=True),
]
