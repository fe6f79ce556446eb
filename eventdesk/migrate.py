"""Alembic migrations, applied on start. Alembic is imported only when the schema is behind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from eventdesk.db import Store, _unavailable_as_error
from eventdesk.errors import DatabaseUnavailable
from eventdesk.i18n import _
from eventdesk.migrations import HEAD_REVISION
from eventdesk.outage import unavailable

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

_PG_MIGRATION_LOCK = 0x6576_6465_736B  # any constant: serializes migrations across stations


def current_revision(store: Store) -> str | None:
    with store.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError:
            return None
        return str(row[0]) if row else None


def alembic_config() -> AlembicConfig:
    """This build's migration scripts, as Alembic's commands take them."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "eventdesk:migrations")
    return cfg


def upgrade(store: Store) -> bool:
    """Bring the database to the newest schema. Returns True when something was applied. A
    database a newer eventdesk has upgraded is refused in a sentence (exit 3): this station
    runs an older build and must be upgraded, not the database."""
    found = current_revision(store)
    if found == HEAD_REVISION:
        return False
    from alembic import command

    cfg = alembic_config()
    if found is not None and not _known(cfg, found):
        raise DatabaseUnavailable(
            unavailable(
                _(
                    "its schema is at revision {found}, newer than this eventdesk knows (up to "
                    "{head}): upgrade eventdesk on this station"
                ).format(found=found, head=HEAD_REVISION)
            )
        )
    if store.station_login() is not None:
        raise DatabaseUnavailable(
            unavailable(
                _(
                    "its schema is at revision {found}, older than this eventdesk's ({head}): the "
                    "organizer's station upgrades it (any command there), a station's own login "
                    "may not"
                ).format(found=found, head=HEAD_REVISION)
            )
        )
    with (
        _unavailable_as_error(),
        store.engine.execution_options(eventdesk_write=True).begin() as conn,
    ):
        if store.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if store.dialect == "postgresql":
            from eventdesk.grants import regrant_if_set_up

            regrant_if_set_up(conn, store.url)  # views made again lose their grants
    return True


def _known(cfg: AlembicConfig, revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(cfg).get_revision(revision) is not None
    except CommandError:
        return False
