"""Events and what they sell: venues, events, sessions and ticket types."""

from __future__ import annotations

from typing import Any

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import (
    Ctx,
    local,
    pass_ctx,
    table,
    to_jsonable,
)
from eventdesk.i18n import _, ngettext
from eventdesk.labels import label
from eventdesk.values import format_cents, parse_amount


# --- venues ---------------------------------------------------------------------------------
@click.group()
def venue() -> None:
    """Venues (with optional numbered seats)."""


@venue.command("add")
@click.option("--name", required=True)
@click.option("--address")
@click.option("--capacity", type=int)
@click.option("--seats", metavar="SPEC", help="Numbered seats, e.g. 'A1-A20,B1-B20'.")
@pass_ctx
@organizer_only
def venue_add(
    obj: Ctx, name: str, address: str | None, capacity: int | None, seats: str | None
) -> None:
    from eventdesk.services.catalogue.events import add_venue

    made = add_venue(obj.store, name=name, address=address, capacity=capacity, seats=seats)
    obj.emit(
        made,
        ngettext(
            "venue {id}: {name} ({seats} seat)", "venue {id}: {name} ({seats} seats)", made.seats
        ).format(id=made.id, name=made.name, seats=made.seats),
    )


@venue.command("list")
@pass_ctx
def venue_list(obj: Ctx) -> None:
    from eventdesk.services.catalogue.events import list_venues

    rows = list_venues(obj.store)
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the table of venues
            [_("id"), _("name"), _("capacity"), _("seats"), _("address")],
            [(v.id, v.name, v.capacity, v.seats, v.address) for v in rows],
        ),
    )


# --- events ---------------------------------------------------------------------------------
@click.group()
def event() -> None:
    """Events: create, list, show, update, cancel, forget (its people)."""


def _event_human(e: Any) -> str:
    # TRANSLATORS: an event's capacity when it has no limit
    cap = _("unlimited") if e.capacity is None else str(e.capacity)
    return "\n".join(
        [
            # TRANSLATORS: {status} and {visibility} are the event's status and visibility, as
            # their own messages say them (scheduled, public...)
            _("{title}  [{slug}, id {id}]  {status}, {visibility}").format(
                title=e.title,
                slug=e.slug,
                id=e.id,
                status=label("event_status", e.status),
                visibility=label("visibility", e.visibility),
            ),
            f"  {local(e.starts_at, e.zone)} - {local(e.ends_at, e.zone)} ({e.timezone})",
            "  "
            + _("venue: {venue}   category: {category}").format(
                venue=e.venue or "-", category=e.category or "-"
            ),
            "  "
            + _("registered {registered} / {capacity}   waitlisted {waitlisted}").format(
                registered=e.registered, capacity=cap, waitlisted=e.waitlisted
            ),
            *(
                ["  " + _("invite code: {code}").format(code=e.invite_code)]
                if e.invite_code
                else []
            ),
        ]
    )


@event.command("forget")
@click.argument("event_ref", metavar="EVENT")
@click.option("--yes", is_flag=True, help="Yes: forget the event's people.")
@click.option(
    "--after-days",
    type=click.IntRange(0, 3650),
    default=0,
    show_default=True,
    help="Only once the event ended this many days ago (a retention period).",
)
@pass_ctx
@organizer_only
def event_forget(obj: Ctx, event_ref: str, yes: bool, after_days: int) -> None:
    """Forget every person of a finished event (not those with a ticket still to come)."""
    from eventdesk.errors import InvalidInput
    from eventdesk.services.people.forget import forget_event, forget_files, tickets_of

    if not yes:
        raise InvalidInput(
            _(
                "event forget erases the names, e-mails, companies, phones, PINs and answers of "
                "the event's people (counts stay): give --yes to go ahead"
            ),
            field="yes",
        )
    made = forget_event(obj.store, event_ref, after_days=after_days, station=obj.station)
    erased: dict[str, int] = {}
    backups: list[str] = []
    for one in made:
        forget_files(one, tickets_of(obj.store, one.attendee), obj.config.data_dir)
        for place, count in one.erased.items():
            erased[place] = erased.get(place, 0) + count
        backups = one.backups_still_holding
    obj.emit(
        {"attendees": len(made), "erased": erased, "backups_still_holding": backups},
        ngettext("{count} person forgotten", "{count} people forgotten", len(made)).format(
            count=len(made)
        )
        + "".join(f"\n  {_(place)}: {count}" for place, count in erased.items())
        + (
            "\n  "
            + ngettext(
                "{count} backup taken before still holds them until pruned",
                "{count} backups taken before still hold them until pruned",
                len(backups),
            ).format(count=len(backups))
            if backups
            else ""
        ),
    )


