"""A registration question is asked when a person registers, never at the door by itself
(issue 60): one added after people registered (required, of the order or of each holder)
holds back no entry and no badge, at a door, a badge station (`checkin --print-only`) or a
kiosk; what is asked at the door is a check-in list's choice, its own questions. The command
line as an operator types it, on SQLite and on PostgreSQL (a station's own logins and its copy
are in tests/door/test_rule_table.py)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

from eventdesk.db import Store
from eventdesk.services.door.checkin import Checkin
from eventdesk.services.door.list_changes import ListChange, create_list
from eventdesk.services.door.printing import list_jobs
from eventdesk.services.people.registration import register
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from tests.door.test_badge_only import _checked_in, run
from tests.helpers import add_type, make_event, people


def test_a_question_added_later_holds_back_no_badge_and_no_entry(
    db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    """The operator's case: `question add --required` once people had registered, then the
    foyer's badge station refused all of them `needs_answer` ("Please answer at the desk
    first"), a VIP already inside as well. Now each gets a badge (and a second one is a
    reprint); nobody is checked in by it; the door admits as before; the list that asks its
    own question asks that one alone."""
    tag = uuid.uuid4().hex[:8]
    now = utcnow().replace(microsecond=0)
    event = make_event(
        store,
        name=f"Asked later {tag}",
        starts=(now - timedelta(hours=1)).isoformat(),
        ends=(now + timedelta(hours=8)).isoformat(),
    )
    add_type(store, event, "Regular", price_cents=0)
    add_type(store, event, "VIP", price_cents=0, attention="VIP: walk them in")
    create_list(store, event, ListChange(name="Bar", questions=["age:yesno:Over 18?:required"]))
    vip_email, guest_email = people(store, 2, prefix=f"asked-{tag}")
    vip = register(store, event, vip_email, "VIP").tickets[0].ticket_id
    guest = register(store, event, guest_email, "Regular").tickets[0].ticket_id
    data = tmp_path / "data"
    data.mkdir()
    run(db_url, data, "--station", "Door 1", "checkin", "--ticket", vip, "--no-print")

    # Of each holder, and of the order: the organizer is told who has not answered.
    asked = ["question", "add", event, "--text", "Pronouns", "--required", "--per", "holder"]
    told = run(db_url, data, *asked, "--key", "pronouns")
    assert "2 tickets registered before have no answer to it" in told, told
    assert "no entry and no badge at the door" in told, told
    asked = ["--json", "question", "add", event, "--text", "T-shirt", "--required"]
    assert json.loads(run(db_url, data, *asked, "--key", "shirt"))["unanswered"] == 2

    for ticket, expected in ((vip, "printed"), (guest, "printed"), (vip, "reprinted")):
        said = json.loads(
            run(db_url, data, "--json", "checkin", "--print-only", "--ticket", ticket)
        )
        assert (said["result"], said["rule"], said["asks"]) == (expected, None, []), said
        assert said["badge_queued"], said
    assert sorted(j.reason for j in list_jobs(store)) == ["badge", "badge", "reprint"]
    assert _checked_in(store, [vip, guest]) == {vip: True, guest: False}

    # The door admits the guest; the bar (a list asking its own question) asks that, only.
    bar = json.loads(
        run(db_url, data, "--json", "checkin", "--ticket", guest, "--list", "bar", code=1)
    )
    assert (bar["result"], bar["asks"]) == ("needs_answer", ["age"]), bar
    assert [q[0] for q in bar["questions"]] == ["age"]
    plain = run(db_url, data, "checkin", "--ticket", guest, "--list", "bar", "--answer", "age=yes")
    assert "[ok]" in plain, plain
    entered = json.loads(run(db_url, data, "--json", "checkin", "--ticket", guest))
    assert entered["result"] == "ok", entered

    # A kiosk that prints badges: the same.
    kiosk = Checkin(store, station="Kiosk 1", self_service=True, print_only=True, print_to="badges")
    assert kiosk.scan(signer.payload(guest)).result == "reprinted"
