"""People: attendees (and their kiosk PIN) and staff accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from eventdesk.cli.access import desk_only, organizer_only
from eventdesk.cli.common import (
    Ctx,
    answers_offline,
    local,
    pass_ctx,
    table,
    to_jsonable,
)
from eventdesk.i18n import _, ngettext
from eventdesk.labels import label

if TYPE_CHECKING:  # the store loads SQLAlchemy: with the first command that opens it
    from eventdesk.db import Store
    from eventdesk.services.door.scans import Zones
    from eventdesk.services.people.attendees import AttendeeInfo
    from eventdesk.services.people.question_answers import GivenAnswer
    from eventdesk.services.people.registration import TicketInfo
    from eventdesk.services.stations.mirror import Mirror

    # What ``attendee show`` shows: the person, their tickets, the events' zones, the answers.
    Shown = tuple[AttendeeInfo, list[TicketInfo], Zones, dict[str, list[GivenAnswer]]]


# --- attendees ------------------------------------------------------------------------------
@click.group()
def attendee() -> None:
    """Attendee profiles, search and PINs."""


@attendee.command("add")
@click.option("--name", help="The whole name, as they write it (or --given and --family).")
@click.option("--given", metavar="TEXT", help="Their given name(s), apart from --family.")
@click.option("--family", metavar="TEXT", help="Their family name: the part lists sort under.")
@click.option("--email", required=True)
@click.option("--company")
@click.option("--phone")
@click.option("--pin", help="4 to 12 digits, for the kiosk lookup.")
@click.option("--language", metavar="CODE", help="The language a kiosk answers in (de, fr...).")
@click.option(
    "--badge-name", metavar="TEXT", help="A shorter name their badges print instead of --name."
)
@click.option("--note", metavar="TEXT", help="A staff note shown at the door, never printed.")
@pass_ctx
@desk_only
def attendee_add(
    obj: Ctx,
    name: str | None,
    given: str | None,
    family: str | None,
    email: str,
    company: str | None,
    phone: str | None,
    pin: str | None,
    language: str | None,
    badge_name: str | None,
    note: str | None,
) -> None:
    from eventdesk.services.people.attendees import add_attendee

    made = add_attendee(
        obj.store,
        name=name,
        given=given,
        family=family,
        email=email,
        company=company,
        phone=phone,
        pin=pin,
        language=language,
        badge_name=badge_name,
        note=note,
    )
    obj.emit(
        made,
        _("attendee {id}: {name} <{email}>").format(id=made.id, name=made.name, email=made.email),
    )


@attendee.command("find")
@click.argument("query", default="", required=False)
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@pass_ctx
@answers_offline
@desk_only
def attendee_find(obj: Ctx, query: str, limit: int) -> None:
    """Search by name, email, company or ticket id, as typed (accents and case ignored)."""
    from eventdesk.services.people.attendees import find_attendees
    from eventdesk.services.stations.mirror_read import find_in_copy

    rows = obj.server_or_copy(
        lambda store: find_attendees(store, query, limit=limit),
        lambda copy: find_in_copy(copy, query, limit=limit),
    )
    obj.emit(
        [{"id": a.id, "name": a.name, "email": a.email, "company": a.company} for a in rows],
        lambda: table(
            # TRANSLATORS: the headings of the table of attendees found
            [_("id"), _("name"), _("email"), _("company")],
            [(a.id, a.name, a.email, a.company) for a in rows],
        ),
    )


@attendee.command("show")
@click.argument("attendee_ref", metavar="ATTENDEE")
@pass_ctx
@answers_offline
@desk_only
def attendee_show(obj: Ctx, attendee_ref: str) -> None:
    from eventdesk.services.door.scans import event_zones
    from eventdesk.services.people.attendees import show_attendee
    from eventdesk.services.people.question_answers import answers_of_tickets
    from eventdesk.services.people.registration import tickets_of_attendee
    from eventdesk.services.stations.mirror_read import (
        answers_in_copy,
        person_of_ref,
        zones_in_copy,
    )

    def on_server(store: Store) -> Shown:
        person = show_attendee(store, attendee_ref)
        door = obj.config.door_event
        tickets = tickets_of_attendee(store, person.id)
        answers = answers_of_tickets(store, [t.id for t in tickets])
        return person, tickets, event_zones(store, station_event=door), answers

    def on_copy(copy: Mirror) -> Shown:
        person, copied = person_of_ref(copy, attendee_ref)
        tickets = [c.ticket for c in copied]
        zones = zones_in_copy(copy, obj.config.door_event)
        return person, tickets, zones, answers_in_copy(copy, [t.id for t in tickets])

    person, tickets, zones, given = obj.server_or_copy(on_server, on_copy)
    answered = {t.id: given[t.id] for t in tickets if given.get(t.id)}

    def human() -> str:
        head = _("{name} <{email}>  id {id}").format(
            name=person.name, email=person.email, id=person.id
        )
        extra = "  ".join(x for x in (person.company or "", person.phone or "") if x)
        # TRANSLATORS: under a person's name: the shorter name their badges print
        badge = _("badge name: {name}").format(name=person.badge_name)
        return "\n".join(
            [
                head,
                *([f"  {extra}"] if extra else []),
                *([f"  {badge}"] if person.badge_name else []),
                # TRANSLATORS: under a person's name: the staff's note on them
                *(["  " + _("note: {note}").format(note=person.note)] if person.note else []),
                *(
                    ["  " + _("arrival alert: {reason}").format(reason=person.alert)]
                    if person.alert
                    else []
                ),
                "",
                table(
                    # TRANSLATORS: the headings of the table of an attendee's tickets
                    [
                        _("ticket"),
                        _("event"),
                        _("type"),
                        _("status"),
                        _("seat"),
                        _("waitlist"),
                        _("checked in"),
                    ],
                    [
                        (
                            t.id,
                            t.event,
                            t.ticket_type,
                            label("ticket_status", t.status),
                            t.seat,
                            t.waitlist_position,
                            local(t.checked_in_at, zones.of(t.event)),
                        )
                        for t in tickets
                    ],
                ),
                *_answer_lines(answered),
            ]
        )

    obj.emit(
        {
            **to_jsonable(person),
            "tickets": tickets,
            "answers": {
                ticket: {a.key: a.value for a in answers} for ticket, answers in answered.items()
            },
        },
        human,
    )


def _answer_lines(answered: dict[str, list[GivenAnswer]]) -> list[str]:
    """Under a person's tickets: each ticket's answers to its event's questions, as asked."""
    if not answered:
        return []
    # TRANSLATORS: the heading of a person's answers to the events' registration questions
    lines = ["", _("answers:")]
    for ticket, answers in answered.items():
        lines.extend(f"  {ticket}  {a.text}: {a.value}" for a in answers)
    return lines