@event.command("create")
@click.option("--name", required=True, help="The event's title, as people read it.")
@click.option(
    "--starts", required=True, metavar="ISO", help="When it starts, e.g. 2030-05-14T09:00."
)
@click.option("--ends", required=True, metavar="ISO", help="When it ends (after it starts).")
@click.option(
    "--capacity",
    type=int,
    help="Places in all (default: the venue's, else no limit); past it, the waitlist.",
)
@click.option("--venue", help="Where it is: a venue's id or name (`venue add` makes one).")
@click.option("--category", help="A word to sort and find events by (Conference, Workshop...).")
@click.option(
    "--visibility",
    type=click.Choice(["public", "private", "invite"]),
    default="public",
    show_default=True,
    help="public: listed; private: not listed; invite: registering needs its invite code.",
)
@click.option(
    "--timezone", default="UTC", show_default=True, help="Zone for times given without an offset."
)
@click.option("--description", help="A longer text about the event.")
@click.option("--slug", help="Its short name in commands and URLs (default: made of the name).")
@click.option(
    "--no-waitlist", is_flag=True, help="Refuse registrations when full instead of waitlisting."
)
@click.option(
    "--unpaid",
    type=click.Choice(["refuse", "admit"]),
    default="refuse",
    show_default=True,
    help="At the door: refuse unpaid tickets, or admit them with a flag.",
)
@click.option("--reentry/--no-reentry", default=False, help="Allow exit scans and re-entry.")
@click.option("--invite-code", help="An invite-only event's code (default: a random one).")
@pass_ctx
@organizer_only
def event_create(
    obj: Ctx,
    name: str,
    starts: str,
    ends: str,
    capacity: int | None,
    venue: str | None,
    category: str | None,
    visibility: str,
    timezone: str,
    description: str | None,
    slug: str | None,
    no_waitlist: bool,
    unpaid: str,
    reentry: bool,
    invite_code: str | None,
) -> None:
    """Create an event: its name and times, and who may register and how."""
    from eventdesk.services.catalogue.events import create_event

    made = create_event(
        obj.store,
        name=name,
        starts=starts,
        ends=ends,
        capacity=capacity,
        venue=venue,
        category=category,
        visibility=visibility,
        timezone=timezone,
        description=description,
        slug=slug,
        waitlist=not no_waitlist,
        station=obj.station,
        unpaid_policy=unpaid,
        allow_reentry=reentry,
        invite_code=invite_code,
    )
    obj.emit({"id": made.id, "slug": made.slug, **to_jsonable(made)}, lambda: _event_human(made))


@event.command("list")
@click.option("--category")
@click.option("--venue")
@click.option("--from", "starts_from", metavar="ISO")
@click.option("--until", "starts_until", metavar="ISO")
@click.option("--all", "include_all", is_flag=True, help="Private events too.")
@pass_ctx
def event_list(
    obj: Ctx,
    category: str | None,
    venue: str | None,
    starts_from: str | None,
    starts_until: str | None,
    include_all: bool,
) -> None:
    from eventdesk.services.catalogue.events import list_events

    rows = list_events(
        obj.store,
        category=category,
        venue=venue,
        starts_from=starts_from,
        starts_until=starts_until,
        include_hidden=include_all,
    )
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the table of events
            [
                _("id"),
                _("slug"),
                _("title"),
                _("starts"),
                _("status"),
                _("registered"),
                _("capacity"),
                _("waitlisted"),
            ],
            [
                (
                    e.id,
                    e.slug,
                    e.title,
                    local(e.starts_at, e.zone),
                    label("event_status", e.status),
                    e.registered,
                    e.capacity,
                    e.waitlisted,
                )
                for e in rows
            ],
        ),
    )


