"""What a lost station's copy held, taken when an organizer says so (``eventdesk station
accept-outbox STATION --from PATH``).

A revoked station (``station revoke``) is given its key no more, so its copy stays noise to
whoever holds it. When the station (or its disk) comes back, an organizer reads its copy with the
key the server kept and uploads what its outbox held, as the station's own sync would have and
through the same checks on the server: the organizer's login acts as that station, of the kind
its login was (services.stations.sync.acting_as), so a line that is not its ticket's, an undo of
another station's check-in or an override no copy could have checked is refused as it would be
from the station itself. What the server takes is cut off by its own record of the station, not
by the copy's clock: a row dated before the station last uploaded everything it had
(services.stations.seen) would have been uploaded then, and a row dated after its revocation was
decided by whoever had it since; a row naming another station is no row of its. Those are
refused, each with why. ``look`` lists every row with what would become of it (the server's
checks tried in a transaction it rolls back) before ``accept`` takes them. The copy itself is
read from a copy of the file, and is not changed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from eventdesk.db import Store
from eventdesk.errors import EventdeskError, InvalidInput, NotFound
from eventdesk.event_time import UTC_ZONE, show
from eventdesk.i18n import _
from eventdesk.outage import describe, is_outage
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_repair import problem_of
from eventdesk.services.stations.mirror_schema import MIRROR_FILE, OUTBOX, waiting
from eventdesk.services.stations.seen import seen
from eventdesk.services.stations.sync import ACTING, upload
from eventdesk.services.stations.sync_api import apply_on_server

Fate = Literal["taken", "refused", "after"]
STRANGER = "stranger"  # the copy's state of a row it holds that is not its station's to take


@dataclass(frozen=True)
class LostRow:
    """One row of a lost station's outbox and what becomes of it: ``taken``, ``refused``
    (``why``), or ``after`` its revocation (not taken)."""

    seq: int
    kind: str
    ticket_id: str | None
    at: datetime
    result: str
    fate: Fate
    why: str = ""


@dataclass(frozen=True)
class Accepted:
    """What the organizer took (or, looked at only, would take) from a lost station's copy."""

    station: str
    uploaded: int
    conflicts: int
    refused: int  # rows the server refused, or that were not its station's to take
    after_revocation: int  # rows decided after the station was revoked: not taken
    revoked_at: datetime | None
    synced_at: datetime | None = None  # the server's record: it had nothing left to upload
    rows: list[LostRow] = field(default_factory=list)


def _copy_file(source: Path) -> Path:
    """The copy's file: ``source`` is the station's data folder or its mirror.db."""
    found = source / MIRROR_FILE if source.is_dir() else source
    if not found.is_file():
        raise InvalidInput(
            _("{path} is not a station's copy (no {file} there)").format(
                path=source, file=MIRROR_FILE
            ),
            field="from",
        )
    return found


@contextmanager
def _opened(server: Store, station: str, source: Path) -> Iterator[tuple[Mirror, datetime | None]]:
    """The lost copy (a copy of its file, opened with a key the server kept for the station),
    and when the station was revoked."""
    with server.connect() as conn:
        keys = conn.execute(
            text(
                "SELECT copy_key, revoked_at FROM station_key WHERE station = :s "
                "ORDER BY made_at DESC"
            ),
            {"s": station},
        ).all()
    if not keys:
        raise NotFound(
            _("the server has no key of station {station}").format(station=station),
            field="station",
        )
    original = _copy_file(source)
    with tempfile.TemporaryDirectory(prefix="eventdesk-lost-") as scratch:
        folder = Path(scratch)
        for end in ("", "-wal"):
            beside = original.with_name(original.name + end)
            if beside.exists():
                shutil.copyfile(beside, folder / f"{MIRROR_FILE}{end}")
        for row in keys:
            key = bytes.fromhex(row.copy_key)
            if problem_of(folder / MIRROR_FILE, None, key) is None:
                mirror = Mirror(folder, key)
                try:
                    yield mirror, row.revoked_at
                finally:
                    mirror.close()
                return
    raise InvalidInput(
        _("{path} cannot be opened with any key of station {station}").format(
            path=original, station=station
        ),
        field="from",
    )


