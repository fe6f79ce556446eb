"""An import bigger than one of its transactions: read as a stream twice (checked, then written
batch by batch), still all or nothing, with the spreadsheet's row numbers, idempotent, orders
never split, ticket ids rising through the file and every payload signed. SQLite and PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import re
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from eventdesk.db import Store
from eventdesk.errors import InvalidInput
from eventdesk.models import Attendee, ImportRun, Order, SearchToken, Ticket, TransactionLog
from eventdesk.services.catalogue.events import show_event
from eventdesk.services.data import csvio, csvwrite, import_runs
from eventdesk.services.data.csvio import ImportResult, import_attendees
from eventdesk.services.people import attendees
from eventdesk.services.people.attendees import holder_tokens, search_tokens
from eventdesk.services.people.registration import register, tickets_of_attendee
from eventdesk.services.people.waitlist import list_waitlist
from eventdesk.text import _fold, fold
from eventdesk.tickets import Signer, Verifier, sign_many
from eventdesk.values import utcnow
from tests.helpers import add_type, make_event, wait_until

pytestmark = pytest.mark.slow  # imports at scale

ROWS = 300


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Transactions of 20 to 40 rows: a file of a few hundred rows takes many of them."""
    monkeypatch.setattr(import_runs, "CHUNK_ROWS", 20)
    monkeypatch.setattr(import_runs, "MAX_ROWS", 40)
    monkeypatch.setattr(csvio, "READ_ROWS", 30)


def people(count: int, prefix: str = "guest", start: int = 0) -> list[str]:
    return [f"{prefix.title()} Person{i},{prefix}{i}@example.com" for i in range(start, count)]


def write(
    tmp_path: Path, lines: list[str], header: str = "Name,Email", name: str = "f.csv"
) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def counts(store: Store) -> dict[str, int]:
    with store.read() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Attendee, Ticket, Order, TransactionLog, SearchToken, ImportRun)
        }


def figures(made: ImportResult) -> tuple[int, int, int, int, int]:
    return made.imported, made.skipped, made.new_attendees, made.waitlisted, made.rows


def test_a_bad_row_near_the_end_of_a_long_file_imports_nothing_and_names_it(
    store: Store, tmp_path: Path
) -> None:
    event = make_event(store)
    add_type(store, event, "Regular")
    lines = people(ROWS)
    lines[ROWS - 3] = "Late Typo,late.typo@example"  # the spreadsheet's row ROWS - 1
    before = counts(store)
    for dry_run in (True, False):
        with pytest.raises(InvalidInput) as caught:
            import_attendees(store, write(tmp_path, lines), event, dry_run=dry_run)
        assert caught.value.message == (
            f"1 bad row, nothing imported: row {ROWS - 1} (email): "
            "email 'late.typo@example' is not an email address"
        )
    assert counts(store) == before  # not even an import run: the file is checked first
    assert show_event(store, event).registered == 0


def test_an_import_holds_a_batch_in_memory_not_the_file(store: Store, tmp_path: Path) -> None:
    """Python's own memory at the import's peak: about the same for four times the rows (the
    whole file in memory, as before, took four times as much)."""

    def peak(rows: int, name: str) -> int:
        event = make_event(store)
        add_type(store, event, "Regular")
        lines = [f"Person {i % 40},{name}{i}@example.com,Firm {i % 9}" for i in range(rows)]
        path = write(tmp_path, lines, "Name,Email,Company", f"{name}.csv")
        tracemalloc.start()
        try:
            assert import_attendees(store, path, event).imported == rows
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(ROWS, "warm")  # statements compiled and cached once
    small, big = peak(ROWS, "small"), peak(4 * ROWS, "big")
    assert big < 1.5 * small, (small, big)


