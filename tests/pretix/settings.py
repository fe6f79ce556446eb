"""pretix's settings as the tests run it (DJANGO_SETTINGS_MODULE, tests/pretix_shop.py): its
SQLite file takes writers one after another (BEGIN IMMEDIATE, a wait of 30 s) where two at once
failed with "database is locked", and no mail leaves the machine. Run by pretix's own Python,
not the project's."""

from pretix.settings import *  # noqa: F403

DATABASES["default"]["OPTIONS"] = {  # noqa: F405
    **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
