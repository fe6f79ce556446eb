"""A station's copy holds the events' registration questions and the answers of their orders and
tickets (mirror version 14), read whole at each refresh: while the server is away the desk's
card shows the answers as it does online, and a badge printed from the copy prints them. A
forgotten person's answers leave the copy at the next refresh; a door's own login and a desk's
copy them too. A real PostgreSQL server and a station's real (encrypted) copy."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.engine import make_url

from badges.badge import badge_from_copy, load_badge
from badges.layout import BUILT_IN
from badges.render import render
from eventdesk.db import Store
from eventdesk.models import QuestionAnswer, RegistrationQuestion, Ticket
from eventdesk.services.catalogue.badge_layouts import assign_layout, save_layout
from eventdesk.services.people.forget import forget_attendee
from eventdesk.services.people.questions import add_question
from eventdesk.services.stations.mirror import Mirror
from eventdesk.services.stations.mirror_read import answers_in_copy
from eventdesk.services.stations.mirror_schema import QUESTION, QUESTION_ANSWER
from eventdesk.tickets import Signer
from eventdesk.values import utcnow
from screens.desk.card import load_card, load_copy_card, render_card
from tests.door.test_badge_answers import LAYOUT
from tests.door.test_outage import POSTGRESQL, backend_fixed
from tests.helpers import station_logins
from tests.offline_tools import DoorStation, open_event

__all__ = ["backend_fixed"]  # a fixture
UTC = ZoneInfo("UTC")
PASSWORD = "pw-copy-answers"


def answer(store: Store, slug: str, key: str, value: str, **whose: object) -> None:
    """An answer kept on the server for an order (``order_id``) or a holder (``ticket_id``)."""
    with store.write() as session:
        question = session.scalars(
            select(RegistrationQuestion.id).where(RegistrationQuestion.key == key)
        ).one()
        session.add(
            QuestionAnswer(question_id=question, value=value, answered_at=utcnow(), **whose)
        )


def copied_answers(mirror: Mirror, tickets: list[str], order: int) -> list[str]:
    """The values of the answers the copy holds for these tickets and their order."""
    with mirror.store.read() as session:
        return sorted(
            session.execute(
                select(QUESTION_ANSWER.c.value).where(
                    or_(
                        QUESTION_ANSWER.c.ticket_id.in_(tickets),
                        QUESTION_ANSWER.c.order_id == order,
                    )
                )
            ).scalars()
        )


@POSTGRESQL
def test_the_copy_holds_the_answers_the_card_and_badge_show_offline(
    backend_fixed: None, db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    event = open_event(store, signer, 2)
    add_question(store, event.slug, key="pronouns", text="Pronouns", kind="text", per="holder")
    add_question(
        store, event.slug, key="diet", text="Diet", kind="choice", choices=["vegan", "Halal"]
    )
    first = event.ticket_ids[0]
    with store.read() as session:
        buyer, order = session.execute(
            select(Ticket.attendee_id, Ticket.order_id).where(Ticket.id == first)
        ).one()
    answer(store, event.slug, "pronouns", "she/her", ticket_id=first)
    answer(store, event.slug, "diet", "vegan", order_id=order)
    save_layout(store, "copy-answers", LAYOUT)
    assign_layout(store, event.slug, "default", "copy-answers", known=BUILT_IN)

    door = DoorStation("Door 1", tmp_path / "door", db_url, 10.0)
    try:
        station = door.in_process()
        assert station.sync_round().online
        mirror = station.mirror
        with mirror.store.read() as session:
            assert sorted(session.execute(select(QUESTION.c.key)).scalars()) == [
                "diet",
                "pronouns",
            ]
        assert copied_answers(mirror, event.ticket_ids, order) == ["she/her", "vegan"]
        given = answers_in_copy(mirror, [first])[first]
        assert [(a.key, a.value) for a in given] == [("pronouns", "she/her"), ("diet", "vegan")]

        # The desk's card from the copy: the answers line as online.
        online = load_card(store, buyer, event.slug)
        copied = load_copy_card(mirror, buyer, event.slug)
        assert [t.answers for t in copied.tickets] == [t.answers for t in online.tickets]
        shown = render_card(copied, UTC).plain
        assert "Pronouns: she/her" in shown and "Diet: vegan" in shown

        # A badge printed from the copy prints the answer, as the server's does.
        badge = badge_from_copy(mirror, first)
        assert dict(badge.answers) == {"pronouns": "she/her", "diet": "vegan"}
        text_badge = render(badge, "text")
        assert b"she/her" in text_badge
        assert text_badge == render(load_badge(store, first), "text")

        # A change reaches the copy at the next refresh; a forgotten person's answers leave it.
        answer(store, event.slug, "pronouns", "they/them", ticket_id=event.ticket_ids[1])
        assert station.sync_round().online
        assert copied_answers(mirror, event.ticket_ids, order) == [
            "she/her",
            "they/them",
            "vegan",
        ]
        forget_attendee(store, buyer)
        assert station.sync_round().online
        assert copied_answers(mirror, event.ticket_ids, order) == []
        assert not any(answers_in_copy(mirror, event.ticket_ids).values())
    finally:
        door.close()


@POSTGRESQL
def test_a_doors_own_login_and_a_desks_copy_the_answers(
    backend_fixed: None, db_url: str, store: Store, signer: Signer, tmp_path: Path
) -> None:
    event = open_event(store, signer, 1)
    add_question(store, event.slug, key="pronouns", text="Pronouns", kind="text", per="holder")
    first = event.ticket_ids[0]
    answer(store, event.slug, "pronouns", "she/her", ticket_id=first)
    with station_logins(db_url, store, "copyans", PASSWORD) as names:
        for kind, name in (("door", "Door 1"), ("desk", "Desk 1")):
            url = make_url(db_url).set(username=names[kind], password=PASSWORD)
            station = DoorStation(name, tmp_path / kind, url.render_as_string(False), 10.0)
            try:
                assert station.in_process().sync_round().online
                copy = station.in_process().mirror
                assert [(a.key, a.value) for a in answers_in_copy(copy, [first])[first]] == [
                    ("pronouns", "she/her")
                ]
            finally:
                station.close()
