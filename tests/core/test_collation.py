"""Names sorted by the Unicode collation algorithm, by family name, in the reader's language
(issue 44, item 4): not by code point, where Ångström and Nguyễn came after "Two"."""

from __future__ import annotations

import pytest

from eventdesk.collation import (
    family_name,
    language_code,
    name_key,
    sort_key,
    sorting_in,
    tailoring,
)
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.i18n import speaking

NAMES = [
    "Zoe Zimmermann",
    "Anders Ångström",
    "Lan Nguyễn",
    "Peter Øster",
    "Jana Müller",
    "Ada Two",
    "Inés Ñúñez",
    "Karin Nyberg",
    "Eva Ärlig",
    "Olof Öberg",
]
# DUCET: accents are second to the letters (Å with A, Ø with O, Ñ with N).
ROOT_ORDER = [
    "Ångström", "Ärlig", "Müller", "Nguyễn", "Ñúñez", "Nyberg", "Öberg", "Øster", "Two",
    "Zimmermann",
]  # fmt: skip
EXPECTED = {
    "en": ROOT_ORDER,
    "de": ROOT_ORDER,  # German sorts ä ö ü with a o u, as DUCET does
    # Swedish: å ä ö are letters after z; ø sorts with ö
    "sv": ["Müller", "Nguyễn", "Ñúñez", "Nyberg", "Two", "Zimmermann", "Ångström", "Ärlig",
           "Öberg", "Øster"],
    # Spanish: ñ is a letter after n
    "es": ["Ångström", "Ärlig", "Müller", "Nguyễn", "Nyberg", "Ñúñez", "Öberg", "Øster", "Two",
           "Zimmermann"],
    # Danish: æ ø å after z; ä with æ, ö with ø
    "da": ["Müller", "Nguyễn", "Ñúñez", "Nyberg", "Two", "Zimmermann", "Ärlig", "Öberg",
           "Øster", "Ångström"],
}  # fmt: skip


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_names_sort_by_family_name_in_each_languages_order(lang: str) -> None:
    ordered = sorted(NAMES, key=lambda name: name_key(name, lang))
    assert [family_name(name) for name in ordered] == EXPECTED[lang]


def test_code_point_order_was_wrong_and_case_and_accents_only_break_ties() -> None:
    assert sorted(["Two", "Ångström"]) == ["Two", "Ångström"]  # what sorted() did
    assert sorted(["Two", "Ångström"], key=lambda n: sort_key(n, "en")) == ["Ångström", "Two"]
    words = ["muller", "Müller", "Muller", "müller"]
    assert sorted(words, key=lambda w: sort_key(w, "de")) == [
        "muller",
        "Muller",
        "müller",
        "Müller",
    ]
    # A region takes its language's order; a language without a tailoring sorts by DUCET.
    assert (tailoring("sv_SE"), tailoring("es-MX"), tailoring("fr"), tailoring(None)) == (
        "sv",
        "es",
        "root",
        "root",
    )


def test_the_family_name_is_the_last_word_or_the_first_in_cjk() -> None:
    assert family_name("Ana María López") == "López"
    assert family_name("Maximiliane von Hohenzollern-Sigmaringen") == "Hohenzollern-Sigmaringen"
    assert family_name("山田 太郎") == "山田"
    assert family_name("김 민준") == "김"
    assert family_name("Madonna") == "Madonna" and family_name("  ") == ""


def test_the_sort_language_is_the_one_chosen_else_the_one_spoken() -> None:
    names = ["Ada Two", "Anders Ångström"]
    with speaking("de"):
        assert sorted(names, key=name_key)[0] == "Anders Ångström"
        with sorting_in("sv") as order:
            assert order == "sv" and sorted(names, key=name_key)[0] == "Ada Two"
        assert sorted(names, key=name_key)[0] == "Anders Ångström"
    assert language_code("sv-SE") == "sv" and language_code("nb") == "nb"
    for bad in ("xx", "", "sv!"):
        with pytest.raises(InvalidInput, match="no language"):
            language_code(bad)


def test_a_sheet_and_the_no_shows_list_sort_in_the_language(store: Store) -> None:
    from eventdesk.services.catalogue.badge_layouts import badge_rows
    from eventdesk.services.people import attendees
    from eventdesk.services.people.registration import register
    from eventdesk.services.stats.reports import report
    from tests.helpers import add_type, make_event

    ev = make_event(store)
    add_type(store, ev, "Regular", price_cents=0)
    for n, name in enumerate(NAMES):
        attendees.add_attendee(store, name=name, email=f"p{n}@{ev}.example.com")
        register(store, ev, f"p{n}@{ev}.example.com", "Regular")
    with sorting_in("sv"):
        swedish = [family_name(r.name) for r in badge_rows(store, ev).rows]
    assert swedish == EXPECTED["sv"]
    english = [family_name(r.name) for r in badge_rows(store, ev).rows]
    assert english == ROOT_ORDER
    rows = report(store, "no-shows", ev).rows
    assert [family_name(str(row[1])) for row in rows] == ROOT_ORDER
