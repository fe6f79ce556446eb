"""A staff note is never printed (FEATURES.md: "staff notes never on the badge"): the badge of a
person with a note, whose order has one too, holds neither, as text, as a PDF (its text read
back with pdftotext) or on a sheet of the event's badges; nor does the badge a check-in
queues."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from badges.badge import load_badge
from eventdesk.db import Store
from eventdesk.services.people.attendees import add_attendee, set_attendee_note
from eventdesk.services.people.notes import set_order_note
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from tests.clitools import Cli
from tests.door.test_outage import SQLITE, backend_fixed
from tests.offline_tools import open_event

__all__ = ["backend_fixed"]  # a fixture
PERSON_NOTE = "Press escort to the press room"
ORDER_NOTE = "Paid by invoice collect PO"
pdftotext = shutil.which("pdftotext")


def pdf_text(path: Path) -> str:
    assert pdftotext is not None
    return subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def nowhere(*texts: str) -> None:
    """Neither note, nor a word of them longer than a few letters, in ``texts``."""
    flat = " ".join(" ".join(texts).split()).casefold()
    for note in (PERSON_NOTE, ORDER_NOTE):
        assert note.casefold() not in flat
        for word in note.split():
            if len(word) > 4:
                assert word.casefold() not in flat, word


@SQLITE
@pytest.mark.skipif(pdftotext is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_badge_never_prints_the_staff_notes(
    backend_fixed: None, cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    event = open_event(store, signer, 1)
    person = add_attendee(store, name="Nina Noted", email="nina@example.org", company="Acme")
    made = register(store, event.slug, person.id, "Regular")
    ticket = made.tickets[0].ticket_id
    set_attendee_note(store, person.id, PERSON_NOTE)
    set_order_note(store, made.tickets[0].order_id, ORDER_NOTE)

    badge = load_badge(store, ticket)
    assert badge.name == "Nina Noted"
    nowhere(repr(badge))
    text = cli.out("badge", ticket, "--format", "text")
    assert "NINA NOTED" in text.upper()
    nowhere(text)
    pdf = tmp_path / "badge.pdf"
    cli.json("badge", ticket, "--format", "pdf", "--output", str(pdf))
    read = pdf_text(pdf)
    assert "Nina" in read and "Acme" in read
    nowhere(read)
    sheet = tmp_path / "sheet.pdf"
    cli.json("badge", "sheet", event.slug, "--stock", "avery-l7418", "--output", str(sheet))
    read = pdf_text(sheet)
    assert "Nina" in read
    nowhere(read)

    # The badge a check-in queues (a text printer: the file it writes).
    answer = cli.json("checkin", "--event", event.slug, "--print", signer.payload(ticket))
    assert answer["note"] == PERSON_NOTE and answer["order_note"] == ORDER_NOTE
    printed = list((cli.data_dir / "badges").glob(f"{ticket}*"))
    assert printed
    nowhere(*(p.read_text(encoding="utf-8") for p in printed))
