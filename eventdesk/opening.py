"""Opening the process's store: the database named by the station's settings, upgraded to
the newest schema, with the station's ticket signer (here, above eventdesk.db, eventdesk.migrate
and eventdesk.tickets, which each build on eventdesk.db)."""

from __future__ import annotations

from eventdesk.config import Config
from eventdesk.db import Store, require_database, require_schema
from eventdesk.migrate import upgrade
from eventdesk.tickets import load_signer


def open_store(config: Config, *, migrate: bool = True, create: bool = True) -> Store:
    """The process's store, upgraded to the newest schema. ``create=False`` (every command
    but init, demo and restore) refuses a database that is not there instead of making one."""
    if not create:
        require_database(config)
    store = Store.from_config(config)
    if not create and not store.is_sqlite:
        try:
            require_schema(store)
        except BaseException:
            store.dispose()
            raise
    if migrate:
        upgrade(store)
    store.signer = load_signer(config.data_dir)
    return store