@event.command("show")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def event_show(obj: Ctx, event_ref: str) -> None:
    from eventdesk.services.catalogue.events import show_event
    from eventdesk.services.catalogue.program import list_sessions, list_ticket_types

    made = show_event(obj.store, event_ref)
    types = list_ticket_types(obj.store, made.slug)
    sessions = list_sessions(obj.store, made.slug)

    def human() -> str:
        return "\n".join(
            [
                _event_human(made),
                "",
                table(
                    # TRANSLATORS: the headings of the table of ticket types
                    [
                        _("ticket type"),
                        _("price"),
                        _("tier"),
                        _("sold"),
                        _("quantity"),
                        _("attention"),
                    ],
                    [
                        (
                            t.name,
                            format_cents(t.price_cents, t.currency),
                            t.priority_tier,
                            t.registered,
                            t.quantity,
                            t.attention,
                        )
                        for t in types
                    ],
                ),
                "",
                table(
                    # TRANSLATORS: the headings of the table of sessions
                    [
                        _("session"),
                        _("id"),
                        _("room"),
                        _("starts"),
                        _("registered"),
                        _("capacity"),
                    ],
                    [
                        (
                            s.name,
                            s.id,
                            s.room,
                            local(s.starts_at, made.zone),
                            s.registered,
                            s.capacity,
                        )
                        for s in sessions
                    ],
                ),
            ]
        )

    obj.emit({**to_jsonable(made), "ticket_types": types, "sessions": sessions}, human)


@event.command("update")
@click.argument("event_ref", metavar="EVENT")
@click.option("--name")
@click.option("--starts", metavar="ISO")
@click.option("--ends", metavar="ISO")
@click.option("--capacity", type=int)
@click.option("--unlimited", is_flag=True, help="Remove the capacity limit.")
@click.option("--venue")
@click.option("--category")
@click.option("--visibility", type=click.Choice(["public", "private", "invite"]))
@click.option("--description")
@click.option("--waitlist/--no-waitlist", default=None)
@click.option(
    "--unpaid", type=click.Choice(["refuse", "admit"]), help="Door policy for unpaid tickets."
)
@click.option("--reentry/--no-reentry", default=None, help="Allow exit scans and re-entry.")
@click.option(
    "--checkin-opens", metavar="ISO", help="When the door opens (default: a day before start)."
)
@click.option(
    "--checkin-closes", metavar="ISO", help="When the door closes (default: 6 h after the end)."
)
@click.option("--invite-code", help="Set the invite-only event's code.")
@click.option("--new-invite-code", is_flag=True, help="Give the event a new random invite code.")
@pass_ctx
@organizer_only
def event_update(
    obj: Ctx,
    event_ref: str,
    name: str | None,
    starts: str | None,
    ends: str | None,
    capacity: int | None,
    unlimited: bool,
    venue: str | None,
    category: str | None,
    visibility: str | None,
    description: str | None,
    waitlist: bool | None,
    unpaid: str | None,
    reentry: bool | None,
    checkin_opens: str | None,
    checkin_closes: str | None,
    invite_code: str | None,
    new_invite_code: bool,
) -> None:
    """Change an event; more capacity promotes people from the waitlist at once."""
    from eventdesk.cli.event_changes import change_lines, changed_fields
    from eventdesk.services.catalogue.events import show_event, update_event

    before = show_event(obj.store, event_ref)
    made = update_event(
        obj.store,
        event_ref,
        name=name,
        starts=starts,
        ends=ends,
        capacity=capacity,
        clear_capacity=unlimited,
        venue=venue,
        category=category,
        visibility=visibility,
        description=description,
        waitlist=waitlist,
        station=obj.station,
        unpaid_policy=unpaid,
        allow_reentry=reentry,
        checkin_opens=checkin_opens,
        checkin_closes=checkin_closes,
        invite_code=invite_code,
        new_invite_code=new_invite_code,
    )
    changed = changed_fields(before, made)
    given = {
        "allow_reentry": reentry,
        "waitlist_enabled": waitlist,
        "unpaid_policy": unpaid,
        "checkin_opens_at": checkin_opens,
        "checkin_closes_at": checkin_closes,
    }
    asked = {key for key, value in given.items() if value is not None}
    obj.emit(
        {**to_jsonable(made), "changed": changed},
        lambda: "\n".join([_event_human(made), *change_lines(changed, asked, made)]),
    )


