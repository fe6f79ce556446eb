"""A connected pretix event when things go wrong, against a real pretix (tests/pretix_shop.py):

- the shop busy: a 429 with Retry-After on a read is waited out as the shop asks, and on our
  check-ins' sending stops the sending (the rest wait for the next sync, said so), never the
  pull nor the door; the next sync sends them, once;
- a door offline: what a station decided from its copy while its server was cut goes up to the
  server, then to pretix with ``force`` (pretix records it whatever it would say now), and a
  ticket pretix's own gate admitted meanwhile is a conflict in `report conflicts`.

The busy shop is the real pretix behind a loopback HTTP proxy of the test's, which answers 429
for it while told to (as a shop's rate limit does) and passes everything else through."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from eventdesk.db import Store
from eventdesk.services.data import pretix
from eventdesk.services.data.pretix_api import Connection
from testkit.proxy import TcpProxy
from tests.clitools import Cli
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.offline_tools import DoorStation, through
from tests.pretix_shop import Pretix, ShopEvent, organizer_name, regular, secrets
from tests.pretix_shop import pretix_server as pretix_server  # the fixture

__all__ = ["backend_fixed"]  # a fixture
pytestmark = [
    pytest.mark.slow,  # a real pretix (installed once per machine): the full suite runs it
    pytest.mark.timeout(1200),  # its first install, beside the rest of the suite
]


class BusyShop:
    """The shop at ``url`` as seen through a proxy that answers 429 (Retry-After: 1) to the
    next ``busy_reads`` GETs and, while ``busy_writes``, to every POST."""

    def __init__(self, url: str) -> None:
        self.target = url.rstrip("/")
        self.busy_reads = 0
        self.busy_writes = False
        self.said_busy = 0
        shop = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name
                if shop.busy_reads > 0:
                    shop.busy_reads -= 1
                    self.busy()
                else:
                    self.forward(None)

            def do_POST(self) -> None:  # http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.busy() if shop.busy_writes else self.forward(body)

            def busy(self) -> None:
                shop.said_busy += 1
                self.send_response(429)
                self.send_header("Retry-After", "1")
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"detail": "Request was throttled."}')

            def forward(self, body: bytes | None) -> None:
                request = urllib.request.Request(
                    shop.target + self.path,
                    data=body,
                    method=self.command,
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        status, data = answer.status, answer.read()
                        kind = answer.headers.get("Content-Type", "application/json")
                except urllib.error.HTTPError as exc:
                    status, data = exc.code, exc.read()
                    kind = exc.headers.get("Content-Type", "application/json")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                """Quiet: the test says what matters."""

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> BusyShop:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def busy_shop(pretix_server: Pretix) -> Iterator[BusyShop]:
    with BusyShop(pretix_server.url) as shop:
        yield shop


def their_gate(server: Pretix, organizer: str, event: ShopEvent, secret: str) -> str:
    said = server.redeem(organizer, event.list, secret)[1]
    return str(said.get("reason") or said["status"])


def entries_at_pretix(server: Pretix, organizer: str, event: ShopEvent, secret: str) -> int:
    status, found = server.call(
        "GET",
        f"organizers/{organizer}/events/{event.slug}/orderpositions/?secret={quote(secret)}",
    )
    assert status == 200, found
    (position,) = found["results"]
    return sum(1 for c in position["checkins"] if c.get("type", "entry") == "entry")


def test_a_busy_shop_is_waited_for_and_our_check_ins_wait_for_it(
    pretix_server: Pretix, busy_shop: BusyShop, cli: Cli, tmp_path: Path
) -> None:
    organizer = organizer_name()
    (spring,) = pretix_server.seed(organizer, "spring")
    order = pretix_server.order(
        organizer, spring, [regular(spring, "Ada Byron"), regular(spring, "Bo Brown")], paid=True
    )
    ada, bo = secrets(order)
    token = tmp_path / "pretix.token"
    token.write_text(pretix_server.token)

    busy_shop.busy_reads = 1  # its first answer: "too many requests, again in a second"
    made = cli.json(
        "shop", "connect", "pretix", busy_shop.url, "--organizer", organizer,
        "--event", "spring", "--token-file", str(token),
    )  # fmt: skip
    assert (made["tickets"], busy_shop.said_busy) == (2, 1), made
    for code in (ada, bo):
        got, out, err = cli.call("--json", "checkin", "--event", "spring", code)
        assert (got, json.loads(out)["result"]) == (0, "ok"), err

    busy_shop.busy_writes = True  # the shop's limit reached: our sending stops, the pull does not
    got, out, err = cli.call("--json", "shop", "sync", "spring")
    assert got == 0 and "Traceback" not in err, err
    stopped = json.loads(out)
    assert (stopped["pushed"], stopped["waiting"]) == (0, 2), json.dumps(stopped)
    assert "busy (HTTP 429)" in (stopped["push_stopped"] or ""), json.dumps(stopped)
    words = cli.run("shop", "sync", "spring")[0]
    assert "sending stopped" in words and "2 check-in(s) wait for the next sync" in words, words
    assert cli.json("shop", "status", "spring")["waiting"] == 2
    assert entries_at_pretix(pretix_server, organizer, spring, ada) == 0  # none of ours yet

    busy_shop.busy_writes = False
    sent = cli.json("shop", "sync", "spring")
    assert (sent["pushed"], sent["waiting"], sent["push_stopped"]) == (2, 0, None), sent
    assert their_gate(pretix_server, organizer, spring, bo) == "already_redeemed"
    assert cli.json("shop", "sync", "spring")["pushed"] == 0  # sent once

    # The station's own sync exchanges with its shops too; a token the shop no longer takes
    # is said there in a sentence, and the station's sync is not failed for it.
    (shop,) = cli.json("sync")["shops"]
    assert (shop["event"], shop["problem"], shop["pushed"]) == ("spring", None, 0), shop
    words = cli.run("sync")[0]
    assert "shop of spring: 0 new" in words and "0 check-in(s) sent" in words, words
    kept = pretix.load(cli.data_dir, "spring")
    pretix.save(cli.data_dir, Connection(**{**kept.__dict__, "token": "revoked-token"}))
    got, out, err = cli.call("--json", "sync")
    (shop,) = json.loads(out)["shops"]
    assert got == 0 and "refused the API token" in shop["problem"], (out, err)
    assert "revoked-token" not in out + err


@POSTGRESQL
def test_a_doors_offline_check_ins_reach_pretix_forced_and_a_double_is_a_conflict(
    backend_fixed: None,
    pretix_server: Pretix,
    db_url: str,
    store: Store,
    proxy: TcpProxy,
    tmp_path: Path,
) -> None:
    organizer = organizer_name()
    (gala,) = pretix_server.seed(organizer, "gala")
    order = pretix_server.order(
        organizer, gala, [regular(gala, "Ada Byron"), regular(gala, "Bo Brown")], paid=True
    )
    ada, bo = secrets(order)
    token = tmp_path / "pretix.token"
    token.write_text(pretix_server.token)
    office = tmp_path / "office"
    pulled = pretix.connect(
        store, office, pretix_server.url, organizer=organizer, event="gala", token_file=token
    )
    door = DoorStation("Door 1", tmp_path / "door-1", through(proxy, db_url))
    assert door.run("sync").code == 0

    # Apart: pretix's own gate admits Bo; our door, its server cut, admits both from its copy.
    assert their_gate(pretix_server, organizer, gala, bo) == "ok"
    proxy.cut()
    for code in (ada, bo):
        decided = door.run("checkin", "--event", "gala", code)
        assert decided.code == 0, decided.err
        assert (decided.json["result"], decided.json["offline"]) == ("ok", True), decided.json
    proxy.restore()
    assert door.run("sync").json["pending"] == 0

    done = pretix.pull(store, pulled.connection)
    exchanged = done.exchanged
    assert exchanged is not None
    assert (exchanged.pushed, exchanged.refused, exchanged.conflicts) == (2, [], 1), exchanged
    # Forced: pretix took Bo's second entry as ours, whatever its list says of a second one.
    assert entries_at_pretix(pretix_server, organizer, gala, bo) == 2
    assert entries_at_pretix(pretix_server, organizer, gala, ada) == 1
    assert their_gate(pretix_server, organizer, gala, ada) == "already_redeemed"
    again = pretix.pull(store, pulled.connection).exchanged
    assert again is not None and (again.pushed, again.conflicts) == (0, 0), again
