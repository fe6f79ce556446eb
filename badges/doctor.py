"""The badges' part of a station's check before the doors open (``eventdesk doctor``): every
name of the door's events has a font here, the printer's labels suit the events' layouts, and
a test badge to print. A door for several events ("fri,sat") is checked for each of them; a
station whose server does not answer is checked from its copy. The core's checks are in
``eventdesk.services.stations.doctor``."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from badges.badge import Badge
from badges.fonts import font_advice, script_of, scripts_of, uncovered
from badges.layout import BUILT_IN, DEFAULT, Layout, _parsed
from eventdesk.config import event_refs
from eventdesk.errors import InvalidInput, NotFound
from eventdesk.i18n import _, ngettext
from eventdesk.services.stations.doctor import Finding, problem_of

if TYPE_CHECKING:
    from eventdesk.db import Store
    from eventdesk.services.stations.mirror import Mirror

T = TypeVar("T")

ASPECT_SLACK = 0.1  # labels whose proportions are this far from a layout's distort its badge
SIZE_SLACK_MM = 1.0


def names_of(store: Store, event: str) -> list[str]:
    """Every name the event's badges print: each ticket's holder, or its badge name."""
    from eventdesk.services.catalogue.badge_layouts import badge_rows

    rows = badge_rows(store, event, sort="none").rows
    return [row.badge_name or row.name for row in rows]


def names_in_copy(copy: Mirror, event: str) -> list[str]:
    """``names_of`` as the station's copy has them (its server away)."""
    from sqlalchemy import select

    from eventdesk.services.common import printed_name
    from eventdesk.services.stations.mirror_schema import ATTENDEE, TICKET

    found = _event_in_copy(copy, event)
    with copy.store.read() as session:
        rows = session.execute(
            select(TICKET.c.holder_name, ATTENDEE.c.name, ATTENDEE.c.badge_name)
            .join(ATTENDEE, ATTENDEE.c.id == TICKET.c.attendee_id)
            .where(TICKET.c.event_id == found, TICKET.c.status == "registered")
        ).all()
    return [printed_name(holder, name, badge) for holder, name, badge in rows]


def _event_in_copy(copy: Mirror, event: str) -> int:
    """The id of ``event`` (its slug or id) in the station's copy; NotFound saying to sync."""
    from eventdesk.services.stations.mirror_read import event_in_copy

    found = event_in_copy(copy, event)
    if found is None:
        raise NotFound(
            _("{event} is not in this station's copy: run `eventdesk sync`").format(event=event),
            field="event",
        )
    return found.id


def _each_event(
    event: str | None,
    store: Store | None,
    copy: Mirror | None,
    on_server: Callable[[Store, str], T],
    on_copy: Callable[[Mirror, str], T],
    failed: str,
) -> tuple[list[tuple[str, T]], str | None]:
    """What ``on_server`` (or, the server away, ``on_copy``) reads of each of the door's
    events: (event, what was read) pairs, and ``failed`` said of the first event that could
    not be read (None when each was)."""
    read: list[tuple[str, T]] = []
    for one in event_refs(event) if event else ():
        try:
            if store is not None:
                read.append((one, on_server(store, one)))
            elif copy is not None:
                read.append((one, on_copy(copy, one)))
        except Exception as exc:
            return read, failed.format(event=one, problem=problem_of(exc))
    return read, None


def _unchecked(check: str, event: str | None) -> Finding:
    if not event:
        return Finding(
            check, True, _("not checked: no door event (give --event, or choose it in the app)")
        )
    return Finding(
        check,
        False,
        _(
            "not checked: neither the server nor this station's copy answers (see the database "
            "and copy checks)"
        ),
    )


def check_fonts(
    store: Store | None,
    event: str | None,
    extra: tuple[str, ...] = (),
    *,
    copy: Mirror | None = None,
) -> Finding:
    """Every name of the door's events (``event``: one slug, or several comma-separated)
    against the fonts installed here (and ``extra``, a printer's); from ``copy``, the station's
    copy, when there is no ``store``."""
    if not event or (store is None and copy is None):
        return _unchecked("fonts", event)
    read, problem = _each_event(
        event,
        store,
        copy,
        names_of,
        names_in_copy,
        _("the names of {event} could not be read ({problem})"),
    )
    if problem is not None:
        return Finding("fonts", False, problem)
    names = [name for _event, some in read for name in some]
    event = ", ".join(one for one, _names in read)
    by_script: Counter[str] = Counter()
    letters: dict[str, str] = {}
    for name in names:
        missing = uncovered(name, extra)
        for script in dict.fromkeys(script_of(ch) for ch in missing):
            by_script[script] += 1
            letters.setdefault(script, next(ch for ch in missing if script_of(ch) == script))
    if not by_script:
        return Finding(
            "fonts",
            True,
            ngettext(
                "a font here draws the {count} name of {event}",
                "a font here draws every one of the {count} names of {event}",
                len(names),
            ).format(count=len(names), event=event),
        )
    parts = [
        ngettext(
            "{count} name prints in Latin letters for want of a font for {script}: install {fonts}",
            "{count} names print in Latin letters for want of a font for {script}: install {fonts}",
            count,
        ).format(
            count=count, script=scripts_of(letters[script]), fonts=font_advice(letters[script])
        )
        for script, count in by_script.most_common()
    ]
    return Finding("fonts", False, "; ".join(parts))


