"""A station's outbox as its operator sees it (``eventdesk station outbox``): the scans decided
offline that wait to upload or that the server refused, with reasons; a refused one put back
to be uploaded at the next sync, or removed on purpose. A scan still waiting is never removed
(it would be a scan lost between the door and the server)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update

from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import N_, _
from eventdesk.services.stations.mirror import Mirror, settle_outbox
from eventdesk.services.stations.mirror_schema import OUTBOX, waiting

WAITING = N_("waiting to upload at the next sync")


@dataclass(frozen=True)
class OutboxRow:
    id: int
    nonce: str
    state: str  # pending | refused
    reason: str
    kind: str
    result: str
    ticket_id: str | None


def outbox_rows(mirror: Mirror) -> list[OutboxRow]:
    """The rows waiting or refused, oldest first."""
    o = OUTBOX
    with mirror.store.read() as session:
        rows = session.execute(
            select(o.c.seq, o.c.nonce, o.c.state, o.c.problem, o.c.kind, o.c.result, o.c.ticket_id)
            .where(waiting(), o.c.state.in_(("pending", "refused")))
            .order_by(o.c.seq)
        ).all()
    return [
        OutboxRow(
            row.seq,
            row.nonce,
            row.state,
            (row.problem or _("refused by the server")) if row.state == "refused" else _(WAITING),
            row.kind,
            row.result,
            row.ticket_id,
        )
        for row in rows
    ]


def _state_of(mirror: Mirror, row_id: int) -> str:
    with mirror.store.read() as session:
        state = session.execute(select(OUTBOX.c.state).where(OUTBOX.c.seq == row_id)).scalar()
    if state is None:
        raise NotFound(_("no outbox row {row} at this station").format(row=row_id), field="id")
    return str(state)


def retry(mirror: Mirror, row_id: int) -> None:
    """A refused row waits to be uploaded again at the next sync."""
    state = _state_of(mirror, row_id)
    if state != "refused":
        if state == "pending":
            refusal = _(
                "outbox row {row} is still waiting to upload: only a scan the server refused can "
                "be retried"
            )
        else:
            refusal = _(
                "outbox row {row} is uploaded already: only a scan the server refused can be "
                "retried"
            )
        raise InvalidInput(refusal.format(row=row_id), field="retry")
    with mirror.store.write_conn() as conn:
        conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.seq == row_id, OUTBOX.c.state == "refused")
            .values(state="pending", problem=None, uploaded_at=None)
        )


def clear(mirror: Mirror, row_id: int) -> None:
    """A refused row removed (the server's refusal accepted). Refuses a row still waiting."""
    state = _state_of(mirror, row_id)
    if state != "refused":
        if state == "pending":
            refusal = _(
                "outbox row {row} is still waiting to upload: only a scan the server refused can "
                "be cleared"
            )
        else:
            refusal = _(
                "outbox row {row} is uploaded already: only a scan the server refused can be "
                "cleared"
            )
        raise InvalidInput(refusal.format(row=row_id), field="clear")
    with mirror.store.write_conn() as conn:
        conn.execute(delete(OUTBOX).where(OUTBOX.c.seq == row_id, OUTBOX.c.state == "refused"))
        settle_outbox(conn)
