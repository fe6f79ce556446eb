"""The command line in the station's language (`--lang`, docs/cli.md): messages, errors and a
report's headings translated, the `--json` keys and exit codes the same in every language."""

from __future__ import annotations

from datetime import timedelta

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
