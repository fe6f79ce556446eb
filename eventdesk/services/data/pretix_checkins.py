"""Check-ins both ways with a connected pretix event (``shop sync``; services.data.pretix).

Up: each entry and exit our doors decided for a pretix ticket goes to pretix's check-in call
(``checkinrpc/redeem``) on one check-in list of the event (pretix takes one list per event: its
list of every product with no rule, whose counterpart here is the default list), with our
nonce (sent again, pretix answers as before and records nothing twice), the time it
happened, and ``force`` when a station decided it offline (pretix records it whatever it would
say now). What pretix answered is kept (``shop_push``): what waits, what was taken, what was
refused and why.

Down: an entry pretix's own scanners recorded at another gate, and none of ours, is admitted
here too (from the shop, at its time), so that our door says the person is in. A ticket
admitted on both sides while apart (an entry of pretix's that is not one we pushed, and one of
ours) is a conflict, kept for ``report conflicts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from eventdesk.db import Store
from eventdesk.i18n import _
from eventdesk.models import Order, ScanConflict, ScanLog, ShopPush, Ticket
from eventdesk.services.data.pretix_api import Connection, ShopAway, post
from eventdesk.values import utcnow

PUSHED_MOST = 1000  # check-ins sent a sync, at most (the rest at the next)
SHOP_STATION = "pretix"  # the station named for what pretix's own scanners recorded


@dataclass
class Exchanged:
    pushed: int = 0
    refused: list[str] = field(default_factory=list)
    pulled: int = 0
    conflicts: int = 0
    waiting: int = 0  # ours still to send (more than a sync sends)
    stopped: str | None = None  # why sending stopped (the shop busy, down): the rest wait


def waiting(store: Store, event_id: int) -> list[Any]:
    """Our admissions and exits of the event's pretix tickets not sent yet, oldest first."""
    with store.read() as session:
        return list(
            session.execute(
                select(
                    ScanLog.id,
                    ScanLog.at,
                    ScanLog.direction,
                    ScanLog.nonce,
                    ScanLog.offline,
                    Ticket.qr_payload,
                )
                .join(Ticket, Ticket.id == ScanLog.ticket_id)
                .join(Order, Order.id == Ticket.order_id)
                .outerjoin(ShopPush, ShopPush.scan_id == ScanLog.id)
                .where(
                    ScanLog.event_id == event_id,
                    ScanLog.result == "ok",
                    ScanLog.station != SHOP_STATION,
                    Order.shop == "pretix",
                    ShopPush.scan_id.is_(None),
                )
                .order_by(ScanLog.id)
                .limit(PUSHED_MOST)
            ).all()
        )


def _redeem(connection: Connection, lists: list[int], row: Any) -> tuple[str, str | None]:
    """pretix's answer to one of our check-ins: its status and, refused, its reason."""
    body = {
        "secret": row.qr_payload,
        "lists": lists,
        "type": "exit" if row.direction == "exit" else "entry",
        "nonce": row.nonce or f"eventdesk-{row.id}",
        "datetime": row.at.isoformat(),
        "force": bool(row.offline),
    }
    said = post(connection, connection.organizer_api("checkinrpc/redeem/"), body)
    return str(said.get("status", "error")), said.get("reason")


def push(store: Store, connection: Connection, event_id: int, lists: list[int]) -> Exchanged:
    """Our check-ins sent, each kept with pretix's answer as soon as it came."""
    done = Exchanged()
    for row in waiting(store, event_id):
        try:
            status, reason = _redeem(connection, lists, row)
        except ShopAway as exc:  # busy (429), failing, gone: the rest go at the next sync
            done.stopped = exc.message
            break
        with store.write() as session:
            session.add(ShopPush(scan_id=row.id, pushed_at=utcnow(), status=status, reason=reason))
        if status == "ok":
            done.pushed += 1
        else:
            done.refused.append(f"{row.qr_payload}: {reason or status}")
    return done


def pull_checkins(
    store: Store, event_id: int, positions: dict[str, list[dict[str, Any]]]
) -> Exchanged:
    """pretix's own entries (by each position's code: its check-ins) admitted here when we
    have none, or kept as conflicts when we admitted the ticket apart."""
    done = Exchanged()
    with store.write() as session:
        ours = {
            (ticket_id, at)  # to the microsecond, as we sent it: pretix keeps it so
            for ticket_id, at in session.execute(
                select(ScanLog.ticket_id, ScanLog.at).where(
                    ScanLog.event_id == event_id, ScanLog.result == "ok"
                )
            )
        }
        for code, checkins in positions.items():
            entries = sorted(
                (datetime.fromisoformat(str(c["datetime"])), int(c.get("id") or 0))
                for c in checkins
                if c.get("type", "entry") == "entry" and c.get("successful", True)
            )
            ticket = session.scalars(select(Ticket).where(Ticket.qr_payload == code)).first()
            if ticket is None or not entries:
                continue
            theirs = [(at, n) for at, n in entries if (ticket.id, at) not in ours]
            if not theirs:
                continue
            at, number = theirs[0]
            nonce = f"pretix-{code[:20]}-{number}"
            if session.scalar(select(ScanLog.id).where(ScanLog.nonce == nonce)) is not None:
                continue  # pulled before
            if ticket.checked_in_at is None:
                session.execute(
                    update(Ticket)
                    .where(Ticket.id == ticket.id, Ticket.checked_in_at.is_(None))
                    .values(checked_in_at=at, checked_in_station=SHOP_STATION, inside=True)
                )
                done.pulled += 1
                result = "ok"
            else:
                session.add(
                    ScanConflict(
                        event_id=event_id,
                        ticket_id=ticket.id,
                        nonce=nonce,
                        reason="already_checked_in",
                        station=SHOP_STATION,
                        at=at,
                        other_station=ticket.checked_in_station,
                        other_at=ticket.checked_in_at,
                        detail=_(
                            "admitted by pretix's own scanners and at {station} while apart"
                        ).format(station=ticket.checked_in_station or "?"),
                        recorded_at=utcnow(),
                    )
                )
                done.conflicts += 1
                result = "already_checked_in"
            session.add(
                ScanLog(
                    at=at,
                    station=SHOP_STATION,
                    event_id=event_id,
                    ticket_id=ticket.id,
                    direction="entry",
                    payload=code[:256],
                    result=result,
                    nonce=nonce,
                    offline=False,
                )
            )
    return done
