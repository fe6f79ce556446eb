"""Process entry points for the multi-process tests, and the processes they run in."""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from eventdesk.db import Store
from eventdesk.services.people.registration import register


def processes() -> BaseContext:
    """multiprocessing's forkserver, which loads this module (the store, the services) once
    for the test process: each of its processes is forked from it, where one started with
    'spawn' is a new interpreter that loads them again, half a second of CPU each."""
    made = multiprocessing.get_context("forkserver")
    made.set_forkserver_preload(["tests.workers"])
    return made


def register_many(
    url: str, event: str, emails: list[str], ticket_type: str, barrier: Barrier, out: Queue[Any]
) -> None:
    store = Store(url)
    try:
        barrier.wait(timeout=60)
        out.put(
            [
                register(store, event, e, ticket_type, station="proc").tickets[0].status
                for e in emails
            ]
        )
    except Exception as exc:  # reported to the test, which fails with it
        out.put(exc)
    finally:
        store.dispose()


def scan_on_list(
    url: str,
    station: str,
    checkin_list: str,
    payloads: list[str],
    now: Any,
    barrier: Barrier,
    out: Queue[Any],
) -> None:
    """A door on a check-in list scanning every payload at the moment ``now`` (one day of the
    event), started with the others at once: its answers, in order."""
    from eventdesk.services.door.checkin import Checkin

    store = Store(url)
    try:
        door = Checkin(store, station=station, checkin_list=checkin_list)
        barrier.wait(timeout=60)
        out.put([(station, door.scan(p, now=now).result) for p in payloads])
    except Exception as exc:  # reported to the test, which fails with it
        out.put(exc)
    finally:
        store.dispose()
