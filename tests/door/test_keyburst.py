"""A scanner's keys told from a person's (screens.scanner_keys.KeyBurst): whole lines taken in
order, every key a person typed handed on in order, whatever the timing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from eventdesk.config import ScannerKeys
from screens.scanner_keys import HandOn, KeyBurst, Out, Press, Scanned
from tests.scanner_bursts import Key, key_of, person_types, scanner_lines

PAYLOAD = "ED1." + "A" * 40


def run(keys: list[Key], settings_: ScannerKeys | None = None) -> tuple[list[str], list[str]]:
    """(the lines taken, the characters handed on), feeding ``keys`` in time order."""
    burst: KeyBurst[Key] = KeyBurst(settings_)
    outs: list[Out[Key]] = []
    ordered = sorted(keys, key=lambda key: key.time)
    for key in ordered:
        outs += burst.feed(Press(key.key, key.character, key.time, key))
    outs += burst.expire((ordered[-1].time if ordered else 0.0) + 10)
    lines = [out.line.text for out in outs if isinstance(out, Scanned)]
    typed = [
        item.character or item.key for out in outs if isinstance(out, HandOn) for item in out.items
    ]
    return lines, typed


def test_lines_in_a_burst_are_taken_whole_and_in_order_at_every_gap() -> None:
    lines = [f"ED1.{index}" + "Q" * 30 for index in range(5)]
    for gap_ms in (0, 50, 200, 350, 700, 1000):
        taken, typed = run(scanner_lines(lines, gap_ms / 1000))
        assert taken == lines, gap_ms
        assert typed == []


def test_a_person_typing_is_handed_on_and_a_quick_enter_after_few_keys_too() -> None:
    taken, typed = run(person_types("Ada Lovelace\r", start=0.0))
    assert taken == [] and "".join(typed) == "Ada Lovelace\r"
    # A short code typed fast and Enter (a PIN pasted by a password manager): not a scan.
    taken, typed = run(scanner_lines(["1234"], 0.0))
    assert taken == [] and "".join(typed) == "1234\r"


def test_a_key_typed_just_before_a_burst_stays_the_persons() -> None:
    keys = person_types("zo", start=0.0) + scanner_lines([PAYLOAD], 0.0, start=0.15 + 0.012)
    taken, typed = run(keys)
    assert taken == [PAYLOAD] and typed == ["z", "o"]
    # Even 2 ms before it: the ticket's known start says where the line begins.
    keys = person_types("z", start=0.0) + scanner_lines([PAYLOAD], 0.0, start=0.002)
    assert run(keys) == ([PAYLOAD], ["z"])


def test_the_scanners_suffix_settings() -> None:
    lines = ["ED1." + "B" * 30, "ED1." + "C" * 30]
    tab = ScannerKeys(suffix="tab")
    assert run(scanner_lines(lines, 0.2, suffix="\t"), tab) == (lines, [])
    none = ScannerKeys(suffix="none")
    assert run(scanner_lines(lines, 0.2, suffix=""), none) == (lines, [])
    # CR LF, or Tab then Enter: the second key is the scanner's, not a person's Enter.
    crlf = [*scanner_lines(lines[:1], 0.0), Key(0.0405, "ctrl+j", "\n")]
    assert run(crlf) == (lines[:1], [])
    # A prefix the scanner is set to send: taken off, and required.
    prefixed = ScannerKeys(prefix="~")
    assert run(scanner_lines(["~" + lines[0]], 0.0), prefixed) == (lines[:1], [])
    taken, typed = run(scanner_lines(["ABCDEFGHIJ"], 0.0), prefixed)
    assert taken == [] and "".join(typed) == "ABCDEFGHIJ\r"


def test_a_line_too_long_is_one_line_with_its_problem() -> None:
    burst: KeyBurst[Key] = KeyBurst()
    outs: list[Out[Key]] = []
    for key in scanner_lines(["X" * 700], 0.0):
        outs += burst.feed(Press(key.key, key.character, key.time, key))
    scanned = [out for out in outs if isinstance(out, Scanned)]
    assert len(scanned) == 1 and scanned[0].line.problem is not None
    assert "too long" in scanned[0].line.problem


@settings(max_examples=150, deadline=None)
@given(
    count=st.integers(1, 6),
    gap_ms=st.sampled_from([0, 50, 200, 350, 700, 1000]),
    person=st.text(alphabet="abcdefghij kl", min_size=0, max_size=12),
    person_start=st.floats(0.0, 2.0),
)
def test_any_mix_of_scanner_lines_and_typing_loses_nothing(
    count: int, gap_ms: int, person: str, person_start: float
) -> None:
    lines = [f"ED1.{index:02d}" + "K" * 40 for index in range(count)]
    scanner = scanner_lines(lines, gap_ms / 1000)
    # A person's keys, none within a scanner's key gap of a scanner key (the keyboard and the
    # scanner cannot both type at once through one terminal without mixing their keys).
    typing = [
        key
        for key in person_types(person, start=person_start)
        if all(abs(key.time - other.time) > 0.0105 for other in scanner)
    ]
    taken, typed = run(scanner + typing)
    assert taken == lines
    assert "".join(typed) == "".join(key.character or "" for key in typing)


def test_key_of_names_keys_as_textual_does() -> None:
    assert key_of(".").key == "full_stop" and key_of("\r").key == "enter"
