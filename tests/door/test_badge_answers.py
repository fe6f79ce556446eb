"""A badge prints a person's answers to the registration questions (issue 45): an ``answer``
element as text (plain text, PNG, PDF, ZPL, ESC/POS all from the one layout), and a ribbon
coloured by the choice given. The badge's data carries the answers, read from the store."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from badges.badge import Badge, event_badges, load_badge
from badges.layout import mono, parse_layout
from badges.picture import draw
from badges.render import render
from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.people.questions import add_question, parse_answer
from eventdesk.services.people.registration import register
from tests.door.test_printing import escpos_picture
from tests.helpers import add_type, make_event, people

pdftotext = shutil.which("pdftotext")
LAYOUT = """
name = "diet-ribbon"
width_mm = 62.0
height_mm = 60.0

[[elements]]
kind = "ribbon"
key = "diet"
x = 0.0
y = 0.0
width = 62.0
height = 10.0
colors = { vegan = "#22aa22", Halal = "#ffdd00" }
icons = { vegan = "V" }

[[elements]]
kind = "name"
x = 3.0
y = 12.0
width = 56.0
height = 18.0

[[elements]]
kind = "answer"
key = "pronouns"
x = 3.0
y = 32.0
width = 56.0
height = 8.0

[[elements]]
kind = "qr"
x = 20.0
y = 42.0
width = 18.0
height = 18.0
"""
DPI = 203


def badge(**answers: str) -> Badge:
    return Badge(
        "T1",
        "Ada Lovelace",
        None,
        "Regular",
        None,
        "DevConf",
        "1 Jan",
        "ED1.T1.K1.SIG",
        layout="diet-ribbon",
        layout_source=LAYOUT,
        answers=tuple(answers.items()),
    )


def band(picture: Image.Image) -> tuple[int, int, int]:
    """The ribbon's colour at its left end (no words there)."""
    found = picture.convert("RGB").getpixel((4, 4))
    assert isinstance(found, tuple)
    return (found[0], found[1], found[2])


def test_the_answer_prints_as_text_and_the_ribbon_takes_the_choices_colour() -> None:
    vegan = badge(diet="vegan", pronouns="she/her")
    text = render(vegan, "text").decode()
    assert "she/her" in text and "V vegan" in text  # the choice's mark before it

    layout = parse_layout(LAYOUT)
    png = Image.open(io.BytesIO(render(vegan, "png", size=layout.size(DPI))))
    assert band(png) == (0x22, 0xAA, 0x22)
    top = png.convert("RGB").crop((0, 0, png.width, 70))
    ink = [p for p in top.get_flattened_data() if p[0] > 200]
    assert ink  # the ribbon's words, white on the dark green
    halal = Image.open(io.BytesIO(render(badge(diet="halal"), "png", size=layout.size(DPI))))
    assert band(halal) == (0xFF, 0xDD, 0x00)  # a choice matched whatever its case
    meat = Image.open(io.BytesIO(render(badge(diet="meat"), "png", size=layout.size(DPI))))
    assert band(meat) == (0, 0, 0)  # no colour for it: black, as a VIP's
    nothing = Image.open(io.BytesIO(render(badge(), "png", size=layout.size(DPI))))
    assert band(nothing) == (255, 255, 255)  # no answer: no band
    assert "she/her" not in render(badge(), "text").decode()

    # The printers' dots are the same picture's (a dark colour black, a light one white).
    picture = draw(vegan, layout, dpi=DPI)
    raster = escpos_picture(render(vegan, "escpos", width_dots=1024, size=layout.size(DPI)))
    raster = raster.crop((0, 0, picture.width, picture.height))
    assert mono(picture).tobytes() == mono(raster).tobytes()
    assert (
        mono(picture).getpixel((4, 4)) == 0
        and mono(draw(badge(diet="halal"), layout, dpi=DPI)).getpixel((4, 4)) == 255
    )
    assert len(re.findall(r"\^GFA", render(vegan, "zpl", size=layout.size(DPI)).decode())) == 3


@pytest.mark.skipif(pdftotext is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_pdf_badge_holds_the_answer_as_text(tmp_path: Path) -> None:
    path = tmp_path / "badge.pdf"
    path.write_bytes(render(badge(diet="vegan", pronouns="they/them"), "pdf"))
    text = subprocess.run(
        [str(pdftotext), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "they/them" in text and "V vegan" in text


def test_a_layout_checks_its_answer_elements() -> None:
    with pytest.raises(InvalidInput, match="key of its question"):
        parse_layout(
            'name = "x"\nelements = [{ kind = "answer", x = 1.0, y = 1.0, '
            "width = 9.0, height = 9.0 }]"
        )
    with pytest.raises(InvalidInput, match="not #rgb"):
        parse_layout(
            'name = "x"\nelements = [{ kind = "ribbon", key = "diet", x = 1.0, y = 1.0, '
            'width = 9.0, height = 9.0, colors = { vegan = "green" } }]'
        )


def test_a_badge_is_given_the_persons_answers(store: Store) -> None:
    event = make_event(store, name="Badge Answers Conf")
    add_type(store, event, "Regular")
    add_question(store, event, key="diet", text="Diet", kind="choice", choices=["meat|vegan"])
    add_question(store, event, key="pronouns", text="Pronouns", kind="text", per="holder")
    (email,) = people(store, 1, prefix="badge-answers")
    order = register(
        store,
        event,
        email,
        "Regular",
        answers=[parse_answer("diet=Vegan"), parse_answer("pronouns=she/her")],
    )
    ticket = order.tickets[0].ticket_id
    made = load_badge(store, ticket)
    assert dict(made.answers) == {"diet": "vegan", "pronouns": "she/her"}
    assert "she/her" in render(replace(made, layout_source=LAYOUT), "text").decode()
    (sheet,) = event_badges(store, event)
    assert sheet.answers == made.answers
