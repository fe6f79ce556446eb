"""The stations' quotas in the Program tab (services.stations.quota): what each station was
given of a ticket type to sell while its server is away, what it sold, what is left, in a
column of the ticket types' list; "Give quota" lets a station sell places of the chosen type
offline (0: the unsold ones given back)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventdesk.i18n import _
from eventdesk.services.catalogue.program import TicketTypeInfo
from eventdesk.services.stations import quota
from screens.organizer.base import Change, whole
from screens.widgets.forms import Field, FormValues

if TYPE_CHECKING:
    from eventdesk.db import Store
    from screens.organizer.base import OrganizerTab


def quota_texts(store: Store, event: str) -> dict[str, str]:
    """The quotas of each ticket type of ``event`` (by the type's name), said in a cell."""
    said: dict[str, list[str]] = {}
    for q in quota.quotas(store, event):
        said.setdefault(q.ticket_type, []).append(
            # TRANSLATORS: a station's quota of a ticket type in a list: "Desk 1: 3 given,
            # 1 sold, 2 left" (to sell while its server is away)
            _("{station}: {given} given, {sold} sold, {left} left").format(
                station=q.station, given=q.places + q.sold, sold=q.sold, left=q.places
            )
        )
    return {kind: "; ".join(parts) for kind, parts in said.items()}


def give_quota(tab: OrganizerTab) -> None:
    """The Give quota form for the ticket type chosen in the list."""
    event = tab.need_event()
    chosen = (
        tab.chosen("types-table", TicketTypeInfo, _("Choose a ticket type in the list first."))
        if event
        else None
    )
    if event is None or chosen is None:
        return
    store = tab.backend.store

    def give(values: FormValues) -> Change:
        places = whole(values.text("places"), "places")
        made = quota.give(store, event, chosen.id, values.text("station"), places or 0)
        return Change(
            # TRANSLATORS: {places} places of ticket type {type} a station may sell offline
            _("{station} may sell {places} of {type} offline").format(
                station=made.station, places=made.places, type=made.ticket_type
            ),
            ("types-table",),
        )

    tab.form(
        _("Give a station a quota of {type}").format(type=chosen.name),
        [
            Field("station", _("Station"), placeholder=_("Desk 1"), required=True, max_length=100),
            Field("places", _("Places"), placeholder="0", required=True),
        ],
        give,
        note=_(
            "The places are held for the station, which sells them while its server is away; "
            "0 gives the unsold ones back."
        ),
    )
