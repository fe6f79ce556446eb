"""`checkin import-ticks FILE --at TIME --station NAME`: the ticks of a paper door list entered
as admissions from paper (services.stations.paper_ticks)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from eventdesk.cli.common import Ctx, local
from eventdesk.errors import InvalidInput
from eventdesk.event_time import event_zone, iso
from eventdesk.i18n import _, ngettext


def import_ticks(
    obj: Ctx, words: tuple[str, ...], at: str | None, station: str | None, operator: str | None
) -> None:
    """Read FILE's ticket ids (``-``: stdin) and enter them; a JSON of what became of them."""
    from eventdesk.services.stations.paper_ticks import enter_ticks, read_ticks

    if len(words) != 2:
        raise click.UsageError(
            _("usage: eventdesk checkin import-ticks FILE --at TIME --station NAME")
        )
    if not at:
        raise click.UsageError(_("--at TIME is required: when the paper was ticked"))
    if not station:
        raise click.UsageError(_("--station NAME is required (e.g. Paper)"))
    file = words[1]
    try:
        read = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise InvalidInput(
            _("cannot read {path}: {problem}").format(path=file, problem=problem or exc),
            field="file",
        ) from None
    ticks = enter_ticks(obj.store, read_ticks(read), at=at, station=station, operator=operator)
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
            {"ticket_id": t.ticket_id, "status": t.status} for t in ticks if t.outcome == "refused"
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
        lines = [*(t.words() for t in ticks if t.outcome != "admitted"), counts]
        if taken is not None and taken.at is not None:
            zone = event_zone(taken.timezone)
            # TRANSLATORS: after the counts of `checkin import-ticks`: the moment taken for --at
            lines.append(_("ticked at {when}").format(when=local(taken.at, zone)))
        return "\n".join(lines)

    obj.emit(data, human)
