"""Import: the dry run and the import give the same verdict (the dry run counts places the
import's way and writes nothing); row numbers are the spreadsheet's; control characters are
refused by row and field, exactly as `attendee add` refuses them, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventdesk.cli import main
from eventdesk.db import Store
from eventdesk.errors import EventdeskError, InvalidInput, SoldOut
from eventdesk.services.catalogue.events import show_event
from eventdesk.services.data.csvio import import_attendees
from eventdesk.services.data.csvread import Row, RowChecker, RowProblem, TypeInfo
from eventdesk.services.people import attendees
from eventdesk.values import utcnow
from tests.helpers import add_type, make_event


def upcoming(store: Store, **options: object) -> str:
    start = utcnow().replace(microsecond=0) + timedelta(days=20)
    return make_event(
        store,
        starts=start.isoformat(),
        ends=(start + timedelta(hours=9)).isoformat(),
        **options,
    )


def write(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def verdict(store: Store, path: Path, event: str, *, dry_run: bool) -> tuple[str, str]:
    try:
        made = import_attendees(store, path, event, dry_run=dry_run)
    except EventdeskError as exc:
        return type(exc).__name__, exc.message
    return "ok", f"{made.imported} {made.skipped} {made.new_attendees} {made.waitlisted}"


def nothing_imported(store: Store, event: str) -> None:
    assert attendees.find_attendees(store, "") == []
    assert show_event(store, event).registered == 0


def test_sold_out_without_a_waitlist_is_the_dry_runs_verdict_too(
    store: Store, tmp_path: Path
) -> None:
    event = upcoming(store, capacity=1, waitlist=False)
    add_type(store, event, "Regular")
    path = write(tmp_path, "Name,Email\nAnn One,ann@example.com\nBo Two,bo@example.com\n")
    dry = verdict(store, path, event, dry_run=True)
    nothing_imported(store, event)
    real = verdict(store, path, event, dry_run=False)
    assert dry == real and real[0] == SoldOut.__name__ and "row 3" in real[1]
    nothing_imported(store, event)


def test_a_good_file_gives_the_same_figures_dry_and_for_real(store: Store, tmp_path: Path) -> None:
    event = upcoming(store, capacity=2)
    add_type(store, event, "VIP", tier=0, quantity=1)
    add_type(store, event, "Regular")
    path = write(
        tmp_path,
        "Name,Email,Ticket\n"
        "Ann One,ann@example.com,VIP\n"
        "Bo Two,bo@example.com,VIP\n"
        "Cy Three,cy@example.com,Regular\n"
        "Di Four,di@example.com,Regular\n"
        "Ann One,ANN@example.com,VIP\n",
    )
    dry = verdict(store, path, event, dry_run=True)
    nothing_imported(store, event)
    assert dry == verdict(store, path, event, dry_run=False) == ("ok", "4 1 4 2")
    assert show_event(store, event).registered == 2


def test_row_numbers_are_the_spreadsheets(store: Store, tmp_path: Path) -> None:
    event = upcoming(store)
    add_type(store, event, "Regular")
    text = (
        "Name,Email,Company\n"  # row 1
        'Ann One,ann@example.com,"Two\r\nLines Ltd"\n'  # row 2, over two lines of the file
        "Bo Two,,Acme\n"  # row 3
        "\n"  # row 4: an empty row
        "Cy Three,cy@example,Acme\n"  # row 5
    )
    path = write(tmp_path, text)
    for dry_run in (True, False):
        with pytest.raises(InvalidInput) as caught:
            import_attendees(store, path, event, dry_run=dry_run)
        assert caught.value.message == (
            "2 bad rows, nothing imported: row 3 (email): missing; "
            "row 5 (email): email 'cy@example' is not an email address"
        )
    nothing_imported(store, event)


def test_a_repeated_person_names_the_spreadsheet_row(store: Store, tmp_path: Path) -> None:
    event = upcoming(store)
    add_type(store, event, "Regular")
    text = (
        "Name,Email,Company\n"
        'Ann One,ann@example.com,"Two\nLines"\n'
        "Bo Two,bo@example.com,\n"
        "Ann One,ann@example.com,\n"  # row 4
    )
    made = import_attendees(store, write(tmp_path, text), event)
    assert made.notes == ["row 4: ann@example.com repeats row 2, skipped"]


@pytest.mark.parametrize(
    ("header", "cell", "field"),
    [
        ("Name", "Ann\x07 One", "name"),
        ("Name", "Ann\x00One", "name"),
        ("Company", "Acme\x00 GmbH", "company"),
        ("Company", "Ac\x1fme", "company"),
        ("Phone", "+49\x00 30 1234", "phone"),
        ("Email", "ann\x00@example.com", "email"),
        ("Ticket Type", "Regular\x00", "ticket type"),
        ("Order #", "A-\x001", "order"),
    ],
)
def test_control_characters_are_refused_by_row_and_field(
    store: Store, tmp_path: Path, header: str, cell: str, field: str
) -> None:
    event = upcoming(store)
    add_type(store, event, "Regular")
    values = {
        "Name": "Ann One",
        "Email": "ann@example.com",
        "Company": "Acme",
        "Phone": "+49 30 1234",
        "Ticket Type": "Regular",
        "Order #": "A-1",
        header: cell,
    }
    text = (
        ",".join(values)
        + "\n"
        + "Bo Two,bo@example.com,,,Regular,\n"
        + ",".join(values.values())
        + "\n"
    )
    path = write(tmp_path, text)
    for dry_run in (True, False):
        with pytest.raises(InvalidInput) as caught:
            import_attendees(store, path, event, dry_run=dry_run)
        message = caught.value.message
        assert message.startswith("1 bad row, nothing imported: row 3 ("), message
        assert f"row 3 ({field})" in message and "control characters" in message, message
        assert "\x00" not in message and "\x07" not in message
    nothing_imported(store, event)
    if header in ("Ticket Type", "Order #"):
        return
    with pytest.raises(InvalidInput, match="control characters"):  # as attendee add says it
        attendees.add_attendee(
            store,
            name=values["Name"],
            email=values["Email"],
            company=values["Company"],
            phone=values["Phone"],
        )


def test_a_line_break_or_tab_inside_a_quoted_cell_is_a_space(store: Store, tmp_path: Path) -> None:
    event = upcoming(store)
    add_type(store, event, "Regular")
    path = write(tmp_path, 'Name,Email,Company\n"Ann\tOne",ann@example.com,"Two\r\nLines"\n')
    assert import_attendees(store, path, event).imported == 1
    [ann] = attendees.find_attendees(store, "ann")
    assert (ann.name, ann.company) == ("Ann One", "Two Lines")


def test_the_cli_dry_run_says_what_the_import_says(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(db_url)
    try:
        event = upcoming(store, capacity=1, waitlist=False)
        add_type(store, event, "Regular")
    finally:
        store.dispose()
    path = write(
        tmp_path, 'Name,Email,Company\nAnn,ann@example.com,"A\nB"\nBo,bo@example.com,X\x00\n'
    )
    said = []
    for extra in (["--dry-run"], []):
        capsys.readouterr()
        args = ["--db", db_url, "--data-dir", str(tmp_path), "import", "attendees", str(path)]
        code = main([*args, "--event", event, *extra])
        said.append((code, capsys.readouterr().err))
    assert said[0] == said[1]
    assert said[0] == (
        2,
        "eventdesk: 1 bad row, nothing imported: row 3 (company): company contains control "
        "characters or is not valid text\n",
    )


ORDER = (
    "Name,Email,Order #\n"
    "Ann One,ann@example.com,A-1\n"  # row 2: the buyer's own ticket
    "Bob Two,ann@example.com,A-1\n"  # row 3: bought by Ann for Bob
    "Cy Three,ann@example.com,A-1\n"  # row 4: and for Cy
    "Bob Two,ann@example.com,A-1\n"  # row 5: Bob again: a repeat
    "Dee Four,ann@example.com,\n"  # row 6: no order: a repeat of Ann's row
)


def test_an_order_with_several_names_is_one_order_naming_its_holders(
    store: Store, tmp_path: Path
) -> None:
    from eventdesk.services.people.registration import tickets_of_attendee

    event = upcoming(store)
    add_type(store, event, "Regular")
    path = write(tmp_path, ORDER)
    dry = verdict(store, path, event, dry_run=True)
    nothing_imported(store, event)
    made = import_attendees(store, path, event)
    assert dry == ("ok", "3 2 1 0")
    assert (made.imported, made.skipped, made.new_attendees) == (3, 2, 1)
    assert made.notes == [
        "row 5: ann@example.com repeats row 2, skipped",
        "row 6: ann@example.com repeats row 2, skipped",
    ]
    tickets = tickets_of_attendee(store, "ann@example.com")
    assert sorted((t.holder_name or "") for t in tickets) == ["", "Bob Two", "Cy Three"]
    assert len({t.order_id for t in tickets}) == 1
    assert [a.email for a in attendees.find_attendees(store, "cy thr")] == ["ann@example.com"]
    again = import_attendees(store, path, event)
    assert (again.imported, again.skipped) == (0, 5)


def test_an_order_is_waitlisted_whole_never_split(store: Store, tmp_path: Path) -> None:
    from eventdesk.services.people.registration import tickets_of_attendee

    event = upcoming(store, capacity=2)
    add_type(store, event, "Regular")
    path = write(tmp_path, ORDER)
    assert verdict(store, path, event, dry_run=True) == ("ok", "3 2 1 3")
    import_attendees(store, path, event)
    assert {t.status for t in tickets_of_attendee(store, "ann@example.com")} == {"waitlisted"}
    closed = upcoming(store, capacity=2, waitlist=False)
    add_type(store, closed, "Regular")
    dry, real = (verdict(store, path, closed, dry_run=d) for d in (True, False))
    assert dry == real and real[0] == SoldOut.__name__
    assert real[1].startswith("rows 2, 3, 4 (order A-1): there is no room for all 3 tickets")


class _Counted(RowChecker):
    """A checker that counts the rows it checked field by field (the slow path)."""

    slow = 0

    def _checked_row(self, number: int, record: list[str]) -> Row:
        self.slow += 1
        return super()._checked_row(number, record)


HEADER = ["First Name", "Last Name", "Email", "Ticket Type", "Company", "Phone", "Order #"]
TYPES = [TypeInfo(1, "Regular", 14900, "EUR"), TypeInfo(2, "VIP", 34900, "EUR")]


def test_a_plain_row_is_checked_in_a_few_steps_and_others_field_by_field() -> None:
    """Most rows hold plain text and take the short way; a row with an apostrophe, a double
    space or a control character is checked field by field. (The fields were joined by a
    control character: every row took the long way, a third of a big import's time.)"""
    checker = _Counted(HEADER, TYPES, "fest")
    plain = ["Ana", "Lee", "ana@example.com", "VIP", "Acme", "+1 555", "ORD-1"]
    assert checker.row(2, plain) == Row(
        2,
        "Ana Lee",
        "ana@example.com",
        "ana@example.com",
        "Acme",
        "+1 555",
        2,
        "ORD-1",
        family_name="Lee",  # the Last Name column: the part a list sorts under
    )
    assert checker.slow == 0
    for odd in (["Ana", "O'Lee"], ["Ana  Maria", "Lee"], ["Ana\tMaria", "Lee"]):
        checker.row(3, [*odd, *plain[2:]])
    assert checker.slow == 3


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["", " ", "'", "  ", "VIP", "regular", "Acme", "a@b.co", "x@y"]),
            st.text(max_size=12),
        ),
        min_size=0,
        max_size=8,
    )
)
def test_both_ways_of_checking_a_row_agree(record: list[str]) -> None:
    checker = RowChecker(HEADER, TYPES, "fest")
    try:
        quick: Row | str = checker.row(2, record)
    except RowProblem as problem:
        quick = problem.what
    if len(record) > len(HEADER):
        return  # refused before either way looks at a field
    try:
        # the careful way is the checker's own (private): the quick one falls back on it
        careful: Row | str = checker._checked_row(2, record)  # noqa: SLF001
    except RowProblem as problem:
        careful = problem.what
    assert isinstance(quick, Row) == isinstance(careful, Row)
    if isinstance(quick, Row):
        assert quick == careful
