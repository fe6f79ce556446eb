"""Many paid orders in a seeded event at once, through pretix's own models (the REST API takes
about 0.2 s an order): run by pretix's Python (tests/pretix_shop.py), one JSON line printed.

    bulk_orders.py ORGANIZER EVENT COUNT

Each order is what the API makes of a paid order of one "Regular" ticket with an attendee's name
and e-mail (tests/pretix_shop.py Pretix.order): its code, its confirmed payment, its position
with a ticket secret of the event's own generator (signed where the event signs), and the
accounting transaction pretix keeps for it. They are written in batches (bulk_create), orders a
second apart before now, so that the API lists them as any others, oldest first."""

import datetime
import json
import os
import sys
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from pretix.base.banlist import banned  # noqa: E402
from pretix.base.models import (  # noqa: E402
    Event,
    Order,
    OrderPayment,
    OrderPosition,
    Transaction,
)
from pretix.base.secrets import assign_ticket_secret  # noqa: E402
from pretix.base.settings import PERSON_NAME_SCHEMES  # noqa: E402
from pretix.helpers.names import build_name  # noqa: E402

BATCH = 500
ORDER_CODES = "ABCDEFGHJKLMNPQRSTUVWXYZ379"  # pretix's (Order.assign_code)
PSEUDONYMS = "ABCDEFGHJKLMNPQRSTUVWXYZ3789"  # pretix's (OrderPosition.assign_pseudonymization_id)
FIRST = ("Ada", "Bo", "Chen", "Dara", "Emil", "Farah", "Goran", "Hana", "Ines", "Jonas")
LAST = ("Byron", "Brown", "Li", "Okafor", "Novak", "Haddad", "Petrov", "Sato", "Silva", "Weber")


def fresh(taken, length, charset, count, skip=lambda code: False):
    """``count`` random strings none of ``taken`` (added to it) nor skipped."""
    made = []
    while len(made) < count:
        code = get_random_string(length=length, allowed_chars=charset)
        if code not in taken and not skip(code):
            taken.add(code)
            made.append(code)
    return made


def name_parts(scheme, given, family):
    """A name as the event's name scheme keeps it (given and family name, else one field)."""
    fields = [field[0] for field in PERSON_NAME_SCHEMES[scheme]["fields"]]
    if "given_name" in fields and "family_name" in fields:
        return {"_scheme": scheme, "given_name": given, "family_name": family}
    return {"_scheme": scheme, fields[0]: f"{given} {family}"}


def main():
    organizer_slug, event_slug, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    began = time.perf_counter()
    with scopes_disabled():
        event = Event.objects.select_related("organizer").get(
            organizer__slug=organizer_slug, slug=event_slug
        )
        organizer = event.organizer
        item = event.items.get(name__icontains="Regular")
        channel = organizer.sales_channels.get(identifier="web")
        scheme = event.settings.name_scheme
        locale = event.settings.locale
        price = Decimal(item.default_price)
        if item.tax_rule is None:
            rate, tax, tax_code = Decimal("0.00"), Decimal("0.00"), None
        else:
            taxed = item.tax_rule.tax(price, base_price_is="gross", force_fixed_gross_price=True)
            rate, tax, tax_code = taxed.rate, taxed.tax, taxed.code
        codes = fresh(
            set(Order.objects.filter(organizer=organizer).values_list("code", flat=True)),
            settings.ENTROPY["order_code"],
            ORDER_CODES,
            count,
            skip=banned,
        )
        pseudonyms = fresh(
            set(OrderPosition.all.values_list("pseudonymization_id", flat=True)),
            10,
            PSEUDONYMS,
            count,
        )
        secrets = set(
            OrderPosition.all.filter(organizer=organizer).values_list("secret", flat=True)
        )
        now = datetime.datetime.now(datetime.UTC)
        first = now - datetime.timedelta(seconds=count)
        template = Order(event=event, sales_channel=channel)
        template.set_expires(now_dt=now)
        for start in range(0, count, BATCH):
            numbers = range(start, min(count, start + BATCH))
            with transaction.atomic():
                orders = Order.objects.bulk_create(
                    [
                        Order(
                            code=codes[n],
                            status=Order.STATUS_PAID,
                            organizer=organizer,
                            event=event,
                            email=f"guest{n}@example.org",
                            locale=locale,
                            datetime=first + datetime.timedelta(seconds=n),
                            expires=template.expires,
                            total=price,
                            meta_info="{}",
                            sales_channel=channel,
                        )
                        for n in numbers
                    ]
                )
                places = []
                for n, order in zip(numbers, orders, strict=True):
                    parts = name_parts(
                        scheme, FIRST[n % len(FIRST)], f"{LAST[n // len(FIRST) % len(LAST)]} {n}"
                    )
                    place = OrderPosition(
                        order=order,
                        organizer=organizer,
                        positionid=1,
                        item=item,
                        variation=None,
                        price=price,
                        tax_rate=rate,
                        tax_value=tax,
                        tax_rule=item.tax_rule,
                        tax_code=tax_code,
                        attendee_name_parts=parts,
                        attendee_name_cached=build_name(parts),
                        attendee_email=f"guest{n}@example.org",
                        pseudonymization_id=pseudonyms[n],
                    )
                    while not place.secret or place.secret in secrets:
                        assign_ticket_secret(event, place, force_invalidate=True, save=False)
                    secrets.add(place.secret)
                    places.append(place)
                OrderPosition.all.bulk_create(places)
                OrderPayment.objects.bulk_create(
                    [
                        OrderPayment(
                            order=order,
                            local_id=1,
                            state=OrderPayment.PAYMENT_STATE_CONFIRMED,
                            amount=price,
                            provider="manual",
                            payment_date=order.datetime,
                        )
                        for order in orders
                    ]
                )
                Transaction.objects.bulk_create(
                    [
                        made
                        for order, place in zip(orders, places, strict=True)
                        for made in order.create_transactions(
                            is_new=True,
                            positions=[place],
                            fees=[],
                            dt_now=order.datetime,
                            save=False,
                        )
                    ]
                )
    print(
        json.dumps(
            {
                "organizer": organizer_slug,
                "event": event_slug,
                "orders": count,
                "seconds": round(time.perf_counter() - began, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
