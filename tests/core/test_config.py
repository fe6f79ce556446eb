"""Configuration: options, then environment, then DATA_DIR/eventdesk.toml, then defaults."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from eventdesk.cli import main
from eventdesk.config import Config, default_station, load_config
from eventdesk.errors import InvalidInput
from tests import forks


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
    assert from_file.database_reads == "primary"  # the reports read where the doors write
    (tmp_path / "eventdesk.toml").write_text('[database]\nreads = "standby"\n')
    assert load_config(data_dir=tmp_path, environ={}).database_reads == "standby"
    (tmp_path / "eventdesk.toml").write_text(
        'station = "Door 2"\n'
        '[database]\nurl = "sqlite:///from-file.db"\nsqlite_synchronous = "full"\n'
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


# --- one typed settings object: a typo or a bad value is named, one default per setting --------
@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("[backup]\nkep = 3\n", "backup: unknown key `kep`"),
        ("[backup]\nkeep = 0\n", "backup.keep"),
        ("[backup]\nkeep = true\n", "backup.keep"),
        ("[backup]\nevery_minutes = -5\n", "backup.every_minutes"),
        ('[station]\ndecoder = "laser"\n', "station.decoder"),
        ('[station]\nauto_print = "yes"\n', "station.auto_print"),
        ('[station]\nnmae = "Door 1"\n', "station: unknown key `nmae`"),
        ('evnet = "summit"\n', "unknown key `evnet`"),
        ('[printers.front]\ntype = "tcp"\nhost = "h"\nprot = 9100\n', "printers.front"),
        ('[printers.front]\ntype = "tcp"\n', "a tcp printer needs host"),
        ('[station]\nsound = "loud"\n', "station.sound"),
        ("[station]\nsound = true\n", "station.sound"),
        ('[station]\nkiosk_theme = "dark"\n', "station.kiosk_theme"),
        ('[station]\nsonud = "on"\n', "station: unknown key `sonud`"),
        ('[database]\nreads = "replica"\n', "database.reads"),
    ],
)
def test_a_typo_or_a_bad_value_is_named_with_the_file_and_key(
    tmp_path: Path, content: str, named: str
) -> None:
    (tmp_path / "eventdesk.toml").write_text(content)
    with pytest.raises(InvalidInput, match=re.escape(named)) as raised:
        load_config(data_dir=tmp_path, environ={})
    assert str(tmp_path / "eventdesk.toml") in raised.value.message


def test_the_command_line_says_which_key_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "eventdesk.toml").write_text("[backup]\nkep = 3\n")
    assert main(["--data-dir", str(tmp_path), "event", "list"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'eventdesk.toml'}: backup: unknown key `kep`" in err
    assert "Traceback" not in err


def test_every_setting_has_one_default_used_by_the_cli_and_the_app(
    tmp_path: Path, db_url: str
) -> None:
    from screens.app import make_app

    config = load_config(data_dir=tmp_path, database_url=db_url, environ={})
    assert (config.backup_keep, config.backup_every_minutes) == (24, None)
    assert (config.decoder, config.printer, config.auto_print) == ("auto", "badges", False)
    app = make_app(config=config)
    assert app.backup_keep == config.backup_keep == 24
    assert app.backend.decoder == "auto" and app.backend.printer == "badges"
    (tmp_path / "eventdesk.toml").write_text(
        '[station]\ndecoder = "opencv"\nprinter = "front"\nauto_print = true\n'
        "[backup]\nkeep = 7\nevery_minutes = 30\n"
        '[printers.front]\ntype = "folder"\n'
    )
    config = load_config(data_dir=tmp_path, database_url=db_url, environ={})
    app = make_app(config=config)
    assert (app.backup_keep, app.backend.decoder, app.backend.printer) == (7, "opencv", "front")
    assert app.backend.auto_print
    # An option wins over the file, in the app as on the command line.
    app = make_app(config=config.with_options(decoder="zxing", auto_print=False))
    assert (app.backend.decoder, app.backend.auto_print) == ("zxing", False)


@pytest.mark.slow  # runs eventdesk (or a tool) as a process of its own
def test_scan_reads_the_stations_decoder(tmp_path: Path) -> None:
    """`eventdesk scan` used to ignore [station] decoder and always chose auto."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "eventdesk.toml").write_text('[station]\ndecoder = "opencv"\n')
    frames = tmp_path / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "blank.png"), np.full((240, 320), 255, dtype=np.uint8))
    eventdesk = forks.EVENTDESK
    forks.run([eventdesk, "--data-dir", str(data), "init"], check=True, capture_output=True)
    done = forks.run(
        [eventdesk, "--data-dir", str(data), "scan", "--source", str(frames)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert "with decoder opencv" in done.stderr.lower()
    done = forks.run(
        [eventdesk, "--data-dir", str(data), "scan", "--source", str(frames), "--decoder", "zxing"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert "with decoder zxing" in done.stderr.lower()


def test_the_offline_threshold_and_sync_interval_from_the_file_then_the_environment(
    tmp_path: Path,
) -> None:
    assert load_config(data_dir=tmp_path, environ={}).offline_after == 1.0  # about a second
    (tmp_path / "eventdesk.toml").write_text(
        "[station]\nname = 'Door 1'\noffline_after = 2.5\nsync_every = 10\n"
    )
    config = load_config(data_dir=tmp_path, environ={})
    assert (config.offline_after, config.sync_every) == (2.5, 10.0)
    config = load_config(data_dir=tmp_path, environ={"EVENTDESK_OFFLINE_AFTER": "0.5"})
    assert config.offline_after == 0.5
    for bad in ("soon", "0", "600"):
        with pytest.raises(InvalidInput, match="EVENTDESK_OFFLINE_AFTER"):
            load_config(data_dir=tmp_path, environ={"EVENTDESK_OFFLINE_AFTER": bad})
    (tmp_path / "eventdesk.toml").write_text("[station]\noffline_after = 0\n")
    with pytest.raises(InvalidInput, match="offline_after"):
        load_config(data_dir=tmp_path, environ={})


def test_a_plain_file_path_is_an_sqlite_database(tmp_path: Path) -> None:
    """`--db data/demo.db` is a file on this machine: no server, no mirror to keep."""
    for url in (str(tmp_path / "demo.db"), "demo.db", f"sqlite:///{tmp_path / 'x.db'}"):
        assert load_config(data_dir=tmp_path, database_url=url, environ={}).is_sqlite, url
    url = "postgresql+psycopg://door@server/eventdesk"
    assert not load_config(data_dir=tmp_path, database_url=url, environ={}).is_sqlite


def test_sound_is_on_where_attendees_read_the_answer_unless_the_station_says(
    tmp_path: Path,
) -> None:
    def heard(config: Config) -> dict[str, bool]:
        return {screen: config.sound_on(screen) for screen in ("kiosk", "desk", "scan")}

    config = load_config(data_dir=tmp_path, environ={})
    assert config.sound == "auto"
    assert heard(config) == {"kiosk": True, "desk": False, "scan": True}
    (tmp_path / "eventdesk.toml").write_text('[station]\nsound = "on"\n')
    assert heard(load_config(data_dir=tmp_path, environ={})) == dict.fromkeys(heard(config), True)
    (tmp_path / "eventdesk.toml").write_text('[station]\nsound = "off"\n')
    config = load_config(data_dir=tmp_path, environ={})
    assert heard(config) == {"kiosk": False, "desk": False, "scan": False}
    # The environment over the file, an option over both.
    from_env = load_config(data_dir=tmp_path, environ={"EVENTDESK_SOUND": " On "})
    assert (from_env.sound, from_env.sound_on("desk")) == ("on", True)
    auto = load_config(data_dir=tmp_path, environ={"EVENTDESK_SOUND": "auto"})
    assert heard(auto) == {"kiosk": True, "desk": False, "scan": True}
    assert config.with_options(sound=True).sound_on("desk")
    assert not from_env.with_options(sound=False).sound_on("kiosk")
    assert from_env.with_options().sound == "on"
    for bad in ("loud", "1", "yes"):
        with pytest.raises(InvalidInput, match="EVENTDESK_SOUND must be auto, on or off"):
            load_config(data_dir=tmp_path, environ={"EVENTDESK_SOUND": bad})


def test_the_kiosk_theme_from_the_file_then_the_environment(tmp_path: Path) -> None:
    assert load_config(data_dir=tmp_path, environ={}).kiosk_theme == "standard"
    (tmp_path / "eventdesk.toml").write_text('[station]\nkiosk_theme = "high-contrast"\n')
    assert load_config(data_dir=tmp_path, environ={}).kiosk_theme == "high-contrast"
    env = {"EVENTDESK_KIOSK_THEME": "standard"}
    assert load_config(data_dir=tmp_path, environ=env).kiosk_theme == "standard"
    with pytest.raises(
        InvalidInput, match="EVENTDESK_KIOSK_THEME must be standard or high-contrast"
    ):
        load_config(data_dir=tmp_path, environ={"EVENTDESK_KIOSK_THEME": "dark"})


def test_a_bad_sound_variable_stops_the_command_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTDESK_SOUND", "loud")
    assert main(["--data-dir", str(tmp_path), "event", "list"]) == 2
    err = capsys.readouterr().err
    assert "EVENTDESK_SOUND must be auto, on or off, not 'loud'" in err
    assert "Traceback" not in err
