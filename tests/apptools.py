"""Helpers for the app's Pilot tests: a demo station on a copied SQLite file, and waiting."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventdesk.config import Config, load_config, sqlite_url
from eventdesk.db import Store, open_store
from eventdesk.services.demo import DemoSummary, build_demo
from eventdesk.tickets import ensure_keys, load_signer

STATION = "Door 1"


@dataclass
class DemoStation:
    """A data folder holding a demo database and its signing key, ready for make_app."""

    data_dir: Path
    summary: DemoSummary
    config: Config
    store: Store

    def open_store(self) -> Store:
        """Another connection pool on the same database (as another station would have)."""
        return open_store(self.config)


def build_template(folder: Path, attendees: int = 40) -> tuple[Path, DemoSummary]:
    folder.mkdir(parents=True, exist_ok=True)
    config = load_config(
        data_dir=folder, database_url=sqlite_url(folder / "eventdesk.db"), station=STATION
    )
    store = open_store(config)
    ensure_keys(store, folder, STATION)
    store.signer = load_signer(folder)
    summary = build_demo(store, attendee_count=attendees, seed=7, station=STATION)
    store.dispose()
    return folder, summary


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


async def wait_for(condition: Callable[[], bool], pilot: Any, timeout: float = 10.0) -> None:
    """Let the app work until ``condition()`` holds (workers finish, messages land)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.05)
