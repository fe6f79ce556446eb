"""``eventdesk watch EVENT``, run as a real process: a line per arrival from the moment it
starts (an awaited person's marked, and the only ones with ``--only flagged``), each as soon as
it is logged (a pipe reads it at once); ``--count N`` stops after N lines, Ctrl-C and SIGTERM
stop it cleanly (exit 0), and a database that stops answering is said, then followed again."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.services.door.alerts import set_attendee_alert
from eventdesk.services.door.checkin import Checkin
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.door.test_arrival_alerts import SPEAKER, open_event

pytestmark = pytest.mark.slow  # runs eventdesk as a process of its own

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60.0  # seconds a line may take on a busy machine before the test fails


class Watch:
    """``eventdesk watch`` in a process of its own, its stdout and stderr read line by line
    by two threads (each line there as soon as the process wrote it)."""

    def __init__(self, db_url: str, data_dir: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "EVENTDESK_LANG": "en"}
        where = ["--db", db_url, "--data-dir", str(data_dir)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "eventdesk", *where, "watch", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, lines), daemon=True).start()

    @staticmethod
    def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))

    def said(self, lines: queue.Queue[str], words: str) -> str:
        """The first line (of stdout or stderr) holding ``words``; the others are skipped."""
        while True:
            try:
                line = lines.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"watch never said {words!r}") from None
            if words in line:
                return line

    def started(self) -> None:
        """Watching: every arrival from now on is told."""
        self.said(self.err, "watching the arrivals")

    def line(self) -> str:
        try:
            return self.out.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError("watch printed no line") from None

    def ended(self) -> int:
        return self.process.wait(timeout=WAIT)

    def rest(self) -> list[str]:
        """What stdout held after the lines read (once the process has ended)."""
        self.ended()
        found = []
        while not self.out.empty():
            found.append(self.out.get())
        return found

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def event(store: Store, signer: Signer) -> Iterator[tuple[str, dict[str, str]]]:
    """An event running now and its people's payloads; ada is awaited."""
    tag = uuid.uuid4().hex[:8]
    slug, payloads = open_event(store, signer, tag)
    set_attendee_alert(store, f"ada.{tag}@example.org", SPEAKER)
    yield slug, payloads


def test_a_json_line_per_arrival_from_now_on(
    db_url: str, store: Store, event: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    slug, payloads = event
    door = Checkin(store, station="Door 1")
    assert door.scan(payloads["cy"]).result == "ok"  # before: not told
    watch = Watch(db_url, tmp_path, slug, "--json", "--count", "2", "--every", "0.1")
    try:
        watch.started()
        assert door.scan(payloads["ada"]).result == "ok"
        first = json.loads(watch.line())  # told before the next arrival
        assert door.scan(payloads["bo"]).result == "ok"
        second = json.loads(watch.line())
        assert (first["name"], first["alert"], first["station"], first["event"]) == (
            "Ada Alert",
            SPEAKER,
            "Door 1",
            slug,
        )
        assert first["alert_id"] is not None and first["ticket_type"] == "Regular"
        assert (second["name"], second["alert"]) == ("Bo Alert", None)
        assert watch.ended() == 0  # --count 2: done
        assert watch.rest() == []
    finally:
        watch.close()


def test_only_the_awaited_and_a_signal_stops_it_cleanly(
    db_url: str, store: Store, event: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    slug, payloads = event
    door = Checkin(store, station="Door 2")
    watch = Watch(db_url, tmp_path, slug, "--only", "flagged", "--every", "0.1")
    try:
        watch.started()
        assert door.scan(payloads["bo"]).result == "ok"  # not awaited: not told
        assert door.scan(payloads["ada"]).result == "ok"
        line = watch.line()
        assert line.startswith("⚑") and "Ada Alert" in line and SPEAKER in line, line
        assert "Door 2" in line
        watch.process.send_signal(signal.SIGTERM)
        assert watch.ended() == 0, list(watch.err.queue)
        assert watch.rest() == []  # Bo was never told
    finally:
        watch.close()
    again = Watch(db_url, tmp_path, slug, "--every", "0.1")
    try:
        again.started()
        assert door.scan(payloads["vi"]).result == "ok"
        line = again.line()
        assert "Vi Alert" in line and "⚑" not in line, line
        again.process.send_signal(signal.SIGINT)  # Ctrl-C
        assert again.ended() == 0, list(again.err.queue)
    finally:
        again.close()


def test_a_database_away_is_said_and_followed_again(
    db_url: str, store: Store, event: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("a file does not go away: a server's connection does")
    slug, payloads = event
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        watch = Watch(through, tmp_path, slug, "--count", "1", "--every", "0.1")
        try:
            watch.started()
            proxy.cut()
            watch.said(watch.err, "database not answering")
            proxy.restore()
            watch.said(watch.err, "database answering again")
            assert Checkin(store, station="Door 3").scan(payloads["ada"]).result == "ok"
            assert "Ada Alert" in watch.line()
            assert watch.ended() == 0
        finally:
            watch.close()


def test_an_unknown_event_is_said_in_one_line(db_url: str, store: Store, tmp_path: Path) -> None:
    watch = Watch(db_url, tmp_path, "no-such-event", "--count", "1")
    try:
        assert watch.ended() == 2
        err = watch.said(watch.err, "no-such-event")
        assert err.startswith("eventdesk: ")
    finally:
        watch.close()
