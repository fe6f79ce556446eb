"""Languages: which one a station speaks, the catalogues kept complete, and every text a person
reads marked for translation (docs/languages.md)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from eventdesk import i18n
from eventdesk.config import load_config
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _, ngettext, speaking
from testkit import catalogues
from testkit.unmarked import reads_as_words, unmarked

SHIPPED = ("de", "es", "fr")


def test_english_german_french_and_spanish_are_shipped() -> None:
    assert i18n.languages()[0] == "en"
    assert set(SHIPPED) <= set(i18n.languages())
    assert [i18n.own_name(code) for code in ("en", *SHIPPED)] == [
        "English",
        "Deutsch",
        "Español",
        "Français",
    ]


def test_every_text_a_person_reads_is_marked_for_translation() -> None:
    found = [str(item) for item in unmarked()]
    assert found == [], "\n".join(found[:40])


@pytest.mark.parametrize("code", SHIPPED)
def test_each_catalogue_has_every_message_translated_with_the_same_placeholders(
    code: str,
) -> None:
    found = catalogues.problems(code)
    assert found == [], "\n".join(found[:40])


def test_the_marking_check_finds_an_unmarked_text_and_lets_a_marked_one_be(
    tmp_path: Path,
) -> None:
    module = tmp_path / "screen.py"
    module.write_text(
        "from eventdesk.i18n import _\n"
        "from eventdesk.errors import NotFound\n"
        "def show(widget, name):\n"
        '    """A docstring is for the program."""\n'
        '    widget.update("Please go in")\n'  # unmarked
        '    widget.update(_("Please go in"))\n'
        '    widget.update(_(f"Welcome {name}"))\n'  # an f-string: the catalogue cannot hold it
        '    widget.add_class("-is-open")\n'
        '    raise NotFound(f"no ticket {name}")\n'  # unmarked
        '    raise NotFound("no ticket here")  # not for translation: a test of the pragma\n',
        encoding="utf-8",
    )
    # Read as a screen's module is (written where the screens are, it was read by the other
    # tests that walk the product meanwhile, and gone under them).
    found = sorted((item.line, item.why) for item in unmarked([module], as_screens=True))
    assert found == [
        (5, "not marked for translation"),
        (7, "an f-string in a message"),
        (9, "not marked for translation"),
    ]
    assert reads_as_words("Scan your ticket") and reads_as_words("Save")
    assert not reads_as_words("kiosk.lookup") and not reads_as_words("SELECT id FROM ticket")


def test_a_catalogue_that_misses_a_message_or_a_placeholder_is_said(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    wanted = Catalog()
    wanted.add("Seat {seat}")
    wanted.add("Welcome")
    wanted.add("Goodbye")
    have = Catalog(locale="de")
    have.add("Seat {seat}", "Platz {platz}")  # a placeholder renamed: .format would fail
    have.add("Welcome", "Willkommen")
    with (tmp_path / "de.po").open("wb") as file:
        write_po(file, have)
    monkeypatch.setattr(catalogues, "LOCALE_DIR", tmp_path)
    found = catalogues.problems("de", wanted)
    assert len(found) == 2
    assert "missing 'Goodbye'" in found[1]
    assert "'Seat {seat}'" in found[0] and "['platz']" in found[0]


def test_french_puts_a_no_break_space_before_its_marks_and_inside_its_quotes() -> None:
    """: ; ! ? that end a phrase get a no-break space before them, « » one inside; a time, an
    address, a placeholder's conversion or a spec's colons are no punctuation. The French
    catalogue is written so (the catalogue check says where it is not)."""
    nbsp = "\u00a0"
    spaced = catalogues.french_spaced
    assert spaced("Billet déjà validé:") == f"Billet déjà validé{nbsp}:"
    assert spaced("Recherche : nom ; e-mail") == f"Recherche{nbsp}: nom{nbsp}; e-mail"
    assert spaced("Pas de QR ? Bienvenue !") == f"Pas de QR{nbsp}? Bienvenue{nbsp}!"
    assert spaced("«Valider »") == f"«{nbsp}Valider{nbsp}»"
    assert spaced("{name}: {value!r} ?") == f"{{name}}{nbsp}: {{value!r}}{nbsp}?"
    assert spaced("trop tard\u202f!") == "trop tard\u202f!"  # a narrow one is kept
    for kept in ("à 12:30", "http://wall-pc:8000", "KEY:yesno|text", "0.0.0.0 ou ::)", ": x"):
        assert spaced(kept) == kept
    wrong = [line for line in catalogues.problems("fr") if "spaced as French" in line]
    assert wrong == [], "\n".join(wrong[:20])
    with speaking("fr"):
        assert _("Already checked in") == "Billet déjà validé"
        line = _("{answer}: {name}").format(answer=_("Already checked in"), name="Ada")
    assert line == f"Billet déjà validé{nbsp}: Ada"


def test_the_language_comes_from_the_option_then_the_variable_then_the_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "eventdesk.toml").write_text('[station]\nlanguage = "fr"\n', encoding="utf-8")
    assert load_config(data_dir=tmp_path, environ={}).language == "fr"
    env = {"EVENTDESK_LANG": "de_DE.UTF-8"}
    assert load_config(data_dir=tmp_path, environ=env).language == "de"
    assert load_config(data_dir=tmp_path, environ=env, language="es-MX").language == "es"
    assert load_config(data_dir=tmp_path / "none", environ={}).language == "en"
    with pytest.raises(InvalidInput) as said:
        load_config(data_dir=tmp_path, environ={"EVENTDESK_LANG": "tlh"})
    assert "EVENTDESK_LANG" in said.value.message and "'tlh'" in said.value.message
    assert "en, de, es, fr" in said.value.message


def test_the_kiosk_offers_the_languages_its_settings_name(tmp_path: Path) -> None:
    (tmp_path / "eventdesk.toml").write_text(
        '[station]\nkiosk_languages = ["de", "en", "de"]\n', encoding="utf-8"
    )
    assert load_config(data_dir=tmp_path, environ={}).kiosk_languages == ("de", "en")
    (tmp_path / "eventdesk.toml").write_text(
        '[station]\nkiosk_languages = ["xx"]\n', encoding="utf-8"
    )
    with pytest.raises(InvalidInput, match="kiosk_languages"):
        load_config(data_dir=tmp_path, environ={})


def test_a_person_is_answered_in_their_own_language_for_one_answer_only() -> None:
    i18n.set_language("fr")
    assert _("Welcome") == "Bienvenue"
    with speaking("de_AT") as code:
        assert code == "de"
        assert _("Welcome") == "Willkommen"
        seen: list[str] = []
        # Another thread speaks the station's language (a person's is for the answer made here).
        worker = threading.Thread(target=lambda: seen.append(_("Welcome")))
        worker.start()
        worker.join()
        assert seen == ["Bienvenue"]
    assert _("Welcome") == "Bienvenue"
    with speaking("tlh"):  # no catalogue: the station's language
        assert _("Welcome") == "Bienvenue"


def test_plural_forms_follow_each_language() -> None:
    def rows(count: int) -> str:
        return ngettext("{count} row copied", "{count} rows copied", count).format(count=count)

    def form(count: int) -> str:  # which of the two forms ``count`` takes
        return "one" if rows(count) == rows(1).replace("1", str(count), 1) else "other"

    assert [rows(n) for n in (0, 1, 2)] == ["0 rows copied", "1 row copied", "2 rows copied"]
    assert [form(n) for n in (0, 1, 2)] == ["other", "one", "other"]
    with speaking("fr"):  # French counts 0 as one: "0 ligne copiée"
        assert rows(1) != "1 row copied"
        assert [form(n) for n in (0, 1, 2)] == ["one", "one", "other"]
    for code in ("de", "es"):
        with speaking(code):
            assert rows(1) != "1 row copied"
            assert [form(n) for n in (0, 1, 2)] == ["other", "one", "other"]


def test_dates_and_money_are_written_as_each_language_writes_them() -> None:
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from eventdesk.event_time import show, show_day
    from eventdesk.values import format_cents, money_text, number_text

    moment = datetime.now(UTC)
    berlin = ZoneInfo("Europe/Berlin")
    day = date(moment.year, 5, 14)  # a May: a month whose name each language writes its own way
    assert money_text(123450, "EUR") == format_cents(123450, "EUR") == "1234.50 EUR"
    assert show_day(day) == "14 May"
    assert number_text(1234567) == "1,234,567" and number_text(2.25, 1) == "2.2"
    with speaking("de"):  # a thousands separator read the other way round is a decimal point
        assert number_text(1234567) == "1.234.567" and number_text(2.5, 1) == "2,5"
        assert money_text(123450, "EUR") == "1.234,50\xa0€"
        assert show_day(day) == "14. Mai"
        assert show(moment, berlin, "date").endswith(str(moment.year))
        assert format_cents(123450, "EUR") == "1234.50 EUR"  # a form's field, a CSV cell, JSON
    with speaking("fr"):
        assert money_text(123450, "EUR") == "1\u202f234,50\xa0€"
        assert show_day(day, weekday=True).endswith("14 mai")
