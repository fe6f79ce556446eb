"""A station's server named as several hosts (docs/standby.md's address: every host, the one
that takes writes asked for), the first of them a machine that is gone: the station's own bare
connections (the probe a command starts before it loads, the one a round of sync asks with when
it was refused, the one that asks who holds a lock) reach the host that answers, as the store
does, and the store says which it is. On PostgreSQL: the server itself is the second host, a
port nothing listens on the first."""

from __future__ import annotations

import json
import time

import port_for
import pytest
from sqlalchemy.engine import make_url

from eventdesk.db import Store
from eventdesk.services.stations.reach import Probe, lock_holders, probe_server
from eventdesk.services.stations.standby import reads_url
from eventdesk.tickets import Signer
from tests.clitools import Cli
from tests.offline_tools import open_event


@pytest.fixture
def two_hosts(db_url: str) -> str:
    """The test's server, second behind a host that is gone, in the stations' address form."""
    if db_url.startswith("sqlite"):
        pytest.skip("an SQLite station is its own server: it names no hosts")
    url = make_url(db_url)
    gone = port_for.select_random()
    named = f"host=127.0.0.1:{gone}&host={url.host or '127.0.0.1'}:{url.port or 5432}"
    login = url.username or "postgres"
    password = f":{url.password}" if url.password else ""
    return (
        f"postgresql+psycopg://{login}{password}@/{url.database}?{named}"
        "&target_session_attrs=read-write"
    )


def test_a_stations_bare_connections_reach_the_host_that_answers(two_hosts: str) -> None:
    probe_server(two_hosts, application="eventdesk Door 1")  # raised before: no such host
    asked = Probe(two_hosts)
    assert asked.answers_by(time.monotonic() + 10)
    assert lock_holders(two_hosts, [0]) == []  # asked, and nobody waits on a lock
    store = Store(two_hosts)
    try:
        real = make_url(store.url)
        assert store.host_in_use() is not None
        assert store.host_in_use() == f"127.0.0.1:{real.query['host'][1].split(':')[1]}"  # type: ignore[index]
    finally:
        store.dispose()


def test_reads_asked_of_a_standby_come_from_the_primary_when_there_is_none(
    two_hosts: str, cli: Cli, store: Store, signer: Signer
) -> None:
    """``[database] reads = "standby"``: the stats and the reports ask for a standby first
    (target_session_attrs=prefer-standby); a server with none answers them itself, and the
    station says so, with the same figures as the store's."""
    event = open_event(store, signer, 3)
    cli.data_dir.mkdir(parents=True, exist_ok=True)
    (cli.data_dir / "eventdesk.toml").write_text('[database]\nreads = "standby"\n')
    answered = make_url(two_hosts).query["host"][1]  # type: ignore[index]
    two = Cli(cli.capsys, two_hosts, cli.data_dir)
    out, err = two.run("--json", "stats", event.slug)
    assert json.loads(out)["registered"] == 3
    assert err.strip() == f"figures from the primary {answered}, as they are now", err
    out, err = two.run("--json", "report", "attendance", event.slug)
    assert json.loads(out) and "figures from the primary" in err, err
    written = cli.data_dir / "attendees.csv"
    out, err = two.run("--json", "export", "attendees", event.slug, "--output", str(written))
    assert written.read_text(encoding="utf-8-sig").startswith("Name,"), out
    assert "figures from the primary" in err, err
    assert reads_url(two_hosts).endswith("target_session_attrs=prefer-standby"), two_hosts
