"""Names in any script on the terminal screens: Arabic and Hebrew in the order they are read (the
terminal draws cells left to right, and joins no Arabic letters), Chinese and Japanese two cells
a character without pushing the columns after them out of line."""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len

from eventdesk.services.people.attendees import add_attendee
from screens.desk.results import ResultsTable
from screens.terminal import fit, for_screen
from tests.app.test_app_desk import desk_app, opened, search_for
from tests.apptools import DemoStation

HEBREW = "שרה כהן"  # Sarah Cohen, as typed: first letter first
ARABIC = "سارة أحمد"  # Sara Ahmed
JAPANESE = "山田太郎"
LONG_HEBREW = "שרה " + "כהן־לוי־אברהמי־רוזנטל־גולדשטיין־" * 2  # longer than the column


def test_right_to_left_names_are_put_in_the_order_they_are_read() -> None:
    assert for_screen(HEBREW) == "ןהכ הרש"  # the first letter is drawn rightmost
    assert for_screen("Anna " + HEBREW) == "Anna ןהכ הרש"  # a Latin run keeps its place
    shown = for_screen(ARABIC)
    assert len(shown) == len(ARABIC)
    # Joined forms (the presentation block) in reverse order: the first letter, seen
    # (U+0633), is drawn rightmost in its initial form (U+FEB3).
    assert shown[-1] == "\ufeb3" and all("\ufe70" <= c <= "\ufeff" or c == " " for c in shown)
    assert for_screen("Zoë Müller") == "Zoë Müller" and for_screen(None) == ""
    assert for_screen(JAPANESE) == JAPANESE


def test_a_wide_name_is_cut_by_cells_not_by_characters() -> None:
    assert cell_len(JAPANESE) == 8
    assert fit(JAPANESE, 8) == JAPANESE
    assert fit(JAPANESE + "さん", 9) == "山田太郎…" and cell_len(fit(JAPANESE + "さん", 9)) == 9
    assert fit("Alexandra", 5) == "Alex…"


def _table_lines(table: ResultsTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.row_count + 1)]


@pytest.mark.asyncio
async def test_the_desk_lists_names_in_any_script_with_the_columns_in_line(
    station: DemoStation,
) -> None:
    company = "Zyxwv Labs"
    people = [
        ("Zoë Müller", "zoe@example.com"),
        (HEBREW, "sarah@example.com"),
        (ARABIC, "sara@example.com"),
        (JAPANESE, "taro@example.com"),
        (LONG_HEBREW, "long@example.com"),
    ]
    for name, email in people:
        add_attendee(station.store, name=name, email=email, company=company)
    app = desk_app(station)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(app, pilot)
        await search_for(pilot, screen, "zyxwv")
        table = screen.query_one("#results", ResultsTable)
        assert table.row_count == len(people)
        lines = _table_lines(table)[1:]
        starts = {cell_len(line[: line.index(company)]) for line in lines}
        assert len(starts) == 1, lines  # the company column starts in the same cell on every row
        emails: dict[str, Any] = {}
        for index in range(table.row_count):
            name, _status, _company, email = (str(cell) for cell in table.get_row_at(index))
            emails[email] = name
        assert emails["sarah@example.com"] == for_screen(HEBREW)
        assert emails["sara@example.com"] == for_screen(ARABIC)
        assert emails["taro@example.com"] == JAPANESE
        # Cut where it ends, then put in display order: its first word, drawn rightmost, stays.
        long_cell = emails["long@example.com"]
        assert long_cell.startswith("…") and long_cell.endswith(for_screen("שרה"))
