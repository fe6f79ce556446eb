"""A keyboard-wedge scanner's bursts sent into the real app in tmux, and a person typing beside
it: for the real-terminal test (tests/e2e/test_e2e_bursts.py) and the benchmark (bench/bursts.py).

The app runs as ``eventdesk demo`` in a tmux session; each scanned line is written to the
terminal in one piece, its Enter included, as a USB scanner types it; lines follow each other
at a given gap, kept by this module's clock (the stimulus, not a wait for an outcome). What was
decided is read back from the demo's scan log; what the screen shows, off the tmux pane.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

GAPS_MS = (0, 50, 200, 350, 700, 1000)
ANSWER_WITHIN = 0.5  # seconds from a burst's last Enter to its answer on screen


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", "-u", *args], capture_output=True, text=True, check=True)
    return done.stdout


@dataclass(frozen=True)
class Ticket:
    id: str
    holder: str
    payload: str
    needs_staff: bool


@dataclass
class BurstResult:
    gap_ms: int
    lines: int
    right: int  # decided once, whole, with the answer expected, in the order scanned
    answer_seconds: float | None  # last Enter to the last holder's answer on screen
    wrong: list[str] = field(default_factory=list)  # what went wrong, said plainly


class TmuxDemo:
    """``eventdesk demo`` at the desk in a tmux session of its own (F2: the kiosk)."""

    def __init__(self, data_dir: Path, session: str, *, attendees: int = 120) -> None:
        self.data_dir, self.session = data_dir, session
        command = [sys.executable, "-m", "eventdesk", "--data-dir", str(data_dir)]
        command += ["--station", "Desk A", "demo", "--attendees", str(attendees)]
        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", *command)
        # A program that ends leaves its last screen (a traceback) to be read.
        tmux("set-option", "-t", session, "remain-on-exit", "on")
        screen = self.wait("Ready: search for someone", 90)
        # The event the door admits, as the title says it: "eventdesk — SLUG  ·  station ..."
        title = screen.splitlines()[0]
        self.event = title.split("eventdesk — ", 1)[1].split("  ·  ", 1)[0].strip()
        self._used: set[str] = set()

    @property
    def database(self) -> Path:
        return self.data_dir / "demo.db"

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)

    def pane(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.session)

    def wait(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = self.pane()
            if text in seen:
                return seen
            time.sleep(0.02)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.pane()}")

    def search_box(self) -> str:
        """What the desk's Search box holds, as the screen shows it (the line with the scan
        field beside it)."""
        for line in self.pane().splitlines():
            if "Scan (keyboard-wedge)" in line:
                return line.split("Scan (keyboard-wedge)")[0].strip(" ▊▎")
        return ""

    def wait_search(self, text: str, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.search_box() == text:
                return True
            time.sleep(0.02)
        return False

    def keys(self, *keys: str) -> None:
        tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        """Written to the terminal in one piece, as a scanner types a line."""
        tmux("send-keys", "-t", self.session, "-l", text)

    def tickets(self, count: int) -> list[Ticket]:
        """``count`` tickets not used yet that a check-in admits (paid, registered, not in)."""
        from eventdesk.db import Store
        from eventdesk.services.catalogue.program import list_ticket_types
        from eventdesk.services.people.attendees import find_attendees
        from eventdesk.services.people.payments import payment_summary
        from eventdesk.services.people.registration import tickets_of_attendee

        store = Store(f"sqlite:///{self.database}")
        try:
            found: list[Ticket] = []
            staff_types: dict[str, set[str]] = {}
            for person in find_attendees(store, "", limit=100_000):
                for ticket in tickets_of_attendee(store, person.id):
                    if (
                        ticket.event != self.event
                        or ticket.status != "registered"
                        or ticket.checked_in_at is not None
                        or not ticket.qr_payload
                        or ticket.id in self._used
                        or payment_summary(store, ticket.id).due_cents
                    ):
                        continue
                    if ticket.event not in staff_types:
                        types = list_ticket_types(store, ticket.event)
                        staff_types[ticket.event] = {t.name for t in types if t.needs_staff}
                    needs_staff = ticket.ticket_type in staff_types[ticket.event]
                    found.append(Ticket(ticket.id, ticket.attendee, ticket.qr_payload, needs_staff))
        finally:
            store.dispose()
        if len(found) < count:
            raise AssertionError(f"the demo has {len(found)} tickets left to scan, not {count}")
        chosen = found[:count]
        self._used.update(ticket.id for ticket in chosen)
        return chosen

    def scan_log_size(self) -> int:
        with sqlite3.connect(self.database) as db:
            return int(db.execute("SELECT coalesce(max(id), 0) FROM scan_log").fetchone()[0])

    def scans_after(self, last_id: int) -> list[tuple[str | None, str]]:
        with sqlite3.connect(self.database) as db:
            return db.execute(
                "SELECT ticket_id, result FROM scan_log WHERE id > ? ORDER BY id", (last_id,)
            ).fetchall()

    def burst(
        self, tickets: list[Ticket], gap_ms: int, *, kiosk: bool, timeout: float = 60.0
    ) -> BurstResult:
        """Scan ``tickets`` at ``gap_ms`` between lines; what was decided, and how soon the
        last answer was on screen."""
        before = self.scan_log_size()
        last_enter = 0.0
        for index, ticket in enumerate(tickets):
            if index:
                time.sleep(gap_ms / 1000)  # the scanner's pace between lines
            self.type(ticket.payload + "\r")
            last_enter = time.monotonic()
        answer = _answer_text(tickets[-1], kiosk=kiosk)
        answered: float | None = None
        deadline = last_enter + timeout
        while time.monotonic() < deadline:
            screen = self.pane()
            if answered is None and answer in screen:
                answered = time.monotonic() - last_enter
            if answered is not None and len(self.scans_after(before)) >= len(tickets):
                break
            time.sleep(0.01)
        result = _judge(tickets, self.scans_after(before), gap_ms, answered, kiosk=kiosk)
        if answered is None:
            result.wrong.append(f"waited for {answer!r}; the screen shows:\n{self.pane()}")
        return result


def _answer_text(ticket: Ticket, *, kiosk: bool) -> str:
    return ticket.holder if kiosk else f"Welcome, {ticket.holder}"


def _judge(
    tickets: list[Ticket],
    logged: list[tuple[str | None, str]],
    gap_ms: int,
    answered: float | None,
    *,
    kiosk: bool,
) -> BurstResult:
    wrong = []
    right = 0
    for index, ticket in enumerate(tickets):
        expected = "needs_staff" if kiosk and ticket.needs_staff else "ok"
        got = logged[index] if index < len(logged) else None
        if got == (ticket.id, expected):
            right += 1
        else:
            wrong.append(f"line {index + 1} ({ticket.id}): {got or 'not decided'}")
    if len(logged) > len(tickets):
        wrong.append(f"{len(logged) - len(tickets)} scan(s) nobody made: {logged[len(tickets) :]}")
        right = min(right, len(tickets) - (len(logged) - len(tickets)))
    if answered is None:
        wrong.append("the last line's answer never showed")
    return BurstResult(gap_ms, len(tickets), right, answered, wrong)


class Typist(threading.Thread):
    """A person typing ``text`` into the focused field, a key every ``gap`` seconds."""

    def __init__(self, demo: TmuxDemo, text: str, gap: float = 0.15) -> None:
        super().__init__(daemon=True)
        self.demo, self.text, self.gap = demo, text, gap

    def run(self) -> None:
        for character in self.text:
            self.demo.type(character)
            time.sleep(self.gap)  # the person's pace