def test_a_long_file_imported_again_changes_nothing(store: Store, tmp_path: Path) -> None:
    event = make_event(store)
    add_type(store, event, "Regular")
    lines = [
        f"{line},ORD-{i // 3}" + (",Guest Of Them" if i % 7 == 0 else ",")
        for i, line in enumerate(people(ROWS))
    ]
    path = write(tmp_path, lines, "Name,Email,Order #,Company")
    dry = import_attendees(store, path, event, dry_run=True)
    made = import_attendees(store, path, event)
    assert figures(dry)[:4] == figures(made)[:4] == (ROWS, 0, ROWS, 0)
    after = counts(store)
    assert after["ticket"] == ROWS and after["ticket_order"] == ROWS // 3
    again = import_attendees(store, path, event)
    assert figures(again) == (0, ROWS, 0, 0, ROWS)
    assert import_attendees(store, path, event, dry_run=True).imported == 0
    assert counts(store) == {**after, "import_run": after["import_run"] + 1}
    assert show_event(store, event).registered == ROWS
    with store.read() as session:
        assert set(session.scalars(select(ImportRun.state))) == {"done"}


def test_an_order_apart_in_the_file_is_one_order_placed_at_its_last_row(
    store: Store, tmp_path: Path
) -> None:
    """Rows of one Order # far apart (in different batches) are gathered: one order, placed
    whole or waitlisted whole when its last row is read, never split between batches."""
    event = make_event(store, capacity=ROWS - 1)
    add_type(store, event, "Regular")
    lines = [f"{line}," for line in people(ROWS - 1)]
    lines.insert(0, "Ann Buyer,ann.buyer@example.com,FAR-1")  # row 2
    lines.append("Bo Friend,ann.buyer@example.com,FAR-1")  # the last row: Ann bought it for Bo
    path = write(tmp_path, lines, "Name,Email,Order #")
    dry = import_attendees(store, path, event, dry_run=True)
    made = import_attendees(store, path, event)
    # Everyone before the order's last row took the room; the order of two waits, whole.
    assert figures(dry)[:4] == figures(made)[:4] == (ROWS + 1, 0, ROWS, 2)
    tickets = tickets_of_attendee(store, "ann.buyer@example.com")
    assert len({t.order_id for t in tickets}) == 1
    assert {t.status for t in tickets} == {"waitlisted"}
    assert sorted(t.holder_name or "" for t in tickets) == ["", "Bo Friend"]
    assert [a.email for a in attendees.find_attendees(store, "bo friend")] == [
        "ann.buyer@example.com"
    ]


def test_a_ticket_type_sold_out_half_way_waitlists_the_rest_in_file_order(
    store: Store, tmp_path: Path
) -> None:
    """The room of a ticket type runs out in a later batch: every row after it waits, in the
    file's order, one waitlist place after the other across the batches."""
    event = make_event(store)
    add_type(store, event, "VIP", quantity=50)
    add_type(store, event, "Regular")
    early = attendees.add_attendee(store, name="Early Bird", email="early@example.com")
    register(store, event, early.id, "VIP")
    lines = [f"{line},VIP" for line in people(ROWS)]
    path = write(tmp_path, lines, "Name,Email,Ticket")
    dry = import_attendees(store, path, event, dry_run=True)
    made = import_attendees(store, path, event)
    assert figures(dry)[:4] == figures(made)[:4] == (ROWS, 0, ROWS, ROWS - 49)
    waiting = list_waitlist(store, event)
    assert [w.email for w in waiting] == [f"guest{i}@example.com" for i in range(49, ROWS)]
    with store.read() as session:
        places = session.scalars(
            select(Ticket.waitlist_seq)
            .where(Ticket.status == "waitlisted")
            .order_by(Ticket.waitlist_seq)
        ).all()
    assert places == list(range(places[0], places[0] + ROWS - 49))
    assert show_event(store, event).registered == 50


