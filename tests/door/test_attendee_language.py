"""A person's own language: kept with their registration (`attendee add --language`, an import's
language column), read by every door (the server, a station's own login, its offline mirror),
and the kiosk's decision worded in it while the desk's stays in the station's language."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _, speaking
from eventdesk.services.data.csvio import import_attendees
from eventdesk.services.door.answer_words import sentence
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people.attendees import add_attendee, show_attendee, update_attendee
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.tickets import Signer
from eventdesk.values import money_text, utcnow
from tests.helpers import add_type, make_event


def _event_now(store: Store) -> str:
    now = utcnow()
    event = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, event, "Regular", price_cents=2500)
    return event


def _unpaid_payload(store: Store, event: str, email: str) -> str:
    ticket = register(store, event, email, "Regular").tickets[0]
    payload = show_ticket(store, ticket.ticket_id).qr_payload
    assert payload is not None
    return payload


def test_the_kiosk_words_a_decision_in_the_holders_language_and_the_desk_in_its_own(
    store: Store, signer: Signer
) -> None:
    event = _event_now(store)
    anna = add_attendee(store, name="Anna Weber", email="anna@example.de", language="de-DE")
    assert anna.language == "de" and show_attendee(store, anna.id).language == "de"
    payload = _unpaid_payload(store, event, anna.email)

    kiosk = Checkin(store, station="Kiosk 1", self_service=True).scan(payload)
    desk = Checkin(store, station="Desk 1").scan(payload)
    assert kiosk.result == desk.result == "unpaid"
    assert kiosk.language == desk.language == "de"
    assert desk.message.startswith("Not paid")  # the station speaks English
    with speaking("de"):  # the sentence and its amount as German writes them
        german = _("Not paid: {amount} due.")
        owed = money_text(2500, "EUR")
    assert german != "Not paid: {amount} due." and owed != "25.00 EUR"
    # The door words nothing: both answers say the same, worded by their reader (the kiosk
    # speaks its holder's language, screens/kiosk/screen.py's show_answer).
    assert kiosk.said == desk.said
    with speaking(kiosk.language):
        assert kiosk.message == german.format(amount=owed)
    assert desk.message == "Not paid: 25.00 EUR due."
    # What it means is data, the same on both: the money due, and that the desk takes it.
    for said in (kiosk, desk):
        assert (said.due, said.currency, said.see_desk) == (2500, "EUR", True)
    assert sentence(desk) == "Not paid: 25.00 EUR due. Please see the desk."

    # Someone with no language of their own is answered in the station's.
    bert = add_attendee(store, name="Bert Roe", email="bert@example.com")
    plain = Checkin(store, station="Kiosk 1", self_service=True).scan(
        _unpaid_payload(store, event, bert.email)
    )
    assert plain.language is None and plain.message.startswith("Not paid")


def test_a_language_is_a_catalogues_code_and_can_be_cleared(store: Store) -> None:
    with pytest.raises(InvalidInput, match="'klingon'"):
        add_attendee(store, name="Kor", email="kor@example.com", language="klingon")
    person = add_attendee(store, name="Cara Diaz", email="cara@example.es", language="es")
    assert update_attendee(store, person.id, language="fr").language == "fr"
    assert update_attendee(store, person.id, name="Cara Díaz").language == "fr"  # kept
    assert update_attendee(store, person.id, language="").language is None


def test_an_import_reads_a_language_column_by_code_or_by_name(store: Store, tmp_path: Path) -> None:
    event = _event_now(store)
    sheet = tmp_path / "people.csv"
    sheet.write_text(
        "Name,Email,Sprache\n"
        "Ada Lang,ada@example.com,de\n"
        "Ben Lang,ben@example.com,French\n"
        "Cy Lang,cy@example.com,Español\n"
        "Di Lang,di@example.com,\n"
        "Ed Lang,ed@example.com,Klingon\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as refused:  # all or nothing: the bad row is named
        import_attendees(store, sheet, event)
    assert "row 6 (language)" in refused.value.message
    assert "'Klingon'" in refused.value.message
    lines = sheet.read_text(encoding="utf-8").splitlines()
    sheet.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    import_attendees(store, sheet, event)
    from eventdesk.services.people.attendees import find_attendees

    spoken = {a.email: show_attendee(store, a.id).language for a in find_attendees(store, "lang")}
    assert spoken == {
        "ada@example.com": "de",
        "ben@example.com": "fr",
        "cy@example.com": "es",
        "di@example.com": None,
    }
