"""Several processes registering for the last places at once never oversell."""

from __future__ import annotations

import pytest

from eventdesk.db import Store
from eventdesk.services.catalogue import events
from eventdesk.services.people.registration import register
from eventdesk.services.people.waitlist import list_waitlist
from tests.core.test_registration import assert_counters_match
from tests.helpers import add_type, make_event, people
from tests.workers import processes, register_many

pytestmark = pytest.mark.slow  # six processes racing

PROCESSES = 6
PER_PROCESS = 25


def test_processes_racing_for_last_50_places_never_oversell(store: Store, db_url: str) -> None:
    ev = make_event(store, capacity=60)
    add_type(store, ev, "Regular")
    early = people(store, 10, prefix="early")
    for email in early:
        register(store, ev, email, "Regular")
    racers = people(store, PROCESSES * PER_PROCESS, prefix="racer")
    chunks = [racers[i::PROCESSES] for i in range(PROCESSES)]
    ctx = processes()
    barrier = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=register_many, args=(db_url, ev, chunk, "Regular", barrier, out))
        for chunk in chunks
    ]
    for proc in procs:
        proc.start()
    answers = [out.get(timeout=240) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    errors = [a for a in answers if isinstance(a, Exception)]
    assert not errors, errors
    statuses = [s for answer in answers for s in answer]
    assert statuses.count("registered") == 50
    assert statuses.count("waitlisted") == PROCESSES * PER_PROCESS - 50
    shown = events.show_event(store, ev)
    assert shown.registered == 60
    waiting = list_waitlist(store, ev)
    assert len(waiting) == PROCESSES * PER_PROCESS - 50
    assert [w.position for w in waiting] == list(range(1, len(waiting) + 1))
    assert_counters_match(store)