def _layout(name: str, source: str | None) -> Layout:
    layout = BUILT_IN.get(name) or BUILT_IN[DEFAULT]
    if source:
        with contextlib.suppress(InvalidInput):
            layout = _parsed(source, name)
    return layout


def layouts_of(store: Store, event: str) -> dict[str, Layout]:
    """The layouts the event's ticket types print with, by name."""
    from eventdesk.services.catalogue import program
    from eventdesk.services.catalogue.badge_layouts import layout_for

    found: dict[str, Layout] = {}
    for ticket_type in program.list_ticket_types(store, event):
        name, source = layout_for(store, event, ticket_type.name)
        found[name] = _layout(name, source)
    if not found:
        name, source = layout_for(store, event, "")
        found[name] = BUILT_IN.get(name) or BUILT_IN[DEFAULT]
    return found


def layouts_in_copy(copy: Mirror, event: str) -> dict[str, Layout]:
    """``layouts_of`` as the station's copy has them (its server away)."""
    from sqlalchemy import select

    from eventdesk.services.stations.mirror_read import layout_in_copy
    from eventdesk.services.stations.mirror_schema import TICKET_TYPE

    found_id = _event_in_copy(copy, event)
    with copy.store.read() as session:
        types = session.scalars(
            select(TICKET_TYPE.c.name).where(TICKET_TYPE.c.event_id == found_id)
        ).all()
    found: dict[str, Layout] = {}
    for ticket_type in [*types] or [""]:
        name, source = layout_in_copy(copy, event, ticket_type)
        found[name] = _layout(name, source)
    return found


def check_label(
    store: Store | None,
    event: str | None,
    printer: str,
    label_mm: tuple[float, float] | None,
    *,
    copy: Mirror | None = None,
) -> Finding:
    """The labels the printer holds (its ``width_mm``/``height_mm``) against the layouts of
    the door's events (``event``: one slug, or several comma-separated): the same size, or the
    same proportions (scaled), else distorted. From ``copy`` when there is no ``store``."""
    if not event or (store is None and copy is None):
        return _unchecked("label", event)
    read, problem = _each_event(
        event,
        store,
        copy,
        layouts_of,
        layouts_in_copy,
        _("the badge layouts of {event} could not be read ({problem})"),
    )
    if problem is not None:
        return Finding("label", False, problem)
    layouts = {name: layout for _event, some in read for name, layout in some.items()}
    if label_mm is None:
        sizes = ", ".join(
            f"{name} {layout.width_mm:g}×{layout.height_mm:g} mm"
            for name, layout in layouts.items()
        )
        return Finding(
            "label",
            True,
            _("printer {printer} takes each layout's own size ({sizes}): load those labels").format(
                printer=printer, sizes=sizes
            ),
        )
    width, height = label_mm
    wrong = []
    for name, layout in layouts.items():
        same = (
            abs(layout.width_mm - width) <= SIZE_SLACK_MM
            and abs(layout.height_mm - height) <= SIZE_SLACK_MM
        )
        ratio = (layout.width_mm / layout.height_mm) / (width / height)
        if not same and abs(ratio - 1) > ASPECT_SLACK:
            wrong.append(f"{name} ({layout.width_mm:g}×{layout.height_mm:g} mm)")
    if wrong:
        return Finding(
            "label",
            False,
            _(
                "the labels of printer {printer} are {width}×{height} mm, but {layouts} is "
                "another shape: its badges print shrunk; load labels of the layout's size or "
                "choose a layout of the labels' size"
            ).format(
                printer=printer, width=f"{width:g}", height=f"{height:g}", layouts=", ".join(wrong)
            ),
        )
    return Finding(
        "label",
        True,
        _("the labels of printer {printer} ({width}×{height} mm) suit the event's layouts").format(
            printer=printer, width=f"{width:g}", height=f"{height:g}"
        ),
    )


def test_badge(layout: str = DEFAULT) -> Badge:
    """The badge a test label prints: no one's, said to be a test."""
    return Badge(
        ticket_id="TEST",
        # TRANSLATORS: the name printed on a printer's test label
        name=_("Test label"),
        company="eventdesk doctor",
        ticket_type=_("Test"),
        ribbon=None,
        event="",
        date="",
        payload="EVENTDESK-TEST-LABEL",
        layout=layout,
    )
