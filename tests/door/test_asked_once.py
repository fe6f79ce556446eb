"""A one-shot command waits for an away server once, not once a call."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from eventdesk.config import load_config
from eventdesk.services.stations.offline import Station


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("one_shot", [True, False], ids=["one-shot", "scan"])
def test_a_one_shot_command_asks_an_away_server_once_after_its_first_call(
    tmp_path: Path, one_shot: bool
) -> None:
    """Once a one-shot command's call found the server away (its refused tries spent), the
    command's next calls ask once: before, `checkin` at a station whose server refuses
    connections waited through the tries three times (its login, its door, its decision) and
    answered from the copy after 2-3.5 s, not 1. `scan` goes on deciding while a link comes and
    goes: its calls keep trying a refused server again. The server's coming back ends it."""
    url = f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/nothing"
    station = Station(load_config(data_dir=tmp_path, database_url=url, station="Door 1"))
    link = station.link
    station.reach_early(one_shot=one_shot)
    assert link.retry_quick
    link.went_away("connection refused", refused=True)
    assert link.retry_quick is not one_shot
    link.came_back()
    assert link.retry_quick