@attendee.command("update")
@click.argument("attendee_ref", metavar="ATTENDEE")
@click.option("--name")
@click.option("--given", metavar="TEXT", help="Their given name(s), apart from --family.")
@click.option("--family", metavar="TEXT", help="Their family name: the part lists sort under.")
@click.option("--email")
@click.option("--company")
@click.option("--phone")
@click.option("--language", metavar="CODE", help='Their language (de, fr...; "" clears it).')
@click.option(
    "--badge-name", metavar="TEXT", help='The name their badges print ("" clears it: the name).'
)
@click.option(
    "--alert",
    metavar="REASON",
    help="Tell the organizer when they arrive, and why (e.g. 'speaker, take to green room').",
)
@click.option("--no-alert", is_flag=True, help="No arrival alert for them any more.")
@click.option(
    "--note", metavar="TEXT", help='A staff note shown at the door ("" removes it); never printed.'
)
@pass_ctx
@organizer_only
def attendee_update(
    obj: Ctx,
    attendee_ref: str,
    name: str | None,
    given: str | None,
    family: str | None,
    email: str | None,
    company: str | None,
    phone: str | None,
    language: str | None,
    badge_name: str | None,
    alert: str | None,
    no_alert: bool,
    note: str | None,
) -> None:
    from eventdesk.services.door.alerts import alert_option, set_attendee_alert
    from eventdesk.services.people.attendees import update_attendee

    awaited = alert_option(alert, no_alert)
    made = update_attendee(
        obj.store,
        attendee_ref,
        name=name,
        given=given,
        family=family,
        email=email,
        company=company,
        phone=phone,
        language=language,
        badge_name=badge_name,
        note=note,
    )
    line = _("attendee {id}: {name} <{email}>").format(id=made.id, name=made.name, email=made.email)
    if awaited is not None:
        made = set_attendee_alert(obj.store, made.id, awaited)
    if made.alert:
        # TRANSLATORS: after a person or ticket type: the organizer is told when they arrive
        line += "  " + _("arrival alert: {reason}").format(reason=made.alert)
    obj.emit(made, line)


