"""Configuration: options, then environment, then DATA_DIR/eventdesk.toml, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventdesk.config import default_station, load_config
from eventdesk.errors import InvalidInput


def test_defaults(tmp_path: Path) -> None:
    config = load_config(data_dir=tmp_path, environ={})
    assert config.database_url == f"sqlite:///{tmp_path.resolve() / 'eventdesk.db'}"
    assert config.station  # the host name
    assert config.sqlite_synchronous == "NORMAL"


def test_file_then_environment_then_options(tmp_path: Path) -> None:
    (tmp_path / "eventdesk.toml").write_text(
        'station = "Door 2"\n'
        '[database]\nurl = "sqlite:///from-file.db"\nsqlite_synchronous = "full"\n'
    )
    from_file = load_config(data_dir=tmp_path, environ={})
    assert (from_file.station, from_file.database_url, from_file.sqlite_synchronous) == (
        "Door 2",
        "sqlite:///from-file.db",
        "FULL",
    )
    env = {"EVENTDESK_STATION": "Door 3", "EVENTDESK_DATABASE_URL": "sqlite:///from-env.db"}
    from_env = load_config(data_dir=tmp_path, environ=env)
    assert (from_env.station, from_env.database_url) == ("Door 3", "sqlite:///from-env.db")
    from_options = load_config(
        data_dir=tmp_path, environ=env, station="Desk", database_url="sqlite:///o.db"
    )
    assert (from_options.station, from_options.database_url) == ("Desk", "sqlite:///o.db")


def test_data_dir_from_environment(tmp_path: Path) -> None:
    config = load_config(environ={"EVENTDESK_DATA_DIR": str(tmp_path)})
    assert config.data_dir == tmp_path


@pytest.mark.parametrize(
    "content",
    ["station = \n", '[database]\nsqlite_synchronous = "OFF"\n', 'database = "x"\n'],
)
def test_bad_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "eventdesk.toml").write_text(content)
    with pytest.raises(InvalidInput, match=r"eventdesk\.toml"):
        load_config(data_dir=tmp_path, environ={})


def test_station_table_names_the_station_or_falls_back(tmp_path: Path) -> None:
    (tmp_path / "eventdesk.toml").write_text('[station]\nname = "Door 7"\nauto_print = true\n')
    assert load_config(data_dir=tmp_path, environ={}).station == "Door 7"
    (tmp_path / "eventdesk.toml").write_text('[station]\nprinter = "badges"\n')
    assert load_config(data_dir=tmp_path, environ={}).station == default_station()
