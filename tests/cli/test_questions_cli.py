"""Registration questions on the command line (issue 45), on SQLite and PostgreSQL: `question
add|list|update|remove`, `register --answer` (its JSON with "answers", a required question
left out refused by name), the attendee import's answer columns (a bad answer is a bad row),
the export's column a question, `attendee export-data`, `attendee forget` and `report
answers`."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

from eventdesk.db import Store
from eventdesk.services.people import attendees
from eventdesk.values import utcnow
from tests.clitools import Cli
from tests.helpers import add_type, make_event


def _event(store: Store, name: str) -> str:
    """An event starting tomorrow (times from the clock), with two ticket types."""
    starts = utcnow().replace(microsecond=0) + timedelta(days=1)
    event = make_event(
        store, name=name, starts=starts.isoformat(), ends=(starts + timedelta(hours=8)).isoformat()
    )
    add_type(store, event, "Regular", price_cents=0)
    add_type(store, event, "Speaker", price_cents=0)
    return event


def _ask(cli: Cli, event: str) -> None:
    cli.json(
        "question", "add", event, "--key", "diet", "--text", "Diet", "--kind", "choice",
        "--choices", "none|vegetarian|vegan", "--required",
    )  # fmt: skip
    cli.json(
        "question", "add", event, "--key", "tshirt", "--text", "T-shirt size", "--kind",
        "choice", "--choices", "S", "--choices", "M", "--choices", "L", "--per", "holder",
    )  # fmt: skip
    cli.json(
        "question", "add", event, "--key", "talk", "--text", "Talk title",
        "--ticket-types", "Speaker", "--required",
    )  # fmt: skip


def test_questions_are_added_listed_changed_and_removed(store: Store, cli: Cli) -> None:
    event = _event(store, "Question Cli Conf")
    _ask(cli, event)
    listed = cli.json("question", "list", event)
    assert [(q["key"], q["kind"], q["per"], q["required"]) for q in listed] == [
        ("diet", "choice", "order", True),
        ("tshirt", "choice", "holder", False),
        ("talk", "text", "order", True),
    ]
    assert listed[1]["choices"] == ["S", "M", "L"]
    assert listed[2]["ticket_types"] == ["Speaker"]
    assert "T-shirt size" in cli.out("question", "list", event)
    changed = cli.json("question", "update", event, "tshirt", "--choices", "S|M|L|XL", "--required")
    assert (changed["choices"], changed["required"]) == (["S", "M", "L", "XL"], True)
    everyone = cli.json("question", "update", event, "talk", "--ticket-types", "")
    assert everyone["ticket_types"] == []
    # Bad input: exit 2, one line naming what is wrong; a clash the same; unknown: not found.
    _out, err = cli.run(
        "question", "add", event, "--key", "size", "--text", "Size", "--kind", "choice",
        code=2,
    )  # fmt: skip
    assert "two options" in err
    _out, err = cli.run("question", "add", event, "--key", "diet", "--text", "Again", code=2)
    assert "diet" in err
    assert cli.json("question", "remove", event, "talk") == {
        "key": "talk",
        "removed": True,
        "answers": 0,
    }
    _out, err = cli.run("question", "remove", event, "talk", code=2)
    assert "talk" in err


def test_register_takes_answers_and_refuses_a_required_one_left_out(store: Store, cli: Cli) -> None:
    event = _event(store, "Answer Cli Conf")
    _ask(cli, event)
    attendees.add_attendee(store, name="Rae Register", email="rae@example.org")
    _out, err = cli.run(
        "register", event, "--attendee", "rae@example.org", "--ticket-type", "Speaker",
        "--answer", "diet=vegan", code=2,
    )  # fmt: skip
    assert "talk is required: Talk title" in err
    _out, err = cli.run(
        "register", event, "--attendee", "rae@example.org", "--ticket-type", "Regular",
        "--answer", "diet=fish", code=2,
    )  # fmt: skip
    assert "diet" in err and "vegetarian" in err
    _out, err = cli.run(
        "register", event, "--attendee", "rae@example.org", "--ticket-type", "Regular",
        "--answer", "diet", code=2,
    )  # fmt: skip
    assert "KEY=VALUE" in err
    made = cli.json(
        "register", event, "--attendee", "rae@example.org", "--ticket-type", "Regular",
        "--holder", "Rae Register", "--holder", "Rex Holder",
        "--answer", "diet=Vegan", "--answer", "tshirt=M", "--answer", "2:tshirt=l",
    )  # fmt: skip
    assert made["status"] == "registered"
    first, second = (t["ticket_id"] for t in made["tickets"])
    assert made["answers"] == {
        "order": {"diet": "vegan"},
        "tickets": {first: {"tshirt": "M"}, second: {"tshirt": "L"}},
    }
    said = cli.out(
        "register", event, "--attendee", "rae@example.org", "--ticket-type", "Speaker",
        "--answer", "diet=none", "--answer", "talk=Queues", "--answer", "tshirt=S",
    )  # fmt: skip
    assert "talk: Queues" in said


def test_import_reads_answer_columns_and_a_bad_answer_is_a_bad_row(
    store: Store, cli: Cli, tmp_path: Path
) -> None:
    event = _event(store, "Import Cli Conf")
    _ask(cli, event)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Name,Email,Ticket Type,Order #,answer:diet,tshirt\n"
        "Ivy Import,ivy@example.org,Regular,A1,vegan,M\n"
        "Ian Import,ian@example.org,Regular,A2,fish,S\n"
        "Isa Import,isa@example.org,Regular,,,S\n",
        encoding="utf-8",
    )
    _out, err = cli.run("import", "attendees", str(bad), "--event", event, code=2)
    assert "row 3 (diet)" in err and "fish" in err
    assert "row 4 (diet)" in err and "required" in err
    assert "row 2" not in err
    assert cli.json("report", "answers", event) == [
        {"question": "diet", "choice": c, "count": 0} for c in ("none", "vegetarian", "vegan")
    ] + [{"question": "tshirt", "choice": c, "count": 0} for c in ("S", "M", "L")]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("Name,Email,Ticket Type,answer:shoe\nA B,ab@example.org,Regular,42\n")
    _out, err = cli.run("import", "attendees", str(unknown), "--event", event, code=2)
    assert "answer:shoe" in err
    good = tmp_path / "good.csv"
    good.write_text(
        "Name,Email,Ticket Type,Order #,answer:diet,tshirt\n"
        "Ivy Import,ivy@example.org,Regular,A1,vegan,M\n"
        "Ivo Holder,ivy@example.org,Regular,A1,,l\n"
        "Ian Import,ian@example.org,Regular,A2,Vegetarian,S\n",
        encoding="utf-8",
    )
    done = cli.json("import", "attendees", str(good), "--event", event)
    assert done["imported"] == 3
    counts = {
        (c["question"], c["choice"]): c["count"] for c in cli.json("report", "answers", event)
    }
    assert counts[("diet", "vegan")] == 1  # one order
    assert counts[("diet", "vegetarian")] == 1
    assert (counts[("tshirt", "M")], counts[("tshirt", "L")], counts[("tshirt", "S")]) == (1, 1, 1)
    out = tmp_path / "attendees.csv"
    cli.run("export", "attendees", event, "--output", str(out))
    with out.open(encoding="utf-8-sig") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    assert [(rows[n]["answer:diet"], rows[n]["answer:tshirt"]) for n in sorted(rows)] == [
        ("vegetarian", "S"),
        ("vegan", "L"),
        ("vegan", "M"),
    ]
    assert "answer:talk" in next(iter(rows.values()))
    # The export is read back by the import: the same answers, nothing new.
    again = cli.json("import", "attendees", str(out), "--event", event)
    assert again["imported"] == 0


def test_export_data_forget_and_the_report_per_session(
    store: Store, cli: Cli, tmp_path: Path
) -> None:
    event = _event(store, "Forget Cli Conf")
    _ask(cli, event)
    starts = utcnow().replace(microsecond=0) + timedelta(days=1, hours=2)
    session = cli.json(
        "session", "add", event, "--name", "Workshop", "--starts", starts.isoformat(),
        "--ends", (starts + timedelta(hours=1)).isoformat(),
    )  # fmt: skip
    attendees.add_attendee(store, name="Fay Forget", email="fay@example.org")
    attendees.add_attendee(store, name="Gil Stays", email="gil@example.org")
    cli.json(
        "register", event, "--attendee", "fay@example.org", "--ticket-type", "Regular",
        "--session", str(session["id"]), "--answer", "diet=vegan", "--answer", "tshirt=M",
    )  # fmt: skip
    cli.json(
        "register", event, "--attendee", "gil@example.org", "--ticket-type", "Regular",
        "--answer", "diet=vegan",
    )  # fmt: skip
    mine = cli.json("attendee", "export-data", "fay@example.org")
    assert {(a["key"], a["value"]) for a in mine["registration_answers"]} == {
        ("diet", "vegan"),
        ("tshirt", "M"),
    }
    in_session = cli.json(
        "report", "answers", event, "--question", "diet", "--session", str(session["id"])
    )
    assert in_session == [
        {"question": "diet", "choice": "none", "count": 0},
        {"question": "diet", "choice": "vegetarian", "count": 0},
        {"question": "diet", "choice": "vegan", "count": 1},
    ]
    overall = cli.json("report", "answers", event, "--question", "diet")
    assert overall[2]["count"] == 2
    assert "vegan" in cli.out("report", "answers", event)
    sales = cli.json("report", "sales", event)
    gone = cli.json("attendee", "forget", "fay@example.org", "--yes")
    assert gone["erased"]["registration answers"] == 2
    assert cli.json("report", "sales", event) == sales  # the counts stay
    after = cli.json("report", "answers", event, "--question", "diet")
    assert after[2]["count"] == 1
    assert (
        json.dumps(cli.json("attendee", "export-data", str(gone["attendee"]))).count("vegan") == 0
    )
