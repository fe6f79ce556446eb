"""`checkin import-ticks FILE --at TIME --station NAME [--event EVENT] [--list LIST]`: the ticks
of a paper door list entered as admissions from paper, as the door of the event (and list)
would have decided them (services.stations.paper_ticks)."""

from __future__ import annotations

import sys
from typing import Any

import click

from eventdesk.cli.common import Ctx, local
from eventdesk.event_time import event_zone, iso
from eventdesk.i18n import _, ngettext


def import_ticks(
    obj: Ctx,
    words: tuple[str, ...],
    at: str | None,
    station: str | None,
    operator: str | None,
    event_ref: str | None,
    list_ref: str | None,
) -> None:
    """Read FILE's ticket ids (``-``: stdin) and enter them; a JSON of what became of them."""
    from eventdesk.door_event import settle_door
    from eventdesk.services.stations.paper_file import read_tick_file, read_ticks
    from eventdesk.services.stations.paper_ticks import enter_ticks
    from eventdesk.values import utcnow

    if len(words) != 2:
        raise click.UsageError(
            _(
                "usage: eventdesk checkin import-ticks FILE --at TIME --station NAME "
                "[--event EVENT] [--list LIST]"
            )
        )
    if not at:
        raise click.UsageError(_("--at TIME is required: when the paper was ticked"))
    if not station:
        raise click.UsageError(_("--station NAME is required (e.g. Paper)"))
    ticket_ids = read_ticks(read_tick_file(words[1], sys.stdin.buffer))
    # The door's event(s), as `checkin` takes them: --event, else the station's own setting
    # (kept nothing new: entering a paper list chooses no door's event; and an event that has
    # ended is still the paper's, as the paper is entered afterwards).
    events = settle_door(obj.config, obj.store, given=event_ref, now=utcnow(), keep=False).slug
    ticks = enter_ticks(
        obj.store,
        ticket_ids,
        at=at,
        station=station,
        events=events,
        checkin_list=list_ref,
        operator=operator,
    )
    data: dict[str, Any] = {
        "admitted": [t.ticket_id for t in ticks if t.outcome == "admitted"],
        "conflicts": [
            {
                "ticket_id": t.ticket_id,
                "other_station": t.other_station,
                "other_at": iso(t.other_at, event_zone(t.timezone)) if t.other_at else None,
            }
            for t in ticks
            if t.outcome == "conflict"
        ],
        "unknown": [t.ticket_id for t in ticks if t.outcome == "unknown"],
        "refused": [
            {
                "ticket_id": t.ticket_id,
                "status": t.status,
                "ticket": t.ticket_id,
                "why": t.why,
                "result": t.result,
                "rule": t.decision.rule if t.decision is not None else None,
            }
            for t in ticks
            if t.outcome == "refused"
        ],
        # Admitted where the rules let unpaid tickets in: what each still owes (in cents).
        "due": [
            {"ticket": t.ticket_id, "due": t.due, "currency": t.currency}
            for t in ticks
            if t.outcome == "admitted" and t.due > 0
        ],
    }
    # When the paper was ticked, as taken: a clock alone is its last moment before now (the
    # day before, when that time has not come yet today), said so that no one guesses.
    taken = next((t for t in ticks if t.at is not None), None)
    if taken is not None and taken.at is not None:
        data["ticked_at"] = iso(taken.at, event_zone(taken.timezone))

    def human() -> str:
        counts = ngettext(
            "{count} tick entered from paper: {admitted} admitted, {conflicts} in conflict, "
            "{unknown} unknown, {refused} refused",
            "{count} ticks entered from paper: {admitted} admitted, {conflicts} in conflict, "
            "{unknown} unknown, {refused} refused",
            len(ticks),
        ).format(
            count=len(ticks),
            admitted=len(data["admitted"]),
            conflicts=len(data["conflicts"]),
            unknown=len(data["unknown"]),
            refused=len(data["refused"]),
        )
        lines = [
            *(t.words() for t in ticks if t.outcome != "admitted" or t.due > 0),
            counts,
        ]
        if taken is not None and taken.at is not None:
            zone = event_zone(taken.timezone)
            # TRANSLATORS: after the counts of `checkin import-ticks`: the moment taken for --at
            lines.append(_("ticked at {when}").format(when=local(taken.at, zone)))
        return "\n".join(lines)

    obj.emit(data, human)