def _sorted(
    mirror: Mirror, station: str, synced_at: datetime | None, revoked_at: datetime | None
) -> tuple[list[dict[str, Any]], list[LostRow]]:
    """The copy's rows waiting: those the server may take, and those it may not (refused or
    after the revocation, each with why), by the server's own record of the station."""
    with mirror.store.read() as session:
        pending = [
            dict(row)
            for row in session.execute(
                select(OUTBOX).where(waiting(), OUTBOX.c.state == "pending").order_by(OUTBOX.c.seq)
            ).mappings()
        ]
    kept: list[dict[str, Any]] = []
    judged: list[LostRow] = []
    for row in pending:
        why = ""
        fate_: Fate | None = None
        if row["station"] != station:
            fate_ = "refused"
            why = _("it names station {other}, not {station}").format(
                other=row["station"], station=station
            )
        elif row["kind"] == "undo" and row["was_station"] != station:
            fate_ = "refused"
            why = _("it undoes a check-in of {other}, not one of {station}'s own").format(
                other=row["was_station"] or "-", station=station
            )
        elif revoked_at is not None and row["at"] > revoked_at:
            fate_ = "after"
            why = _("decided after the station was revoked ({time})").format(
                time=show(revoked_at, UTC_ZONE)
            )
        elif synced_at is not None and row["at"] < synced_at:
            fate_ = "refused"
            why = _(
                "dated before the station last uploaded everything it had ({time}): it would "
                "have been uploaded then"
            ).format(time=show(synced_at, UTC_ZONE))
        if fate_ is None:
            kept.append(row)
        else:
            judged.append(_row(row, fate_, why))
    return kept, judged


def _row(row: dict[str, Any], fate: Fate, why: str = "") -> LostRow:
    return LostRow(row["seq"], row["kind"], row["ticket_id"], row["at"], row["result"], fate, why)


def look(server: Store, station: str, source: Path) -> Accepted:
    """Every row waiting in the lost copy, and what taking it would do: the server's checks
    tried, each row alone, in a transaction the server rolls back (nothing is changed)."""
    found = seen(server, station)
    acting = (station, found.kind or "door")
    with _opened(server, station, source) as (mirror, revoked_at):
        kept, judged = _sorted(mirror, station, found.synced_at, revoked_at)
        with server.engine.connect() as conn, conn.begin() as whole:
            conn.execute(ACTING, {"station": acting[0], "kind": acting[1]})
            conflicts = 0
            for row in kept:
                try:
                    with conn.begin_nested():
                        conflicts += apply_on_server(conn, [row])
                except (DBAPIError, EventdeskError, ValueError) as exc:
                    if is_outage(exc):
                        raise
                    why = _("refused by the server: {problem}").format(problem=describe(exc))
                    judged.append(_row(row, "refused", why))
                else:
                    judged.append(_row(row, "taken"))
            whole.rollback()  # looked at only: the acting setting and every row undone
    return _accepted(station, found.synced_at, revoked_at, judged, conflicts)


def accept(server: Store, station: str, source: Path) -> Accepted:
    """The lost copy's rows the server may take, uploaded through the station's own checks;
    the others named with why (``look`` says the same before)."""
    found = seen(server, station)
    acting = (station, found.kind or "door")
    with _opened(server, station, source) as (mirror, revoked_at):
        kept, judged = _sorted(mirror, station, found.synced_at, revoked_at)
        held = [row["seq"] for row in kept]
        with mirror.store.write_conn() as conn:  # set apart: not this upload's to send
            conn.execute(
                update(OUTBOX)
                .where(waiting(), OUTBOX.c.state == "pending", OUTBOX.c.seq.not_in(held))
                .values(state=STRANGER)
            )
        sent = upload(server, mirror, acting=acting)
        with mirror.store.read() as session:
            outcome = {
                row.seq: (row.state, row.problem or "")
                for row in session.execute(
                    select(OUTBOX.c.seq, OUTBOX.c.state, OUTBOX.c.problem).where(
                        OUTBOX.c.seq.in_(held)
                    )
                )
            }
    for row in kept:
        state, problem = outcome.get(row["seq"], ("pending", ""))
        if state == "done":
            judged.append(_row(row, "taken"))
        else:
            # TRANSLATORS: a lost station's row the server's bound a minute kept for later
            why = problem or _("not taken this minute (the server's bound): run it again")
            judged.append(_row(row, "refused", why))
    made = _accepted(station, found.synced_at, revoked_at, judged, sent.conflicts)
    return made


def _accepted(
    station: str,
    synced_at: datetime | None,
    revoked_at: datetime | None,
    judged: list[LostRow],
    conflicts: int,
) -> Accepted:
    rows = sorted(judged, key=lambda row: row.seq)
    return Accepted(
        station,
        sum(row.fate == "taken" for row in rows),
        conflicts,
        sum(row.fate == "refused" for row in rows),
        sum(row.fate == "after" for row in rows),
        revoked_at,
        synced_at,
        rows,
    )


def accept_outbox(server: Store, station: str, source: Path) -> Accepted:
    """The outbox of ``station``'s copy at ``source`` uploaded, as far as the server takes it
    (``accept``)."""
    return accept(server, station, source)
