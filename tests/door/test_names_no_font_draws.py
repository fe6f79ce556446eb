"""A name no font on the machine draws is printed in Latin letters on the paper lists
(``report door-list --pdf``, ``report inside --pdf``: badges.fonts.readable, anyascii's spelling),
the rest of a name as it is written, and the command says how many names print so, which
characters no font draws and what to install. Before, such a name was left blank (only the
ticket id was printed) while the command said it "prints with boxes".

The commands run as a station without a CJK font runs them: a real process whose fontconfig
knows one folder, holding one Latin font. PDFs are read back with pdftotext. On SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from badges.fonts import installed
from eventdesk.db import Store
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people import attendees
from eventdesk.services.people.registration import register
from eventdesk.values import utcnow
from tests.helpers import add_type, make_event

pdftotext = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(
    pdftotext is None or shutil.which("fc-list") is None,
    reason="pdftotext (poppler-utils) and fontconfig are needed",
)
ROOT = Path(__file__).resolve().parents[2]
# Korean, Chinese and a Latin name with a letter no Latin font lacks; as each should print.
NAMES = {"김민준": "GimMinJun", "王小明": "WangXiaoMing", "Zoë Ångström": "Zoë Ångström"}
SAID = re.compile(
    r"eventdesk: 2 names print in Latin letters: no font here draws (.+); install Noto Sans CJK "
    r"\(Debian: fonts-noto-cjk\) to print them as they are written"
)


@pytest.fixture
def latin_fonts_only(tmp_path: Path) -> dict[str, str]:
    """The environment of a process whose fontconfig knows one Latin font and nothing else
    (no CJK font): a copy of one of this machine's."""
    latin = next(
        (
            f
            for f in installed()
            if f.path.endswith(".ttf")
            and f.has("Å")
            and not f.has("김")
            and not f.has("王")
            and f.family.lower() in ("dejavu sans", "noto sans")
        ),
        None,
    )
    if latin is None:
        pytest.skip("no DejaVu Sans or Noto Sans font file here to copy")
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(latin.path, folder / "Latin Only.ttf")
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"<dir>{folder}</dir>\n<cachedir>{tmp_path / 'font-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config), "PYTHONPATH": str(ROOT)}


def a_fair_with_cjk_names(store: Store) -> tuple[str, dict[str, str]]:
    """An event open now with the people of NAMES, each checked in: its slug and the ticket
    id of each name."""
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        name="Unreadable Names Fair",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
        timezone="Asia/Seoul",
    )
    add_type(store, slug, "Day", price_cents=0)
    emails = {name: f"names-no-font-{n}@example.org" for n, name in enumerate(NAMES)}
    attendees.add_attendees_bulk(store, [{"name": n, "email": e} for n, e in emails.items()])
    tickets = {
        name: register(store, slug, e, "Day").tickets[0].ticket_id for name, e in emails.items()
    }
    door = Checkin(store, station="Names door", event=slug)
    for ticket in tickets.values():
        assert door.checkin_ticket(ticket).admitted
    return slug, tickets


def run(env: dict[str, str], db_url: str, data_dir: Path, *args: str) -> tuple[str, str]:
    """``eventdesk ARGS`` as a process of that environment: what it printed on stdout, stderr."""
    command = [sys.executable, "-m", "eventdesk", "--db", db_url, "--data-dir", str(data_dir)]
    done = subprocess.run(
        [*command, "--station", "Desk 1", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def pdf_rows(path: Path) -> list[str]:
    assert pdftotext is not None
    text = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.splitlines()


@pytest.mark.parametrize("report", ["door-list", "inside"])
def test_a_cjk_name_with_no_font_prints_in_latin_letters_and_is_said(
    report: str,
    latin_fonts_only: dict[str, str],
    db_url: str,
    store: Store,
    tmp_path: Path,
) -> None:
    slug, tickets = a_fair_with_cjk_names(store)
    path = tmp_path / f"{report}.pdf"
    _out, err = run(
        latin_fonts_only, db_url, tmp_path / "data", "report", report, slug, "--pdf", str(path)
    )
    rows = pdf_rows(path)
    for name, printed in NAMES.items():  # each name on its ticket's row, in a form read aloud
        row = next((r for r in rows if tickets[name] in r), "")
        assert printed in row, (name, row)
    said = SAID.fullmatch(err.strip())  # the characters in the order the names are listed
    assert said is not None, err
    assert sorted(said.group(1).split(" ")) == sorted("김민준王小明")
