"""The command line in the station's language (`--lang`, docs/cli.md): messages, errors and a
report's headings translated, the `--json` keys and exit codes the same in every language."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from eventdesk.config import sqlite_url
from eventdesk.i18n import _, speaking
from eventdesk.values import utcnow
from tests.clitools import Cli

NOW = utcnow().replace(second=0, microsecond=0)


def _event(cli: Cli) -> str:
    made = cli.json(
        "event",
        "create",
        "--name",
        "Sprachen Abend",
        "--starts",
        (NOW - timedelta(hours=1)).isoformat(),
        "--ends",
        (NOW + timedelta(hours=8)).isoformat(),
    )
    cli.json("ticket-type", "add", made["slug"], "--name", "Regular", "--price", "0")
    return str(made["slug"])


def test_a_report_reads_in_the_language_and_its_json_keeps_its_keys(cli: Cli) -> None:
    slug = _event(cli)
    cli.json("attendee", "add", "--name", "Ada", "--email", "ada@example.com", "--language", "fr")
    cli.json("register", slug, "--attendee", "ada@example.com", "--ticket-type", "Regular")
    english = cli.out("report", "attendance", slug)
    german = cli.out("--lang", "de", "report", "attendance", slug)
    with speaking("de"):
        headings = [_("section"), _("registered"), _("no-shows"), _("total")]
    assert all(word not in english for word in headings[:1] + headings[2:])
    assert all(word in german for word in headings), german
    assert cli.json("--lang", "de", "report", "attendance", slug) == cli.json(
        "report", "attendance", slug
    )
    person = cli.json("--lang", "es", "attendee", "show", "ada@example.com")
    assert person["language"] == "fr" and "name" in person


def test_errors_are_said_in_the_language_with_the_same_exit_code(cli: Cli) -> None:
    _code, _out, english = cli.call("ticket", "show", "NOPE")
    code, out, german = cli.call("--lang", "de", "ticket", "show", "NOPE")
    assert code == 2 and german != english and "NOPE" in german
    code, out, _err = cli.call("--lang", "fr", "--json", "ticket", "show", "NOPE")
    assert code == 2 and '"field": "ticket"' in out and '"exit_code": 2' in out
    code, _out, said = cli.call("--lang", "tlh", "event", "list")
    assert code == 2 and "--lang" in said and "tlh" in said and "de, es, fr" in said


# --- `--help` in the station's language -----------------------------------------------------------
@pytest.fixture
def help_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Cli:
    """The command line on a data folder of its own (help reads no database: one backend)."""
    return Cli(capsys, sqlite_url(tmp_path / "eventdesk.db"), tmp_path)


def _squashed(text: str) -> str:
    return "".join(text.split())


def _command_paths() -> list[tuple[str, ...]]:
    """Every command of the command line (every layer's), as the words that run it."""
    import click

    from eventdesk.cli.root import cli as root

    found: list[tuple[str, ...]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        found.append(path)
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                listed = command.get_command(ctx, name)
                if listed is not None and listed is not command:
                    walk(listed, (*path, name))

    walk(root, ())
    return found


def _help_of(path: tuple[str, ...]) -> list[str]:
    """The help texts of the command at ``path`` (its own, its options'), in English."""
    import click

    from eventdesk.cli.help import message_of
    from eventdesk.cli.root import cli as root

    command: click.Command = root
    ctx = click.Context(root)
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(ctx, name)
        assert found is not None
        command, ctx = found, click.Context(found, parent=ctx)
    texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
    return [message_of(text) for text in texts if text]


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_every_commands_help_is_in_the_stations_language(help_cli: Cli, language: str) -> None:
    """`--lang CODE ... --help` for every command: its help, its options', click's own words
    (Usage, Options, Commands) in that language, none of the English left."""
    cli = help_cli
    said = []
    for path in _command_paths():
        out = cli.out("--lang", language, *path, "--help")
        with speaking(language):
            usage, options = _("Usage:"), _("{heading}:").format(heading=_("Options"))
            wanted = [
                (english.split("\n\n")[0], _(english).split("\n\n")[0])
                for english in _help_of(path)
            ]
        if not out.startswith(usage) or options not in out:
            said.append(f"{' '.join(path)}: {out[:60]!r}")
        for english, translated in wanted:
            if _squashed(translated) not in _squashed(out):
                said.append(f"{' '.join(path)}: {translated[:50]!r} is not said")
            if translated != english and _squashed(english) in _squashed(out):
                said.append(f"{' '.join(path)}: {english[:50]!r} is in English")
    assert len(_command_paths()) > 80
    assert not said, "\n".join(said)


def test_the_help_speaks_the_language_the_station_is_set_to(
    help_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked before `--lang` or after it, or set by EVENTDESK_LANG or the data folder's
    eventdesk.toml: the whole command line's help and a command's are in that language."""
    cli = help_cli
    with speaking("de"):
        commands, german = (
            _("{heading}:").format(heading=_("Commands")),
            _("Show this message and exit."),
        )
        event = _("Events: create, list, show, update, cancel, forget (its people).")
    english = "Show this message and exit."
    assert german != english
    assert german in cli.out("--lang", "de", "--help") and commands in cli.out("--lang", "de", "-h")
    assert german in cli.out("--help", "--lang", "de")
    assert _squashed(event)[:20] in _squashed(cli.out("--lang", "de", "--help"))  # its start
    assert english in cli.out("--help")
    monkeypatch.setenv("EVENTDESK_LANG", "de")
    assert german in cli.out("--help") and german in cli.out("event", "--help")
    monkeypatch.delenv("EVENTDESK_LANG")
    (cli.data_dir / "eventdesk.toml").write_text('[station]\nlanguage = "de"\n', encoding="utf-8")
    assert german in cli.out("--help") and german in cli.out("event", "list", "--help")
    assert english in cli.out("--lang", "en", "--help")
    (cli.data_dir / "eventdesk.toml").write_text("[station\n", encoding="utf-8")
    assert english in cli.out("--help")  # settings it cannot read: the help still shows


def test_a_group_without_its_command_shows_its_help_in_the_language(help_cli: Cli) -> None:
    cli = help_cli
    code, _out, err = cli.call("--lang", "fr", "event")
    with speaking("fr"):
        usage = _("Usage:")
    assert code == 2 and usage in err
