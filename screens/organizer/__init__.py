"""The organizer mode: a tab per kind of record, a module per tab (events, program: sessions
and ticket types, venues, attendees, payments, waitlist, staff, lists, badges, data, and the
stations' logins on a server), the screen that holds them (``screen``), what they share
(``base``) and their form (``forms``)."""

from __future__ import annotations

from screens.organizer.forms import FormScreen
from screens.organizer.screen import OrganizerScreen

__all__ = ["FormScreen", "OrganizerScreen"]
