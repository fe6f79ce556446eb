"""A real pretix for the tests, as it runs: installed from the package index into a virtual
environment of its own (every package pinned, tests/pretix/requirements.txt), on 127.0.0.1 with
an SQLite file, filled through its own models (tests/pretix/seed.py) and its REST API.

The environment and a migrated empty database are made once per machine and kept in the user's
cache folder ($XDG_CACHE_HOME or ~/.cache, eventdesk-tests/pretix-VERSION: about 600 MB, a
minute and a half the first time, under a file lock so that workers wait for one another); each
server then starts from a copy of that database in a folder of its own. Where pretix cannot be
installed (no package index), the tests that need it skip, saying why."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import wait_until

VERSION = "2026.8.0"
HERE = Path(__file__).resolve().parent / "pretix"
REQUIREMENTS = HERE / "requirements.txt"
START_TIMEOUT = 120.0  # seconds for a new server's first answer


class PretixUnavailable(Exception):
    """pretix could not be installed or started here: the reason, for the skip."""


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eventdesk-tests" / f"pretix-{VERSION}"


def _config(folder: Path, port: int) -> Path:
    """pretix's configuration for a server whose files are in ``folder``."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    path = folder / "pretix.cfg"
    path.write_text(
        "[pretix]\ninstance_name=eventdesk tests\n"
        f"url=http://127.0.0.1:{port}\ncurrency=EUR\ndatadir={folder / 'data'}\n"
        "registration=off\npassword_reset=off\necb_rates=off\n"
        f"[database]\nbackend=sqlite3\nname={folder / 'data' / 'db.sqlite3'}\n"
        "[mail]\nfrom=pretix@localhost\nhost=127.0.0.1\nport=1\n"
        "[django]\ndebug=off\n[locale]\ndefault=en\ntimezone=UTC\n"
    )
    return path


