"""A desk's own login on a PostgreSQL server registers with answers to the event's registration
questions (issue 45): the server lets it write them (migration 0024's grants), and a door's
login may not."""

from __future__ import annotations

import json
from pathlib import Path

from tests.door.test_station_logins import REFUSALS, Site, refused_on, run_cli, site

__all__ = ["site"]  # the module's fixture: one server with the guide's logins


def test_a_desk_login_registers_with_answers(site: Site, tmp_path: Path) -> None:
    organizer = (site.organizer_url, site.organizer_dir)
    run_cli(
        *organizer, "question", "add", site.event, "--key", "diet_desk", "--text", "Diet",
        "--kind", "choice", "--choices", "none|vegan",
    )  # fmt: skip
    desk, url, at_desk = tmp_path / "desk", site.desk_url, {"station": "Desk 1"}
    email = "answers.at.desk@example.org"
    run_cli(url, desk, "attendee", "add", "--name", "Desk Answers", "--email", email, **at_desk)  # type: ignore[arg-type]
    ticket_type = site.value(
        "SELECT tt.name FROM ticket_type tt JOIN event e ON e.id = tt.event_id "
        "WHERE e.slug = :e AND NOT tt.needs_staff ORDER BY tt.priority_tier, tt.id LIMIT 1",
        e=site.event,
    )
    made = json.loads(
        run_cli(
            url, desk, "--json", "register", site.event, "--attendee", email,
            "--ticket-type", ticket_type, "--answer", "diet_desk=VEGAN", **at_desk,  # type: ignore[arg-type]
        ).stdout
    )  # fmt: skip
    assert made["answers"]["order"] == {"diet_desk": "vegan"}
    assert (
        site.value(
            "SELECT a.value FROM question_answer a JOIN ticket t ON t.order_id = a.order_id "
            "WHERE t.id = :t",
            t=made["ticket_id"],
        )
        == "vegan"
    )
    said = refused_on(
        site.engine_as(site.door_login),
        "INSERT INTO question_answer (question_id, order_id, value, answered_at) "
        "SELECT question_id, order_id, 'none', now() FROM question_answer LIMIT 1",
    )
    assert any(word in said for word in REFUSALS), said
