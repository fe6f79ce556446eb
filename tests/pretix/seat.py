"""An event seated, through pretix's own models (its API checks a change to a live event as if it
went live, and this one has no payment method): run by pretix's Python (tests/pretix_shop.py),
one JSON line printed.

    seat.py ORGANIZER EVENT PRODUCT_ID LAYOUT_JSON"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django

django.setup()

from django_scopes import scopes_disabled  # noqa: E402
from pretix.base.models import Event, Item, SeatCategoryMapping, SeatingPlan  # noqa: E402
from pretix.base.services.seating import generate_seats  # noqa: E402

if __name__ == "__main__":
    organizer, slug, product, layout = sys.argv[1:5]
    with scopes_disabled():
        event = Event.objects.get(organizer__slug=organizer, slug=slug)
        plan = SeatingPlan.objects.create(
            organizer=event.organizer, name=f"Hall {slug}", layout=layout
        )
        event.seating_plan = plan
        event.save(update_fields=["seating_plan"])
        item = Item.objects.get(event=event, pk=int(product))
        category = json.loads(layout)["categories"][0]["name"]
        SeatCategoryMapping.objects.create(event=event, layout_category=category, product=item)
        generate_seats(event, None, plan, {category: item})
        print(json.dumps({"seats": event.seats.count()}))
