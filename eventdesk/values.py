"""Parsing and checking of the plain values people type: times, money, emails, PINs. Times
written back for people to read are eventdesk.event_time's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from eventdesk.errors import InvalidInput
from eventdesk.event_time import zone_of
from eventdesk.i18n import SOURCE, _, current, locale

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PIN = re.compile(r"^[0-9]{4,12}$")
# Control characters (C0, DEL, C1), the bidirectional embeddings, overrides and isolates that
# make a name read differently from what it is (U+202A-U+202E, U+2066-U+2069), and broken UTF-16.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
MAX_CENTS = 10**9  # ten million in any currency is a typo at an event desk (and fits INTEGER)
MAX_COUNT = 10_000_000  # a capacity or quantity beyond this is a typo
YEARS = (1900, 2200)


def utcnow() -> datetime:
    return datetime.now(UTC)


def require_text(value: str | None, field: str, *, max_length: int = 200) -> str:
    text = (value or "").strip()
    if not text:
        # TRANSLATORS: {field} is the name of what is asked for ("email", "name"...)
        raise InvalidInput(_("{field} is required").format(field=field), field=field)
    if len(text) > max_length:
        raise InvalidInput(
            _("{field} is longer than {length} characters").format(field=field, length=max_length),
            field=field,
        )
    if CONTROL_CHARACTERS.search(text):
        raise InvalidInput(
            _("{field} contains control characters or is not valid text").format(field=field),
            field=field,
        )
    return text


def optional_text(value: str | None, field: str, *, max_length: int = 200) -> str | None:
    if value is None or not value.strip():
        return None
    return require_text(value, field, max_length=max_length)


def parse_email(value: str | None, field: str = "email") -> str:
    email = require_text(value, field, max_length=254)
    if not _EMAIL.match(email):
        raise InvalidInput(
            _("{field} {email!r} is not an email address").format(field=field, email=email),
            field=field,
        )
    if len(email.casefold()) > 254:  # the stored key is casefolded: 'ß' becomes 'ss'
        raise InvalidInput(
            _("{field} is longer than {length} characters").format(field=field, length=254),
            field=field,
        )
    return email


def parse_pin(value: str | None, field: str = "pin") -> str:
    pin = (value or "").strip()
    if not _PIN.match(pin):
        raise InvalidInput(_("{field} must be 4 to 12 digits").format(field=field), field=field)
    return pin


def parse_time(value: str | datetime | None, field: str, *, tz: str = "UTC") -> datetime:
    """An ISO 8601 time; without an offset it is read in the event's time zone. Returns UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(
            _("{field} is required (ISO 8601, e.g. 2026-05-14T09:00)").format(field=field),
            field=field,
        )
    if isinstance(value, datetime):
        moment = value
    else:
        text = value.strip().replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                _(
                    "{field} {value!r} is not a date and time (ISO 8601, e.g. 2026-05-14T09:00)"
                ).format(field=field, value=value),
                field=field,
            ) from None
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise InvalidInput(
            _("{field} {value!s} is not between {first} and {last}").format(
                field=field, value=value, first=YEARS[0], last=YEARS[1]
            ),
            field=field,
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_of(tz))
    return moment.astimezone(UTC)


def check_window(starts: datetime, ends: datetime, what: str) -> None:
    if ends <= starts:
        # TRANSLATORS: {what} is what has a start and an end ("the event", "sales"...)
        raise InvalidInput(_("{what} must end after it starts").format(what=what), field="ends")


def parse_amount(value: str | int | Decimal | None, field: str = "amount") -> int:
    """A money amount typed as '12.50' (or an int of cents) -> integer cents, never negative."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(_("{field} is required").format(field=field), field=field)
    if isinstance(value, int):
        cents = value
    else:
        try:
            amount = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise InvalidInput(
                _("{field} {value!r} is not an amount").format(field=field, value=value),
                field=field,
            ) from None
        if not amount.is_finite():
            raise InvalidInput(
                _("{field} {value!r} is not an amount").format(field=field, value=value),
                field=field,
            )
        if abs(amount) * 100 > MAX_CENTS:
            raise InvalidInput(
                _("{field} {value!r} is too large").format(field=field, value=value), field=field
            )
        if amount != amount.quantize(Decimal("0.01")):
            raise InvalidInput(
                _("{field} {value!r} has more than two decimals").format(field=field, value=value),
                field=field,
            )
        cents = int(amount * 100)
    if cents < 0:
        raise InvalidInput(_("{field} cannot be negative").format(field=field), field=field)
    if cents > MAX_CENTS:
        raise InvalidInput(
            _("{field} {value!r} is too large").format(field=field, value=value), field=field
        )
    return cents


def parse_currency(value: str | None) -> str:
    code = (value or "EUR").strip().upper()
    if not _CURRENCY.match(code):
        raise InvalidInput(
            _("currency {value!r} is not a three-letter code like EUR").format(value=value),
            field="currency",
        )
    return code


def parse_count(value: int | None, field: str, *, allow_none: bool = True) -> int | None:
    if value is None:
        if allow_none:
            return None
        raise InvalidInput(_("{field} is required").format(field=field), field=field)
    if value < 0:
        raise InvalidInput(_("{field} cannot be negative").format(field=field), field=field)
    if value > MAX_COUNT:
        raise InvalidInput(
            _("{field} {value} is more than {most}").format(
                field=field, value=number_text(value), most=number_text(MAX_COUNT)
            ),
            field=field,
        )
    return value


def format_cents(cents: int, currency: str | None = None) -> str:
    """The one way money is written for people: ``12.50 EUR``, or ``12.50`` without a currency
    (a form field, a CSV cell)."""
    sign = "-" if cents < 0 else ""
    amount = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    return f"{amount} {currency}" if currency else amount


def money_text(cents: int, currency: str | None) -> str:
    """An amount as a person reading the station's language writes it: ``12.50 EUR`` in
    English (as ``format_cents``), ``12,50 €`` in German, ``12,50 €`` in French. Not for a form
    field, a CSV cell or ``--json``: those keep ``format_cents``."""
    if current() == SOURCE or not currency:
        return format_cents(cents, currency)
    from babel.numbers import format_currency

    return format_currency(Decimal(cents) / 100, currency, locale=locale())


def number_text(value: float, decimals: int = 0) -> str:
    """A count or a size as the reader writes it: ``12,345`` in English, ``12.345`` in German,
    ``12 345`` in French (a thousands separator read the other way round is a decimal point)."""
    if current() == SOURCE:
        return f"{value:,.{decimals}f}"
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale())
