"""A supervisor's override at a desk's own login on a PostgreSQL server (migration 0026): the
server checks the supervisor's PIN and right and writes the override with the name it checked;
a wrong PIN, an account without the right and a refusal never overridden are refused by the
server itself, whatever the station sends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.door.test_station_logins import (
    REFUSALS,
    Site,
    admissible,
    refused_on,
    run_cli,
    site,
)

pytestmark = pytest.mark.slow  # real eventdesk processes, on test_station_logins.py's site

__all__ = ["site"]  # the module's fixture: one server with the guide's logins

REASON = "list hours wrong"


def test_a_desk_login_overrides_with_the_servers_word_on_who(site: Site, tmp_path: Path) -> None:
    organizer = (site.organizer_url, site.organizer_dir)
    run_cli(
        *organizer, "staff", "add", "--name", "Olga Override", "--role", "staff",
        "--pin", "4321", "--can-override", station="Office",
    )  # fmt: skip
    (tmp_path / "olga.pin").write_text("4321\n")
    (tmp_path / "wrong.pin").write_text("9999\n")
    sam = next(name for name in site.pins if name != "Olga Override" and "Sam" in name)
    (tmp_path / "sam.pin").write_text(site.pins[sam] + "\n")
    desk, url = tmp_path / "desk", site.desk_url
    ticket = admissible(site)

    def at_desk(*args: str, code: int = 0) -> tuple[str, str]:
        done = run_cli(url, desk, *args, code=code, station="Desk 1")
        return done.stdout, done.stderr

    def override(who: str, pin: str, *, code: int = 0) -> tuple[str, str]:
        return at_desk(
            "--json", "checkin", "--ticket", ticket, "--override", REASON,
            "--operator", who, "--pin-file", str(tmp_path / f"{pin}.pin"), code=code,
        )  # fmt: skip

    at_desk("checkin", "--ticket", ticket)
    at_desk("checkin", "--ticket", ticket, code=1)
    _out, err = override("Olga Override", "wrong", code=1)
    assert "name or PIN is wrong" in err, err
    _out, err = override(sam, "sam", code=1)
    assert f"{sam} may not override a refusal" in err, err
    assert site.value("SELECT count(*) FROM transaction_log WHERE kind = 'override'") == 0

    out, _err = override("olga override", "olga")
    got = json.loads(out)
    assert got["result"] == "ok" and got["reentry"] is True, got
    assert got["override"] == {
        "by": "Olga Override",
        "reason": REASON,
        "refused": "already_checked_in",
        "rule": None,
    }
    detail = json.loads(
        site.value(
            "SELECT detail FROM transaction_log WHERE kind = 'override' AND ticket_id = :t "
            "AND station = 'Desk 1'",
            t=ticket,
        )
    )
    assert (detail["by"], detail["reason"], detail["refused"]) == (
        "Olga Override",
        REASON,
        "already_checked_in",
    )
    answer = site.value(
        "SELECT answer FROM scan_log WHERE ticket_id = :t AND result = 'ok' "
        "AND answer LIKE '%override%'",
        t=ticket,
    )
    assert json.loads(answer)["override"]["by"] == "Olga Override"


def test_the_server_never_overrides_what_is_no_ticket(site: Site) -> None:
    engine = site.engine_as(site.desk_login)
    try:
        for refused in ("invalid", "unknown", "revoked", "wrong_event"):
            said = refused_on(
                engine,
                "SELECT * FROM station_api.override_admit('Desk 1', 'NOSUCH', NULL, now(), "
                "'x', 'x', 'broke', :refused, NULL)",
                refused=refused,
            )
            assert "never overridden" in said, said
        said = refused_on(
            site.engine_as(site.door_login),
            "SELECT * FROM station_api.override_admit('Door 1', 'NOSUCH', NULL, now(), "
            "'x', 'x', 'broke', 'closed', NULL)",
        )
        assert any(word in said for word in (*REFUSALS, "only a desk")), said
    finally:
        engine.dispose()
