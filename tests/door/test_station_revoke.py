"""A station carried off gives away the staff PINs its copy holds and those typed there
(services.stations.exposed_pins): `station revoke` names them, from the server's own record,
and resets them when the organizer says so (``--reset-pins``, or yes at a terminal), new PINs
shown once; the old ones no longer sign in. On the operator's guide's site
(tests/door/test_station_logins.py), through real `eventdesk` processes, as a door's and a
desk's own login."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from testkit.terminal import in_terminal, stop
from tests.door.test_station_logins import EVENTDESK, PASSWORD, Site, run_cli, site
from tests.offline_tools import copy_sql

pytestmark = pytest.mark.slow  # real eventdesk processes, on test_station_logins.py's site

__all__ = ["site"]  # the module's fixture, used here


def organizer(site: Site, *args: str, code: int = 0) -> dict[str, object]:
    said = run_cli(
        site.organizer_url, site.organizer_dir, "--json", *args, station="Office", code=code
    )
    found: dict[str, object] = json.loads(said.stdout)
    return found


def own_login(site: Site, kind: str, station: str) -> str:
    """A station login of ``kind`` made for one test (its URL)."""
    name = f"{site.door_login}_{kind}_{station.split()[-1]}"[:63].lower()
    run_cli(
        site.organizer_url,
        site.organizer_dir,
        *("roles", "add", name, "--kind", kind, "--station", station, "--password", PASSWORD),
        station="Office",
    )
    return make_url(site.door_url).set(username=name).render_as_string(hide_password=False)


def add_staff(site: Site, name: str, role: str, pin: str) -> None:
    organizer(site, "staff", "add", "--name", name, "--role", role, "--pin", pin)


def signs_in(site: Site, name: str, pin: str) -> bool:
    """``name`` signs in with ``pin`` on the server (the organizer's station asks it)."""
    done = run_cli(
        site.organizer_url,
        site.organizer_dir,
        *("staff", "login", name, "--pin", pin),
        station="Office",
        code=(0, 1),
    )
    return done.returncode == 0


def pin_hashes(site: Site) -> dict[str, str]:
    with site.owner.connect() as conn:
        from sqlalchemy import text

        return {r.name: r.pin_hash for r in conn.execute(text("SELECT name, pin_hash FROM staff"))}


def desk_and_kiosk_accounts(site: Site) -> set[str]:
    with site.owner.connect() as conn:
        from sqlalchemy import text

        found = conn.execute(text("SELECT name FROM staff WHERE role IN ('staff', 'kiosk')"))
        return {str(name) for name in found.scalars()}


@pytest.mark.parametrize("kind", ["door", "desk"])
def test_revoke_names_the_pins_a_station_gives_away_and_resets_them(
    site: Site, tmp_path: Path, kind: str
) -> None:
    station = f"{kind.title()} 7"
    tag = kind.title()
    staffer, staffer_pin = f"Tess {tag}", "4711"
    boss, boss_pin = f"Olga {tag}", "8152"
    elsewhere = f"Oscar {tag}"  # an organizer who never came near the station
    gone = f"Dana {tag}"  # a desk account disabled after the station copied it
    add_staff(site, staffer, "staff", staffer_pin)
    add_staff(site, boss, "organizer", boss_pin)
    add_staff(site, elsewhere, "organizer", "9090")
    add_staff(site, gone, "staff", "5050")
    url, data = own_login(site, kind, station), tmp_path / "station"
    run_cli(url, data, "sync", station=station)
    run_cli(url, data, "staff", "login", staffer, "--pin", staffer_pin, station=station)
    # An organizer signs in at a desk through its login; a door never checks an organizer's PIN.
    run_cli(url, data, "staff", "login", boss, "--pin", boss_pin, station=station, code=(0, 1))
    organizer(site, "staff", "disable", gone)
    with copy_sql(data) as conn:
        in_copy = {
            str(r[0]) for r in conn.execute("SELECT name FROM staff WHERE pin_hash IS NOT NULL")
        }
    assert {staffer, gone} <= in_copy and boss not in in_copy  # what a thief can crack

    revoked = organizer(site, "station", "revoke", station, "--reset-pins")
    login = str(make_url(url).username)
    assert revoked["station"] == station and revoked["logins"] == [login] and revoked["revoked_at"]
    at_risk = {str(a["name"]): a for a in revoked["pins_at_risk"]}  # type: ignore[attr-defined]
    expected = desk_and_kiosk_accounts(site) | ({boss} if kind == "desk" else set())
    assert set(at_risk) == expected and in_copy <= expected and elsewhere not in at_risk
    assert (at_risk[staffer]["in_copy"], at_risk[staffer]["signed_in"]) == (True, True)
    assert (at_risk[gone]["in_copy"], at_risk[gone]["active"]) == (True, False)
    if kind == "desk":
        assert (at_risk[boss]["in_copy"], at_risk[boss]["signed_in"]) == (False, True)
    new = {str(p["name"]): str(p["pin"]) for p in revoked["pins_reset"]}  # type: ignore[attr-defined]
    assert set(new) == expected and all(re.fullmatch(r"[0-9]{6}", pin) for pin in new.values())
    # The old PINs sign in nowhere; the new ones, handed out, do.
    assert not signs_in(site, staffer, staffer_pin) and signs_in(site, staffer, new[staffer])
    other = run_cli(
        site.door_url, tmp_path / "door 1", "staff", "login", staffer, "--pin", staffer_pin, code=1
    )
    assert "name or PIN is wrong" in other.stderr
    if kind == "desk":
        assert not signs_in(site, boss, boss_pin) and signs_in(site, boss, new[boss])
    assert signs_in(site, elsewhere, "9090")  # never at the station: kept


def test_revoke_away_from_a_terminal_lists_the_pins_and_keeps_them(
    site: Site, tmp_path: Path
) -> None:
    station = "Door 8"
    url, data = own_login(site, "door", station), tmp_path / "station"
    run_cli(url, data, "sync", station=station)
    before = pin_hashes(site)
    revoked = organizer(site, "station", "revoke", station)  # no flag, no terminal: not asked
    assert revoked["pins_reset"] == []
    names = {str(a["name"]) for a in revoked["pins_at_risk"]}  # type: ignore[attr-defined]
    assert names == desk_and_kiosk_accounts(site)
    assert pin_hashes(site) == before
    # Said as much to a person (revoking again changes nothing more).
    said = run_cli(
        site.organizer_url, site.organizer_dir, "station", "revoke", station, station="Office"
    ).stdout
    assert f"{station} revoked" in said and "PIN can be found" in said.replace("PINs", "PIN")
    assert f"station revoke {station} --reset-pins" in said
    kept = organizer(site, "station", "revoke", station, "--keep-pins")
    assert kept["pins_reset"] == [] and pin_hashes(site) == before


def test_revoke_at_a_terminal_asks_and_resets_on_yes(site: Site, tmp_path: Path) -> None:
    station = "Desk 9"
    url, data = own_login(site, "desk", station), tmp_path / "station"
    run_cli(url, data, "sync", station=station)
    before = pin_hashes(site)
    output = bytearray()
    argv = [EVENTDESK, "--db", site.organizer_url, "--data-dir", str(site.organizer_dir)]
    env = {**os.environ, "EVENTDESK_DATABASE_URL": "", "EVENTDESK_STATION": "Office"}
    process, master = in_terminal([*argv, "station", "revoke", station], env, output=output)
    try:
        deadline = time.monotonic() + 60
        while b"PINs now" not in output:
            assert process.poll() is None, bytes(output).decode(errors="replace")
            assert time.monotonic() < deadline, bytes(output).decode(errors="replace")
            time.sleep(0.02)
        said = bytes(output).decode(errors="replace")
        assert f"{station} revoked" in said and "Sam Desk" in said and "[Y/n]" in said
        os.write(master, b"y\r")
        assert process.wait(60) == 0
    finally:
        stop(process, master)
    said = bytes(output).decode(errors="replace")
    assert "New PINs, shown this once" in said
    after = pin_hashes(site)
    reset = {name for name in before if after[name] != before[name]}
    assert reset == desk_and_kiosk_accounts(site)
    shown = re.findall(r"Sam Desk\s+\S+(?: \S+)?\s+([0-9]{6})", said)
    assert shown and signs_in(site, "Sam Desk", shown[-1])
