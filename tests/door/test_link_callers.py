"""A station's calls to its server that overran end their threads once their work ends
(services.stations.link): a station on a dead link gives up a call each time it asks, and
each of those threads used to stay, waiting for a call that never came, for as long as the
process ran (31 threads after three minutes of a kiosk's outage)."""

from __future__ import annotations

import threading

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from eventdesk.services.stations.link import Link, ServerAway
from tests.helpers import wait_until
from tests.offline_tools import LONG


def _callers() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "server call")


@pytest.mark.parametrize("one_off", [False, True])
def test_calls_given_up_leave_no_thread_behind(one_off: bool) -> None:
    link = Link(threshold=0.05)
    before = _callers()
    release = threading.Event()
    for _ in range(12):
        with pytest.raises(ServerAway):
            link.call(lambda: release.wait(LONG), again=False, one_off=one_off)
    assert _callers() >= before + 12  # each still waits on its work
    release.set()  # the work ends (a cut connection's error, in a station)
    wait_until(lambda: _callers() <= before, what="every given-up caller gone")
    # The link still answers: the next call gets a caller of its own.
    assert link.call(lambda: "answer") == "answer"
    assert link.online


@pytest.mark.parametrize(
    ("timeout", "budget", "driver"),
    [
        (0.5, None, 0.45),  # the driver's timer ends a moment before the link's
        # A one-shot command's connection began early (services.stations.reach.Reaching): its
        # call waits what is left of its budget, and the driver's timeout comes in that rest.
        (0.25, 5.0, 0.15),
    ],
)
def test_a_driver_timeout_that_ends_the_wait_is_said_as_the_silence_it_is(
    timeout: float, budget: float | None, driver: float
) -> None:
    """libpq's connect_timeout (5 s) and a station's wait for a station with no copy (5 s) end
    together: whichever comes first, the station says it had no answer within its wait, not
    "connection timeout expired" once and "no answer within 5 s" another time."""
    link = Link(threshold=1.0)
    started = threading.Event()

    def connect() -> None:
        started.set()
        threading.Event().wait(driver)  # the driver's own timer
        error = psycopg.OperationalError("connection timeout expired")
        raise OperationalError("connect", {}, error)

    with pytest.raises(ServerAway):
        link.call(connect, again=False, timeout=timeout, budget=budget)
    assert started.is_set() and not link.online
    said = budget if budget is not None else timeout
    assert link.reason == f"no answer within {said:g} s", link.reason
