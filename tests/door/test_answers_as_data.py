"""A decision carries what it means as typed fields (money due, the desk, a badge queued, a
re-entry, a repaired line, what is wrong with a line, the list's rule and what would pass); the
words are made from them by their reader (the kiosk, the desk, the command line), never read
back out of a message or a flag's words."""

from __future__ import annotations

import ast
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventdesk.cli.common import scan_json
from eventdesk.db import Store
from eventdesk.i18n import _, speaking
from eventdesk.services.catalogue import events
from eventdesk.services.door import answer_words
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.list_changes import ListChange, create_list
from eventdesk.services.door.scan_result import (
    Day,
    Money,
    Names,
    ScanResult,
    Time,
    answer_json,
    from_answer,
    said,
    worded,
)
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
    assert bad.result == "invalid" and bad.problem == said("not an eventdesk ticket code")
    assert describe(bad).details == ("Not an eventdesk ticket code",)


def test_a_lists_refusal_names_its_rule_and_what_would_pass(store: Store, signer: Signer) -> None:
    ev = _event(store)
    create_list(store, ev, ListChange(name="Lounge", ticket_types=["Paid"]))
    refused = Checkin(store, station="Lounge door", event=ev, checkin_list="lounge").scan(
        _payload(store, ev), now=DURING
    )
    assert (refused.result, refused.list, refused.rule) == ("wrong_type", "lounge", "ticket_types")
    assert refused.would_pass is not None and refused.would_pass.words() == "Paid only."
    assert not refused.see_desk


def test_the_json_of_an_answer_keeps_its_words_where_scripts_read_them(
    store: Store, signer: Signer
) -> None:
    """`checkin --json` says what the door told in words (its reader's): `message`,
    `would_pass` and `problem` stay strings, as scripts have always read them."""
    ev = _event(store)
    create_list(store, ev, ListChange(name="Lounge", ticket_types=["Paid"]))
    door = Checkin(store, station="Lounge door", event=ev, checkin_list="lounge")
    refused = scan_json(door.scan(_payload(store, ev), now=DURING))
    bad = scan_json(door.scan("not a ticket at all", now=DURING))
    assert (refused["would_pass"], refused["message"]) == ("Paid only.", "Lounge: Paid only.")
    assert bad["problem"] == "not an eventdesk ticket code"
    assert bad["message"] == "Not a valid ticket: not an eventdesk ticket code"
    assert "said" not in refused and json.loads(json.dumps(bad)) == bad


def test_a_kiosk_sends_to_the_desk_by_a_field(store: Store, signer: Signer) -> None:
    ev = make_event(store, starts="2030-06-01T09:00Z", ends="2030-06-01T18:00Z")
    add_type(store, ev, "Checked", price_cents=0, needs_staff=True)
    result = Checkin(store, station="Kiosk 1", self_service=True).scan(
        _payload(store, ev, "Checked"), now=DURING
    )
    assert result.result == "needs_staff" and result.see_desk and result.due == 0


def test_the_door_words_nothing_its_reader_words_the_answer(store: Store, signer: Signer) -> None:
    """The same decisions made by a door speaking German and by one speaking English say the
    same thing, as data; each reader words them in its own language, also when the answer is
    given again to its nonce (kept in the scan log as data)."""
    ev = _event(store)
    early = DURING - timedelta(days=2)
    lines = [_payload(store, ev, "Paid"), _payload(store, ev), _payload(store, ev)]
    english_door = Checkin(store, station="Door 1")
    first = english_door.scan(lines[1], now=DURING)  # admitted: the next scan finds it in
    decided_in = {}
    for language, door in (("de", Checkin(store, station="Door 2")), ("en", english_door)):
        with speaking(language):
            decided_in[language] = [
                door.scan(lines[0], now=DURING),  # unpaid: an amount
                door.scan(lines[1], now=DURING),  # already in: a time and a station
                door.scan(lines[2], now=early),  # too early: a time in the event's zone
            ]
    for german, english in zip(decided_in["de"], decided_in["en"], strict=True):
        assert german.said == english.said and not german.said.worded
    unpaid, already, too_early = decided_in["de"]
    assert (unpaid.result, already.result, too_early.result) == (
        "unpaid",
        "already_checked_in",
        "not_yet_valid",
    )
    assert unpaid.message == "Not paid: 25.00 EUR due."  # read here, in English
    assert already.message.startswith("Already checked in at ") and "Door 1" in already.message
    assert too_early.message.startswith("Check-in opens at ")
    with speaking("de"):
        assert unpaid.message == _("Not paid: {amount} due.").format(amount=money_text(2500, "EUR"))
        assert unpaid.message != "Not paid: 25.00 EUR due."
        german_already = already.message
    assert german_already != already.message
    # Given again to its nonce, from the scan log: the same data, worded by its new reader.
    nonce = "words-at-the-edge"
    kept = english_door.scan(lines[0], now=DURING, nonce=nonce)
    with speaking("de"):
        again = Checkin(store, station="Door 2").scan(lines[0], now=DURING, nonce=nonce)
        assert again.replayed and again.said == kept.said
        assert again.message == unpaid.message != kept.said.text
    assert first.admitted


def test_what_a_door_tells_is_kept_as_data_with_every_kind_of_fact() -> None:
    """An answer's sentence and its facts (a nested sentence, a time in the event's zone, a
    day, an amount, names) go into the scan log and come back equal, worded the same."""
    day = DURING.date()
    told = said(
        "{list}: {refusal}",
        list="Lounge",
        refusal=said(
            "{a} {b} {c} {d} {e}",
            a=Time(DURING, "Europe/Berlin", "clock"),
            b=Day(day),
            c=Money(2500, "EUR"),
            d=Names(("VIP", Day(day + timedelta(days=1))), "or"),
            e=Time(None, None, none="never"),
        ),
    )
    result = ScanResult("closed", told, DURING, would_pass=worded("kept as it was worded"))
    again = from_answer(answer_json(result))
    assert (again.said, again.would_pass) == (result.said, result.would_pass)
    assert again.message == result.message
    assert again.message.startswith("Lounge: 12:00 ") and again.message.endswith(" never")
    assert "25.00 EUR" in again.message and " or " in again.message


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
