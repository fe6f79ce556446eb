"""Parsing what people type: amounts, times, folding. Any text gives a value or a typed error."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventdesk.errors import InvalidInput
from eventdesk.text import fold, prefix_upper_bound, slugify, words
from eventdesk.values import parse_amount, parse_email, parse_time, require_text


@pytest.mark.parametrize(
    ("text", "cents"), [("12.50", 1250), ("12,5", 1250), ("0", 0), ("349", 34900)]
)
def test_amounts(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["-1", "abc", "1.234", "NaN", "inf", "", "1e30"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(text)


@given(st.text())
def test_any_amount_text_is_a_value_or_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        assert parse_amount(text) >= 0


@given(st.text())
def test_any_time_text_is_a_value_or_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        assert parse_time(text, "starts").tzinfo is UTC


@given(st.text())
def test_any_email_text_is_a_value_or_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        assert "@" in parse_email(text)


def test_time_in_event_zone() -> None:
    assert parse_time("2030-01-15 09:00", "starts", tz="America/New_York") == datetime(
        2030, 1, 15, 14, 0, tzinfo=UTC
    )


def test_folding_and_words() -> None:
    assert fold("Zoë Müller ÅSA straße") == "zoe muller asa strasse"
    assert words("O'Brien-Smith, Jr.") == ["o", "brien", "smith", "jr"]
    assert slugify("  ") == "event"
    assert slugify("Café  Conf 2030!") == "cafe-conf-2030"


@given(st.text(min_size=1), st.text())
def test_prefix_upper_bound_brackets_every_extension(prefix: str, rest: str) -> None:
    bound = prefix_upper_bound(prefix)
    extended = prefix + rest
    assert prefix <= extended < bound or bound == "\U0010ffff"
    assert (
        extended.encode("utf-8", "surrogatepass") < bound.encode("utf-8", "surrogatepass")
        or bound == "\U0010ffff"
    )


@pytest.mark.parametrize(
    "name",
    [
        "Eve\x7fMallory",  # DEL
        "Eve\x85Mallory",  # NEL, a C1 control
        "Eve\x9b31mMallory",  # CSI, a C1 control that starts a terminal escape
        "Eve \u202eyrollaM",  # right-to-left override: reads as "Eve Mallory" backwards
        "Eve \u2067Mallory\u2069",  # right-to-left isolate and its pop
        "Eve \u202bMallory\u202c",  # right-to-left embedding and the pop
    ],
)
def test_names_refuse_del_c1_controls_and_bidi_overrides(name: str) -> None:
    with pytest.raises(InvalidInput, match="control characters"):
        require_text(name, "name")


@pytest.mark.parametrize("name", ["Zoë Müller", "أحمد", "עדי", "क्षत्रिय", "👩\u200d💻 Ada"])
def test_names_in_any_script_are_kept(name: str) -> None:
    assert require_text(name, "name") == name
