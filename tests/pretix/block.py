"""A ticket blocked in pretix, as its plugins and its staff block one (no API call does): run by
pretix's Python (tests/pretix_shop.py), one JSON line printed.

    block.py ORGANIZER EVENT SECRET"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django

django.setup()

from django_scopes import scopes_disabled  # noqa: E402
from pretix.base.models import OrderPosition  # noqa: E402

if __name__ == "__main__":
    organizer, event, secret = sys.argv[1:4]
    with scopes_disabled():
        position = OrderPosition.objects.get(
            order__event__organizer__slug=organizer, order__event__slug=event, secret=secret
        )
        position.blocked = ["admin"]
        position.save(update_fields=["blocked"])
        position.order.touch()
    print(json.dumps({"blocked": secret}))
