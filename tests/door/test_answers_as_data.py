"""A decision carries what it means as typed fields (money due, the desk, a badge queued, a
re-entry, a repaired line, what is wrong with a line, the list's rule and what would pass); the
words are made from them by their reader (the kiosk, the desk, the command line), never read
back out of a message or a flag's words."""

from __future__ import annotations

import ast
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventdesk.db import Store
from eventdesk.i18n import _, speaking
from eventdesk.services.catalogue import events
from eventdesk.services.door import answer_words
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.lists import ListChange, create_list
from eventdesk.services.door.scan_result import ScanResult, from_answer
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.tickets import Signer
from eventdesk.values import money_text
from screens.kiosk.answer import describe
from tests.helpers import add_type, make_event, people

ROOT = Path(__file__).resolve().parents[2]
DURING = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)  # the test events run 2030-06-01 09:00-18:00 UTC
_person = itertools.count(1)


def _event(store: Store, **kwargs: object) -> str:
    ev = make_event(store, starts="2030-06-01T09:00Z", ends="2030-06-01T18:00Z", **kwargs)
    add_type(store, ev, "Regular", price_cents=0)
    add_type(store, ev, "Paid", price_cents=2500)
    return ev


def _payload(store: Store, ev: str, ticket_type: str = "Regular") -> str:
    email = people(store, 1, prefix=f"d{next(_person)}x")[0]
    ticket = register(store, ev, email, ticket_type).tickets[0]
    payload = show_ticket(store, ticket.ticket_id).qr_payload
    assert payload is not None
    return payload


def test_money_due_and_the_desk_are_fields_not_words(store: Store, signer: Signer) -> None:
    ev = _event(store)
    payload = _payload(store, ev, "Paid")
    refused = Checkin(store, station="Door 1").scan(payload, now=DURING)
    assert (refused.result, refused.due, refused.currency, refused.see_desk) == (
        "unpaid",
        2500,
        "EUR",
        True,
    )
    # The message says why; where to go is the reader's to say, once.
    assert refused.message == "Not paid: 25.00 EUR due."
    assert answer_words.sentence(refused) == "Not paid: 25.00 EUR due. Please see the desk."
    assert answer_words.flag_codes(refused) == []  # nothing to collect from a person kept out

    events.update_event(store, ev, unpaid_policy="admit")
    admitted = Checkin(store, station="Door 1", print_to="Badges").scan(payload, now=DURING)
    assert admitted.result == "ok" and (admitted.due, admitted.see_desk) == (2500, True)
    assert admitted.badge_queued and not admitted.reentry
    assert answer_words.flag_codes(admitted) == ["unpaid: collect 25.00 EUR", "badge queued"]
    # The kiosk says the amount in the attendee's own writing, from the field.
    with speaking("de"):
        owed = money_text(2500, "EUR")
        said = describe(admitted)
        pay = _("Please pay {amount} at the desk").format(amount=owed)
    assert owed != "25.00 EUR" and said.instruction == pay


def test_a_re_entry_a_repaired_line_and_a_bad_line_are_fields(store: Store, signer: Signer) -> None:
    ev = _event(store, allow_reentry=True)
    payload = _payload(store, ev)
    door = Checkin(store, station="Door 1")
    assert door.scan(payload, now=DURING).reentry is False
    assert door.scan(payload, direction="exit", now=DURING + timedelta(hours=1)).admitted
    back = door.scan(payload, now=DURING + timedelta(hours=2))
    assert back.result == "ok" and back.reentry and not back.badge_queued
    assert back.message == f"Welcome back, {back.attendee}."  # once, not a welcome wrapped
    assert describe(back).word == "Welcome back"
    assert answer_words.flag_codes(back) == ["re-entry"]

    typed = _payload(store, ev).swapcase()  # through Caps Lock: repaired
    repaired = door.scan(typed, now=DURING)
    assert repaired.result == "ok" and repaired.repaired == "Caps Lock on"
    assert answer_words.flag_codes(repaired) == ["repaired: Caps Lock on"]

    bad = door.scan("not a ticket at all", now=DURING)
    assert bad.result == "invalid" and bad.problem == "not an eventdesk ticket code"
    assert describe(bad).details == ("Not an eventdesk ticket code",)


def test_a_lists_refusal_names_its_rule_and_what_would_pass(store: Store, signer: Signer) -> None:
    ev = _event(store)
    create_list(store, ev, ListChange(name="Lounge", ticket_types=["Paid"]))
    refused = Checkin(store, station="Lounge door", event=ev, checkin_list="lounge").scan(
        _payload(store, ev), now=DURING
    )
    assert (refused.result, refused.list, refused.rule) == ("wrong_type", "lounge", "ticket_types")
    assert refused.would_pass == "Paid only." and not refused.see_desk


def test_a_kiosk_sends_to_the_desk_by_a_field(store: Store, signer: Signer) -> None:
    ev = make_event(store, starts="2030-06-01T09:00Z", ends="2030-06-01T18:00Z")
    add_type(store, ev, "Checked", price_cents=0, needs_staff=True)
    result = Checkin(store, station="Kiosk 1", self_service=True).scan(
        _payload(store, ev, "Checked"), now=DURING
    )
    assert result.result == "needs_staff" and result.see_desk and result.due == 0


def test_an_answer_kept_with_flags_replays_with_fields() -> None:
    """A nonce's answer logged before the fields were typed comes back with them."""
    kept = (
        '{"result": "ok", "message": "Welcome back, Ana (Paid).",'
        ' "at": "2030-06-01T10:00:00+00:00",'
        ' "flags": ["unpaid: collect 25.00 EUR", "re-entry", "repaired: Caps Lock on"]}'
    )
    again = from_answer(kept)
    assert again.replayed and again.reentry and not again.badge_queued
    assert (again.due, again.currency, again.see_desk, again.repaired) == (
        2500,
        "EUR",
        True,
        "Caps Lock on",
    )
    assert answer_words.flag_codes(again) == [
        "unpaid: collect 25.00 EUR",
        "re-entry",
        "repaired: Caps Lock on",
    ]


def _reads_flags_or_parses_messages(path: Path) -> list[str]:
    """Where a file reads a decision's flags, or takes a decision's message apart."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "flags"
            and not (isinstance(node.value, ast.Name) and node.value.id == "self")
        ):
            found.append(f"{path}:{node.lineno} reads .flags")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"replace", "removeprefix", "removesuffix", "split"}
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "message"
        ):
            found.append(f"{path}:{node.lineno} takes a message apart")
    return found


def test_no_reader_parses_a_message_or_reads_a_flag() -> None:
    readers = [
        *sorted((ROOT / "screens").rglob("*.py")),
        *sorted((ROOT / "devices").rglob("*.py")),
        *sorted((ROOT / "eventdesk" / "cli").rglob("*.py")),
        *sorted((ROOT / "eventdesk" / "services").rglob("*.py")),
    ]
    assert len(readers) > 50
    found = [where for path in readers for where in _reads_flags_or_parses_messages(path)]
    assert found == []
    assert "flags" not in ScanResult.__dataclass_fields__


def test_the_guard_finds_a_flag_read(tmp_path: Path) -> None:
    planted = tmp_path / "reader.py"
    planted.write_text(
        "def said(result):\n"
        '    return "badge queued" in result.flags, result.message.replace("a", "")\n',
        encoding="utf-8",
    )
    assert len(_reads_flags_or_parses_messages(planted)) == 2
