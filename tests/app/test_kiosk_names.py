"""The kiosk's large letters never show a name as boxes: a name in a script no font on this
machine draws is drawn in Latin letters (badges.fonts.readable: anyascii's spelling), while the line
under the letters keeps it as it is written, for a terminal that has the font. Before, it was
drawn in the first font, as empty boxes (김민준 on a machine without a CJK font)."""

from __future__ import annotations

import pytest
from PIL import ImageChops

from badges.fonts import uncovered
from eventdesk.services.catalogue.program import list_ticket_types
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register, show_ticket
from eventdesk.transliteration import latin
from screens.kiosk.answer import Sign, SignText, draw_sign
from screens.kiosk.picture import pixels_per_cell
from screens.messages import ScanDecided
from tests.app.test_app_kiosk import answered, hook, kiosk_app, scan_with_wedge, started
from tests.apptools import DemoStation, wait_for

# Letters of scripts anyascii spells in Latin letters that few machines carry a font for
# (Vithkuqi, Toto, Dives Akuru: Unicode 13 and 14; Ethiopic Extended-B).
SPELLED_RARELY = (
    "\U00010570\U00010571\U00010572",
    "\U0001e290\U0001e291",
    "\U00011900\U00011901",
    "\U0001e7e0\U0001e7e1",
)


def a_name_no_font_draws() -> tuple[str, str]:
    """A name with a part no font here draws, and the name as the kiosk should draw it: its
    Latin letters in place of that part. Skips where every such script has a font here."""
    for letters in SPELLED_RARELY:
        spelled = latin(letters)
        if uncovered(letters) == letters and spelled.isascii() and spelled.isalpha():
            return f"Vera {letters}", f"Vera {spelled}"
    pytest.skip("every rare script here has a font: no name is left that would draw as boxes")


@pytest.mark.asyncio
async def test_a_name_no_font_draws_is_shown_in_latin_letters(station: DemoStation) -> None:
    name, shown = a_name_no_font_draws()
    store, event = station.store, station.summary.event
    kind = next(k for k in list_ticket_types(store, event) if not k.needs_staff)
    email = "kiosk-names-latin@example.org"
    attendees.add_attendee(store, name=name, email=email)
    ticket = show_ticket(store, register(store, event, email, kind.name).tickets[0].ticket_id)
    assert ticket.qr_payload
    decisions: list[ScanDecided] = []
    app = kiosk_app(station)
    async with app.run_test(size=(120, 40), message_hook=hook((ScanDecided,), decisions)) as pilot:
        await started(app, pilot)
        await scan_with_wedge(pilot, ticket.qr_payload)
        panel = await answered(pilot, decisions, 1)
        sign = app.screen.query_one("#answer-sign", Sign)
        await wait_for(lambda: sign.drawn is not None and sign.text is not None, pilot)
        assert sign.drawn is not None and sign.text is not None
        assert sign.text.name == name  # the answer's name, as it is written
        assert name in panel.plain()  # the line under the letters: for a terminal's own font
        # The letters are the Latin form's, pixel for pixel: no box of a missing letter.
        latin_sign = SignText(sign.text.icon, sign.text.word, shown, sign.text.instruction)
        cells_w, cells_h = sign.content_size
        per_w, per_h = pixels_per_cell()
        background, ink = sign.colours
        expected, lines = draw_sign(
            latin_sign, cells_w * per_w, cells_h * per_h, background=background, ink=ink
        )
        assert shown in lines
        assert ImageChops.difference(sign.drawn, expected).getbbox() is None
        assert shown in sign.lines and name not in sign.lines
