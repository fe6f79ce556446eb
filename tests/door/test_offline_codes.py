"""A walk-in sold offline has a QR at once (issue: "an offline sale's ticket has a code at once,
so its badge has a QR that the server honours after upload"): the organizer's station signs codes
ahead for a desk's quota (eventdesk.quota_models.QuotaCode), the desk's copy holds them, a sale
made while its server is cut (a loopback proxy) takes one, its badge drawn from the copy carries
that QR, and once `sync` uploads the sale the server's ticket has that id and that QR, which a
door online then knows (the walk-in is inside already). As a desk's own PostgreSQL login and as
the organizer's; a desk's login reads its own station's codes only, and a code's id that is no
code of the uploading station is not kept."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from badges.badge import badge_from_copy
from badges.render import render
from eventdesk.db import Store
from eventdesk.models import Ticket
from eventdesk.quota_models import QuotaCode
from eventdesk.services.stations import quota
from eventdesk.tickets import Signer, Verifier, parse_payload
from eventdesk.values import utcnow
from testkit.proxy import TcpProxy
from tests.clitools import Cli
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import add_type, make_event, station_logins
from tests.offline_tools import copy_of

__all__ = ["backend_fixed"]  # a fixture
PASSWORD = "pw-codes"


@pytest.fixture
def logins(db_url: str, store: Store) -> Iterator[dict[str, str]]:
    """A door's and a desk's own login for station "Desk 1", dropped after."""
    with station_logins(db_url, store, "codes", PASSWORD) as names:
        yield names


def _event(store: Store) -> str:
    now = utcnow().replace(microsecond=0)
    slug = make_event(
        store,
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=6)).isoformat(),
    )
    add_type(store, slug, "Walk-in", quantity=10, price_cents=2500)
    return slug


@POSTGRESQL
@pytest.mark.parametrize("login", ["desk", "organizer"])
def test_a_walk_in_sold_offline_has_a_qr_at_once_that_the_server_keeps(
    backend_fixed: None,
    login: str,
    db_url: str,
    store: Store,
    signer: Signer,
    proxy: TcpProxy,
    logins: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    slug = _event(store)
    given = quota.give(store, slug, "Walk-in", "Desk 1", 2)
    assert given.codes == 2
    quota.give(store, slug, "Walk-in", "Desk 2", 1)  # another desk's code, never read by Desk 1
    url = make_url(db_url).set(host="127.0.0.1", port=proxy.port)
    if login == "desk":
        url = url.set(username=logins["desk"], password=PASSWORD)
    data = tmp_path / "desk"
    data.mkdir()
    (data / "eventdesk.toml").write_text("[station]\noffline_after = 1.0\n")
    cli = Cli(capsys, url.render_as_string(hide_password=False), data, station="Desk 1")
    cli.run("sync")  # the station's copy, with its quota and its codes
    proxy.cut()
    answer = cli.json(
        "register", slug, "--attendee", "coded-walk@example.com", "--ticket-type", "Walk-in",
        "--paid", "cash", "--name", "Coded Walk",
    )  # fmt: skip
    payload, ticket_id = answer["payload"], answer["ticket_id"]
    assert payload and parse_payload(payload).ticket_id == ticket_id and ticket_id[0] == "U"
    assert Verifier(store).verify(payload) == ticket_id  # signed with the organizer's key
    badge = badge_from_copy(copy_of(data), ticket_id)
    png = Image.open(io.BytesIO(render(badge, "png")))
    assert [found.text for found in zxingcpp.read_barcodes(png)] == [payload]
    said = cli.out(
        "register", slug, "--attendee", "coded-two@example.com", "--ticket-type", "Walk-in",
        "--name", "Coded Two",
    )  # fmt: skip
    assert "Its QR is on its badge now" in said
    proxy.restore()
    synced = cli.json("sync")
    assert (synced["sales_uploaded"], synced["sales_pending"]) == (2, 0), synced
    with store.read() as session:
        made = session.get(Ticket, ticket_id)
        assert made is not None and made.qr_payload == payload
        left = session.scalars(select(QuotaCode.station)).all()
    assert left == ["Desk 2"]  # Desk 1's two codes went with its two sales
    again = cli.json("checkin", payload, code=1)  # a door online knows the walk-in: inside
    assert again["result"] == "already_checked_in", again


@POSTGRESQL
def test_a_desk_login_reads_its_own_codes_only_and_a_code_not_its_own_is_not_kept(
    backend_fixed: None, db_url: str, store: Store, signer: Signer, logins: dict[str, str]
) -> None:
    slug = _event(store)
    quota.give(store, slug, "Walk-in", "Desk 1", 1)
    quota.give(store, slug, "Walk-in", "Desk 2", 2)
    with store.read() as session:
        other = session.scalars(select(QuotaCode).where(QuotaCode.station == "Desk 2")).first()
        assert other is not None
        event_id, type_id = (
            other.event_id,
            session.scalar(text("SELECT id FROM ticket_type WHERE name = 'Walk-in'")),
        )
        other_id = other.ticket_id
    read = {}
    for kind in ("door", "desk"):
        url = make_url(db_url).set(username=logins[kind], password=PASSWORD)
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                read[kind] = conn.execute(text("SELECT station FROM quota_code")).scalars().all()
                if kind == "desk":  # a sale uploaded with Desk 2's code, by Desk 1
                    made = conn.execute(
                        text(
                            "SELECT ticket_id FROM station_api.quota_sale('Desk 1', :nonce, :e, "
                            ":t, :id, 'Sly Walk', 'sly@example.com', NULL, now(), 'cash', true,"
                            " ARRAY[]::text[], NULL)"
                        ),
                        {"nonce": "nonce-sly-0001", "e": event_id, "t": type_id, "id": other_id},
                    ).scalar_one()
        finally:
            engine.dispose()
    assert read == {"door": [], "desk": ["Desk 1"]}
    assert made != other_id
    with store.read() as session:
        sold = session.get(Ticket, made)
        assert sold is not None and sold.qr_payload is None
        assert session.get(QuotaCode, other_id) is not None  # still Desk 2's to sell
