"""pretix's signed codes at our door (eventdesk.shop_codes), against a real pretix
(tests/pretix_shop.py): a connected event's keys are kept with it (and in a station's copy),
so that a code no ticket here has is told apart: signed by none of the event's keys, it is a
forged or damaged ticket; genuine, it was sold after the last pull, and the door says to sync;
after the sync it is admitted. Offline too, from a door's copy, its server cut."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from eventdesk.db import Store
from eventdesk.services.data import pretix
from testkit.proxy import TcpProxy
from tests.clitools import Cli
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.offline_tools import DoorStation, through
from tests.pretix_shop import Pretix, connect_args, organizer_name, regular
from tests.pretix_shop import pretix_server as pretix_server  # the fixture

__all__ = ["backend_fixed"]  # a fixture
pytestmark = [
    pytest.mark.slow,  # a real pretix (installed once per machine): the full suite runs it
    pytest.mark.timeout(1200),  # its first install, beside the rest of the suite
]
FORGED = "forged or damaged pretix ticket"
NOT_PULLED = "genuine pretix ticket this station has not pulled yet"


def forged(secret: str) -> str:
    """``secret`` with its signature's last byte changed: the same shape, signed by no one."""
    raw = bytearray(base64.b64decode(secret[::-1]))
    raw[-1] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()[::-1]


def secret_of(order: dict[str, Any]) -> str:
    (position,) = order["positions"]
    return str(position["secret"])


def said(cli: Cli, code: str) -> tuple[str, str]:
    got, out, err = cli.call("--json", "checkin", "--event", "fair", code)
    assert got in (0, 1) and "Traceback" not in err, err
    answer = json.loads(out)
    return str(answer["result"]), str(answer.get("message") or "")


def test_a_signed_code_not_found_here_is_forged_or_not_pulled_yet(
    pretix_server: Pretix, cli: Cli, tmp_path: Path
) -> None:
    organizer = organizer_name()
    (fair,) = pretix_server.seed(organizer, "fair")
    ada = secret_of(pretix_server.order(organizer, fair, [regular(fair, "Ada Byron")], paid=True))
    cli.json(*connect_args(pretix_server, organizer, "fair", tmp_path))
    cy = secret_of(pretix_server.order(organizer, fair, [regular(fair, "Cy Late")], paid=True))

    result, message = said(cli, forged(ada))
    assert result == "invalid" and FORGED in message, message
    result, message = said(cli, cy)
    assert result == "invalid" and NOT_PULLED in message and "shop sync" in message, message
    result, message = said(cli, "no ticket at all")
    assert result == "invalid" and FORGED not in message and NOT_PULLED not in message, message
    assert cli.json("shop", "sync", "fair")["created"] == 1
    assert said(cli, cy)[0] == "ok"
    assert said(cli, ada)[0] == "ok"


@POSTGRESQL
def test_a_doors_copy_tells_a_forged_code_offline(
    backend_fixed: None,
    pretix_server: Pretix,
    db_url: str,
    store: Store,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    organizer = organizer_name()
    (fair,) = pretix_server.seed(organizer, "fair")
    ada = secret_of(pretix_server.order(organizer, fair, [regular(fair, "Ada Byron")], paid=True))
    token = tmp_path / "pretix.token"
    token.write_text(pretix_server.token)
    pretix.connect(
        store, tmp_path / "office", pretix_server.url, organizer=organizer, event="fair",
        token_file=token,
    )  # fmt: skip
    cy = secret_of(pretix_server.order(organizer, fair, [regular(fair, "Cy Late")], paid=True))
    door = DoorStation("Door 1", tmp_path / "door-1", through(proxy, db_url))
    assert door.run("sync").code == 0
    proxy.cut()
    for code, words in ((forged(ada), FORGED), (cy, NOT_PULLED)):
        decided = door.run("checkin", "--event", "fair", code)
        assert decided.json["offline"] is True, decided.json
        assert decided.json["result"] == "invalid" and words in decided.json["message"], decided
    admitted = door.run("checkin", "--event", "fair", ada)
    assert (admitted.json["result"], admitted.json["offline"]) == ("ok", True), admitted.json
    proxy.restore()
