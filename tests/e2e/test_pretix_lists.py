"""A connected pretix event's check-in lists, against a real pretix (tests/pretix_shop.py): each
list made ours with its products, pending orders and entries, its JsonLogic rules mapped onto
our lists' rules, and a list with a rule our lists cannot say refused, naming the rule. The same
tickets are then decided on each list by pretix's own redeem call and by our door: the answers
agree (admitted or refused), scan after scan."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.clitools import Cli
from tests.pretix_shop import (
    Pretix,
    ShopEvent,
    connect_args,
    organizer_name,
    regular,
    sunday_pass,
)
from tests.pretix_shop import pretix_server as pretix_server  # the fixture

pytestmark = [
    pytest.mark.slow,  # a real pretix (installed once per machine): the full suite runs it
    pytest.mark.timeout(1200),  # its first install, beside the rest of the suite
]


def made_list(server: Pretix, organizer: str, event: ShopEvent, **fields: Any) -> int:
    status, said = server.call(
        "POST", f"organizers/{organizer}/events/{event.slug}/checkinlists/", fields
    )
    assert status == 201, said
    return int(said["id"])


def product(event: ShopEvent, name: str) -> dict[str, Any]:
    return {"lookup": ["product", str(event.items[name]), name]}


def theirs(server: Pretix, organizer: str, shop_list: int, secret: str) -> bool:
    """pretix's own scanner on ``shop_list``: admitted or not."""
    return server.redeem(organizer, shop_list, secret)[0] == 201


def ours(cli: Cli, door: str, secret: str) -> bool:
    got, out, err = cli.call("--json", "checkin", "--event", "fair", "--list", door, secret)
    assert got in (0, 1) and "Traceback" not in err, err
    return bool(json.loads(out)["result"] == "ok")


def test_pretix_lists_become_ours_and_decide_as_pretix_does(
    pretix_server: Pretix, cli: Cli, tmp_path: Path
) -> None:
    organizer = organizer_name()
    (fair,) = pretix_server.seed(organizer, "fair")
    status, shop_event = pretix_server.call("GET", f"organizers/{organizer}/events/fair/")
    assert status == 200, shop_event
    later = datetime.fromisoformat(shop_event["date_from"]) + timedelta(hours=5)
    sunday_gate = made_list(
        pretix_server, organizer, fair, name="Sunday gate", all_products=False,
        limit_products=[fair.items["Day pass"]],
        rules={"inList": [{"var": "variation"}, {"objectList": [
            {"lookup": ["variation", str(fair.variations["Sunday"]), "Sunday"]}]}]},
    )  # fmt: skip
    hall = made_list(
        pretix_server, organizer, fair, name="Hall once", all_products=True,
        allow_multiple_entries=False, allow_entry_after_exit=False,
        rules={"and": [
            {"inList": [{"var": "product"}, {"objectList": [product(fair, "Regular")]}]},
            {"<": [{"var": "entries_number"}, 1]},
        ]},
    )  # fmt: skip
    late = made_list(
        pretix_server, organizer, fair, name="Late door", all_products=True,
        rules={"isAfter": [{"var": "now"}, {"buildTime": ["custom", later.isoformat()]}, 0]},
    )  # fmt: skip
    gate_rule = {"inList": [{"var": "gate"}, {"objectList": [{"lookup": ["gate", "1", "B"]}]}]}
    made_list(pretix_server, organizer, fair, name="Gate B", all_products=True, rules=gate_rule)
    order = pretix_server.order(
        organizer, fair, [regular(fair, "Ada Byron"), sunday_pass(fair, "Alan Turing")], paid=True
    )
    ada, alan = (str(p["secret"]) for p in order["positions"])
    made = cli.json(*connect_args(pretix_server, organizer, "fair", tmp_path))
    # pretix's list of every product with no rule is our default list's counterpart (our
    # entries go up to it): not a list of its own, where a ticket could enter twice.
    assert sorted(made["lists_made"]) == ["hall-once", "late-door", "sunday-gate"]
    (refused,) = made["lists_refused"]
    assert "'Gate B'" in refused and '"var":"gate"' in refused, refused
    assert made["refused_lists"] == [{"list": "Gate B", "why": refused}]
    assert made["lists"] == sorted(["default", *made["lists_made"]])
    shown = cli.json("checkin-list", "show", "fair/hall-once")
    assert (shown["entries"], shown["ticket_types"]) == ("once", ["Regular"]), shown
    assert cli.json("checkin-list", "show", "fair/sunday-gate")["ticket_types"] == [
        "Day pass – Sunday"
    ]

    # The same scans, at pretix's gate and at ours: the same answers, second scans too.
    for door, shop_list in (("sunday-gate", sunday_gate), ("hall-once", hall), ("late-door", late)):
        for secret in (ada, alan, ada):
            assert ours(cli, door, secret) == theirs(pretix_server, organizer, shop_list, secret), (
                door,
                secret,
            )
    assert ours(cli, "sunday-gate", alan) is False  # once a list admitted it: entered again
    assert ours(cli, "hall-once", ada) is False

    again = cli.json("shop", "sync", "fair")
    assert (again["lists_made"], again["lists_changed"]) == ([], []), again
    status, said = pretix_server.call(
        "PATCH",
        f"organizers/{organizer}/events/fair/checkinlists/{hall}/",
        {"name": "Hall"},
    )
    assert status == 200, said
    changed = cli.json("shop", "sync", "fair")
    assert changed["lists_changed"] == ["hall-once"], changed  # its slug kept
    assert cli.json("checkin-list", "show", "fair/hall-once")["name"] == "Hall"
