"""The badges' part of a station's check before the doors open (``eventdesk doctor``): every
name of the door's event has a font here, the printer's labels suit the event's layouts, and
a test badge to print. The core's checks are in ``eventdesk.services.stations.doctor``."""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import TYPE_CHECKING

from badges.badge import Badge
from badges.fonts import font_advice, script_of, scripts_of, uncovered
from badges.layout import BUILT_IN, DEFAULT, Layout, _parsed
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _, ngettext
from eventdesk.services.stations.doctor import Finding, problem_of

if TYPE_CHECKING:
    from eventdesk.db import Store

ASPECT_SLACK = 0.1  # labels whose proportions are this far from a layout's distort its badge
SIZE_SLACK_MM = 1.0


def names_of(store: Store, event: str) -> list[str]:
    """Every name the event's badges print: each ticket's holder, or its badge name."""
    from eventdesk.services.catalogue.badge_layouts import badge_rows

    rows = badge_rows(store, event, sort="none").rows
    return [row.badge_name or row.name for row in rows]


def check_fonts(store: Store | None, event: str | None, extra: tuple[str, ...] = ()) -> Finding:
    """Every name of ``event`` against the fonts installed here (and ``extra``, a printer's)."""
    if store is None or event is None:
        return Finding(
            "fonts", True, _("not checked: no door event (give --event, or choose it in the app)")
        )
    try:
        names = names_of(store, event)
    except Exception as exc:
        return Finding(
            "fonts",
            False,
            _("the names of {event} could not be read ({problem})").format(
                event=event, problem=problem_of(exc)
            ),
        )
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
            "{count} name needs a font for {script}: install {fonts}",
            "{count} names need a font for {script}: install {fonts}",
            count,
        ).format(
            count=count, script=scripts_of(letters[script]), fonts=font_advice(letters[script])
        )
        for script, count in by_script.most_common()
    ]
    return Finding("fonts", False, "; ".join(parts))


def layouts_of(store: Store, event: str) -> dict[str, Layout]:
    """The layouts the event's ticket types print with, by name."""
    from eventdesk.services.catalogue import program
    from eventdesk.services.catalogue.badge_layouts import layout_for

    found: dict[str, Layout] = {}
    for ticket_type in program.list_ticket_types(store, event):
        name, source = layout_for(store, event, ticket_type.name)
        layout = BUILT_IN.get(name) or BUILT_IN[DEFAULT]
        if source:
            with contextlib.suppress(InvalidInput):
                layout = _parsed(source, name)
        found[name] = layout
    if not found:
        name, source = layout_for(store, event, "")
        found[name] = BUILT_IN.get(name) or BUILT_IN[DEFAULT]
    return found


def check_label(
    store: Store | None, event: str | None, printer: str, label_mm: tuple[float, float] | None
) -> Finding:
    """The labels the printer holds (its ``width_mm``/``height_mm``) against the layouts of
    the door's event: the same size, or the same proportions (scaled), else distorted."""
    if store is None or event is None:
        return Finding("label", True, _("not checked: no door event (give --event)"))
    try:
        layouts = layouts_of(store, event)
    except Exception as exc:
        return Finding(
            "label",
            False,
            _("the badge layouts of {event} could not be read ({problem})").format(
                event=event, problem=problem_of(exc)
            ),
        )
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
