"""What a lost station's copy held, taken when an organizer says so (``eventdesk station
accept-outbox STATION --from PATH``).

A revoked station (``station revoke``) is given its key no more, so its copy stays noise to
whoever holds it. When the station (or its disk) comes back, an organizer reads its copy with the
key the server kept and uploads what its outbox held that was decided up to the moment it was
revoked, as the station's own sync would have: each row through the same checks, a conflict
recorded as one. What it decided after that moment (someone used it after it was lost) is not
taken: those rows are named and left. The copy itself is read from a copy of the file, and is
not changed.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text, update

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _
from eventdesk.services.stations.mirror import MIRROR_FILE, OUTBOX, Mirror, rowcount
from eventdesk.services.stations.mirror_repair import problem_of
from eventdesk.services.stations.sync import upload


@dataclass(frozen=True)
class Accepted:
    """What the organizer took from a lost station's copy."""

    station: str
    uploaded: int
    conflicts: int
    refused: int  # rows the server refused (kept in the copy read, with reasons)
    after_revocation: int  # rows decided after the station was revoked: not taken
    revoked_at: datetime | None


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


def accept_outbox(server: Store, station: str, source: Path) -> Accepted:
    """The outbox of ``station``'s copy at ``source``, up to its revocation, uploaded."""
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
                return _upload_until(server, station, Mirror(folder, key), row.revoked_at)
    raise InvalidInput(
        _("{path} cannot be opened with any key of station {station}").format(
            path=original, station=station
        ),
        field="from",
    )


def _upload_until(
    server: Store, station: str, mirror: Mirror, revoked_at: datetime | None
) -> Accepted:
    later = 0
    try:
        with mirror.store.write() as session:
            if revoked_at is not None:
                later = rowcount(
                    session.execute(
                        update(OUTBOX)
                        .where(OUTBOX.c.state == "pending", OUTBOX.c.at > revoked_at)
                        .values(state="after")  # neither uploaded nor refused by the server
                    )
                )
        sent = upload(server, mirror)
    finally:
        mirror.close()
    return Accepted(station, sent.uploaded, sent.conflicts, sent.refused, later, revoked_at)
