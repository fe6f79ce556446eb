"""Strings from the database are shown, never acted on by the terminal: a station name or an
attendee's name holding escape sequences (a hand-edited station's upload, a forged row) is
written out (``\\x1b``) in every command's output and on every screen, instead of clearing the
screen, moving the cursor or retitling the window of whoever reads it."""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import text
from textual.geometry import Region
from textual.widget import Widget

from eventdesk.services.door.checkin import Checkin
from eventdesk.services.people.payments import payment_summary
from eventdesk.services.people.registration import tickets_of_attendee
from eventdesk.text import for_terminal, json_for_terminal
from screens.app import make_app
from screens.stats.screen import StatsScreen
from tests import forks
from tests.apptools import DemoStation, wait_for

pytestmark = pytest.mark.slow  # every command's output in a terminal

# A station's name that clears the screen, retitles the window and reverses what follows.
STATION = "Door\x1b[2J\x1b]0;PWNED\x07\u202e9"
NAME = "Mallory\x1b[1;1H\x9b31m Evil"
ACTED_ON = ("\x1b", "\x9b", "\u202e", "\x07")


def no_control(said: str) -> None:
    assert not any(raw in said for raw in ACTED_ON), repr(said)


def test_for_terminal_writes_out_what_a_terminal_acts_on() -> None:
    assert for_terminal(STATION) == "Door\\x1b[2J\\x1b]0;PWNED\\x07\\u202e9"
    assert for_terminal("Zoë Müller, שלום, 山田") == "Zoë Müller, שלום, 山田"
    assert for_terminal("two\nlines\x1b", lines=True) == "two\nlines\\x1b"
    assert for_terminal("two\nlines") == "two\\x0alines"
    document = json.dumps({"name": NAME}, ensure_ascii=False)
    assert json.loads(json_for_terminal(document)) == {"name": NAME}  # the same document
    no_control(json_for_terminal(document))


def poisoned(station: DemoStation) -> tuple[str, str]:
    """An attendee renamed to NAME, whose paid ticket was admitted at STATION: (ticket, email)."""
    with station.store.write() as session:
        for attendee_id in range(1, 200):
            for ticket in tickets_of_attendee(station.store, attendee_id):
                if ticket.status != "registered" or ticket.checked_in_at is not None:
                    continue
                if payment_summary(station.store, ticket.id).due_cents:
                    continue
                session.execute(
                    text("UPDATE attendee SET name = :n WHERE id = :i"),
                    {"n": NAME, "i": attendee_id},
                )
                session.execute(
                    text("UPDATE ticket SET holder_name = NULL WHERE id = :t"), {"t": ticket.id}
                )
                email = session.execute(
                    text("SELECT email FROM attendee WHERE id = :i"), {"i": attendee_id}
                ).scalar_one()
                break
            else:
                continue
            break
    desk = Checkin(station.store, station=STATION)
    assert desk.checkin_ticket(ticket.id, now=station.now()).result == "ok"
    return ticket.id, email


def run(station: DemoStation, *args: str) -> subprocess.CompletedProcess[str]:
    return forks.run(
        station.command(*args),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_every_command_writes_out_a_stations_and_a_names_escapes(station: DemoStation) -> None:
    ticket, email = poisoned(station)
    event = station.summary.event
    commands = [
        ["scan-log", event],
        ["stats", event],
        ["report", "scans", event],
        ["report", "attendance", event],
        ["attendee", "find", ticket],
        ["attendee", "show", email],
        ["ticket", "show", ticket],
        ["checkin", "--ticket", ticket],  # already in: the answer names both
    ]
    for command in commands:
        for shape in ([], ["--json"]):
            done = run(station, *shape, *command)
            assert done.returncode in (0, 1), (command, done.stderr)
            no_control(done.stdout + done.stderr)
            assert "Traceback" not in done.stderr
            if not shape and command[:2] != ["report", "attendance"] and "PWNED" in done.stdout:
                assert "\\x1b]0;PWNED" in done.stdout, (command, done.stdout)
            if shape:
                json.loads(done.stdout)  # still one JSON document, the same values
    shown = json.loads(run(station, "--json", "attendee", "find", ticket).stdout)
    assert shown[0]["name"] == NAME  # a program reading --json gets the name as stored


def shown(widget: Widget) -> str:
    """The text a widget and the widgets inside it draw."""
    drawn = [widget, *(child for child in widget.walk_children(Widget) if child.display)]
    return "\n".join(
        strip.text
        for part in drawn
        for strip in part.render_lines(Region(0, 0, part.size.width, part.size.height))
    )


@pytest.mark.asyncio
async def test_the_screens_write_out_a_stations_and_a_names_escapes(
    station: DemoStation,
) -> None:
    ticket, _email = poisoned(station)
    app = make_app(
        config=station.config, store=station.store, sign_in_as="Olivia Organizer", mode="stats"
    )
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        panel = screen.query_one("#stations-panel")
        await wait_for(lambda: "Door\\x1b[2J" in shown(panel), pilot)  # a narrow column: cut
        no_control(shown(panel))

        await app.switch_mode("desk")
        await pilot.pause()
        search = app.screen.query_one("#search")
        search.focus()
        await pilot.press(*ticket)
        await wait_for(lambda: "Evil" in shown(app.screen), pilot, timeout=30)
        await wait_for(lambda: ticket in shown(app.screen), pilot, timeout=30)
        drawn = shown(app.screen)
        assert "Mallory\\x1b[1;1H\\x9b31m Evil" in drawn, drawn
        no_control(drawn)
