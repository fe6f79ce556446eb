"""What a file written for the organizer holds, said as it is written (the organizer's app: the
door list, the badge sheets, the CSV exports): whose personal data is in it, and that it is to
be kept safe and deleted after the event. The file goes where the organizer chose, 0600
(eventdesk.private.private_file)."""

from __future__ import annotations

from eventdesk.i18n import _, ngettext


def door_list_holds(people: int) -> str:
    return ngettext(
        "It holds the names, ticket ids and staff notes of {count} person: keep it safe, and "
        "delete it after the event.",
        "It holds the names, ticket ids and staff notes of {count} people: keep it safe, and "
        "delete it after the event.",
        people,
    ).format(count=people)


def sheet_holds(badges: int) -> str:
    return ngettext(
        "It holds {count} badge, with a name and a QR code that lets its ticket in: keep it "
        "safe, and delete it after the event.",
        "It holds {count} badges, each with a name and a QR code that lets its ticket in: keep "
        "it safe, and delete it after the event.",
        badges,
    ).format(count=badges)


def export_holds(kind: str, rows: int) -> str:
    """What a CSV export of ``kind`` (csvexport.EXPORTS) with ``rows`` rows holds."""
    if kind == "attendees":
        said = ngettext(
            "It holds the names, e-mail addresses, phone numbers, companies and answers of the "
            "holders of {count} ticket: keep it safe, and delete it after the event.",
            "It holds the names, e-mail addresses, phone numbers, companies and answers of the "
            "holders of {count} tickets: keep it safe, and delete it after the event.",
            rows,
        )
    elif kind == "checkins":
        said = ngettext(
            "It holds the names, e-mail addresses and answers of {count} admission: keep it "
            "safe, and delete it after the event.",
            "It holds the names, e-mail addresses and answers of {count} admissions: keep it "
            "safe, and delete it after the event.",
            rows,
        )
    elif kind == "scans":
        said = ngettext(
            "It holds {count} scan, with the ticket code read (a code lets its ticket in) and "
            "who scanned it: keep it safe, and delete it after the event.",
            "It holds {count} scans, with the ticket codes read (a code lets its ticket in) and "
            "who scanned them: keep it safe, and delete it after the event.",
            rows,
        )
    elif kind == "payments":
        said = ngettext(
            "It holds the names, amounts and references of {count} payment: keep it safe, and "
            "delete it after the event.",
            "It holds the names, amounts and references of {count} payments: keep it safe, and "
            "delete it after the event.",
            rows,
        )
    else:
        said = _("Keep it safe, and delete it after the event.")
    return said.format(count=rows)
