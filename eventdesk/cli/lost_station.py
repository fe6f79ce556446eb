"""``station accept-outbox STATION --from PATH``: what a lost station's copy held, listed with
what would become of each row, then taken through that station's own checks on the server when
the organizer says so (services.stations.lost_copy).

``--dry-run`` lists and takes nothing. At a terminal the organizer is asked, after the list;
``--yes`` takes without asking (scripts); elsewhere, without ``--yes``, nothing is taken and the
way to take it is said (exit 2).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eventdesk.cli.common import Ctx, say, table, to_jsonable
from eventdesk.errors import InvalidInput
from eventdesk.event_time import UTC_ZONE, show
from eventdesk.i18n import _, ngettext

if TYPE_CHECKING:
    from eventdesk.services.stations.lost_copy import Accepted, LostRow


def _fate_words(row: LostRow) -> str:
    if row.fate == "taken":
        return _("taken")
    if row.fate == "after":
        return _("not taken: {why}").format(why=row.why)
    return _("refused: {why}").format(why=row.why)


def _table(done: Accepted) -> str:
    return table(
        # TRANSLATORS: the headings of the list of a lost station's rows
        [_("row"), _("kind"), _("ticket"), _("at"), _("decided"), _("becomes")],
        [
            (
                str(row.seq),
                row.kind,
                row.ticket_id or "-",
                show(row.at, UTC_ZONE),
                row.result,
                _fate_words(row),
            )
            for row in done.rows
        ],
    )


def _json(done: Accepted, *, taken: bool) -> dict[str, Any]:
    return {
        "station": done.station,
        "taken": done.uploaded if taken else 0,
        "would_take": done.uploaded,
        "uploaded": done.uploaded if taken else 0,
        "conflicts": done.conflicts,
        "refused": [{"row": r.seq, "why": r.why} for r in done.rows if r.fate == "refused"],
        "after_revocation": done.after_revocation,
        "revoked_at": to_jsonable(done.revoked_at),
        "synced_at": to_jsonable(done.synced_at),
        "rows": [
            {
                "row": r.seq,
                "kind": r.kind,
                "ticket_id": r.ticket_id,
                "at": to_jsonable(r.at),
                "result": r.result,
                "fate": r.fate,
                "why": r.why or None,
            }
            for r in done.rows
        ],
    }


def _summary(done: Accepted, *, taken: bool) -> str:
    said = (
        _(
            "{station}: {uploaded} uploaded ({conflicts} conflicts), {refused} refused, {later} "
            "decided after it was revoked (not taken)"
        )
        if taken
        else _(
            "{station}: {uploaded} would be taken ({conflicts} conflicts), {refused} refused, "
            "{later} decided after it was revoked (not taken); nothing taken yet"
        )
    )
    return said.format(
        station=done.station,
        uploaded=done.uploaded,
        conflicts=done.conflicts,
        refused=done.refused,
        later=done.after_revocation,
    )


def accept_outbox(obj: Ctx, station: str, source: Path, *, dry_run: bool, yes: bool) -> None:
    from eventdesk.services.stations.lost_copy import accept, look

    looked = look(obj.store, station, source)
    if dry_run or not looked.rows:
        obj.emit(
            _json(looked, taken=False),
            lambda: _table(looked) + "\n" + _summary(looked, taken=False),
        )
        return
    if not yes:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise InvalidInput(
                _(
                    "accept-outbox lists what it would take first: add --yes to take it, or "
                    "--dry-run to list it"
                ),
                field="yes",
            )
        say(_table(looked), err=True)
        say(_summary(looked, taken=False), err=True)
        asked = ngettext(
            "Take {count} row of {station}'s copy?",
            "Take {count} rows of {station}'s copy?",
            looked.uploaded,
        ).format(count=looked.uploaded, station=station)
        if not click.confirm(asked, default=False, err=True):
            obj.emit(_json(looked, taken=False), _("nothing taken"))
            return
    done = accept(obj.store, station, source)
    obj.emit(_json(done, taken=True), lambda: _table(done) + "\n" + _summary(done, taken=True))
