"""A station carried off yields nothing useful (services.stations.copy_key): its copy is
encrypted at rest with a key that is not on its disk, for every login a station runs with; a
station that starts without its server is unlocked by the passphrase its staff type; a plain
copy an earlier version kept is encrypted with its outbox; a revoked station is given its key
no more, and an organizer accepts what its outbox held up to that moment. On the operator's
guide's site (tests/door/test_station_logins.py), through real `eventdesk` processes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from eventdesk.services.stations.copy_key import SEALED_FILE, forget, held
from eventdesk.services.stations.mirror_repair import SQLITE_HEADER
from eventdesk.services.stations.mirror_schema import MIRROR_FILE
from testkit.proxy import TcpProxy
from tests.door.test_station_logins import (
    PASSWORD,
    Site,
    admissible,
    payload_of,
    run_cli,
    site,
)
from tests.offline_tools import copy_sql

pytestmark = pytest.mark.slow  # real eventdesk processes, on test_station_logins.py's site

__all__ = ["site"]  # the module's fixture, used here

LOGINS = ("organizer", "door", "desk", "kiosk")  # kiosk: the organizer's login, role kiosk
STATIONS = {"organizer": "Office 2", "door": "Door 1", "desk": "Desk 1", "kiosk": "Kiosk 2"}
EMAILS = {"organizer": True, "door": False, "desk": True, "kiosk": False}


def url_of(site: Site, login: str) -> str:
    return {
        "organizer": site.organizer_url,
        "door": site.door_url,
        "desk": site.desk_url,
        "kiosk": site.organizer_url,
    }[login]


def files_of(folder: Path) -> bytes:
    """Every byte the station keeps on its disk, file after file."""
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def through(proxy: TcpProxy, url: str) -> str:
    found = make_url(url)
    return found.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.mark.parametrize("login", LOGINS)
def test_a_stations_copy_is_noise_without_its_key_and_holds_what_its_kind_needs(
    site: Site, tmp_path: Path, login: str
) -> None:
    data = tmp_path / login
    station = STATIONS[login]
    if login == "kiosk":
        data.mkdir()
        (data / "eventdesk.toml").write_text('[station]\nrole = "kiosk"\n')
    synced = json.loads(
        run_cli(url_of(site, login), data, "--json", "sync", station=station).stdout
    )
    assert synced["online"] is True and synced["downloaded"] > 0
    copy = data / MIRROR_FILE
    assert copy.read_bytes()[:16] != SQLITE_HEADER
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(copy).execute("SELECT count(*) FROM sqlite_master").fetchall()
    kept = files_of(data)
    name = str(site.value("SELECT name FROM attendee ORDER BY id LIMIT 1"))
    payload = payload_of(site, admissible(site))
    for secret in (name, payload, "$argon2", site.event):
        assert secret.encode() not in kept, secret
    key = held(data)
    assert key is not None and key not in kept and key.hex().encode() not in kept
    assert key.hex().upper().encode() not in kept
    # The key is the server's, for this station only, and its copy opens with it.
    assert site.value("SELECT copy_key FROM station_key WHERE station = :s", s=station) == key.hex()
    with copy_sql(data) as conn:
        assert conn.execute("SELECT count(*) FROM ticket").fetchone()[0] > 0
        # A desk's copy keeps the e-mails its search reads; a door's, a kiosk's, none.
        emails = conn.execute("SELECT count(email), count(*) FROM attendee").fetchone()
        assert emails[1] > 0 and (emails[0] == emails[1]) is EMAILS[login], emails
        words = conn.execute("SELECT group_concat(search_text, '') FROM attendee").fetchone()[0]
        assert ("@" in words or "example" in words) is EMAILS[login]


@pytest.mark.parametrize("login", ("door", "desk"))
def test_a_stations_login_reads_no_key_but_its_own(site: Site, login: str) -> None:
    engine = site.engine_as(site.door_login if login == "door" else site.desk_login)
    other = "Desk 1" if login == "door" else "Door 1"
    try:
        with engine.connect() as conn:
            own = conn.execute(
                text("SELECT copy_key FROM station_api.copy_key(:s)"), {"s": STATIONS[login]}
            ).scalar()
            assert own is not None and len(own) == 64
            for sql in (
                "SELECT copy_key FROM station_key",
                "SELECT copy_key FROM public.station_key",
                f"SELECT copy_key FROM station_api.copy_key('{other}')",
            ):
                with pytest.raises(DBAPIError, match=r"permission denied|does not exist|not "):
                    conn.execute(text(sql)).all()
    finally:
        engine.dispose()


def test_a_station_started_without_its_server_is_unlocked_by_its_passphrase(
    site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "door"
    with TcpProxy("127.0.0.1", make_url(site.door_url).port or 5432) as proxy:
        url = through(proxy, site.door_url)
        run_cli(url, data, "sync")
        assert (data / SEALED_FILE).exists()
        forget(data)  # the machine was switched off: its memory is gone
        proxy.cut()
        payload = payload_of(site, admissible(site))
        locked = run_cli(url, data, "checkin", payload, code=3)
        assert "copy is locked" in locked.stderr and "station unlock" in locked.stderr
        assert "Traceback" not in locked.stderr
        wrong = run_cli(url, data, "station", "unlock", stdin="0000-0000-0000\n", code=2)
        assert "not this station's passphrase" in wrong.stderr
        told = json.loads(
            run_cli(
                site.organizer_url,
                site.organizer_dir,
                "--json",
                "station",
                "passphrase",
                "Door 1",
                station="Office",
            ).stdout
        )
        assert told["station"] == "Door 1" and len(told["passphrase"]) == 14
        typed = told["passphrase"].lower().replace("-", " ")  # as staff may type it
        run_cli(url, data, "station", "unlock", stdin=f"{typed}\n")
        admitted = json.loads(run_cli(url, data, "--json", "checkin", payload).stdout)
        assert (admitted["result"], admitted["offline"]) == ("ok", True)
        proxy.restore()
        uploaded = json.loads(run_cli(url, data, "--json", "sync").stdout)
        assert uploaded["uploaded"] == 1 and uploaded["pending"] == 0
    assert site.value(
        "SELECT checked_in_station FROM ticket WHERE id = :t", t=admitted["ticket_id"]
    ) == ("Door 1")


def test_a_plain_copy_of_an_earlier_version_is_encrypted_with_its_outbox(
    site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "door"
    with TcpProxy("127.0.0.1", make_url(site.door_url).port or 5432) as proxy:
        url = through(proxy, site.door_url)
        run_cli(url, data, "sync")
        proxy.cut()
        payload = payload_of(site, admissible(site))
        decided = json.loads(run_cli(url, data, "--json", "checkin", payload).stdout)
        assert decided["offline"] is True
        # The copy as an earlier version kept it: plain SQLite, its scan waiting.
        plain = tmp_path / "plain.db"
        with copy_sql(data) as conn:
            conn.execute(f"ATTACH DATABASE '{plain}' AS plaintext KEY ''")
            conn.execute("SELECT sqlcipher_export('plaintext')")
            conn.execute("DETACH DATABASE plaintext")
        for end in ("-wal", "-shm"):
            (data / f"{MIRROR_FILE}{end}").unlink(missing_ok=True)
        plain.replace(data / MIRROR_FILE)
        assert (data / MIRROR_FILE).read_bytes()[:16] == SQLITE_HEADER
        proxy.restore()
        synced = json.loads(run_cli(url, data, "--json", "sync").stdout)
    said = " ".join(synced["notices"])
    assert "now encrypted" in said and "1 scan" in said, said
    assert synced["uploaded"] == 1 and synced["pending"] == 0
    assert (data / MIRROR_FILE).read_bytes()[:16] != SQLITE_HEADER
    assert payload.encode() not in files_of(data)
    assert site.value(
        "SELECT checked_in_station FROM ticket WHERE id = :t", t=decided["ticket_id"]
    ) == ("Door 1")


def new_login(site: Site, login: str, station: str) -> str:
    """A door's own login made for one test (its URL): the module's own stay as they are."""
    name = f"{site.door_login}_{login}"[:63]
    run_cli(
        site.organizer_url,
        site.organizer_dir,
        *("roles", "add", name, "--kind", "door", "--station", station, "--password", PASSWORD),
        station="Office",
    )
    return make_url(site.door_url).set(username=name).render_as_string(hide_password=False)


def organizer(site: Site, *args: str, code: int = 0) -> dict[str, object]:
    said = run_cli(
        site.organizer_url, site.organizer_dir, "--json", *args, station="Office", code=code
    )
    found: dict[str, object] = json.loads(said.stdout)
    return found


def door7(url: str, data: Path, *args: str) -> dict[str, object]:
    found: dict[str, object] = json.loads(
        run_cli(url, data, "--json", *args, station="Door 7").stdout
    )
    return found


def test_a_revoked_station_is_refused_at_once_and_its_outbox_taken_when_an_organizer_says_so(
    site: Site, tmp_path: Path
) -> None:
    data = tmp_path / "door7"
    own = new_login(site, "seven", "Door 7")
    login = str(make_url(own).username)
    with TcpProxy("127.0.0.1", make_url(site.door_url).port or 5432) as proxy:
        url = through(proxy, own)
        run_cli(url, data, "sync", station="Door 7")
        session = create_engine(own, isolation_level="AUTOCOMMIT")
        open_session = session.connect()
        assert open_session.execute(text("SELECT station FROM station_api.whoami()")).scalar() == (
            "Door 7"
        )
        proxy.cut()
        before, after = admissible(site, 0), admissible(site, 1)
        decided = json.loads(
            run_cli(
                url, data, "--json", "checkin", payload_of(site, before), station="Door 7"
            ).stdout
        )
        assert (decided["result"], decided["offline"]) == ("ok", True)
        revoked = organizer(site, "station", "revoke", "Door 7")
        assert revoked["logins"] == [login] and revoked["revoked_at"]
        # Refused at once: its open session can do nothing more, a new one is not let in.
        with pytest.raises(DBAPIError):
            open_session.execute(text("SELECT station FROM station_api.whoami()")).scalar()
        open_session.close()
        session.dispose()
        with pytest.raises(DBAPIError):
            create_engine(own).connect().close()
        refused = organizer(site, "station", "passphrase", "Door 7", code=1)
        assert "revoked" in str(refused["error"])
        # A station that still runs holds its key in memory: what it decides now is its own.
        later = json.loads(
            run_cli(
                url, data, "--json", "checkin", payload_of(site, after), station="Door 7"
            ).stdout
        )
        assert later["offline"] is True
        proxy.restore()
        failed = run_cli(url, data, "sync", station="Door 7", code=(1, 3))
        assert failed.stderr.strip()
        forget(data)  # switched off: its copy is noise to whoever holds it now
        run_cli(url, data, "checkin", payload_of(site, after), station="Door 7", code=(1, 3))
    looked = organizer(site, "station", "accept-outbox", "Door 7", "--from", str(data), "--dry-run")
    assert [(r["fate"], r["ticket_id"]) for r in looked["rows"]] == [
        ("taken", before),
        ("after", after),
    ]
    assert looked["uploaded"] == 0 and looked["would_take"] == 1  # listed, nothing taken
    taken = organizer(site, "station", "accept-outbox", "Door 7", "--from", str(data), "--yes")
    assert (taken["uploaded"], taken["after_revocation"], taken["refused"]) == (1, 1, [])
    stations = site.value(
        "SELECT string_agg(coalesce(checked_in_station, '-'), ',' ORDER BY id) FROM ticket "
        "WHERE id IN (:a, :b)",
        a=before,
        b=after,
    )
    assert stations == ",".join("Door 7" if t == before else "-" for t in sorted((before, after)))
    assert site.value("SELECT count(*) FROM scan_log WHERE station = 'Door 7' AND offline") == 1


def test_roles_remove_of_a_stations_last_login_revokes_its_key_until_it_is_added_again(
    site: Site, tmp_path: Path
) -> None:
    own = new_login(site, "eight", "Door 8")
    login = str(make_url(own).username)
    first = organizer(site, "station", "passphrase", "Door 8")["passphrase"]
    organizer(site, "roles", "remove", login)
    assert "revoked" in str(organizer(site, "station", "passphrase", "Door 8", code=1)["error"])
    new_login(site, "eight", "Door 8")
    again = organizer(site, "station", "passphrase", "Door 8")["passphrase"]
    assert again != first
    assert site.value("SELECT count(*) FROM station_key WHERE station = 'Door 8'") == 2
