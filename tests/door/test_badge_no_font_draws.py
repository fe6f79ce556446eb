"""A badge whose name no font on the machine draws prints (issue 60): the words in a script no
font here has are in Latin letters (badges.fonts.readable, as on the paper lists), the rest as
written, the ticket's QR unchanged, and `eventdesk badge` exits 0 saying so, with the font that
would print them as they are written. Before, the badge was refused (exit 2, nothing written).

The command runs as a station without a CJK font runs it: a real process whose fontconfig knows
one folder, holding one Latin font (tests/door/test_names_no_font_draws.py). On SQLite and
PostgreSQL."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from eventdesk.db import Store
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.tickets import Signer
from tests.door.test_names_no_font_draws import (  # noqa: F401 - latin_fonts_only: a fixture
    latin_fonts_only,
    pdf_rows,
    pytestmark,
    run,
)
from tests.helpers import add_type, make_event

SAID = (
    "'김민준' prints in Latin letters as 'GimMinJun': no font here draws 김 민 준; install Noto "
    "Sans CJK (Debian: fonts-noto-cjk) to print it as it is written"
)
COMPANY_SAID = (
    "'Acme 王 Works' prints in Latin letters as 'Acme Wang Works': no font here draws 王; "
    "install Noto Sans CJK (Debian: fonts-noto-cjk) to print it as it is written"
)


def test_a_badge_of_a_name_no_font_draws_prints_it_in_latin_letters_and_says_so(
    request: pytest.FixtureRequest, db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    latin_only: dict[str, str] = request.getfixturevalue("latin_fonts_only")
    slug = make_event(store, name="Badge Fair")
    add_type(store, slug, "Day", price_cents=0)
    email = "kim@badge-fair.example.org"
    attendees.add_attendee(store, name="김민준", email=email, company="Acme 王 Works")
    ticket = register(store, slug, email, "Day").tickets[0].ticket_id
    data = tmp_path / "data"

    path = tmp_path / "badge.pdf"
    out, _err = run(
        latin_only, db_url, data, "badge", ticket, "--format", "pdf", "--output", str(path)
    )
    assert SAID in out.splitlines() and COMPANY_SAID in out.splitlines()
    rows = [row.strip() for row in pdf_rows(path) if row.strip()]
    assert rows[:2] == ["GimMinJun", "Acme Wang Works"], rows  # the rest of the words as written

    out, _err = run(latin_only, db_url, data, "--json", "badge", ticket, "--format", "png")
    made = json.loads(out)
    assert made["warnings"] == [SAID, COMPANY_SAID] and made["missing_glyphs"] == "김민준王"
    picture = Image.open(io.BytesIO(base64.b64decode(made["content"]))).convert("L")
    payload = show_ticket(store, ticket).qr_payload
    assert [found.text for found in zxingcpp.read_barcodes(picture)] == [payload]  # unchanged

    _out, err = run(latin_only, db_url, data, "badge", ticket, "--format", "zpl")
    assert err.splitlines() == [SAID, COMPANY_SAID]
