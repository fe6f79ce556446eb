"""Check-in lists (services.door.lists): a door on a list admits what the list says, refuses
with the rule that refused and what would pass, and keeps its own admissions (a ticket is
valid once on each list). A three-day conference in Berlin, its days derived from today, the
door's clock moved by the scan's ``now``. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.services.catalogue import events
from eventdesk.services.data.csvexport import export
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.list_changes import (
    ListChange,
    create_list,
    delete_list,
    describe,
    update_list,
)
from eventdesk.services.people.payments import pay
from eventdesk.services.people.registration import register
from eventdesk.services.stats.reports import report, stats
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.helpers import add_type, make_event, people

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Conference:
    slug: str
    day1: datetime  # the first day's midnight, in Berlin
    tickets: dict[str, str]  # name -> ticket id

    def at(self, day: int, clock: str) -> datetime:
        """A moment of the conference: its ``day`` (1 to 3) at ``clock`` in Berlin."""
        moment = datetime.combine(
            (self.day1 + timedelta(days=day - 1)).date(), time.fromisoformat(clock), BERLIN
        )
        return moment.astimezone(ZoneInfo("UTC"))


@pytest.fixture
def conference(store: Store, signer: Signer) -> Conference:
    """Three days, 09:00 to 18:00 in Berlin, a week from now; a VIP, a Speaker, two Day passes
    and an unpaid Day pass."""
    first = (utcnow().astimezone(BERLIN) + timedelta(days=7)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    slug = make_event(
        store,
        starts=(first + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M"),
        ends=(first + timedelta(days=2, hours=18)).strftime("%Y-%m-%dT%H:%M"),
        timezone="Europe/Berlin",
    )
    for name in ("VIP", "Speaker", "Day"):
        add_type(store, slug, name, price_cents=0)
    add_type(store, slug, "Paid", price_cents=5000)
    tickets = {}
    for email, kind in zip(
        people(store, 5, prefix=f"c{slug[-6:]}"),
        ("VIP", "Speaker", "Day", "Day", "Paid"),
        strict=True,
    ):
        ticket = register(store, slug, email, kind).tickets[0]
        tickets[f"{kind}{len([k for k in tickets if k.startswith(kind)]) or ''}"] = ticket.ticket_id
    return Conference(slug, first, tickets)


def door(store: Store, conf: Conference, **options: object) -> Checkin:
    return Checkin(store, station="Door A", event=conf.slug, **options)  # type: ignore[arg-type]


def test_a_lounge_admits_its_ticket_types_only_and_says_which(
    store: Store, conference: Conference
) -> None:
    create_list(store, conference.slug, ListChange(name="Lounge", ticket_types=["VIP", "Speaker"]))
    lounge = door(store, conference, checkin_list="lounge")
    noon = conference.at(1, "12:00")
    refused = lounge.checkin_ticket(conference.tickets["Day"], now=noon)
    assert (refused.result, refused.rule, refused.list) == ("wrong_type", "ticket_types", "lounge")
    assert refused.message == "Lounge: VIP and Speaker only."
    assert lounge.checkin_ticket(conference.tickets["VIP"], now=noon).result == "ok"
    # Valid once on each list: the lounge's admission is not the event's.
    main = door(store, conference).checkin_ticket(conference.tickets["VIP"], now=noon)
    assert (main.result, main.list) == ("ok", "default")
    again = lounge.checkin_ticket(conference.tickets["VIP"], now=noon + timedelta(minutes=1))
    assert (again.result, again.rule) == ("already_checked_in", "entries")
    # Who is inside, per list, in the stats.
    assert stats(store, conference.slug, now=noon).lists == [
        {"slug": "lounge", "name": "Lounge", "inside": 1, "admitted": 1}
    ]


def test_a_day_pass_enters_once_a_day_over_three_days(store: Store, conference: Conference) -> None:
    update_list(store, f"{conference.slug}/default", ListChange(entries="daily"))
    gate = door(store, conference)
    ticket = conference.tickets["Day"]
    first = gate.checkin_ticket(ticket, now=conference.at(1, "09:12"))
    assert (first.result, first.list) == ("ok", "default")
    used = gate.checkin_ticket(ticket, now=conference.at(1, "15:00"))
    assert (used.result, used.rule) == ("used_today", "entries")
    assert used.message.startswith("Default: used today at 09:12 at Door A")
    assert used.message.endswith("valid again tomorrow.")
    assert gate.checkin_ticket(ticket, now=conference.at(2, "08:30")).result == "ok"
    assert gate.checkin_ticket(ticket, now=conference.at(2, "17:00")).result == "used_today"
    assert gate.checkin_ticket(ticket, now=conference.at(3, "10:00")).result == "ok"
    last = gate.checkin_ticket(ticket, now=conference.at(3, "11:00"))
    assert last.result == "used_today" and last.message.endswith("this was its last day.")
    # The event's arrivals count the person once, at the first day's entry.
    snapshot = stats(store, conference.slug, now=conference.at(3, "12:00"))
    assert snapshot.checked_in == 1
    assert snapshot.days == [
        {"day": (conference.day1.date() + timedelta(days=n)).isoformat(), "arrivals": a}
        for n, a in enumerate((1, 0, 0))
    ]

    shown = describe(store, gate.current_list())
    assert (shown["entries"], shown["admitted"]) == ("daily", 1)
    # The days report: the first arrival on day 1, the list's entry each day.
    days = [conference.day1.date() + timedelta(days=n) for n in range(3)]
    assert [tuple(r) for r in report(store, "days", conference.slug).rows] == [
        (days[0].isoformat(), "first arrivals", 1),
        (days[0].isoformat(), "list Default", 1),
        (days[1].isoformat(), "first arrivals", 0),
        (days[1].isoformat(), "list Default", 1),
        (days[2].isoformat(), "first arrivals", 0),
        (days[2].isoformat(), "list Default", 1),
    ]


def test_hours_and_days_refuse_with_when_it_opens(store: Store, conference: Conference) -> None:
    create_list(
        store,
        conference.slug,
        ListChange(name="Workshop room", days="2,3", hours=["10:00-12:00", "14:00-16:00"]),
    )
    room = door(store, conference, checkin_list="workshop-room")
    ticket = conference.tickets["Day"]
    day1 = room.checkin_ticket(ticket, now=conference.at(1, "11:00"))
    assert (day1.result, day1.rule) == ("closed", "days")
    day2 = conference.day1 + timedelta(days=1)
    day3 = conference.day1 + timedelta(days=2)
    assert day1.message == (f"Workshop room: open on {day2:%a %d %b} and {day3:%a %d %b} only.")
    lunch = room.checkin_ticket(ticket, now=conference.at(2, "12:30"))
    assert (lunch.result, lunch.rule) == ("closed", "hours")
    assert lunch.message == "Workshop room: open 10:00-12:00, 14:00-16:00; opens at 14:00."
    evening = room.checkin_ticket(ticket, now=conference.at(2, "16:30"))
    assert evening.message.endswith(f"closed for today, open again {day3:%a %d %b}.")
    assert room.checkin_ticket(ticket, now=conference.at(2, "14:00")).result == "ok"
    # The day's own hours replace every day's.
    update_list(store, "workshop-room", ListChange(hours=["10:00-12:00", "3@09:00-10:00"]))
    early = conference.at(3, "09:30")
    other = conference.tickets["Day1"]
    assert room.checkin_ticket(other, now=early).result == "ok"  # the list changed: read again


def test_unlimited_entries_need_an_exit_between_and_the_least_gap(
    store: Store, conference: Conference
) -> None:
    create_list(
        store, conference.slug, ListChange(name="Gym", entries="unlimited", min_gap_minutes=10)
    )
    entry = door(store, conference, checkin_list="gym")
    exit_ = door(store, conference, checkin_list="gym", direction="exit")
    ticket = conference.tickets["Speaker"]
    t0 = conference.at(1, "10:00")
    assert entry.checkin_ticket(ticket, now=t0).result == "ok"
    inside = entry.checkin_ticket(ticket, now=t0 + timedelta(minutes=20))
    assert inside.result == "already_checked_in" and "scan out at the exit" in inside.message
    assert exit_.checkin_ticket(ticket, now=t0 + timedelta(minutes=2)).result == "ok"
    soon = entry.checkin_ticket(ticket, now=t0 + timedelta(minutes=5))
    assert (soon.result, soon.rule) == ("too_soon", "min_gap")
    assert soon.message == "Gym: entered at 10:00; again from 10:10."
    back = entry.checkin_ticket(ticket, now=t0 + timedelta(minutes=11))
    assert back.result == "ok" and back.reentry
    assert describe(store, entry.current_list())["inside"] == 1


def test_a_list_of_one_entry_has_no_exit(store: Store, conference: Conference) -> None:
    create_list(store, conference.slug, ListChange(name="Dinner", entries="once"))
    noon = conference.at(1, "12:00")
    ticket = conference.tickets["Day"]
    assert door(store, conference, checkin_list="dinner").checkin_ticket(ticket, now=noon).admitted
    out = door(store, conference, checkin_list="dinner", direction="exit").checkin_ticket(
        ticket, now=noon
    )
    assert (out.result, out.rule) == ("no_reentry", "entries")


def test_questions_are_asked_before_admitting_and_kept(
    store: Store, conference: Conference, tmp_path: Path
) -> None:
    create_list(
        store,
        conference.slug,
        ListChange(
            name="Bar",
            questions=["age:yesno:Over 18 (ID seen)?:required", "shirt:choice=S|M|L:Shirt size?"],
        ),
    )
    bar = door(store, conference, checkin_list="bar")
    kiosk = door(store, conference, checkin_list="bar", self_service=True)
    noon = conference.at(1, "20:00")
    ticket = conference.tickets["Day"]
    asked = bar.checkin_ticket(ticket, now=noon)
    assert (asked.result, asked.rule, asked.asks) == ("needs_answer", "questions", ("age",))
    assert asked.message == "Please answer first: Over 18 (ID seen)?"
    at_kiosk = kiosk.checkin_ticket(ticket, now=noon)
    assert (at_kiosk.result, at_kiosk.asks) == ("needs_answer", ("age",))
    assert "see the desk" in at_kiosk.message
    wrong = bar.checkin_ticket(ticket, now=noon, answers={"shirt": "XXL", "age": "yes"})
    assert wrong.result == "needs_answer" and "one of S, M, L" in wrong.message
    ok = bar.checkin_ticket(ticket, now=noon, answers={"age": "Yes", "shirt": "m"})
    assert ok.result == "ok"
    from eventdesk.services.door.answers import answers_of

    assert answers_of(store, ticket) == [
        ("Bar", "age", "Over 18 (ID seen)?", "yes"),
        ("Bar", "shirt", "Shirt size?", "M"),
    ]
    # The answers in the exports, a cell a ticket.
    export(store, "checkins", conference.slug, tmp_path / "checkins.csv")
    export(store, "attendees", conference.slug, tmp_path / "attendees.csv")
    for name in ("checkins.csv", "attendees.csv"):
        with open(tmp_path / name, encoding="utf-8-sig", newline="") as fh:
            rows = {r["Ticket ID"]: r for r in csv.DictReader(fh)}
        if name == "attendees.csv":
            assert rows[ticket]["Answers"] == "Bar: age=yes; Bar: shirt=M"
            assert rows[conference.tickets["VIP"]]["Answers"] == ""
        else:  # the admission on the bar's list is a check-in of its own, naming the list
            assert rows[ticket]["List"] == "Bar"
            assert rows[ticket]["Answers"] == "Bar: age=yes; Bar: shirt=M"
    with pytest.raises(InvalidInput, match="a question is yesno, choice or text"):
        update_list(store, "bar", ListChange(questions=["x:color:Colour?"]))


def test_unpaid_and_sessions_per_list(store: Store, conference: Conference) -> None:
    create_list(store, conference.slug, ListChange(name="Expo", unpaid="admit"))
    expo = door(store, conference, checkin_list="expo")
    paid_later = conference.tickets["Paid"]
    noon = conference.at(1, "12:00")
    admitted = expo.checkin_ticket(paid_later, now=noon)
    assert admitted.result == "ok" and (admitted.due, admitted.currency) == (5000, "EUR")
    refused = door(store, conference).checkin_ticket(paid_later, now=noon)
    assert (refused.result, refused.rule, refused.list) == ("unpaid", "unpaid", "default")
    pay(store, paid_later, method="cash")
    assert door(store, conference).checkin_ticket(paid_later, now=noon).result == "ok"


@pytest.mark.slow  # four processes racing
def test_doors_in_four_processes_racing_admit_each_day_pass_once_a_day(
    store: Store, signer: Signer, db_url: str, conference: Conference
) -> None:
    """Four doors (real processes) on a daily list scan the same day passes at once, on two
    days: each ticket is admitted exactly once a day, by one of them; the others say it was
    used today."""

    from tests.workers import processes, scan_on_list

    create_list(store, conference.slug, ListChange(name="Day door", entries="daily"))
    payloads = [signer.payload(t) for t in conference.tickets.values() if t]
    ctx = processes()
    for day in (1, 2):
        barrier = ctx.Barrier(4)
        out = ctx.Queue()
        moment = conference.at(day, "09:30")
        procs = [
            ctx.Process(
                target=scan_on_list,
                args=(
                    db_url,
                    f"Door {n}",
                    f"{conference.slug}/day-door",
                    payloads[n % 2 :] + payloads[: n % 2],
                    moment,
                    barrier,
                    out,
                ),
            )
            for n in range(4)
        ]
        for proc in procs:
            proc.start()
        answers = [out.get(timeout=240) for _ in procs]
        for proc in procs:
            proc.join(timeout=60)
        errors = [a for a in answers if isinstance(a, Exception)]
        assert not errors, errors
        results = [result for answer in answers for _station, result in answer]
        paid = len(payloads) - 1  # the unpaid ticket is refused by every door
        assert results.count("ok") == paid, (day, results)
        assert results.count("used_today") == 3 * paid
        assert results.count("unpaid") == 4


def test_the_default_list_changed_is_decided_by_its_own_rules(
    store: Store, conference: Conference
) -> None:
    """A stored default list is the door's rules, not the event's: its own unpaid rule, its
    own entries, its ticket types (set at its first change), and a door on EVENT/default goes
    back to every valid ticket once the changes are deleted."""
    noon = conference.at(1, "12:00")
    events.update_event(store, conference.slug, unpaid_policy="admit", allow_reentry=True)
    update_list(store, f"{conference.slug}/default", ListChange(unpaid="refuse"))
    gate = door(store, conference, checkin_list=f"{conference.slug}/default")
    refused = gate.checkin_ticket(conference.tickets["Paid"], now=noon)
    assert (refused.result, refused.rule, refused.list) == ("unpaid", "unpaid", "default")
    update_list(store, f"{conference.slug}/default", ListChange(entries="once"))
    ticket = conference.tickets["Day"]
    assert gate.checkin_ticket(ticket, now=noon).result == "ok"
    out = door(store, conference, direction="exit").checkin_ticket(ticket, now=noon)
    assert (out.result, out.rule) == ("no_reentry", "entries")  # the event has re-entry
    with pytest.raises(InvalidInput, match="a list of its own"):
        update_list(store, f"{conference.slug}/default", ListChange(min_gap_minutes=5))
    delete_list(store, f"{conference.slug}/default")
    assert gate.checkin_ticket(conference.tickets["Paid"], now=noon).result == "ok"  # event's
    # Ticket types at the default list's first change (its row made in the same transaction).
    update_list(store, f"{conference.slug}/default", ListChange(ticket_types=["VIP"]))
    assert gate.checkin_ticket(conference.tickets["Day1"], now=noon).result == "wrong_type"


def test_a_default_made_daily_during_a_day_counts_that_days_check_in(
    store: Store, conference: Conference
) -> None:
    ticket = conference.tickets["Day"]
    gate = door(store, conference)
    assert gate.checkin_ticket(ticket, now=conference.at(1, "09:00")).result == "ok"
    update_list(store, f"{conference.slug}/default", ListChange(entries="daily"))
    again = gate.checkin_ticket(ticket, now=conference.at(1, "11:00"))
    assert (again.result, again.first_checked_in_at) == ("used_today", conference.at(1, "09:00"))
    assert gate.checkin_ticket(ticket, now=conference.at(2, "09:00")).result == "ok"


def test_a_night_past_midnight_is_one_day(store: Store, signer: Signer) -> None:
    """A festival's nights, 20:00 to 03:00 in Berlin: once a night, whichever side of midnight,
    an exit after midnight finds the evening's entry, and hours may run past midnight."""
    first = (utcnow().astimezone(BERLIN) + timedelta(days=10)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    slug = make_event(
        store,
        starts=(first + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M"),
        ends=(first + timedelta(days=2, hours=3)).strftime("%Y-%m-%dT%H:%M"),
        timezone="Europe/Berlin",
    )
    add_type(store, slug, "Night", price_cents=0)
    (email,) = people(store, 1, prefix=f"night{slug[-6:]}")
    ticket = register(store, slug, email, "Night").tickets[0].ticket_id
    create_list(store, slug, ListChange(name="Club", entries="daily", hours=["20:00-03:00"]))

    def at(day: int, clock: str) -> datetime:
        return datetime.combine(
            (first + timedelta(days=day)).date(), time.fromisoformat(clock), BERLIN
        )

    club = Checkin(store, station="Club door", event=slug, checkin_list="club")
    leaving = Checkin(store, station="Club exit", event=slug, checkin_list="club", direction="exit")
    assert club.checkin_ticket(ticket, now=at(0, "23:50")).result == "ok"
    after_midnight = club.checkin_ticket(ticket, now=at(1, "00:10"))
    assert (after_midnight.result, after_midnight.rule) == ("used_today", "entries")
    assert leaving.checkin_ticket(ticket, now=at(1, "00:30")).result == "ok"
    closed = club.checkin_ticket(ticket, now=at(1, "04:00"))
    assert (closed.result, closed.rule) == ("closed", "hours")
    assert club.checkin_ticket(ticket, now=at(1, "21:00")).result == "ok"  # the second night


def test_the_servers_day_change_is_the_doors() -> None:
    from eventdesk.event_time import DAY_CHANGE_HOURS
    from eventdesk.migrations import checkin_lists_0014

    assert checkin_lists_0014.DAY_CHANGE_HOURS == DAY_CHANGE_HOURS


def test_the_checkins_export_has_each_days_admission_once(
    store: Store, conference: Conference, tmp_path: Path
) -> None:
    update_list(store, f"{conference.slug}/default", ListChange(entries="daily"))
    gate = door(store, conference)
    ticket = conference.tickets["Day"]
    for day in (1, 2):
        assert gate.checkin_ticket(ticket, now=conference.at(day, "09:00")).result == "ok"
    assert door(store, conference).checkin_ticket(conference.tickets["VIP"]).result != "invalid"
    export(store, "checkins", conference.slug, tmp_path / "checkins.csv")
    with open(tmp_path / "checkins.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Ticket ID"] == ticket]
    days = [(conference.day1.date() + timedelta(days=n)).isoformat() for n in (0, 1)]
    assert [r["List"] for r in rows] == [f"Default ({day})" for day in days]
