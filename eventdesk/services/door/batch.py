"""A door's scans that waited, decided together (``Checkin.scan_many``): the answers ``scan``
gives one at a time, in one transaction where they can be. A door that fell behind (a queue of
scanned lines, a database that was away a moment) catches up at the pace of the signature
checks instead of one disk flush each. The tickets are read in one statement; each line that
names one is decided as genuine while the verifier's thread checks the signatures (Ed25519 and
SQLite both let go of the interpreter meanwhile); the admissions and scan-log rows are written
in one call each; then this thread checks the signatures left beside the other, and the group
commits only if every one was genuine (else it is decided again knowing which were not).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _
from eventdesk.services.door.checkin_sql import ADMIT, LOG, LOOKUP_GROUP, LOOKUP_GROUP_ON_LIST
from eventdesk.services.door.scan_result import (
    NONCE_TAKEN,
    Direction,
    ScanResult,
    parse_nonce,
    scanned_line,
)
from eventdesk.tickets import InvalidPayload, SignatureChecks, Verified

if TYPE_CHECKING:
    from eventdesk.services.door.checkin import Checkin


def scan_each(
    scan: Callable[..., ScanResult],
    payloads: Sequence[str],
    nonces: Sequence[str | None] | None,
    **options: Any,
) -> list[ScanResult]:
    """Scans that waited, each decided alone by ``scan``, in order (a desk's scan_many when
    it does not decide them together)."""
    keys = list(nonces) if nonces is not None else [None] * len(payloads)
    return [scan(p, nonce=key, **options) for p, key in zip(payloads, keys, strict=True)]


class _GroupChanged(Exception):
    """A group's admission did not change its ticket as read: decided alone instead."""


class _NotGenuine(Exception):
    """A group decided its lines as genuine and one was not: rolled back, decided again."""

    def __init__(self, genuine: list[bool | None]) -> None:
        super().__init__("a line's signature is not genuine")  # not for translation: internal
        self.genuine = genuine


@dataclass
class Group:
    """scan_many's decisions in its one transaction: the tickets read ahead (each taken once;
    SQLite's write lock, held since BEGIN, keeps them as read), and the scan-log rows and
    admissions written together."""

    looked_up: dict[str, dict[str, Any]]
    logs: list[dict[str, Any]] = field(default_factory=list)
    admits: list[dict[str, Any]] = field(default_factory=list)

    def flush(self, conn: Connection) -> None:
        """The admissions decided so far, written in one call: each changes its ticket (the
        rows were read under the write lock, and a ticket scanned again is read again after
        this), or the transaction rolls back and the group is decided one scan at a time."""
        if self.admits:
            if ADMIT.many(conn, self.admits) != len(self.admits):
                raise _GroupChanged
            self.admits.clear()


def scan_many(
    door: Checkin,
    payloads: Sequence[str],
    *,
    nonces: Sequence[str | None] | None = None,
    session_id: int | None = None,
    direction: Direction | None = None,
    now: datetime | None = None,
) -> list[ScanResult]:
    """``door``'s scans that waited, decided in the order given (see the module)."""
    direction = direction or door.direction
    keys = [parse_nonce(n) for n in nonces] if nonces is not None else [None] * len(payloads)
    if len(keys) != len(payloads):
        raise InvalidInput(_("one nonce per payload, or none"), field="nonce")
    given = [key for key in keys if key is not None]
    # A nonce given to another line, before or in this group, refuses the group before
    # anything is decided.
    lines: dict[str, str] = {}
    for payload, key in zip(payloads, keys, strict=True):
        if key is not None and lines.setdefault(key, scanned_line(payload)) != (
            scanned_line(payload)
        ):
            raise InvalidInput(_(NONCE_TAKEN).format(nonce=key), field="nonce")
    earlier = door.answered_many(lines)

    def one_at_a_time() -> list[ScanResult]:
        return scan_each(
            door.scan, payloads, keys, session_id=session_id, direction=direction, now=now
        )

    # One at a time: a nonce twice; a PostgreSQL server (each scan its own transaction, so
    # two doors never hold each other's tickets); a desk that does not decide together; a
    # door that refuses the session or the direction (alone, a line that is no ticket is
    # still answered and logged).
    if (
        len(payloads) < 2
        or len(set(given)) < len(given)
        or not door.store.is_sqlite
        or not door.decides_together
    ):
        return one_at_a_time()
    try:
        session_info = door.session_for(session_id, direction)
    except (InvalidInput, NotFound):
        return one_at_a_time()
    texts = [scanned_line(p) for p, key in zip(payloads, keys, strict=True) if key not in earlier]
    checks = door.verifier.check_many(texts)

    def decided(genuine: list[bool | None] | None) -> list[ScanResult]:
        return _group(
            door, texts, keys, earlier, checks, genuine, session_id, session_info, direction, now
        )

    try:
        try:
            return decided(None)
        except _NotGenuine as found:  # a forged line: the group again, knowing which
            return decided(found.genuine)
    except _GroupChanged:  # a ticket not as read: nothing of the group kept
        pass
    except IntegrityError:  # a nonce answered at another station meanwhile: nothing kept
        if not given:
            raise
    return one_at_a_time()


def _group(
    door: Checkin,
    texts: list[str],
    keys: Sequence[str | None],
    earlier: dict[str, ScanResult],
    checks: SignatureChecks,
    genuine: list[bool | None] | None,
    session_id: int | None,
    session_info: tuple[int, datetime, datetime] | None,
    direction: Direction,
    now: datetime | None,
) -> list[ScanResult]:
    """scan_many's decisions in one transaction. Without ``genuine`` each line that names
    a ticket is decided as genuine while its signature is checked, and the transaction
    commits only once every one is (else it rolls back: _NotGenuine says which were);
    with it, a line that is not is looked at as ``scan`` does (a keymap's repair)."""
    with door.store.write_conn() as conn:
        group = Group(
            {
                row["id"]: row
                for row in (
                    LOOKUP_GROUP_ON_LIST if door.list_id is not None else LOOKUP_GROUP
                ).rows(
                    conn,
                    {
                        "b_ids": json.dumps(sorted(set(filter(None, checks.ticket_ids)))),
                        "b_list": door.list_id,
                    },
                )
            }
        )
        lines = iter(zip(texts, checks.ticket_ids, genuine or [None] * len(texts), strict=True))
        results: list[ScanResult] = []
        for key in keys:
            if key in earlier:  # answered before: that answer, not a new decision
                results.append(earlier[key])
                continue
            text, ticket_id, known = next(lines)
            moment = now or door.clock()
            verified: Verified | InvalidPayload
            if ticket_id is not None and (genuine is None or known):
                verified = Verified(ticket_id)
            else:
                verified = door.verified(text)[1]
            if not isinstance(verified, Verified):
                results.append(
                    door.invalid_in(
                        conn, text, verified, session_id, direction, moment, key, group.logs
                    )
                )
                continue
            results.append(
                door.decide_in(
                    conn,
                    verified.ticket_id,
                    text,
                    session_id,
                    session_info,
                    direction,
                    moment,
                    key,
                    verified.repaired,
                    group=group,
                )
            )
        group.flush(conn)
        LOG.many(conn, group.logs)
        if genuine is None:
            found = checks.genuine()
            if False in found:
                raise _NotGenuine(found)
        return results
