"""A report: rows of plain values that a table, a CSV file or JSON shows
(services.stats.reports builds them, services.stats.conflicts one of them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from eventdesk.event_time import UTC_ZONE, Style, iso, show
from eventdesk.labels import label


@dataclass(frozen=True)
class Report:
    """Rows of plain values; a time is an aware datetime, shown in the event's ``zone``.
    A value may be a list (the two stations of a conflict, their two times): one cell of a
    table or a CSV file, its parts joined with " / "; a list in ``as_dicts``."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    zone: ZoneInfo = UTC_ZONE
    seconds: bool = False  # times to the second for people (which of two scans came first)

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows by column name; a time in a list is ISO 8601 with the event zone's offset."""
        return [
            dict(zip(self.columns, [self._listed(v) for v in row], strict=True))
            for row in self.rows
        ]

    def for_people(self) -> list[tuple[Any, ...]]:
        """The rows with each time as wall-clock time in the event's zone, labelled, and a
        section's label in the reader's language ("total", "ticket type")."""
        style: Style = "stamp_seconds" if self.seconds else "stamp"
        labelled = self.columns[:1] in (("section",), ("day",), ("ticket_type",))
        return [
            _times(_labelled(row) if labelled else row, lambda t: show(t, self.zone, style))
            for row in self.rows
        ]

    def headings(self) -> list[str]:
        """The columns' headings in the reader's language (the columns themselves, the JSON
        keys and a CSV file's header, never change)."""
        return [label("report_column", c) for c in self.columns]

    def for_files(self) -> list[tuple[Any, ...]]:
        """The rows with each time in ISO 8601 with the event zone's offset (CSV files)."""
        return [_times(row, lambda t: iso(t, self.zone)) for row in self.rows]

    def _listed(self, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return value
        return [iso(v, self.zone) if isinstance(v, datetime) else v for v in value]


def _labelled(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row with its section's label (and the item's, when it is one) translated."""
    head = [label("report_section", v) if isinstance(v, str) else v for v in row[:2]]
    return (*head, *row[2:])


def _times(row: tuple[Any, ...], show: Callable[[datetime], str]) -> tuple[Any, ...]:
    return tuple(_shown(v, show) for v in row)


def _shown(value: Any, show: Callable[[datetime], str]) -> Any:
    """A time as ``show`` writes it; a list as one text, its parts joined ("?": not known)."""
    if isinstance(value, datetime):
        return show(value)
    if isinstance(value, list | tuple):
        return " / ".join("?" if v is None else str(_shown(v, show)) for v in value)
    return value
