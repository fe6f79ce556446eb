"""EVENTDESK_TEST_DEMO_DAY: the tests' demo, and the clocks of apps made on it, on any day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from eventdesk.services.catalogue import events
from eventdesk.services.data.demo import DEMO_ZONE
from eventdesk.services.people import payments
from eventdesk.services.people.registration import tickets_of_attendee
from screens.app import make_app
from tests.apptools import LATE, SET_BACK, DemoStation, clock_shift, demo_now

MORNING = datetime(2027, 3, 9, 10, 30, 15, tzinfo=DEMO_ZONE)


def shown(setting: str, real: datetime = MORNING) -> datetime:
    """What the demo clock shows at ``real`` for a setting, in the demo's zone."""
    return (real + clock_shift(setting, real)).astimezone(DEMO_ZONE)


def test_unset_is_today_now() -> None:
    assert clock_shift("", MORNING) == timedelta(0)
    assert clock_shift("  ", MORNING.astimezone(DEMO_ZONE)) == timedelta(0)


def test_late_in_the_evening_the_clocks_are_set_back_within_the_day() -> None:
    evening = datetime.combine(MORNING.date(), LATE, DEMO_ZONE) + timedelta(hours=2, minutes=59)
    assert shown("", evening) == evening - SET_BACK
    assert shown("+10", evening).date() == evening.date() + timedelta(days=10)
    assert shown("+10", evening).time() < LATE


def test_after_midnight_the_clocks_show_the_evening_of_the_day_that_is_ending() -> None:
    """Before 05:00 it is still the day before (an event's day runs 05:00 to 05:00): no time
    of the demo's day is both on its days and not later than now (paper ticks), so a run early
    in the morning is set back to the evening of the event day it is in, the demo built for it."""
    for hour, minute in ((0, 0), (1, 22), (4, 59)):
        night = datetime.combine(MORNING.date(), time(hour, minute), DEMO_ZONE)
        evening = shown("", night)
        assert evening.date() == MORNING.date() - timedelta(days=1)
        assert time(17, 0) <= evening.time() < time(22, 0)  # as late ones: done before midnight
        assert shown("+10", night).date() == MORNING.date() + timedelta(days=9)
        assert shown("+10", night).time() == evening.time()
    assert shown("", datetime.combine(MORNING.date(), time(5, 0), DEMO_ZONE)).time() == time(5, 0)


def test_a_number_of_days_keeps_the_time_of_day() -> None:
    for days in (1500, -700, 1, -1):
        later = shown(f"{days:+d}")
        assert later.date() == MORNING.date() + timedelta(days=days)
        assert later.time() == MORNING.time()  # across a change to or from summer time too


def test_a_date_and_a_time_of_day() -> None:
    assert shown("2031-01-10").date() == date(2031, 1, 10)
    assert shown("2031-01-10").time() == MORNING.time()
    assert shown("2028-02-29T23:55") == datetime(2028, 2, 29, 23, 55, tzinfo=DEMO_ZONE)
    assert shown("+0T07:00").time() == time(7, 0)


@pytest.mark.parametrize("setting", ["tomorrow", "2031-02-30", "+5T25:00", "400", "+1e3"])
def test_a_setting_that_is_not_a_day_stops_the_run(setting: str) -> None:
    with pytest.raises(pytest.UsageError, match="EVENTDESK_TEST_DEMO_DAY"):
        clock_shift(setting, MORNING)


def test_the_demo_and_its_stations_are_on_the_demo_day(station: DemoStation) -> None:
    """Whatever the setting, the demo runs today for the stations: the desk admits people."""
    summary = station.summary
    assert summary.day == demo_now().astimezone(DEMO_ZONE).date()
    event = events.show_event(station.store, summary.event)
    assert event.starts_at.astimezone(DEMO_ZONE).date() == summary.day
    app = make_app(config=station.config, store=station.store, sign_in_as="Sam Desk")
    assert app.backend.event == summary.event
    assert abs(app.backend.now() - station.now()) < timedelta(minutes=1)
    ticket = next(
        t
        for attendee in range(1, summary.attendees + 1)
        for t in tickets_of_attendee(station.store, attendee)
        if t.status == "registered"
        and t.checked_in_at is None
        and payments.payment_summary(station.store, t.id).due_cents == 0
    )
    result = app.backend.checkin().checkin_ticket(ticket.id)
    assert result.result == "ok", result.message
