"""`eventdesk serve --mode stats`: textual-serve's page over a real socket, and the app in it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from tests.apptools import DemoStation

pytestmark = pytest.mark.slow  # the served page in a real browser

START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output, _ = server.communicate()
            raise AssertionError(f"serve ended with {server.returncode}:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {START_SECONDS} s")


@contextmanager
def serving(station: DemoStation, *options: str) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """`eventdesk serve --mode stats` on the demo station's database, on a free port."""
    port = free_port()
    command = station.command(
        "serve", "--mode", "stats", "--port", str(port), *options, station="Wall"
    )
    env = {**os.environ, "COLUMNS": "120"}
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        wait_for_port(port, server)
        yield port, server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.communicate()


@pytest.fixture
def served(station: DemoStation) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    with serving(station) as running:
        yield running


def index_page(port: int, query: str = "") -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{query}", timeout=10) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == "text/html"
        return str(response.read().decode("utf-8"))


async def browse(port: int, title: bytes) -> bytes:
    """What the served page's websocket draws until the stats screen shows its figures."""
    drawn = b""
    timeout = aiohttp.ClientTimeout(total=START_SECONDS)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.ws_connect(f"ws://127.0.0.1:{port}/ws?width=120&height=40") as websocket,
    ):
        deadline = asyncio.get_running_loop().time() + START_SECONDS
        while not (title in drawn and b"Checked in" in drawn and b"updated" in drawn):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            try:
                message = await websocket.receive(timeout=left)
            except TimeoutError:
                break
            if message.type == aiohttp.WSMsgType.BINARY:
                drawn += message.data
            elif message.type != aiohttp.WSMsgType.TEXT:
                break
    return drawn


def test_serve_answers_with_textual_serves_page(served: tuple[int, subprocess.Popen[str]]) -> None:
    port, server = served
    page = index_page(port)
    assert "<div>eventdesk wall screen</div>" in page  # the title the page shows
    assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
    assert "textual" in page.lower()

    server.send_signal(signal.SIGTERM)  # a service manager stopping it: a clean end
    output, _ = server.communicate(timeout=15)
    assert server.returncode == 0, output
    assert "Traceback" not in output


def test_the_served_app_draws_the_stats_screen(
    served: tuple[int, subprocess.Popen[str]], station: DemoStation
) -> None:
    """The page's websocket starts `eventdesk app --mode stats --wall`, which draws figures."""
    port, server = served
    drawn = asyncio.run(browse(port, station.summary.title.encode()))
    assert b"Checked in" in drawn, drawn[-2000:]
    assert station.summary.title.encode() in drawn
    assert b"updated" in drawn  # the figures came from the database
    assert b"database not answering" not in drawn
    server.send_signal(signal.SIGTERM)
    output, _ = server.communicate(timeout=15)
    assert "Application failed to start" not in output, output
    assert "Traceback" not in output, output


def test_served_to_other_computers_the_page_never_points_at_0_0_0_0(station: DemoStation) -> None:
    """Listening on every interface, the page names this computer (or --public-url)."""
    with serving(station, "--host", "0.0.0.0") as (port, _server):
        page = index_page(port)
        assert "0.0.0.0" not in page
        name = socket.getfqdn() or socket.gethostname()
        assert f'data-session-websocket-url="ws://{name}:{port}/ws"' in page
    with serving(station, "--public-url", "http://wall.example:9000/") as (port, _server):
        page = index_page(port)
        assert 'data-session-websocket-url="ws://wall.example:9000/ws"' in page
        assert 'src="http://wall.example:9000/static/js/textual.js"' in page


def test_serve_takes_the_database_as_a_plain_file_path(station: DemoStation) -> None:
    """`serve --db eventdesk.db` started in the data folder (a file path, relative to it; the
    folder holds the station's badges/): the banner names the file, and the app processes open
    it and load the program's own packages, not the folder's."""
    database = make_url(station.config.database_url).database
    assert database is not None
    folder = Path(database).parent
    port = free_port()
    command = station.command("serve", "--mode", "stats", "--port", str(port), station="Wall")
    at = command.index("--db")
    command[at + 1] = Path(database).name  # relative to the folder it is started in
    (folder / "badges").mkdir(exist_ok=True)  # where a station's text badges go
    server = subprocess.Popen(
        command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_for_port(port, server)
        drawn = asyncio.run(browse(port, station.summary.title.encode()))
        assert b"updated" in drawn and b"database not answering" not in drawn
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=15)
    assert f"of sqlite:///{Path(database).resolve()}" in output, output
    assert "Traceback" not in output and "database error" not in output, output
