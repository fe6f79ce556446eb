"""Check-in lists: which tickets a door admits, when, how often, and what it asks
(services.door.lists)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import Ctx, pass_ctx, table
from eventdesk.i18n import _

if TYPE_CHECKING:
    from eventdesk.services.door.list_changes import ListChange


@click.group("checkin-list")
def checkin_list() -> None:
    """Check-in lists: what each door admits (types, sessions, days, hours, entries,
    questions)."""


def _rule_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--ticket-types",
                metavar="T1,T2",
                help="Admit only these ticket types (names or ids).",
            ),
            click.option(
                "--sessions",
                metavar="ID,...",
                help="Admit only tickets registered for one of these.",
            ),
            click.option(
                "--entries",
                type=click.Choice(["once", "daily", "unlimited"]),
                help="How many entries a ticket gets: once, once a day, or unlimited (an exit "
                "between two).",
            ),
            click.option(
                "--open",
                "hours",
                multiple=True,
                metavar="[DAY@]HH:MM-HH:MM",
                help="Opening hours in the event's zone, every day or one day's (again for more).",
            ),
            click.option(
                "--days",
                metavar="ISO,...",
                help="The days it is open: ISO dates, or the event's day numbers (1 is the first).",
            ),
            click.option(
                "--unpaid",
                type=click.Choice(["admit", "refuse"]),
                help="Unpaid tickets: admitted (with a flag to collect) or refused.",
            ),
            click.option(
                "--staff-pass/--no-staff-pass",
                default=None,
                help="Tickets that need staff pass at self-service kiosks too.",
            ),
            click.option(
                "--min-gap",
                "min_gap",
                type=int,
                metavar="MINUTES",
                help="The least time between two entries of a ticket.",
            ),
            click.option(
                "--question",
                "questions",
                multiple=True,
                metavar="KEY:yesno|text|choice=A|B:TEXT[:required]",
                help="A question asked at admission (again for more; replaces the list's).",
            ),
        ]
    ):
        command = option(command)
    return command


ALIASES = {"min_gap": "min_gap_minutes", "open": "hours", "ticket-types": "ticket_types"}


def _change(name: str | None, options: dict[str, Any]) -> ListChange:
    from eventdesk.services.door.list_changes import ListChange

    def split(text: str | None) -> list[str] | None:
        return None if text is None else [p.strip() for p in text.split(",")]

    return ListChange(
        name=name,
        ticket_types=split(options["ticket_types"]),
        sessions=split(options["sessions"]),
        entries=options["entries"],
        days=options["days"],
        hours=list(options["hours"]) or None,
        unpaid=options["unpaid"],
        staff_pass=options["staff_pass"],
        min_gap_minutes=options["min_gap"],
        questions=list(options["questions"]) or None,
        clear=tuple(ALIASES.get(c, c) for c in options.get("clear") or ()),
    )


def _shown(obj: Ctx, found: Any) -> None:
    from eventdesk.services.door.list_changes import describe

    data = describe(obj.store, found)

    def human() -> str:
        lines = [f"{data['name']} ({data['event']}/{data['slug']})"]
        lines += [f"  {line}" for line in data["rules"]]
        lines.append(
            "  "
            + _("admitted: {admitted}, inside now: {inside}").format(
                admitted=data["admitted"], inside=data["inside"]
            )
        )
        return "\n".join(lines)

    obj.emit(data, human)


@checkin_list.command("create")
@click.argument("event_ref", metavar="EVENT")
@click.option("--name", required=True)
@_rule_options
@pass_ctx
@organizer_only
def list_create(obj: Ctx, event_ref: str, name: str, **options: Any) -> None:
    """A new check-in list on EVENT."""
    from eventdesk.services.door.list_changes import create_list

    made = create_list(obj.store, event_ref, _change(name, options))
    obj.emit(
        {"id": made.id, "slug": made.slug, "name": made.name},
        _("check-in list {id}: {name} ({slug})").format(id=made.id, name=made.name, slug=made.slug),
    )


@checkin_list.command("update")
@click.argument("list_ref", metavar="LIST")
@click.option("--name")
@_rule_options
@click.option(
    "--clear",
    multiple=True,
    metavar="RULE",
    help="Lift a rule: ticket_types, sessions, entries, days, hours, unpaid, min_gap_minutes, "
    "questions (again for more).",
)
@pass_ctx
@organizer_only
def list_update(obj: Ctx, list_ref: str, name: str | None, **options: Any) -> None:
    """Change a list's rules (LIST: its id, EVENT/SLUG, or a slug one event has; the default
    list is EVENT/default)."""
    from eventdesk.services.door.list_changes import update_list

    _shown(obj, update_list(obj.store, list_ref, _change(name, options)))


@checkin_list.command("delete")
@click.argument("list_ref", metavar="LIST")
@pass_ctx
@organizer_only
def list_delete(obj: Ctx, list_ref: str) -> None:
    """Delete a list with its admissions and answers (the scan log keeps its scans)."""
    from eventdesk.services.door.list_changes import delete_list

    gone = delete_list(obj.store, list_ref)
    obj.emit(
        {"id": gone.id, "slug": gone.slug, "deleted": True},
        (
            _("check-in list {name} deleted (the default list admits every valid ticket again)")
            if gone.is_default
            else _("check-in list {name} deleted")
        ).format(name=gone.name),
    )


@checkin_list.command("show")
@click.argument("list_ref", metavar="LIST")
@pass_ctx
def list_show(obj: Ctx, list_ref: str) -> None:
    """A list's rules in words, how many it admitted and who is inside now."""
    from eventdesk.services.door.list_changes import find_list

    _shown(obj, find_list(obj.store, list_ref))


@checkin_list.command("list")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def list_list(obj: Ctx, event_ref: str) -> None:
    """An event's check-in lists, the default first."""
    from eventdesk.services.door.list_changes import describe, lists_of

    rows = [describe(obj.store, found) for found in lists_of(obj.store, event_ref)]
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the table of check-in lists
            [_("id"), _("slug"), _("name"), _("admitted"), _("inside"), _("rules")],
            [
                (
                    r["id"] or "-",
                    r["slug"],
                    r["name"],
                    r["admitted"],
                    r["inside"],
                    "; ".join(r["rules"]),
                )
                for r in rows
            ],
        ),
    )


COMMANDS = [checkin_list]
