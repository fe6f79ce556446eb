"""`attendee add|update ... --badge-name TEXT` (docs/cli.md): the name a person's badges print,
shown by `attendee show` and in `--json` as ``badge_name``; "" clears it; a bad one is one line
on stderr and exit 2."""

from __future__ import annotations

from tests.clitools import Cli

LONG_NAME = "Maximiliane Alexandra von Hohenzollern-Sigmaringen-Württemberg"


def test_attendee_add_and_update_take_a_badge_name(cli: Cli) -> None:
    made = cli.json(
        "attendee",
        "add",
        "--name",
        LONG_NAME,
        "--email",
        "maxi@example.de",
        "--badge-name",
        "Maxi von Hohenzollern",
    )
    assert made["badge_name"] == "Maxi von Hohenzollern"
    shown = cli.json("attendee", "show", "maxi@example.de")
    assert shown["badge_name"] == "Maxi von Hohenzollern" and shown["name"] == LONG_NAME
    human = cli.out("attendee", "show", "maxi@example.de").splitlines()
    assert "  badge name: Maxi von Hohenzollern" in human, human

    changed = cli.json("attendee", "update", "maxi@example.de", "--badge-name", "Maxi")
    assert changed["badge_name"] == "Maxi"
    kept = cli.json("attendee", "update", "maxi@example.de", "--company", "Haus H")
    assert kept["badge_name"] == "Maxi"
    cleared = cli.json("attendee", "update", "maxi@example.de", "--badge-name", "")
    assert cleared["badge_name"] is None
    assert "badge name" not in cli.out("attendee", "show", "maxi@example.de")

    _out, err = cli.run("attendee", "update", "maxi@example.de", "--badge-name", "x" * 101, code=2)
    assert err.strip().splitlines() == ["eventdesk: badge name is longer than 100 characters"], err
    assert cli.json("attendee", "show", "maxi@example.de")["badge_name"] is None
