"""A one-shot command waits for an away server once, not once a call."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from eventdesk.config import load_config
from eventdesk.services.stations.link import AGAIN_SECONDS, ServerAway
from eventdesk.services.stations.offline import Station
from eventdesk.services.stations.reach import Probe, probe_server


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


@pytest.mark.parametrize("one_shot", [True, False], ids=["one-shot", "scan"])
def test_a_refused_server_is_tried_again_from_the_commands_first_ask(
    tmp_path: Path, one_shot: bool
) -> None:
    """A one-shot command tries a server that refuses connections again for AGAIN_SECONDS from
    its first ask (the probe made as the command starts), as its threshold counts from there.
    Before, its first call began its own 0.75 s of tries once the command had loaded: `checkin`
    at such a station answered from its copy 1.4 s after it started, 0.9 s now. A call made
    once the server has answered counts from its own start again. `scan` (a link that comes
    and goes) counts each call from its start."""
    url = f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/nothing"
    station = Station(load_config(data_dir=tmp_path, database_url=url, station="Door 1"))
    probe = Probe(url)
    probe.started -= AGAIN_SECONDS  # the command asked first this long ago
    station.reach_early(probe, one_shot=one_shot)
    tries: list[float] = []

    def refused() -> None:
        tries.append(probe.started)
        probe_server(url)  # nothing listens: refused at once

    with pytest.raises(ServerAway):
        station.link.call(refused)
    assert (len(tries) == 1) is one_shot, len(tries)
    assert station.link.call(lambda: "answered") == "answered"
    assert station.link.again_from is None
