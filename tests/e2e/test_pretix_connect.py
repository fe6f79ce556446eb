"""A pretix event connected (`eventdesk shop connect pretix`, `shop sync`), against a real pretix
(tests/pretix_shop.py) filled through its REST API: the event, its products and variations, its
orders' positions become our event, ticket types and tickets, each ticket's code the secret in
pretix's QR; our door admits them as pretix decides them (paid admitted, pending refused as
unpaid, cancelled refused); a sync brings new orders, payments and cancellations and changes
nothing that did not change; the token is read from its file and kept where only the station
reads it, and a token pretix refuses is said in one sentence."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from eventdesk.services.data import pretix
from eventdesk.services.data.pretix_api import Connection
from tests.clitools import Cli
from tests.pretix_shop import (
    Pretix,
    ShopEvent,
    organizer_name,
    regular,
    secrets,
    sunday_pass,
)
from tests.pretix_shop import pretix_server as pretix_server  # the fixture

pytestmark = [
    pytest.mark.slow,  # a real pretix (installed once per machine): the full suite runs it
    pytest.mark.timeout(1200),  # its first install, beside the rest of the suite
]


def redeem(server: Pretix, organizer: str, event: ShopEvent, secret: str) -> tuple[int, str]:
    """pretix's own scanner at its gate: its redeem call's status and answer."""
    status, said = server.redeem(organizer, event.list, secret)
    return status, str(said.get("reason") or said["status"])


def mark(server: Pretix, organizer: str, order: dict[str, Any], action: str) -> None:
    status, said = server.call(
        "POST", f"organizers/{organizer}/events/spring/orders/{order['code']}/{action}/"
    )
    assert status == 200, said


def door(cli: Cli, event: str, code: str) -> str:
    got, out, err = cli.call("--json", "checkin", "--event", event, code)
    assert got in (0, 1), err
    return str(json.loads(out)["result"])


def test_a_connected_pretix_event_is_admitted_at_our_door_and_synced(
    pretix_server: Pretix, cli: Cli, tmp_path: Path
) -> None:
    organizer = organizer_name()
    (spring,) = pretix_server.seed(organizer, "spring")
    status, asked = pretix_server.call("GET", f"organizers/{organizer}/events/spring/questions/")
    assert status == 200, asked
    (company,) = [q["id"] for q in asked["results"] if q["identifier"] == "COMPANY"]
    ada_at_work = {**regular(spring, "Ada Byron"), "answers": [
        {"question": company, "answer": "Analytical Engines Ltd", "options": []}]}  # fmt: skip
    paid = pretix_server.order(
        organizer,
        spring,
        [ada_at_work, sunday_pass(spring, "Alan Turing")],
        paid=True,
    )
    pending = pretix_server.order(
        organizer,
        spring,
        [regular(spring, "Bo Pending")],
        paid=False,
    )
    token = tmp_path / "pretix.token"
    token.write_text(pretix_server.token + "\n")

    def connect(event: ShopEvent, token_file: Path, code: int = 0) -> Any:
        return cli.json(
            "shop", "connect", "pretix", pretix_server.url, "--organizer", organizer,
            "--event", event.slug, "--token-file", str(token_file), code=code,
        )  # fmt: skip

    made = connect(spring, token)
    assert (made["event"], made["shop"], made["orders"], made["tickets"]) == (
        "spring",
        "pretix",
        2,
        3,
    )
    assert sorted(made["types_created"]) == ["Day pass – Sunday", "Regular"]
    # pretix's questions are the event's, asked of each holder; Ada's answer is hers here.
    (question,) = cli.json("question", "list", "spring")
    assert (question["key"], question["kind"], question["per"]) == ("company", "text", "holder")
    cli.run("export", "attendees", "spring", "--output", str(tmp_path / "people.csv"))
    exported = (tmp_path / "people.csv").read_text()
    assert "Analytical Engines Ltd" in exported, exported
    shown = cli.json("event", "show", "spring")
    assert (shown["title"], shown["timezone"]) == ("Shop event spring", "Europe/Berlin"), shown
    ada, alan = secrets(paid)
    (bo,) = secrets(pending)
    assert door(cli, "spring", ada) == "ok"
    assert door(cli, "spring", alan) == "ok"
    assert door(cli, "spring", bo) == "unpaid"

    # The token: only in the station's own file, never said. Our two entries go up to pretix,
    # with our nonces: its own redeem call then says they are in.
    (saved,) = (cli.data_dir / "shops").iterdir()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    out, err = cli.run("--json", "shop", "sync", "spring")
    assert pretix_server.token not in out + err
    assert (json.loads(out)["pushed"], json.loads(out)["waiting"]) == (2, 0), out
    assert redeem(pretix_server, organizer, spring, ada) == (400, "already_redeemed")
    assert cli.json("shop", "sync", "spring")["pushed"] == 0  # sent once

    # In the shop meanwhile: Bo pays and pretix's own scanner admits him; our door does too,
    # not knowing it: a conflict. Cy buys and is admitted at pretix's gate: he is in here too.
    mark(pretix_server, organizer, pending, "mark_paid")
    assert cli.json("shop", "sync", "spring")["updated"] == 1
    assert redeem(pretix_server, organizer, spring, bo) == (201, "ok")
    assert door(cli, "spring", bo) == "ok"
    late = pretix_server.order(
        organizer,
        spring,
        [regular(spring, "Cy Late")],
        paid=True,
    )
    (cy,) = secrets(late)
    assert redeem(pretix_server, organizer, spring, cy) == (201, "ok")
    mark(pretix_server, organizer, paid, "mark_canceled")
    synced = cli.json("shop", "sync", "spring")
    assert (synced["created"], synced["updated"], synced["gone"]) == (1, 2, 0), synced
    assert (synced["pulled"], synced["conflicts"]) == (1, 1), synced
    assert [line.split(":")[0] for line in synced["refused"]] == [bo], synced
    assert door(cli, "spring", cy) == "already_checked_in"
    conflicts = cli.json("report", "conflicts", "spring")
    assert "pretix" in json.dumps(conflicts), conflicts
    # pretix made the cancelled order's secrets again: the old ones are revoked, as it says.
    got, out, err = cli.call("--json", "checkin", "--event", "spring", ada)
    assert (got, json.loads(out)["result"]) == (1, "invalid"), out
    assert "the shop cancelled this ticket" in json.loads(out)["message"], out
    unchanged = cli.json("shop", "sync", "spring", "--full")
    assert (unchanged["created"], unchanged["updated"], unchanged["gone"]) == (0, 0, 0)
    assert (unchanged["unchanged"], unchanged["pulled"], unchanged["pushed"]) == (4, 0, 0)
    said = cli.json("shop", "status", "spring")
    assert (said["waiting"], said["last_reached"]) == (0, unchanged["last_reached"]), said
    assert [line.split(":")[0] for line in said["refused"]] == [bo], said
    assert pretix_server.token not in json.dumps(said)

    # A sync pulls the orders changed since the last one began (less a margin for the
    # clocks): none since a moment to come, and nothing of what it did not pull is cancelled.
    kept = pretix.load(cli.data_dir, "spring")
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    pretix.save(cli.data_dir, Connection(**{**kept.__dict__, "modified_since": later}))
    quiet = cli.json("shop", "sync")  # the one event with a shop here
    assert (quiet["orders"], quiet["tickets"], quiet["gone"]) == (0, 0, 0), quiet
    assert door(cli, "spring", cy) == "already_checked_in"

    # Disconnected: the token gone from the station, the tickets staying the event's.
    gone = cli.json("shop", "disconnect", "spring")
    assert (gone["event"], gone["disconnected"]) == ("spring", True), gone
    assert not list((cli.data_dir / "shops").iterdir())
    got, _out, err = cli.call("shop", "status")
    assert got != 0 and "no shop is connected" in err and "Traceback" not in err, err
    assert door(cli, "spring", cy) == "already_checked_in"

    wrong = tmp_path / "wrong.token"
    wrong.write_text("not-the-token\n")
    got, _out, err = cli.call(
        "shop", "connect", "pretix", pretix_server.url, "--organizer", organizer,
        "--event", "spring", "--token-file", str(wrong),
    )  # fmt: skip
    assert got == 3 and "refused the API token" in err and "Traceback" not in err, err