def _environment(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(
        PRETIX_CONFIG_FILE=str(config),
        DJANGO_SETTINGS_MODULE="settings",
        PYTHONPATH=str(HERE),
    )
    return env


def _run(argv: list[str], *, env: dict[str, str] | None = None, what: str) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PretixUnavailable(f"{what} failed: {' / '.join(tail) or done.returncode}")
    return done.stdout


def installed() -> Path:
    """The cache's folder with pretix installed and its migrated empty database."""
    folder = cache_folder()
    ready = folder / "ready"
    if ready.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists():
            return folder
        venv = folder / "venv"
        shutil.rmtree(venv, ignore_errors=True)
        base = getattr(sys, "_base_executable", sys.executable)
        _run([base, "-m", "venv", str(venv)], what="python -m venv")
        _run(
            [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "-r", str(REQUIREMENTS)],
            what=f"pip install pretix=={VERSION}",
        )
        template = folder / "template"
        shutil.rmtree(template, ignore_errors=True)
        config = _config(template, 0)
        _run(
            [str(venv / "bin" / "python"), "-m", "pretix", "migrate", "--noinput", "-v", "0"],
            env=_environment(config),
            what="pretix migrate",
        )
        ready.write_text(VERSION)
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ShopEvent:
    slug: str
    signed: bool  # pretix_sig1 tickets (else pretix's random secrets)
    items: dict[str, int]
    variations: dict[str, int]
    list: int  # the check-in list of every product


def regular(event: ShopEvent, holder: str) -> dict[str, Any]:
    """An order position: a Regular ticket for ``holder``."""
    return {"item": event.items["Regular"], "attendee_name_parts": {"full_name": holder}}


def sunday_pass(event: ShopEvent, holder: str) -> dict[str, Any]:
    """An order position: the Day pass's Sunday variation for ``holder``."""
    return {
        "item": event.items["Day pass"],
        "variation": event.variations["Sunday"],
        "attendee_name_parts": {"full_name": holder},
    }


class Pretix:
    """One pretix server on 127.0.0.1 (``url``), its API reached with ``token``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = ""
        self.process: subprocess.Popen[bytes] | None = None
        home = installed()
        self.python = home / "venv" / "bin" / "python"
        self.config = _config(folder, self.port)
        shutil.copy(home / "template" / "data" / "db.sqlite3", folder / "data" / "db.sqlite3")

    def start(self) -> None:
        log = open(self.folder / "server.log", "wb")  # noqa: SIM115  # the server's, until it stops
        self.process = subprocess.Popen(
            [
                str(self.python.parent / "gunicorn"),
                "pretix.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "120",
                "--no-control-socket",
            ],
            env=_environment(self.config),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        try:
            wait_until(self._answering, timeout=START_TIMEOUT, what="pretix's first answer")
        except AssertionError as exc:
            raise PretixUnavailable(str(exc)) from None

    def _answering(self) -> bool:
        """Whether its API answers (asking for a token); PretixUnavailable once it has ended."""
        assert self.process is not None
        if self.process.poll() is not None:
            said = (self.folder / "server.log").read_text(errors="replace")[-400:]
            raise PretixUnavailable(f"pretix's server ended at its start: {said}")
        try:
            urllib.request.urlopen(f"{self.url}/api/v1/", timeout=5)
        except urllib.error.HTTPError as exc:
            return exc.code == 401
        except OSError:
            return False
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def seed(self, organizer: str, *events: str) -> list[ShopEvent]:
        """An organizer and its events (``slug`` signed, ``slug:random`` not): seed.py's."""
        said = _run(
            [str(self.python), str(HERE / "seed.py"), organizer, *events],
            env=_environment(self.config),
            what="seeding pretix",
        )
        made = json.loads(said.strip().splitlines()[-1])
        self.token = made["token"]
        return [ShopEvent(**each) for each in made["events"]]

    def bulk_orders(self, organizer: str, event: ShopEvent, count: int) -> float:
        """``count`` paid orders of one Regular ticket each, made in bulk through pretix's
        models (bulk_orders.py; the API takes about 0.2 s an order): the seconds it took."""
        said = _run(
            [str(self.python), str(HERE / "bulk_orders.py"), organizer, event.slug, str(count)],
            env=_environment(self.config),
            what="making pretix's orders",
        )
        made = json.loads(said.strip().splitlines()[-1])
        assert made["orders"] == count, made
        return float(made["seconds"])

    def block(self, organizer: str, event: ShopEvent, secret: str) -> None:
        """The ticket of ``secret`` blocked, as pretix's staff and plugins block one (its API
        does not): block.py."""
        _run(
            [str(self.python), str(HERE / "block.py"), organizer, event.slug, secret],
            env=_environment(self.config),
            what="blocking a pretix ticket",
        )

    def seated(self, organizer: str, event: ShopEvent, product: str, seats: list[str]) -> None:
        """The event seated (seat.py): a plan of one zone ("Stalls"), one row ("Row 3") of
        ``seats`` (each its guid, its number after the last "-"), all sold as ``product``."""
        layout = {
            "name": "Hall",
            "categories": [{"name": "Stalls"}],
            "size": {"width": 400, "height": 100},
            "zones": [
                {
                    "name": "Stalls",
                    "position": {"x": 0, "y": 0},
                    "rows": [
                        {
                            "row_number": "3",
                            "position": {"x": 0, "y": 0},
                            "seats": [
                                {
                                    "seat_guid": guid,
                                    "seat_number": guid.rsplit("-", 1)[-1],
                                    "position": {"x": 20 * n, "y": 0},
                                    "category": "Stalls",
                                }
                                for n, guid in enumerate(seats)
                            ],
                        }
                    ],
                }
            ],
        }
        _run(
            [
                str(self.python),
                str(HERE / "seat.py"),
                organizer,
                event.slug,
                str(event.items[product]),
                json.dumps(layout),
            ],
            env=_environment(self.config),
            what="seating a pretix event",
        )

    # --- its REST API -------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """``method`` on the API's ``path`` (after /api/v1/): the status and the JSON answer."""
        request = urllib.request.Request(
            f"{self.url}/api/v1/{path.lstrip('/')}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def order(
        self, organizer: str, event: ShopEvent, positions: list[dict[str, Any]], *, paid: bool
    ) -> dict[str, Any]:
        """An order placed through the API, paid or pending: pretix's answer (its positions,
        each with its ``secret``)."""
        return self.placed(organizer, event, positions, status="p" if paid else "n")

    def placed(
        self, organizer: str, event: ShopEvent, positions: list[dict[str, Any]], **more: Any
    ) -> dict[str, Any]:
        """An order placed through the API with ``more`` of pretix's own fields (``status``,
        ``require_approval``, ``valid_if_pending``, ...): pretix's answer."""
        status, made = self.call(
            "POST",
            f"organizers/{organizer}/events/{event.slug}/orders/",
            {
                "email": "buyer@example.org",
                "locale": "en",
                "payment_provider": "manual",
                "sales_channel": "web",
                "positions": positions,
                **more,
            },
        )
        assert status == 201, (status, made)
        return dict(made)

    def redeem(
        self, organizer: str, shop_list: int, secret: str, **more: Any
    ) -> tuple[int, dict[str, Any]]:
        """pretix's own scanner on ``shop_list`` (its check-in RPC, an entry unless ``more``
        says otherwise): the status (201 admitted, 400 refused, 404 a code it does not know) and
        pretix's answer."""
        status, said = self.call(
            "POST",
            f"organizers/{organizer}/checkinrpc/redeem/",
            {"secret": secret, "lists": [shop_list], "type": "entry", **more},
        )
        assert status in (201, 400, 404), (status, said)
        return status, dict(said)


def secrets(order: dict[str, Any]) -> list[str]:
    """An order's positions' secrets (the codes in their QRs), in its order."""
    return [str(position["secret"]) for position in order["positions"]]


def connect_args(server: Pretix, organizer: str, slug: str, folder: Path) -> list[str]:
    """The words of `shop connect` for pretix's event ``slug``, its token in a file of
    ``folder``."""
    token = folder / f"pretix-{organizer}.token"
    token.write_text(server.token + "\n")
    return [
        "shop", "connect", "pretix", server.url, "--organizer", organizer,
        "--event", slug, "--token-file", str(token),
    ]  # fmt: skip


@pytest.fixture(scope="session")
def pretix_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pretix]:
    """A pretix started for this process's tests (stopped at its end)."""
    try:
        server = Pretix(tmp_path_factory.mktemp("pretix"))
        server.start()
    except PretixUnavailable as exc:
        pytest.skip(f"pretix {VERSION} could not run here: {exc}")
    try:
        yield server
    finally:
        server.stop()


def organizer_name() -> str:
    """An organizer's slug no other test uses."""
    return f"org{uuid.uuid4().hex[:10]}"
