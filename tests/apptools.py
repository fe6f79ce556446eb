"""Helpers for the app's Pilot tests: a demo station on a copied SQLite file, and waiting."""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from textual.widgets import Input, Select

from eventdesk.config import Config, load_config, sqlite_url
from eventdesk.db import Store, open_store
from eventdesk.services import registration
from eventdesk.services.demo import DemoSummary, build_demo
from eventdesk.text import ID_ALPHABET
from eventdesk.tickets import ensure_keys, load_signer

STATION = "Door 1"


@dataclass
class DemoStation:
    """A data folder holding a demo database and its signing key, ready for make_app."""

    data_dir: Path
    summary: DemoSummary
    config: Config
    store: Store

    def command(self, *args: str, station: str = STATION) -> list[str]:
        """The real `eventdesk` command line of another station on this database."""
        database = ["--db", self.config.database_url, "--data-dir", str(self.data_dir)]
        return [sys.executable, "-m", "eventdesk", *database, "--station", station, *args]

    def open_store(self) -> Store:
        """Another connection pool on the same database (as another station would have)."""
        return open_store(self.config)


def build_template(
    folder: Path, attendees: int = 40, *, now: datetime | None = None
) -> tuple[Path, DemoSummary]:
    """The demo in ``folder``. With ``now``, everything is the same on every run: the day, the
    arrival times, the ticket ids and the signing key (for snapshot tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = load_config(
        data_dir=folder, database_url=sqlite_url(folder / "eventdesk.db"), station=STATION
    )
    store = open_store(config)
    with fixed_randomness(now is not None):
        ensure_keys(store, folder, STATION)
        store.signer = load_signer(folder)
        summary = build_demo(store, attendee_count=attendees, seed=7, station=STATION, now=now)
    store.dispose()
    return folder, summary


@contextmanager
def fixed_randomness(active: bool) -> Iterator[None]:
    """Ticket ids and the signing key from a seeded generator instead of the system's."""
    if not active:
        yield
        return
    rng = random.Random(20261121)

    def seeded_id(length: int = 8) -> str:
        return "".join(rng.choice(ID_ALPHABET) for _ in range(length))

    def seeded_key() -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registration, "new_id", seeded_id)
        patch.setattr(Ed25519PrivateKey, "generate", staticmethod(seeded_key))
        yield


def copy_station(
    template: Path, summary: DemoSummary, target: Path, **settings: Any
) -> DemoStation:
    shutil.copytree(template, target)
    if settings:
        lines = []
        for section, values in settings.items():
            lines.append(f"[{section}]")
            lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
        (target / "eventdesk.toml").write_text("\n".join(lines) + "\n")
    config = load_config(
        data_dir=target, database_url=sqlite_url(target / "eventdesk.db"), station=STATION
    )
    store = open_store(config)
    store.signer = load_signer(target)
    return DemoStation(target, summary, config, store)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


async def sign_in_with_pin(pilot: Any, name: str, pin: str) -> None:
    """Pick a name in the staff form on screen and type the PIN, as a person would."""
    screen = pilot.app.screen
    select = screen.query_one("#staff-name", Select)
    await wait_for(lambda: len(select._options) > 1, pilot)
    select.value = name
    screen.query_one("#staff-pin", Input).focus()
    await pilot.press(*pin, "enter")


async def wait_for(condition: Callable[[], bool], pilot: Any, timeout: float = 10.0) -> None:
    """Let the app work until ``condition()`` holds (workers finish, messages land)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.05)
