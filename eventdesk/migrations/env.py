"""Alembic environment: runs on the connection eventdesk hands over (see eventdesk.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from eventdesk import (
    quota_models,  # noqa: F401  (its tables join Base's metadata)
    trust_models,  # noqa: F401  (its tables join Base's metadata)
)
from eventdesk.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # `alembic` run by hand with -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("pass the database with: alembic -x url=sqlite:///data/eventdesk.db ...")
    engine = create_engine(url)
    with engine.begin() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
