"""An organizer, an API token and events in a new pretix, through its own models (no browser):
run by pretix's Python (tests/pretix_shop.py), one JSON line printed.

    seed.py ORGANIZER EVENT[:random] ...

Each event: two admission products (one with two variations) in an unlimited quota, a question
(identifier COMPANY) and one check-in list for every product. An event's tickets are signed
(pretix_sig1, its key pair made now) unless it is named with ":random"."""

import datetime
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django

django.setup()

from django.conf import settings  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from pretix.base.models import (  # noqa: E402
    Event,
    Item,
    ItemVariation,
    Organizer,
    Question,
    Quota,
    Team,
    TeamAPIToken,
)


def event_of(organizer, slug, signed):
    start = datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    event = Event.objects.create(
        organizer=organizer,
        slug=slug,
        name=f"Shop event {slug}",
        currency="EUR",
        date_from=start,
        date_to=start + datetime.timedelta(hours=10),
        live=True,
        is_public=True,
    )
    event.set_defaults()
    event.set_active_plugins(settings.PRETIX_PLUGINS_DEFAULT.split(","), allow_restricted=True)
    event.save(update_fields=["plugins"])
    event.settings.timezone = "Europe/Berlin"
    event.settings.locale = "en"
    if signed:
        event.settings.ticket_secret_generator = "pretix_sig1"
        # The key pair now: pretix makes it when it signs the first ticket, and the event's
        # valid_keys stay empty until then.
        event.ticket_secret_generator._generate_keys()  # noqa: SLF001  # pretix's, no API makes it
    regular = Item.objects.create(
        event=event, name="Regular", default_price=25, admission=True, personalized=True
    )
    day = Item.objects.create(
        event=event, name="Day pass", default_price=40, admission=True, personalized=True
    )
    saturday = ItemVariation.objects.create(item=day, value="Saturday", default_price=40)
    sunday = ItemVariation.objects.create(item=day, value="Sunday", default_price=35)
    quota = Quota.objects.create(event=event, name="All", size=None)
    quota.items.add(regular, day)
    quota.variations.add(saturday, sunday)
    question = Question.objects.create(
        event=event, question="Company", type=Question.TYPE_STRING, identifier="COMPANY"
    )
    question.items.add(regular, day)
    door = event.checkin_lists.create(name="Main entrance", all_products=True)
    return {
        "slug": slug,
        "signed": signed,
        "items": {"Regular": regular.pk, "Day pass": day.pk},
        "variations": {"Saturday": saturday.pk, "Sunday": sunday.pk},
        "list": door.pk,
    }


def main():
    slug, *events = sys.argv[1:]
    with scopes_disabled():
        organizer = Organizer.objects.create(name=f"Shop {slug}", slug=slug)
        team = Team.objects.create(
            organizer=organizer,
            name="Everything",
            all_events=True,
            all_event_permissions=True,
            all_organizer_permissions=True,
        )
        token = TeamAPIToken.objects.create(team=team, name="eventdesk tests")
        made = [
            event_of(organizer, name.partition(":")[0], name.partition(":")[2] != "random")
            for name in events
        ]
    print(json.dumps({"organizer": slug, "token": token.token, "events": made}))


if __name__ == "__main__":
    main()
