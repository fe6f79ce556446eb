"""Sheet stocks an organizer added, kept in the store so that every station lays sheets out on
them (the built-in ones are the badges package's, badges.stocks).

A stock is a small TOML file that ``badges.stocks`` reads and checks; the store keeps one as its
text, under its name, as it keeps badge layouts (services.catalogue.badge_layouts). Here a stock
is only a name and a text: the badges package checks it before it is saved.
"""

from __future__ import annotations

from collections.abc import Collection

from eventdesk.db import Store
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _
from eventdesk.models import BadgeStock
from eventdesk.services.catalogue.stored_texts import (
    StoredText,
    delete_text,
    keep_text,
    stored_text,
    stored_texts,
    text_key,
)
from eventdesk.services.common import log
from eventdesk.values import utcnow

SOURCE_LIMIT = 20_000  # a stock is a dozen lines

StoredStock = StoredText


def stock_key(name: str) -> str:
    """A stock's name as stored and looked up: trimmed, lower case, 1 to 40 characters."""
    return text_key(name, _("a stock's name is 1 to 40 characters"), "stock")


def stored_stocks(store: Store) -> list[StoredStock]:
    return stored_texts(store, BadgeStock)


def stored_stock(store: Store, name: str) -> StoredStock | None:
    return stored_text(store, BadgeStock, stock_key(name))


def save_stock(
    store: Store,
    name: str,
    source: str,
    *,
    built_in: Collection[str] = (),
    station: str | None = None,
) -> StoredStock:
    """Keep a checked stock's text under its name (a new one, or in place of the same
    name's); never under a built-in stock's name (``built_in``)."""
    key = stock_key(name)
    if key in built_in:
        raise InvalidInput(
            _("{name} is a built-in stock's name: give yours another").format(name=key),
            field="stock",
        )
    if len(source) > SOURCE_LIMIT:
        raise InvalidInput(
            _("a stock file is at most {size} kB of text").format(size=SOURCE_LIMIT // 1000),
            field="stock",
        )
    return keep_text(
        store, BadgeStock, key, source, action="badge_stock_saved", station=station, stock=key
    )


def delete_stock(store: Store, name: str, *, station: str | None = None) -> None:
    """Forget an added stock."""
    key = stock_key(name)
    with store.write() as session:
        if session.get(BadgeStock, key) is None:
            raise NotFound(_("no added badge stock {name!r}").format(name=key), field="stock")
        delete_text(session, BadgeStock, key)
        log(session, "badge_stock_deleted", at=utcnow(), station=station, stock=key)
