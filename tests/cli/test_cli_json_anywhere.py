"""`--json` is accepted after the command as well as before it (CLI.md), with the same output,
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

STATION = "JSON Desk"


class Cli:
    """The CLI in-process (the `main` the console script calls), on one database."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db_url: str, data_dir: Path) -> None:
        self.capsys, self.db_url, self.data_dir = capsys, db_url, data_dir

    def run(self, *args: str, code: int = 0) -> tuple[str, str]:
        self.capsys.readouterr()
        got = main(
            ["--db", self.db_url, "--data-dir", str(self.data_dir), "--station", STATION, *args]
        )
        out, err = self.capsys.readouterr()
        assert got == code, (args, out, err)
        return out, err

    def json(self, *args: str, code: int = 0) -> Any:
        out, _ = self.run(*args, code=code)
        return json.loads(out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> Cli:
    return Cli(capsys, db_url, tmp_path / "data")


def _event(cli: Cli, name: str) -> tuple[str, str]:
    """An event running now (its times derived from the clock), a ticket type and one
    registered attendee: (event slug, ticket id)."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    starts = (now - timedelta(hours=1)).isoformat()
    ends = (now + timedelta(days=1)).isoformat()
    slug = cli.json(
        "--json", "event", "create", "--name", name, "--starts", starts, "--ends", ends
    )["slug"]
    cli.json("ticket-type", "add", slug, "--name", "Regular", "--price", "0", "--json")
    email = f"{slug}@example.com"
    cli.json("attendee", "add", "--name", "Jonas Json", "--email", email, "--json")
    made = cli.json("register", slug, "--attendee", email, "--ticket-type", "Regular", "--json")
    return slug, made["ticket_id"]


def _timeless(document: Any) -> Any:
    """A document without the time it was made at (the stats snapshot says when it was taken)."""
    return (
        {k: v for k, v in document.items() if k != "at"} if isinstance(document, dict) else document
    )


def test_json_after_the_command_prints_what_json_before_it_prints(cli: Cli) -> None:
    cli.json("init", "--json")
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
        before = _timeless(cli.json("--json", *command))
        assert _timeless(cli.json(*command, "--json")) == before, command
        if len(command) > 2:  # nested: the flag between the group and its command's words
            assert _timeless(cli.json(*command[:2], "--json", *command[2:])) == before, command
    human, _ = cli.run("event", "show", slug)
    with pytest.raises(json.JSONDecodeError):
        json.loads(human)
    payload = cli.run("ticket", "show", ticket, "--payload")[0].strip()
    admitted = cli.json("checkin", payload, "--json")
    assert (admitted["result"], admitted["ticket_id"]) == ("ok", ticket)
    again = cli.json("checkin", payload, "--json", code=1)
    assert again["result"] == "already_checked_in"
    assert cli.json("checkin", "undo", ticket, "--json")["result"] == "undone"


def test_json_after_the_command_prints_the_error_document(cli: Cli, tmp_path: Path) -> None:
    document = {"error": "no event 'nope'", "field": "event", "exit_code": 2}
    assert cli.json("event", "show", "nope", "--json", code=2) == document
    assert cli.json("event", "--json", "show", "nope", code=2) == document
    unknown = cli.json("frobnicate", "--json", code=2)
    assert unknown["exit_code"] == 2 and "frobnicate" in unknown["error"]
    missing = cli.json("event", "show", "--json", code=2)
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
