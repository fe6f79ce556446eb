"""pretix's check-in list rules read onto our lists' (services.data.pretix_lists.map_list):
what maps is kept exactly, in the event's days and hours; what does not is refused naming the
rule. (The lists' import from a real pretix, and the same scans decided by pretix and by our
door, are tests/e2e/test_pretix_lists.py.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from eventdesk.services.data.pretix_lists import EventDays, map_list

NAMES = {(1, None): "Regular", (2, 20): "Day pass – Saturday", (2, 21): "Day pass – Sunday"}
# A fixed clock: a two-day event starting at 09:00 in Berlin (07:00 UTC in summer).
STARTS = datetime(2031, 6, 14, 7, 0, tzinfo=UTC)
EVENT = EventDays(STARTS, STARTS + timedelta(days=1, hours=10), "Europe/Berlin")
SHOP_EVENT = {
    "date_from": STARTS.isoformat(),
    "date_to": (STARTS + timedelta(days=1, hours=10)).isoformat(),
    "date_admission": (STARTS - timedelta(hours=1)).isoformat(),
}
DAY_ONE, DAY_TWO = (str(STARTS.date() + timedelta(days=n)) for n in (0, 1))


def lookup(kind: str, number: int) -> dict[str, Any]:
    return {"lookup": [kind, str(number), f"{kind} {number}"]}


def mapped(rules: Any = None, **fields: Any) -> Any:
    return map_list({"id": 7, "name": "Door", "rules": rules, **fields}, NAMES, SHOP_EVENT, EVENT)


def now_is(op: str, kind: str, value: str | None = None, slack: int = 0) -> dict[str, Any]:
    built = [kind] if value is None else [kind, value]
    return {op: [{"var": "now"}, {"buildTime": built}, slack]}


def test_products_variations_and_entries_map_onto_our_rules() -> None:
    either = {
        "or": [
            {"inList": [{"var": "product"}, {"objectList": [lookup("product", 1)]}]},
            {"inList": [{"var": "variation"}, {"objectList": [lookup("variation", 21)]}]},
        ]
    }  # fmt: skip
    door = mapped({"and": [either, {"<": [{"var": "entries_today"}, 1]}]}, include_pending=True)
    assert door.refused is None
    assert door.types == ("Day pass – Sunday", "Regular")
    # A pending order's ticket owes its price on every list (pretix's redeem refuses it unless
    # its operator confirms; here the desk takes the money), pending orders included or not.
    assert (door.columns["entries"], door.columns["unpaid"]) == ("daily", "refuse")
    limited = mapped(all_products=False, limit_products=[2], allow_entry_after_exit=False)
    assert limited.types == ("Day pass – Saturday", "Day pass – Sunday")
    assert (limited.columns["entries"], limited.columns["unpaid"]) == ("once", "refuse")
    assert mapped({"==": [{"var": "entries_number"}, 0]}).columns["entries"] == "once"
    assert mapped().columns["entries"] == "unlimited"  # pretix's default: again after an exit


def test_times_of_day_and_moments_become_days_and_hours_in_the_events_zone() -> None:
    window = mapped(
        {
            "and": [
                now_is("isAfter", "customtime", "10:00:00", 15),
                now_is("isBefore", "customtime", "18:00:00"),
            ]
        }
    )
    assert json.loads(window.columns["hours"]) == [[None, "09:45", "18:00"]]
    assert window.columns["days"] is None
    # From 13:30 on the second day (Berlin): the first day closed, the second from 13:30 to
    # the end of its night, pretix's "custom" moment in UTC.
    later = (STARTS + timedelta(days=1, hours=4, minutes=30)).isoformat()
    second = mapped(now_is("isAfter", "custom", later))
    assert json.loads(second.columns["days"]) == [DAY_TWO]
    assert json.loads(second.columns["hours"]) == [
        [DAY_TWO, "13:30", "05:00"],
        [None, "05:00", "05:00"],
    ]
    # Until the event's start (pretix's date_from, 09:00), with 30 minutes' slack: the first
    # day only, from its start at 05:00 to 09:30.
    until = mapped(now_is("isBefore", "date_from", slack=30))
    assert json.loads(until.columns["days"]) == [DAY_ONE]
    assert json.loads(until.columns["hours"]) == [
        [DAY_ONE, "05:00", "09:30"],
        [None, "05:00", "05:00"],
    ]
    # From the admission time (08:00) to the end: the first day from 08:00, every day after.
    admission = mapped(now_is("isAfter", "date_admission"))
    assert admission.columns["days"] is None
    assert json.loads(admission.columns["hours"])[0] == [DAY_ONE, "08:00", "05:00"]


@pytest.mark.parametrize(
    "rules",
    [
        {"<": [{"var": "entries_number"}, 3]},
        {">": [{"var": "minutes_since_last_entry"}, 30]},
        {"inList": [{"var": "gate"}, {"objectList": [{"lookup": ["gate", "1", "B"]}]}]},
        {"==": [{"var": "now_isoweekday"}, 6]},
        {"and": [{"<": [{"var": "entries_number"}, 1]}, {"!": {"var": "entries_today"}}]},
    ],
)
def test_a_rule_our_lists_cannot_say_refuses_the_list_naming_it(rules: Any) -> None:
    door = mapped(rules)
    assert door.refused is not None and not door.columns
    assert "'Door'" in door.refused
    part = rules["and"][1] if "and" in rules else rules
    assert json.dumps(part, separators=(",", ":")) in door.refused


def test_a_date_of_an_event_series_or_a_time_and_a_moment_together_is_refused() -> None:
    assert "subevent 3" in (mapped(subevent=3).refused or "")
    later = (STARTS + timedelta(hours=4)).isoformat()
    both = {"and": [now_is("isAfter", "custom", later), now_is("isBefore", "customtime", "18:00")]}
    assert "time of day" in (mapped(both).refused or "")