@attendee.command("set-pin")
@click.argument("attendee_ref", metavar="ATTENDEE")
@click.option("--pin", required=True)
@pass_ctx
@desk_only
def attendee_set_pin(obj: Ctx, attendee_ref: str, pin: str) -> None:
    from eventdesk.services.people.attendees import set_attendee_pin

    made = set_attendee_pin(obj.store, attendee_ref, pin)
    obj.emit({"id": made.id, "has_pin": True}, _("PIN set for {name}").format(name=made.name))


@attendee.command("forget")
@click.argument("attendee_ref", metavar="ATTENDEE")
@click.option("--yes", is_flag=True, help="Yes: forget this person (it cannot be undone).")
@pass_ctx
@organizer_only
def attendee_forget(obj: Ctx, attendee_ref: str, yes: bool) -> None:
    """Erase a person (GDPR article 17): a stable pseudonym everywhere they are stored; their
    tickets, payments and check-ins stay counted."""
    from eventdesk.errors import InvalidInput
    from eventdesk.services.people.attendees import show_attendee
    from eventdesk.services.people.forget import forget_attendee, forget_files, tickets_of

    person = show_attendee(obj.store, attendee_ref)
    if not yes:
        raise InvalidInput(
            _(
                "forgetting {name} <{email}> erases their name, e-mail, company, phone, badge "
                "name, staff notes, PIN and answers everywhere (counts stay): give --yes to go "
                "ahead"
            ).format(name=person.name, email=person.email),
            field="yes",
        )
    made = forget_attendee(obj.store, person.id, station=obj.station)
    forget_files(made, tickets_of(obj.store, person.id), obj.config.data_dir)
    data = {
        "attendee": made.attendee,
        "pseudonym": made.pseudonym,
        "erased": made.erased,
        "backups_still_holding": made.backups_still_holding,
    }

    def said() -> str:
        lines = [
            _("attendee {id} is now {pseudonym}").format(id=made.attendee, pseudonym=made.pseudonym)
        ]
        lines += [f"  {_(place)}: {count}" for place, count in made.erased.items()]
        if made.backups_still_holding:
            held = len(made.backups_still_holding)
            lines.append(
                "  "
                + ngettext(
                    "{count} backup taken before still holds them until pruned (backup --keep):",
                    "{count} backups taken before still hold them until pruned (backup --keep):",
                    held,
                ).format(count=held)
            )
            lines += [f"    {path}" for path in made.backups_still_holding]
        return "\n".join(lines)

    obj.emit(data, said)


@attendee.command("export-data")
@click.argument("attendee_ref", metavar="ATTENDEE")
@pass_ctx
@organizer_only
def attendee_export_data(obj: Ctx, attendee_ref: str) -> None:
    """Everything kept about a person (GDPR article 15), as JSON."""
    from eventdesk.cli.common import json_text
    from eventdesk.services.people.forget import personal_data

    found = personal_data(obj.store, attendee_ref)
    obj.emit(found, lambda: json_text(found, indent=2))


@attendee.command("login")
@click.argument("email")
@click.option("--pin", required=True)
@pass_ctx
def attendee_login(obj: Ctx, email: str, pin: str) -> None:
    """Check an attendee's email and PIN (exit 1 when wrong or locked)."""
    from eventdesk.services.people.attendees import show_attendee
    from eventdesk.services.people.auth import verify_attendee

    person = show_attendee(obj.store, verify_attendee(obj.store, email, pin))
    obj.emit(
        {"ok": True, "id": person.id, "name": person.name},
        _("PIN accepted: {name}").format(name=person.name),
    )


# --- staff ----------------------------------------------------------------------------------
@click.group()
def staff() -> None:
    """Staff accounts (organizer, staff, kiosk)."""


