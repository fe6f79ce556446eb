"""Small texts the store keeps by name for every station: badge layouts and sheet stocks
(services.catalogue.badge_layouts, badge_stocks). Each is only a name and a text here: the
badges package checks it before it is kept. A table of them has a name, a source and when it
was saved; what each kind says of a bad name or a text too long is its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.models import BadgeLayout, BadgeStock
from eventdesk.services.common import log
from eventdesk.values import utcnow

Row = TypeVar("Row", BadgeLayout, BadgeStock)  # a table of named texts


@dataclass(frozen=True)
class StoredText:
    name: str
    source: str
    updated_at: datetime


def text_key(name: str, bad_name: str, field: str) -> str:
    """A name as stored and looked up: trimmed, lower case, 1 to 40 characters (else
    ``bad_name``, said of ``field``)."""
    key = name.strip().lower()
    if not key or len(key) > 40 or not key.isprintable():
        raise InvalidInput(bad_name, field=field)
    return key


def stored_texts(store: Store, table: type[Row]) -> list[StoredText]:
    with store.read() as session:
        rows = session.scalars(select(table).order_by(table.name)).all()
        return [StoredText(r.name, r.source, r.updated_at) for r in rows]


def stored_text(store: Store, table: type[Row], key: str) -> StoredText | None:
    with store.read() as session:
        row = session.get(table, key)
        return None if row is None else StoredText(row.name, row.source, row.updated_at)


def keep_text(
    store: Store,
    table: type[Row],
    key: str,
    source: str,
    *,
    action: str,
    station: str | None,
    **logged: Any,
) -> StoredText:
    """Keep ``source`` under ``key`` (a new row, or in place of the same name's), logged as
    ``action``."""
    now = utcnow()
    with store.write() as session:
        row = session.get(table, key)
        if row is None:
            session.add(table(name=key, source=source, updated_at=now))
        else:
            row.source, row.updated_at = source, now
        log(session, action, at=now, station=station, **logged)
        return StoredText(key, source, now)


def delete_text(session: Session, table: type[Row], key: str) -> None:
    """Delete the row of ``key``, in an open session."""
    session.execute(delete(table).where(table.name == key))
