"""Offline, an override is decided by the station and uploaded like any admission
(docs/operators-guide.md, "Overriding a refusal"): the supervisor's PIN is checked against the
station's copy of the staff accounts (as an offline sign-in is), and the admission, with who,
why and what was refused, reaches the server's scan log at the next sync."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from eventdesk.db import Store
from eventdesk.models import Event
from eventdesk.services.people.auth import add_staff
from eventdesk.services.stats.overrides import overrides
from eventdesk.tickets import Signer
from testkit.proxy import TcpProxy
from tests.door.test_cli_offline import PASSWORD, station_as
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import station_logins
from tests.offline_tools import open_event, scans_at

__all__ = ["backend_fixed"]  # a fixture
pytestmark = POSTGRESQL


@pytest.fixture
def logins(db_url: str, store: Store) -> Iterator[dict[str, str]]:
    with station_logins(db_url, store, "override", PASSWORD) as names:
        yield {"organizer": "", **names}


@pytest.mark.parametrize("kind", ["desk", "organizer"])
def test_an_override_decided_offline_is_uploaded(
    backend_fixed: None,
    kind: str,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    logins: dict[str, str],
    tmp_path: Path,
) -> None:
    event = open_event(store, signer, 2)
    add_staff(store, name="Olga Offline", role="staff", pin="4321", can_override=True)
    add_staff(store, name="Sam Offline", role="staff", pin="2345")
    for name, pin in (("olga", "4321"), ("sam", "2345")):
        (tmp_path / f"{name}.pin").write_text(pin + "\n")
    name = "Desk 1" if kind == "desk" else "Office"
    desk = station_as(logins[kind], name, db_url, proxy, tmp_path)
    assert desk.run("sync").code == 0
    ticket = event.ticket_ids[0]
    assert desk.run("checkin", "--ticket", ticket).json["result"] == "ok"
    proxy.cut()

    def override(who: str, pin: str) -> object:
        return desk.run(
            "checkin", "--ticket", ticket, "--override", "wristband broke",
            "--operator", who, "--pin-file", str(tmp_path / f"{pin}.pin"),
        )  # fmt: skip

    refused = override("Sam Offline", "sam")
    assert refused.code == 1 and "may not override" in refused.err, refused.err  # type: ignore[attr-defined]
    done = override("Olga Offline", "olga")
    answer = done.json  # type: ignore[attr-defined]
    assert (answer["result"], answer["offline"]) == ("ok", True), done.err  # type: ignore[attr-defined]
    assert answer["override"]["by"] == "Olga Offline"
    assert answer["override"]["refused"] == "already_checked_in"

    proxy.restore()
    assert desk.run("sync").code == 0
    uploaded = [
        json.loads(row.answer)
        for row in scans_at(store, name)
        if row.answer and row.offline and row.result == "ok"
    ]
    assert [a["override"] for a in uploaded if "override" in a] == [
        {
            "by": "Olga Offline",
            "reason": "wristband broke",
            "refused": "already_checked_in",
            "rule": None,
        }
    ]
    # Its transaction-log row, checked offline by the station, not by the server; the report
    # says it was not verified there.
    with store.read() as session:
        logged = [
            json.loads(detail)
            for detail in session.execute(
                text(
                    "SELECT detail FROM transaction_log WHERE kind = 'override' "
                    "AND ticket_id = :t AND station = :s"
                ),
                {"t": ticket, "s": name},
            ).scalars()
        ]
    assert [(d["by"], d["offline"], d["verified"]) for d in logged] == [
        ("Olga Offline", True, False)
    ]
    with store.read() as session:
        found = overrides(
            session, session.scalars(select(Event).where(Event.slug == event.slug)).one()
        )
    (row,) = [dict(zip(found.columns, values, strict=True)) for values in found.rows]
    assert (row["by"], row["verified"]) == ("Olga Offline", False)