@staff.command("add")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["organizer", "staff", "kiosk"]))
@click.option("--pin", required=True)
@click.option(
    "--can-override", is_flag=True, help="May override a door's refusal (PIN and a reason)."
)
@pass_ctx
@organizer_only
def staff_add(obj: Ctx, name: str, role: str, pin: str, can_override: bool) -> None:
    from eventdesk.services.people.auth import add_staff

    made = add_staff(obj.store, name=name, role=role, pin=pin, can_override=can_override)
    obj.emit(
        {"id": made.id, "name": made.name, "role": made.role, "can_override": made.can_override},
        _("staff {id}: {name} ({role})").format(
            id=made.id, name=made.name, role=label("staff_role", made.role)
        ),
    )


@staff.command("list")
@pass_ctx
def staff_list(obj: Ctx) -> None:
    from eventdesk.services.people.auth import list_staff

    rows = list_staff(obj.store)
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the table of staff accounts
            [_("id"), _("name"), _("role"), _("active")],
            [
                (s.id, s.name, label("staff_role", s.role), _("yes") if s.active else _("no"))
                for s in rows
            ],
        ),
    )


@staff.command("disable")
@click.argument("name")
@pass_ctx
@organizer_only
def staff_disable(obj: Ctx, name: str) -> None:
    from eventdesk.services.people.auth import set_staff_active

    made = set_staff_active(obj.store, name, False)
    obj.emit(made, _("staff account {name} disabled").format(name=made.name))


@staff.command("enable")
@click.argument("name")
@pass_ctx
@organizer_only
def staff_enable(obj: Ctx, name: str) -> None:
    from eventdesk.services.people.auth import set_staff_active

    made = set_staff_active(obj.store, name, True)
    obj.emit(made, _("staff account {name} enabled").format(name=made.name))


@staff.command("update")
@click.argument("name")
@click.option(
    "--can-override/--no-override",
    default=None,
    help="May override a door's refusal (PIN and a reason), or not.",
)
@pass_ctx
@organizer_only
def staff_update(obj: Ctx, name: str, can_override: bool | None) -> None:
    """Change what a staff account may do."""
    from eventdesk.services.people.auth import set_staff_override

    if can_override is None:
        raise click.UsageError(_("nothing to change: give --can-override or --no-override"))
    made = set_staff_override(obj.store, name, can_override)
    obj.emit(
        made,
        (
            _("{name} may override a refusal")
            if made.can_override
            else _("{name} may not override a refusal")
        ).format(name=made.name),
    )


@staff.command("reset-pin")
@click.argument("name")
@click.option("--pin", required=True)
@pass_ctx
@organizer_only
def staff_reset_pin(obj: Ctx, name: str, pin: str) -> None:
    from eventdesk.services.people.auth import reset_staff_pin

    made = reset_staff_pin(obj.store, name, pin)
    obj.emit(made, _("new PIN set for {name}").format(name=made.name))


@staff.command("clear-kiosk-lock")
@click.argument("station")
@pass_ctx
@organizer_only
def staff_clear_kiosk_lock(obj: Ctx, station: str) -> None:
    """Lift the lock that wrong PINs put on a kiosk's F12 unlock (the kiosk's station name)."""
    from eventdesk.services.people.auth import clear_kiosk_lock

    cleared = clear_kiosk_lock(obj.store, station)
    obj.emit(
        {"station": station, "cleared": cleared},
        (
            _("kiosk {station}: unlock lock lifted, wrong tries forgotten")
            if cleared
            else _("kiosk {station}: unlock was not locked")
        ).format(station=station),
    )


@staff.command("login")
@click.argument("name")
@click.option("--pin", required=True)
@pass_ctx
def staff_login(obj: Ctx, name: str, pin: str) -> None:
    """Check a staff name and PIN (exit 1 when wrong, locked or disabled)."""
    from eventdesk.services.people.auth import verify_staff

    made = verify_staff(obj.store, name, pin)
    obj.emit(
        {"ok": True, "id": made.id, "name": made.name, "role": made.role},
        _("signed in: {name} ({role})").format(name=made.name, role=label("staff_role", made.role)),
    )


COMMANDS = [attendee, staff]
