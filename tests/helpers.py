"""Small builders for test data, through the real services."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine

from eventdesk.db import Store
from eventdesk.services.catalogue import events, program
from eventdesk.services.people import attendees
from eventdesk.tickets import Signer
from eventdesk.values import utcnow

_counter = itertools.count(1)


def make_event(
    store: Store, *, capacity: int | None = None, waitlist: bool = True, **kwargs: object
) -> str:
    made = events.create_event(
        store,
        name=str(kwargs.pop("name", f"Test Event {next(_counter)}")),
        starts=str(kwargs.pop("starts", "2030-06-01T09:00")),
        ends=str(kwargs.pop("ends", "2030-06-01T18:00")),
        capacity=capacity,
        waitlist=waitlist,
        **kwargs,  # type: ignore[arg-type]
    )
    return made.slug


def add_type(
    store: Store,
    event: str,
    name: str,
    *,
    tier: int = 1,
    quantity: int | None = None,
    price_cents: int = 1000,
    **kwargs: object,
) -> None:
    program.add_ticket_type(
        store, event, name=name, price_cents=price_cents, tier=tier, quantity=quantity, **kwargs
    )  # type: ignore[arg-type]


def people(store: Store, count: int, prefix: str = "person") -> list[str]:
    emails = [f"{prefix}{i}@example.com" for i in range(count)]
    attendees.add_attendees_bulk(
        store, [{"name": f"{prefix.title()} Number{i}", "email": e} for i, e in enumerate(emails)]
    )
    return emails


def payloads_now(store: Store, signer: Signer, count: int, *, name: str, prefix: str) -> list[str]:
    """Payloads of ``count`` free tickets, one a person, of an event running now."""
    from eventdesk.services.people.registration import register

    now = utcnow().replace(microsecond=0)
    event = make_event(
        store,
        name=name,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
    )
    add_type(store, event, "Regular", price_cents=0)
    return [
        signer.payload(register(store, event, email, "Regular").tickets[0].ticket_id)
        for email in people(store, count, prefix=prefix)
    ]


def wait_until(
    condition: Callable[[], object], *, timeout: float = 60.0, what: str = "the condition"
) -> None:
    """Check ``condition()`` again and again until it holds; fail after ``timeout`` seconds.
    For code outside the app (threads, other processes); app tests use apptools.wait_for."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not come about within {timeout} s")
        time.sleep(0.02)


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Take the database of ``engine`` up (or down) to ``revision`` with those scripts."""
    from alembic import command

    from eventdesk.migrate import alembic_config

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


@contextmanager
def station_logins(
    db_url: str, store: Store, prefix: str, password: str
) -> Iterator[dict[str, str]]:
    """A door's own login (station "Door 1") and a desk's ("Desk 1") on the test's PostgreSQL
    database: cluster-wide roles, named for ``prefix``, the run and the worker, dropped after
    (and before, should an earlier run have left them). Their names, by kind."""
    from sqlalchemy import create_engine

    from eventdesk.services.stations import roles
    from tests.conftest import _RUN

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    names = {kind: f"{prefix}_{kind}_{_RUN[:8]}_{worker}" for kind in ("door", "desk")}
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as conn:
            for name in names.values():
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')

    drop()
    try:
        roles.add(store, names["door"], kind="door", station="Door 1", password=password)
        roles.add(store, names["desk"], kind="desk", station="Desk 1", password=password)
        yield names
    finally:
        drop()
        admin.dispose()