def test_repeats_and_holders_are_told_across_batches(store: Store, tmp_path: Path) -> None:
    event = make_event(store)
    add_type(store, event, "Regular")
    lines = [f"{line}," for line in people(ROWS)]
    lines[5] = "Cy Buyer,cy@example.com,C-1"  # row 7
    lines[6] = "Di Guest,cy@example.com,C-1"  # row 8: bought by Cy for Di
    lines[ROWS - 10] = "Cy Buyer,CY@example.com,"  # row ROWS - 8: Cy again, no order
    lines[ROWS - 5] = "Di Guest,cy@example.com,C-1"  # row ROWS - 3: Di again, in Cy's order
    made = import_attendees(store, write(tmp_path, lines, "Name,Email,Order #"), event)
    assert (made.imported, made.skipped) == (ROWS - 2, 2)
    assert made.notes == [
        f"row {ROWS - 8}: CY@example.com repeats row 7, skipped",
        f"row {ROWS - 3}: cy@example.com repeats row 7, skipped",
    ]
    tickets = tickets_of_attendee(store, "cy@example.com")
    assert sorted(t.holder_name or "" for t in tickets) == ["", "Di Guest"]


def test_ticket_ids_rise_through_the_file_and_every_payload_is_genuine(
    store: Store, signer: Signer, tmp_path: Path
) -> None:
    event = make_event(store)
    add_type(store, event, "Regular")
    import_attendees(store, write(tmp_path, people(ROWS)), event)
    assert_signed_in_file_order(store, ROWS)


def test_a_signing_process_signs_a_big_import(
    store: Store, signer: Signer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_runs, "SIGN_APART", 50)
    event = make_event(store)
    add_type(store, event, "Regular")
    import_attendees(store, write(tmp_path, people(ROWS)), event)
    assert_signed_in_file_order(store, ROWS)


def test_the_signing_process_signs_what_the_import_takes(signer: Signer) -> None:
    ids = import_runs.TicketIds(signer, import_runs.SIGN_APART)
    try:  # once the process has delivered, the import waits for it rather than sign itself
        wait_until(
            lambda: not ids._queue.empty(),  # noqa: SLF001 - what the signing process delivered
            timeout=120,
            what="the first signed block",
        )
        taken, payloads = ids.take(3 * import_runs.BLOCK)
    finally:
        ids.close()
    assert payloads == [signer.payload(t) for t in taken]
    assert taken == sorted(set(taken))


