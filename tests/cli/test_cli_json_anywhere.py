"""`--json` is accepted after the command as well as before it (docs/cli.md), with the same output,
for the core's commands, nested groups and the commands the layers above add; errors print
the JSON error document wherever the flag is; a `--json` that is another option's value, or
comes after `--`, is not the flag."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from eventdesk.cli import main
from tests.clitools import Cli

STATION = "JSON Desk"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> Cli:
    return Cli(capsys, db_url, tmp_path / "data", station=STATION)


def _event(cli: Cli, name: str) -> tuple[str, str]:
    """An event running now (its times derived from the clock), a ticket type and one
    registered attendee: (event slug, ticket id)."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    starts = (now - timedelta(hours=1)).isoformat()
    ends = (now + timedelta(days=1)).isoformat()
    slug = cli.read(
        "--json", "event", "create", "--name", name, "--starts", starts, "--ends", ends
    )["slug"]
    cli.read("ticket-type", "add", slug, "--name", "Regular", "--price", "0", "--json")
    email = f"{slug}@example.com"
    cli.read("attendee", "add", "--name", "Jonas Json", "--email", email, "--json")
    made = cli.read("register", slug, "--attendee", email, "--ticket-type", "Regular", "--json")
    return slug, made["ticket_id"]


def _timeless(document: Any) -> Any:
    """A document without the time it was made at (the stats snapshot says when it was taken)."""
    return (
        {k: v for k, v in document.items() if k != "at"} if isinstance(document, dict) else document
    )


def test_json_after_the_command_prints_what_json_before_it_prints(cli: Cli) -> None:
    cli.read("init", "--json")
    slug, ticket = _event(cli, "Json Anywhere Conf")
    for command in (
        ["event", "list"],
        ["event", "show", slug],
        ["attendee", "find", "jonas"],
        ["ticket", "show", ticket],
        ["waitlist", slug],
        ["stats", slug],
        ["print-queue"],  # added by devices/ through an entry point
        ["badge", ticket, "--format", "text"],  # added by badges/ through an entry point
    ):
        before = _timeless(cli.read("--json", *command))
        assert _timeless(cli.read(*command, "--json")) == before, command
        if len(command) > 2:  # nested: the flag between the group and its command's words
            assert _timeless(cli.read(*command[:2], "--json", *command[2:])) == before, command
    human, _ = cli.run("event", "show", slug)
    with pytest.raises(json.JSONDecodeError):
        json.loads(human)
    payload = cli.run("ticket", "show", ticket, "--payload")[0].strip()
    admitted = cli.read("checkin", payload, "--json")
    assert (admitted["result"], admitted["ticket_id"]) == ("ok", ticket)
    again = cli.read("checkin", payload, "--json", code=1)
    assert again["result"] == "already_checked_in"
    assert cli.read("checkin", "undo", ticket, "--json")["result"] == "undone"


def test_json_after_the_command_prints_the_error_document(cli: Cli, tmp_path: Path) -> None:
    document = {"error": "no event 'nope'", "field": "event", "exit_code": 2}
    assert cli.read("event", "show", "nope", "--json", code=2) == document
    assert cli.read("event", "--json", "show", "nope", code=2) == document
    unknown = cli.read("frobnicate", "--json", code=2)
    assert unknown["exit_code"] == 2 and "frobnicate" in unknown["error"]
    missing = cli.read("event", "show", "--json", code=2)
    assert missing["exit_code"] == 2 and "EVENT" in missing["error"]
    # No database where the data dir points: exit 3, said as a JSON document too.
    empty = tmp_path / "no-database-here"
    empty.mkdir()
    cli.capsys.readouterr()
    code = main(["--data-dir", str(empty), "event", "list", "--json"])
    out, err = cli.capsys.readouterr()
    assert code == 3, err
    assert json.loads(out)["exit_code"] == 3 and "eventdesk init" in json.loads(out)["error"]
    assert list(empty.iterdir()) == []


def test_a_json_that_is_a_value_or_after_double_dash_is_not_the_flag(cli: Cli) -> None:
    made, _ = cli.run("attendee", "add", "--name", "--json", "--email", "dash@example.com")
    assert made.startswith("attendee ") and "--json <dash@example.com>" in made
    found, _ = cli.run("attendee", "find", "--", "--json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(found)
    assert "dash@example.com" in found
    out, err = cli.run("attendee", "add", "--name", "--json", code=2)
    assert out == "" and "--email" in err and len(err.strip().splitlines()) == 1


def test_every_command_lists_json_in_its_help(cli: Cli) -> None:
    for command in (["event", "show"], ["checkin"], ["ticket", "show"], ["badge"], ["scan"]):
        out, _ = cli.run(*command, "--help")
        assert "--json" in out, command
