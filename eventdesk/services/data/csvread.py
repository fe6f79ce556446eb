"""Reading a CSV file as ticketing tools export it: the header's names matched loosely, the
delimiter sniffed, every record numbered as the spreadsheet numbers its rows, read as a stream;
and an import's rows checked field by field, as `attendee add` checks what it is given."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TextIO, cast

from eventdesk.errors import InvalidInput
from eventdesk.i18n import _, language_named, languages, ngettext
from eventdesk.names import NAME_LENGTH, parse_family
from eventdesk.services.people.attendees import BADGE_NAME_LENGTH, parse_badge_name
from eventdesk.services.people.questions import ANSWER_COLUMN, QuestionInfo
from eventdesk.text import fold
from eventdesk.values import CONTROL_CHARACTERS, optional_text, parse_email, require_text

HEADERS = {
    "name": (
        "name",
        "fullname",
        "attendeename",
        "attendee",
        "participant",
        "guest",
        "nom",
        "namen",
    ),
    "first": ("firstname", "first", "givenname", "forename", "prenom", "vorname"),
    "last": ("lastname", "last", "surname", "familyname", "nachname", "nomdefamille"),
    "email": ("email", "emailaddress", "mail", "attendeeemail", "courriel"),
    "ticket_type": (
        "tickettype",
        "ticket",
        "type",
        "tickettypename",
        "tickettier",
        "ticketname",
        "category",
        "product",
        "admissiontype",
        "registrationtype",
        "tarif",
    ),
    "company": (
        "company",
        "organization",
        "organisation",
        "employer",
        "org",
        "companyname",
        "firma",
        "entreprise",
    ),
    "phone": (
        "phone",
        "phonenumber",
        "mobile",
        "mobilephone",
        "cellphone",
        "tel",
        "telephone",
        "telefon",
    ),
    "language": (
        "language",
        "lang",
        "locale",
        "preferredlanguage",
        "sprache",
        "langue",
        "idioma",
    ),
    "badge_name": (
        "badgename",
        "nameonbadge",
        "printedname",
        "preferredname",
        "nickname",
        "namensschild",
        "nomsurlebadge",
        "nombreenlaacreditacion",
        "nombreenelgafete",
    ),
    "order": (
        "order",
        "ordernumber",
        "orderno",
        "orderid",
        "orderreference",
        "ordernr",
        "bookingreference",
        "booking",
        "reference",
        "confirmationnumber",
    ),
}
_KEY = re.compile(r"[^a-z0-9]")
_LAYOUT = re.compile(r"[ \t\r\n]+")  # what a spreadsheet cell may hold for layout: one space
SAMPLE_CHARS = 20_000  # the start of the file the delimiter is guessed from


def header_key(text: str) -> str:
    return _KEY.sub("", fold(text).replace("#", "number"))


def map_headers(header: Sequence[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = header_key(raw)
        for target, names in HEADERS.items():
            if key in names and target not in mapping:
                mapping[target] = index
    if "email" not in mapping:
        raise InvalidInput(
            _("the file has no email column (looked for: Email, E-mail, Email Address...)"),
            field="email",
        )
    if "name" not in mapping and "first" not in mapping:
        raise InvalidInput(
            _("the file has no name column (Name, or First Name and Last Name)"), field="name"
        )
    return mapping


class CsvFile:
    """A CSV file read as a stream, as often as asked: the header and the dialect once, then
    the rows one at a time (``records``), so a file of a million rows is never in memory.

    Every record is one row as a spreadsheet shows it (an empty line too), so a line break
    inside a quoted cell does not shift the numbers of the rows after it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._open() as fh:
            try:
                sample = fh.read(SAMPLE_CHARS)
            except UnicodeDecodeError:
                raise self._not_utf8() from None
        try:
            self.dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            self.dialect = csv.excel
        header: list[str] | None = None
        for _number, record in self._numbered():
            header = [cell.strip() for cell in record]
            break
        if header is None:
            raise InvalidInput(_("{file} is empty").format(file=path.name), field="file")
        self.header = header

    def _open(self) -> TextIO:
        try:
            return self.path.open("r", encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise InvalidInput(
                _("cannot read {path}: {problem}").format(
                    path=self.path, problem=exc.strerror or exc
                ),
                field="file",
            ) from None

    def _not_utf8(self) -> InvalidInput:
        return InvalidInput(
            _("{file} is not UTF-8 text (byte {byte}): export it as CSV UTF-8").format(
                file=self.path.name, byte=_first_bad_byte(self.path)
            ),
            field="file",
        )

    def _numbered(self) -> Iterator[tuple[int, list[str]]]:
        """Every non-empty record with its spreadsheet row number, the header included."""
        with self._open() as fh:
            number = 0
            try:
                for record in csv.reader(fh, self.dialect):
                    number += 1
                    if "".join(record).strip():  # not an empty row
                        yield number, record
            except csv.Error as exc:
                raise InvalidInput(
                    _("{file}, row {row}: {problem}").format(
                        file=self.path.name, row=number + 1, problem=exc
                    ),
                    field="file",
                ) from None
            except UnicodeDecodeError:
                raise self._not_utf8() from None
            except OSError as exc:
                raise InvalidInput(
                    _("cannot read {path}: {problem}").format(
                        path=self.path, problem=exc.strerror or exc
                    ),
                    field="file",
                ) from None

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """The rows after the header, each with its spreadsheet row number; empty rows are
        left out (their numbers too)."""
        rows = self._numbered()
        next(rows, None)  # the header
        yield from rows

    def most_rows(self) -> int:
        """At least as many as the file has rows: its lines (a row is one line or more)."""
        lines = 1
        try:
            with self.path.open("rb") as fh:
                while block := fh.read(1 << 20):  # a line ends in LF, CR LF or a lone CR
                    lines += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
        except OSError as exc:
            raise InvalidInput(
                _("cannot read {path}: {problem}").format(
                    path=self.path, problem=exc.strerror or exc
                ),
                field="file",
            ) from None
        return lines


def _first_bad_byte(path: Path) -> int:
    """Where the UTF-8 of a file first goes wrong (its byte offset), read a block at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start
            offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return offset - len(decoder.getstate()[0]) + exc.start
    return offset


def cell(record: list[str], mapping: dict[str, int], name: str) -> str:
    return cell_at(record, mapping.get(name))


def cell_at(record: list[str], index: int | None) -> str:
    if index is None or index >= len(record):
        return ""
    value = record[index]
    # A line break or tab inside a quoted cell is layout: a space. Any other control
    # character stays, and is refused as `attendee add` refuses it.
    if "  " in value or "\n" in value or "\r" in value or "\t" in value:
        value = _LAYOUT.sub(" ", value)
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":  # our own export's guard
        value = value[1:]
    return value


class RowProblem(Exception):
    """A row that cannot be imported: which field, and why."""

    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what, self.message = what, message


class Row(NamedTuple):
    """One row of an import, checked: what `attendee add` would store, and the ticket."""

    number: int  # the spreadsheet's row number (the header is row 1)
    name: str
    email: str
    key: str  # the email as attendees are told apart by it
    company: str | None
    phone: str | None
    type_id: int
    order: str | None
    language: str | None = None  # a catalogue's code (eventdesk.i18n), as `attendee add`
    badge_name: str | None = None  # printed on their badges instead of the name
    # The answers to the event's registration questions: (question id, of the holder, value).
    answers: tuple[tuple[int, bool, str], ...] = ()
    # The Last Name column's: the family part of the name, which lists sort under (None: the
    # name alone, sorted by its last word: eventdesk.collation).
    family_name: str | None = None


@dataclass(frozen=True)
class TypeInfo:
    """A ticket type of the event, as a row names it."""

    id: int
    name: str
    price_cents: int
    currency: str


_CACHED = 20_000  # distinct values remembered per column (companies and ticket types repeat)


class RowChecker:
    """Checks a file's rows field by field with the rules `attendee add` applies."""

    def __init__(
        self,
        header: list[str],
        types: Sequence[TypeInfo],
        event_slug: str,
        questions: Sequence[QuestionInfo] = (),
    ) -> None:
        mapping = map_headers(header)
        self.width = len(header)
        self._types = {t.name.casefold(): t for t in types}
        self._only = types[0] if len(types) == 1 else None
        if "ticket_type" not in mapping and self._only is None:
            raise InvalidInput(
                ngettext(
                    "the file has no ticket type column and {event!r} has {count} ticket types",
                    "the file has no ticket type column and {event!r} has {count} ticket types",
                    len(types),
                ).format(event=event_slug, count=len(types)),
                field="ticket_type",
            )
        self._slug = event_slug
        self._name, self._first, self._last, self._email, self._company, self._phone = (
            mapping.get(column) for column in ("name", "first", "last", "email", "company", "phone")
        )
        self._type, self._order = mapping.get("ticket_type"), mapping.get("order")
        self._language = mapping.get("language")
        self._badge_name = mapping.get("badge_name")
        self._columns = (
            self._name,
            self._first,
            self._last,
            self._email,
            self._company,
            self._phone,
            self._type,
            self._order,
            self._language,
            self._badge_name,
        )
        self._companies: dict[str, str | RowProblem | None] = {}
        self._type_names: dict[str, str | RowProblem | None] = {}
        self._asked = answer_columns(header, questions, set(mapping.values()), event_slug)

    def row(self, number: int, record: list[str]) -> Row:
        """The row, checked (``_row``), with its answers to the event's questions."""
        found = self._row(number, record)
        if not self._asked:
            return found
        return found._replace(answers=self._answers(record, found.type_id, found.order))

    def _answers(
        self, record: list[str], type_id: int, order: str | None
    ) -> tuple[tuple[int, bool, str], ...]:
        """The row's answers, each checked as `register --answer` checks it: a bad one, or a
        required one left empty, is a RowProblem naming the question. A question of the
        order is answered by the first of the order's rows that gives an answer: a row with
        an Order # may leave it empty."""
        made = []
        for index, question in self._asked:
            value = cell_at(record, index) if question.kind != "longtext" else _raw(record, index)
            if not value:
                if (
                    question.required
                    and question.asked_of(type_id)
                    and (question.per == "holder" or order is None)
                ):
                    raise RowProblem(
                        question.key,
                        _("{key} is required: {text}").format(key=question.key, text=question.text),
                    )
                continue
            if not question.asked_of(type_id):
                raise RowProblem(
                    question.key,
                    _("{key}: not asked of this ticket type (only of {types})").format(
                        key=question.key, types=", ".join(question.ticket_types)
                    ),
                )
            try:
                kept = question.answer(value)
            except InvalidInput as exc:
                raise RowProblem(question.key, exc.message) from None
            made.append((question.id, question.per == "holder", kept))
        return tuple(made)

    def _row(self, number: int, record: list[str]) -> Row:
        """The row, checked; RowProblem names the first field that is wrong.

        Most rows hold plain text: no control character, no layout to tidy, no quote guard.
        Those are checked here in a few steps; any other row, and any row that fails a step,
        is checked field by field (``_checked_row``), which says what is wrong."""
        size = len(record)
        if size > self.width:
            raise RowProblem(
                "fields",
                ngettext(
                    "{count} fields, the header has {width}",
                    "{count} fields, the header has {width}",
                    size,
                ).format(count=size, width=self.width),
            )
        # Joined by a character that is no control character (the record separator is one,
        # and sent every row to the slow path), and that no check below looks for.
        joined = "|".join(record)
        if "  " in joined or "'" in joined or CONTROL_CHARACTERS.search(joined):
            return self._checked_row(number, record)
        name, first, last, email, company, phone, type_name, order, spoken, badge = (
            record[i].strip() if i is not None and i < size else "" for i in self._columns
        )
        language = language_named(spoken) if spoken else None
        if spoken and language is None:
            return self._checked_row(number, record)
        if not name:
            name = f"{first} {last}" if first and last else first or last
        try:
            email = parse_email(email)
        except InvalidInput:
            return self._checked_row(number, record)
        ticket_type = self._types.get(type_name.casefold()) if type_name else self._only
        if (
            not name
            or len(name) > 200
            or len(company) > 200
            or len(phone) > 50
            or len(type_name) > 200
            or len(order) > 100
            or len(badge) > BADGE_NAME_LENGTH
            or len(last) > NAME_LENGTH
            or ticket_type is None
        ):
            return self._checked_row(number, record)
        return Row(
            number,
            name,
            email,
            email.casefold(),
            company or None,
            phone or None,
            ticket_type.id,
            order or None,
            language,
            badge or None,
            family_name=last or None,
        )

    def _checked_row(self, number: int, record: list[str]) -> Row:
        name = cell_at(record, self._name) or " ".join(
            x for x in (cell_at(record, self._first), cell_at(record, self._last)) if x
        )
        email = cell_at(record, self._email)
        if not email:
            raise RowProblem("email", _("missing"))
        try:
            email = parse_email(email)
        except InvalidInput as exc:
            raise RowProblem("email", exc.message) from None
        if not name:
            raise RowProblem("name", _("missing"))
        try:
            name = require_text(name, "name")
        except InvalidInput as exc:
            raise RowProblem("name", exc.message) from None
        company = self._cached(self._companies, "company", cell_at(record, self._company))
        try:
            phone = optional_text(cell_at(record, self._phone), "phone", max_length=50)
        except InvalidInput as exc:
            raise RowProblem("phone", exc.message) from None
        type_name = self._cached(self._type_names, "ticket type", cell_at(record, self._type))
        try:
            order = optional_text(cell_at(record, self._order), "order", max_length=100)
        except InvalidInput as exc:
            raise RowProblem("order", exc.message) from None
        ticket_type = self._types.get(type_name.casefold()) if type_name else self._only
        if ticket_type is None:
            known = ", ".join(sorted(t.name for t in self._types.values())) or _("none")
            raise RowProblem(
                "ticket type",
                _("{name!r} is not a ticket type of {event} (known: {known})").format(
                    name=type_name or _("missing"), event=self._slug, known=known
                ),
            )
        spoken = cell_at(record, self._language)
        language = language_named(spoken) if spoken else None
        if spoken and language is None:
            raise RowProblem(
                "language",
                _("{value!r} is not a language here (known: {known})").format(
                    value=spoken, known=", ".join(languages())
                ),
            )
        try:
            badge = parse_badge_name(cell_at(record, self._badge_name))
        except InvalidInput as exc:
            raise RowProblem("badge name", exc.message) from None
        try:
            family = parse_family(cell_at(record, self._last))
        except InvalidInput as exc:
            raise RowProblem("last name", exc.message) from None
        return Row(
            number,
            name,
            email,
            email.casefold(),
            company,
            phone,
            ticket_type.id,
            order,
            language,
            badge,
            family_name=family,
        )

    @staticmethod
    def _cached(seen: dict[str, str | RowProblem | None], what: str, text: str) -> str | None:
        """``optional_text`` of a column whose values repeat (a company, a ticket type)."""
        found = seen.get(text, seen)
        if found is seen:
            try:
                found = optional_text(text, what)
            except InvalidInput as exc:
                found = RowProblem(what, exc.message)
            if len(seen) < _CACHED:
                seen[text] = found
        if isinstance(found, RowProblem):
            raise found
        return cast("str | None", found)


def _raw(record: list[str], index: int) -> str:
    """A long text's cell as written (its line breaks kept), trimmed."""
    return record[index].strip() if index < len(record) else ""


def answer_columns(
    header: Sequence[str], questions: Sequence[QuestionInfo], taken: set[int], event_slug: str
) -> list[tuple[int, QuestionInfo]]:
    """The columns that answer the event's questions: "answer:KEY" (as the export names them),
    or a column named just KEY that is none of the other columns. An "answer:" column for a
    question the event does not ask is refused (a misspelt key would lose its answers)."""
    by_key = {q.key: q for q in questions}
    found: list[tuple[int, QuestionInfo]] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        if name.casefold().startswith(ANSWER_COLUMN):
            key = name[len(ANSWER_COLUMN) :].strip().lower()
            question = by_key.get(key)
            if question is None:
                raise InvalidInput(
                    _(
                        "the file's column {column!r}: {event!r} asks no question {key!r} "
                        "(known: {known})"
                    ).format(
                        column=name, event=event_slug, key=key, known=", ".join(by_key) or _("none")
                    ),
                    field="file",
                )
        elif index not in taken and name.lower() in by_key:
            question = by_key[name.lower()]
        else:
            continue
        if any(q.id == question.id for _i, q in found):
            raise InvalidInput(
                _("the file answers the question {key!r} in two columns").format(key=question.key),
                field="file",
            )
        found.append((index, question))
    return found