class _NoProcesses:
    """A multiprocessing context that cannot start a process (a locked-down station)."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def Process(self, *args: Any, **kwargs: Any) -> Any:
        made = self.real.Process(*args, **kwargs)

        def refuse() -> None:
            raise OSError("no processes here")

        made.start = refuse
        return made


def test_without_a_signing_process_the_import_signs_itself(
    store: Store, signer: Signer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_runs, "SIGN_APART", 50)
    real = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: _NoProcesses(real(method)))
    event = make_event(store)
    add_type(store, event, "Regular")
    import_attendees(store, write(tmp_path, people(ROWS)), event)
    assert_signed_in_file_order(store, ROWS)


def assert_signed_in_file_order(store: Store, rows: int) -> None:
    """Every ticket's payload verifies, and the ids rise with the rows' numbers."""
    with store.read() as session:
        found = session.execute(
            select(TransactionLog.detail, Ticket.id, Ticket.qr_payload).join(
                Ticket, Ticket.id == TransactionLog.ticket_id
            )
        ).all()
    assert len(found) == rows
    verifier = Verifier(store)
    by_row = sorted(
        (int(str(detail).split('"row": ')[1].rstrip("}")), t, p) for detail, t, p in found
    )
    assert all(p is not None and verifier.verify(p) == t for _, t, p in by_row)
    ids = [t for _, t, _ in by_row]
    assert ids == sorted(ids) and len(set(ids)) == rows


def test_a_ticket_id_taken_already_is_drawn_again(
    store: Store, signer: Signer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = make_event(store)
    add_type(store, event, "Regular")
    person = attendees.add_attendee(store, name="Early Bird", email="early@example.com")
    taken = register(store, event, person.id, "Regular").tickets[0].ticket_id
    drawn = import_runs.id_block

    def with_a_taken_one(index: int, most: int) -> list[str]:
        ids = drawn(index, most)
        return [taken, *ids[1:]] if index == 0 else ids

    monkeypatch.setattr(import_runs, "id_block", with_a_taken_one)
    made = import_attendees(store, write(tmp_path, people(50)), event)
    assert made.imported == 50
    with store.read() as session:
        assert session.scalar(select(func.count(func.distinct(Ticket.id)))) == 51
        assert session.scalar(select(Ticket.attendee_id).where(Ticket.id == taken)) == person.id


def test_a_file_changed_between_the_two_readings_imports_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = make_event(store)
    add_type(store, event, "Regular")
    path = write(tmp_path, people(ROWS))
    checked = csvio._check_every_row  # noqa: SLF001 - the first reading, the file changed after

    def then_changed(*args: Any) -> Any:
        scan = checked(*args)
        write(tmp_path, [*people(ROWS - 1), "Not An Email,nobody"])
        return scan

    monkeypatch.setattr(csvio, "_check_every_row", then_changed)
    before = counts(store)
    with pytest.raises(InvalidInput, match=f"changed while it was imported \\(row {ROWS + 1}\\)"):
        import_attendees(store, path, event)
    assert {k: v for k, v in counts(store).items() if k != "import_run"} == {
        k: v for k, v in before.items() if k != "import_run"
    }
    with store.read() as session:
        assert set(session.scalars(select(ImportRun.state))) == {"undone"}


def test_an_import_at_a_whole_second_stores_its_times_as_every_write_does(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import wrote a time at a whole second without its microseconds on SQLite
    ('... 09:00:00', where every other write has '... 09:00:00.000000'), so a query for rows
    from that second on missed them."""
    whole = utcnow().replace(microsecond=0)
    monkeypatch.setattr(csvwrite, "utcnow", lambda: whole)  # where the rows are made
    event = make_event(store)
    add_type(store, event, "Regular")
    import_attendees(store, write(tmp_path, people(3)), event)
    with store.read() as session:
        assert session.scalar(select(func.count()).where(Attendee.created_at >= whole)) == 3
        assert session.scalar(select(func.count()).where(Ticket.registered_at >= whole)) == 3
        logs = select(func.count()).where(TransactionLog.ticket_id.is_not(None))
        assert session.scalar(logs.where(TransactionLog.at >= whole)) == 3


def test_signing_many_at_once_gives_each_tickets_own_payload() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    for count in (0, 1, 255, 256, 257, 600):
        ids = import_runs.id_block(0, count)[:count] if count else []
        assert sign_many(signer, ids) == [signer.payload(t) for t in ids]
    assert sign_many(signer.private_bytes(), ["ABCDEFGH"]) == [signer.payload("ABCDEFGH")]


@given(st.text(max_size=40), st.text(max_size=60), st.none() | st.text(max_size=40))
def test_search_words_are_those_of_the_plain_rule(
    name: str, email: str, company: str | None
) -> None:
    """The short ways (plain ASCII folded as lower case, a name's words remembered) give the
    words the rule gives: every word folded, a name's parts also joined, at most 200 long."""
    assert fold(email) == _fold(email)
    expected = {*plain_words(name), *plain_words(email)}
    expected.update("".join(plain_words(part)) for part in name.split())
    expected.update(plain_words(company or ""))
    assert search_tokens(name, email, company) == {t[:200] for t in expected if t}
    holder = set(plain_words(name)) | {"".join(plain_words(p)) for p in name.split()}
    assert holder_tokens(name) == {t[:200] for t in holder if t}


def plain_words(text: str) -> list[str]:
    return re.findall(r"\w+", _fold(text).replace("_", " "))
