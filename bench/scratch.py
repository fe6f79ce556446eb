"""A PostgreSQL database made for one benchmark run and dropped after it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from eventdesk.db import normalize_url


@contextmanager
def scratch_database(server: str, prefix: str) -> Iterator[str]:
    """The URL of a new database on ``server``, named ``prefix`` and a random part."""
    base = make_url(normalize_url(server))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
