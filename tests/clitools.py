"""The command line run in the tests' own process: the same ``main`` the console script calls,
on one database and data folder. What it printed comes back; an unexpected exit code, or a
traceback on stderr, fails the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eventdesk.cli import main


class Cli:
    """``eventdesk --db URL --data-dir DIR [--station NAME] ...`` in this process."""

    def __init__(
        self,
        capsys: pytest.CaptureFixture[str],
        db_url: str,
        data_dir: Path,
        *,
        station: str | None = "Desk 1",
    ) -> None:
        self.capsys, self.db_url, self.data_dir = capsys, db_url, data_dir
        self.station = station  # None: the station the environment or the data folder names

    def call(self, *args: str) -> tuple[int, str, str]:
        """The exit code of ``args``, and what they printed on stdout and stderr."""
        self.capsys.readouterr()
        where = ["--db", self.db_url, "--data-dir", str(self.data_dir)]
        if self.station is not None:
            where += ["--station", self.station]
        got = main([*where, *args])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in out + err, (args, err)
        return got, out, err

    def run(self, *args: str, code: int = 0) -> tuple[str, str]:
        """What ``args``, ending with exit code ``code``, printed on stdout and stderr."""
        got, out, err = self.call(*args)
        assert got == code, (args, out, err)
        return out, err

    def out(self, *args: str, code: int = 0) -> str:
        return self.run(*args, code=code)[0]

    def json(self, *args: str, code: int = 0) -> Any:
        """``--json`` and ``args``: the document printed."""
        return self.read("--json", *args, code=code)

    def read(self, *args: str, code: int = 0) -> Any:
        """The JSON document ``args`` (which say ``--json`` somewhere) printed."""
        return json.loads(self.out(*args, code=code))


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> Cli:
    return Cli(capsys, db_url, tmp_path)