@event.command("cancel")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
@organizer_only
def event_cancel(obj: Ctx, event_ref: str) -> None:
    from eventdesk.services.catalogue.events import cancel_event

    made = cancel_event(obj.store, event_ref, station=obj.station)
    obj.emit(made, _("event {event} cancelled").format(event=made.slug))


# --- sessions and ticket types --------------------------------------------------------------
@click.group("session")
def session_group() -> None:
    """Sessions and workshops inside an event: add, list, update, cancel."""


@session_group.command("add")
@click.argument("event_ref", metavar="EVENT")
@click.option("--name", required=True)
@click.option("--starts", required=True, metavar="ISO")
@click.option("--ends", required=True, metavar="ISO")
@click.option("--capacity", type=int)
@click.option("--room")
@pass_ctx
@organizer_only
def session_add(
    obj: Ctx,
    event_ref: str,
    name: str,
    starts: str,
    ends: str,
    capacity: int | None,
    room: str | None,
) -> None:
    from eventdesk.services.catalogue.program import add_session

    made = add_session(
        obj.store, event_ref, name=name, starts=starts, ends=ends, capacity=capacity, room=room
    )
    obj.emit(made, _("session {id}: {name}").format(id=made.id, name=made.name))


@session_group.command("list")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def session_list(obj: Ctx, event_ref: str) -> None:
    from eventdesk.services.catalogue.program import list_sessions

    rows = list_sessions(obj.store, event_ref)
    zone = obj.zones().of(event_ref)
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the table of sessions
            [_("id"), _("name"), _("room"), _("starts"), _("registered"), _("capacity")],
            [
                (
                    s.id,
                    # TRANSLATORS: a session in the list of sessions, cancelled
                    _("{session} (cancelled)").format(session=s.name) if s.cancelled else s.name,
                    s.room,
                    local(s.starts_at, zone),
                    s.registered,
                    s.capacity,
                )
                for s in rows
            ],
        ),
    )


@session_group.command("update")
@click.argument("session_id", metavar="ID", type=int)
@click.option("--name")
@click.option("--starts", metavar="ISO")
@click.option("--ends", metavar="ISO")
@click.option("--capacity", type=int, help="More promotes from the session's waitlist.")
@click.option("--unlimited", is_flag=True, help="Remove the capacity limit.")
@click.option("--room", help="An empty one clears it.")
@pass_ctx
@organizer_only
def session_update(
    obj: Ctx,
    session_id: int,
    name: str | None,
    starts: str | None,
    ends: str | None,
    capacity: int | None,
    unlimited: bool,
    room: str | None,
) -> None:
    """Change a session; more capacity gives its waitlist's seats a place at once, less than
    the seats held is refused."""
    from eventdesk.services.catalogue.program import change_session

    if capacity is not None and unlimited:
        raise click.UsageError(_("give --capacity N or --unlimited, not both"))
    if (name, starts, ends, capacity, room) == (None,) * 5 and not unlimited:
        raise click.UsageError(
            _("nothing to change: give --name, --starts, --ends, --capacity, --unlimited or --room")
        )
    made = change_session(
        obj.store,
        None,
        session_id,
        name=name,
        starts=starts,
        ends=ends,
        capacity=capacity,
        clear_capacity=unlimited,
        room=room,
        station=obj.station,
    )
    said = _("session {id}: {name}").format(id=made.session.id, name=made.session.name)
    if made.promoted:
        # TRANSLATORS: after "session 3: Workshop": the tickets whose seats got a place
        said += "; " + _("off its waitlist: {tickets}").format(tickets=", ".join(made.promoted))
    obj.emit({**to_jsonable(made.session), "promoted": list(made.promoted)}, said)


@session_group.command("cancel")
@click.argument("session_id", metavar="ID", type=int)
@pass_ctx
@organizer_only
def session_cancel(obj: Ctx, session_id: int) -> None:
    """Cancel a session: its seats are freed, its waitlist dropped, its door admits nobody;
    the desk's card shows it cancelled on its holders' tickets."""
    from eventdesk.services.catalogue.program import cancel_session

    made = cancel_session(obj.store, session_id, station=obj.station)
    info = made.session
    said = ngettext(
        "session {id} ({name}) cancelled: {count} seat freed",
        "session {id} ({name}) cancelled: {count} seats freed",
        len(made.seats_freed),
    ).format(id=info.id, name=info.name, count=len(made.seats_freed))
    if made.waitlist_dropped:
        said += "; " + ngettext(
            "{count} seat was waiting for it",
            "{count} seats were waiting for it",
            len(made.waitlist_dropped),
        ).format(count=len(made.waitlist_dropped))
    obj.emit(
        {
            **to_jsonable(info),
            "seats_freed": list(made.seats_freed),
            "waitlist_dropped": list(made.waitlist_dropped),
        },
        said,
    )


