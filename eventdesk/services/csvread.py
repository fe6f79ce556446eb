"""Reading a CSV file as ticketing tools export it: the header's names matched loosely, the
delimiter sniffed, every record numbered as the spreadsheet numbers its rows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventdesk.errors import InvalidInput
from eventdesk.text import fold

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
            "the file has no email column (looked for: Email, E-mail, Email Address...)",
            field="email",
        )
    if "name" not in mapping and "first" not in mapping:
        raise InvalidInput(
            "the file has no name column (Name, or First Name and Last Name)", field="name"
        )
    return mapping


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and rows, each with its spreadsheet row number: every record is one row (an
    empty line too, as a spreadsheet shows it), so a line break inside a quoted cell does not
    shift the numbers of the rows after it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}", field="file") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path.name} is not UTF-8 text (byte {exc.start}): export it as CSV UTF-8",
            field="file",
        ) from None
    sample = content[:20_000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(content, newline=""), dialect)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue  # an empty row
            if header is None:
                header = [cell.strip() for cell in record]
            else:
                rows.append((number, record))
    except csv.Error as exc:
        raise InvalidInput(f"{path.name}, row {number + 1}: {exc}", field="file") from None
    if header is None:
        raise InvalidInput(f"{path.name} is empty", field="file")
    return header, rows


def cell(record: list[str], mapping: dict[str, int], name: str) -> str:
    index = mapping.get(name)
    if index is None or index >= len(record):
        return ""
    # A line break or tab inside a quoted cell is layout: a space. Any other control
    # character stays, and is refused as `attendee add` refuses it.
    value = _LAYOUT.sub(" ", record[index]).strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":  # our own export's guard
        value = value[1:]
    return value
