"""`db inspect` says what a database holds and whether it is healthy, reading a damaged SQLite
file without writing to it; `db reset --yes` empties a station's database after a backup it
names (which `restore` brings back). SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventdesk.db import Store
from eventdesk.services.people import attendees
from eventdesk.tickets import Signer
from tests.clitools import Cli
from tests.helpers import add_type, make_event, people


def test_inspect_counts_every_table_and_names_the_schema_and_keys(
    cli: Cli, store: Store, signer: Signer
) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular", price_cents=0)
    people(store, 7, prefix="inspected")
    found = cli.json("db", "inspect")
    assert found["tables"]["attendee"] == 7 and found["tables"]["event"] == 1
    assert found["schema"] == found["expected_schema"] and found["healthy"] is True
    assert found["integrity"] == "ok" and found["size_bytes"] > 0
    assert [k["id"] for k in found["signing_keys"]] == [signer.key_id]
    assert len(found["signing_keys"][0]["fingerprint"]) == 19  # four groups of four, colons
    assert found["kind"] == ("sqlite" if store.is_sqlite else "postgresql")


def test_inspect_of_a_damaged_file_says_what_is_wrong_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    made = Cli(capsys, f"sqlite:///{tmp_path / 'whole.db'}", tmp_path)
    made.run("init")
    attendees_file = tmp_path / "whole.db"
    data = bytearray(attendees_file.read_bytes())
    data[4096 : 4096 + 2000] = b"\xff" * 2000  # a page torn
    broken = tmp_path / "broken.db"
    broken.write_bytes(bytes(data))
    before = broken.read_bytes()
    damaged = Cli(capsys, f"sqlite:///{broken}", tmp_path)
    found = damaged.json("db", "inspect", code=3)
    assert found["integrity"].startswith("damaged") and found["healthy"] is False
    assert broken.read_bytes() == before and not Path(f"{broken}-wal").exists()
    text, _ = damaged.run("db", "inspect", code=3)
    assert "integrity  damaged" in text


def test_reset_needs_yes_then_empties_after_a_backup_it_names(
    cli: Cli, store: Store, signer: Signer, tmp_path: Path
) -> None:
    ev = make_event(store)
    add_type(store, ev, "Regular", price_cents=0)
    attendees.add_attendee(store, name="Kept Safe", email=f"kept@{ev}.example.com")
    _, err = cli.run("db", "reset", code=2)
    assert "give --yes" in err
    if not store.is_sqlite:
        _, err = cli.run("db", "reset", "--yes", code=2)
        assert "pg_dump" in err
        assert cli.json("db", "inspect")["tables"]["attendee"] == 1  # nothing was emptied
        return
    store.dispose()
    made = cli.json("db", "reset", "--yes")
    assert Path(made["backup"]).is_file()
    assert cli.json("db", "inspect")["tables"].get("attendee", 0) == 0
    cli.json("restore", made["backup"])
    assert cli.json("db", "inspect")["tables"]["attendee"] == 1