@click.group("ticket-type", invoke_without_command=False)
def ticket_type_group() -> None:
    """Ticket types of an event."""


@ticket_type_group.command("add")
@click.argument("event_ref", metavar="EVENT")
@click.option("--name", required=True)
@click.option("--price", required=True, help="e.g. 12.50")
@click.option("--currency", default="EUR", show_default=True)
@click.option("--quantity", type=int)
@click.option(
    "--tier",
    type=int,
    default=1,
    show_default=True,
    help="Lower is served first from the waitlist.",
)
@click.option("--attention", metavar="TEXT", help="Shown at check-in, e.g. 'Check student ID'.")
@click.option("--sales-start", metavar="ISO")
@click.option("--sales-end", metavar="ISO")
@click.option(
    "--needs-staff", is_flag=True, help="A self-service kiosk sends it to the desk (ID check)."
)
@pass_ctx
@organizer_only
def ticket_type_add(
    obj: Ctx,
    event_ref: str,
    name: str,
    price: str,
    currency: str,
    quantity: int | None,
    tier: int,
    attention: str | None,
    sales_start: str | None,
    sales_end: str | None,
    needs_staff: bool,
) -> None:
    from eventdesk.services.catalogue.program import add_ticket_type

    made = add_ticket_type(
        obj.store,
        event_ref,
        name=name,
        price_cents=parse_amount(price, "price"),
        currency=currency,
        quantity=quantity,
        tier=tier,
        attention=attention,
        sales_start=sales_start,
        sales_end=sales_end,
        needs_staff=needs_staff,
    )
    obj.emit(
        made,
        _("ticket type {id}: {name} {price}").format(
            id=made.id, name=made.name, price=format_cents(made.price_cents, made.currency)
        ),
    )


@ticket_type_group.command("update")
@click.argument("event_ref", metavar="EVENT")
@click.argument("type_ref", metavar="TICKET_TYPE")
@click.option(
    "--alert",
    metavar="REASON",
    help="Tell the organizer when one of its holders arrives, and why (e.g. 'VIP: greet').",
)
@click.option("--no-alert", is_flag=True, help="No arrival alert for its holders any more.")
@pass_ctx
@organizer_only
def ticket_type_update(
    obj: Ctx, event_ref: str, type_ref: str, alert: str | None, no_alert: bool
) -> None:
    """Change a ticket type (by name or id) of EVENT."""
    from eventdesk.services.door.alerts import alert_option, set_ticket_type_alert

    awaited = alert_option(alert, no_alert)
    if awaited is None:
        raise click.UsageError(_("nothing to change: give --alert REASON or --no-alert"))
    made = set_ticket_type_alert(obj.store, event_ref, type_ref, awaited)
    line = _("ticket type {id}: {name} {price}").format(
        id=made.id, name=made.name, price=format_cents(made.price_cents, made.currency)
    )
    if made.alert:
        # TRANSLATORS: after a person or ticket type: the organizer is told when they arrive
        line += "  " + _("arrival alert: {reason}").format(reason=made.alert)
    obj.emit(made, line)


@ticket_type_group.command("list")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
def ticket_type_list(obj: Ctx, event_ref: str) -> None:
    from eventdesk.services.catalogue.program import list_ticket_types

    rows = list_ticket_types(obj.store, event_ref)
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the table of ticket types
            [
                _("id"),
                _("name"),
                _("price"),
                _("tier"),
                _("sold"),
                _("quantity"),
                _("attention"),
            ],
            [
                (
                    t.id,
                    t.name,
                    format_cents(t.price_cents, t.currency),
                    t.priority_tier,
                    t.registered,
                    t.quantity,
                    t.attention,
                )
                for t in rows
            ],
        ),
    )


COMMANDS = [venue, event, session_group, ticket_type_group]
