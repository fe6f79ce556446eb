"""Codes a person reads are shown in their words (eventdesk.labels): with `--lang de` a table
says an event's status, a ticket's and a staff account's role in German, while `--json` keeps
the codes as they are, and English reads them as it always did."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

from devices.capture import CaptureState
from eventdesk.grants import KINDS as STATION_KINDS
from eventdesk.i18n import _, pgettext, speaking
from eventdesk.labels import KINDS, label, options
from eventdesk.models import JobState, PaymentKind, PaymentMethod, PaymentStatus, TicketStatus
from eventdesk.services.catalogue.events import UNPAID_POLICIES, VISIBILITIES
from eventdesk.services.data.csvexport import EXPORTS
from eventdesk.services.door.badge_only import AGAIN_REASON, FIRST_REASON
from eventdesk.services.door.lists import ENTRIES
from eventdesk.services.door.printing import STATES
from eventdesk.services.door.scan_result import RESULTS, Direction
from eventdesk.services.people.auth import ROLES
from eventdesk.values import utcnow
from tests.clitools import Cli

NOW = utcnow().replace(second=0, microsecond=0)


def _event(cli: Cli) -> str:
    made = cli.json(
        "event",
        "create",
        "--name",
        "Etiketten Abend",
        "--starts",
        (NOW + timedelta(days=1)).isoformat(),
        "--ends",
        (NOW + timedelta(days=1, hours=8)).isoformat(),
    )
    cli.json("ticket-type", "add", made["slug"], "--name", "Regular", "--price", "0")
    return str(made["slug"])


def _row(text: str, first: str) -> list[str]:
    """The cells of the table row of ``text`` that starts with ``first``."""
    for line in text.splitlines():
        if line.startswith(first + " "):
            return line.split()
    raise AssertionError(f"no row {first!r} in:\n{text}")


def test_event_and_ticket_show_their_status_in_the_language_and_json_keeps_the_code(
    cli: Cli,
) -> None:
    slug = _event(cli)
    with speaking("de"):
        scheduled = pgettext("event status", "scheduled")
        registered = _("registered")
    assert scheduled != "scheduled" and registered != "registered"

    german = cli.out("--lang", "de", "event", "list")
    assert scheduled in _row(german, "1"), german
    assert "scheduled" in _row(cli.out("event", "list"), "1")  # English: as before
    assert [e["status"] for e in cli.json("--lang", "de", "event", "list")] == ["scheduled"]

    cli.json("attendee", "add", "--name", "Ada Lovelace", "--email", "ada@example.com")
    order = cli.json("register", slug, "--attendee", "ada@example.com", "--ticket-type", "Regular")
    ticket = order["ticket_id"]
    said = cli.out("--lang", "de", "ticket", "show", ticket).splitlines()[0]
    assert registered in said.split() and "registered" not in said, said
    assert f"ticket {ticket}  registered  Regular  {slug}" in cli.out("ticket", "show", ticket)
    assert cli.json("--lang", "de", "ticket", "show", ticket)["status"] == "registered"


def test_staff_list_shows_the_roles_in_the_language_and_json_keeps_the_codes(cli: Cli) -> None:
    cli.json("staff", "add", "--name", "Ada", "--role", "organizer", "--pin", "4321")
    cli.json("staff", "add", "--name", "Ben", "--role", "staff", "--pin", "4321")
    with speaking("de"):
        organizer, staff = _("organizer"), _("staff")
    assert (organizer, staff) != ("organizer", "staff")

    german = cli.out("--lang", "de", "staff", "list")
    assert _row(german, "1")[2] == organizer and _row(german, "2")[2] == staff, german
    english = cli.out("staff", "list")
    assert _row(english, "1")[2] == "organizer" and _row(english, "2")[2] == "staff"
    listed = cli.json("--lang", "de", "staff", "list")
    assert [s["role"] for s in listed] == ["organizer", "staff"]


def test_a_code_with_no_label_is_shown_as_it_is() -> None:
    for language in ("en", "de", "fr", "es"):
        with speaking(language):
            assert label("ticket_status", "lost_in_transit") == "lost_in_transit"
            assert label("payment_method", "") == ""
            assert label("staff_role", None) == ""
    with speaking("de"):
        assert label("ticket_status", "cancelled") == _("cancelled") != "cancelled"
        assert options("visibility", ["public"]) == ((_("public"), "public"),)


def test_every_code_the_program_has_has_a_label_that_english_reads_as_before() -> None:
    codes = {
        "ticket_status": get_args(TicketStatus),
        "event_status": ("scheduled", "cancelled"),
        "visibility": VISIBILITIES,
        "unpaid_policy": UNPAID_POLICIES,
        "entries": ENTRIES,
        "payment_kind": get_args(PaymentKind),
        "payment_method": get_args(PaymentMethod),
        "payment_status": get_args(PaymentStatus),
        "staff_role": ROLES,
        "scan_result": (*RESULTS, "conflict", "override"),
        "camera_state": (*CaptureState, "check-in failed"),
        "direction": get_args(Direction),
        "print_state": (*get_args(JobState), *STATES),
        "print_reason": ("checkin", "reprint", "manual", FIRST_REASON, AGAIN_REASON),
        "export": EXPORTS,
        "station_kind": STATION_KINDS,
    }
    reports = {"report_column", "report_section"}  # a report's words, not a stored code's
    assert set(codes) == set(KINDS) - reports
    for kind, known in codes.items():
        assert set(known) == set(KINDS[kind]), kind
    with speaking("en"):
        # English shows the codes as it did (a scan's result with spaces, as the stats did)
        for kind in set(KINDS) - {"entries"} - reports:
            for code in KINDS[kind]:
                assert label(kind, code) == code.replace("_", " "), (kind, code)
        assert [label("entries", c) for c in ENTRIES] == [
            "once",
            "once a day",
            "unlimited, an exit between",
        ]
