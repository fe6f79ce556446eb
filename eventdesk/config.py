"""Configuration: command-line options, then environment, then ``DATA_DIR/eventdesk.toml``."""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventdesk.errors import InvalidInput

CONFIG_FILE = "eventdesk.toml"
SYNCHRONOUS_MODES = ("NORMAL", "FULL")


@dataclass(frozen=True)
class Config:
    """Everything a process needs to reach its data; built once, passed down."""

    data_dir: Path
    database_url: str
    station: str
    sqlite_synchronous: str = "NORMAL"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def default_station() -> str:
    return socket.gethostname() or "station"


def _read_file(data_dir: Path) -> dict[str, Any]:
    path = data_dir / CONFIG_FILE
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path}: not valid TOML ({exc})", field=str(path)) from exc


def _file_station(settings: dict[str, Any]) -> str:
    """``station = "Door 1"`` at the top of the file, or ``name`` in its ``[station]`` table."""
    value = settings.get("station")
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) else ""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_config(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    database_url: str | None = None,
    station: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Options win over ``EVENTDESK_*`` variables, which win over the file, then defaults."""
    env = os.environ if environ is None else environ
    root = Path(data_dir or env.get("EVENTDESK_DATA_DIR") or "data").expanduser()
    file_settings = _read_file(root)
    db_section = file_settings.get("database", {})
    if not isinstance(db_section, dict):
        raise InvalidInput(f"{root / CONFIG_FILE}: [database] must be a table", field="database")
    url = (
        database_url
        or env.get("EVENTDESK_DATABASE_URL")
        or db_section.get("url")
        or sqlite_url(root.resolve() / "eventdesk.db")
    )
    synchronous = str(db_section.get("sqlite_synchronous", "NORMAL")).upper()
    if synchronous not in SYNCHRONOUS_MODES:
        raise InvalidInput(
            f"{root / CONFIG_FILE}: sqlite_synchronous must be NORMAL or FULL, not {synchronous}",
            field="database.sqlite_synchronous",
        )
    station_name = (
        station or env.get("EVENTDESK_STATION") or _file_station(file_settings) or default_station()
    )
    station_name = station_name.strip()
    if not station_name or len(station_name) > 100 or not station_name.isprintable():
        raise InvalidInput("station name must be 1 to 100 printable characters", field="station")
    return Config(
        data_dir=root,
        database_url=str(url),
        station=station_name,
        sqlite_synchronous=synchronous,
        extra=file_settings,
    )
