"""``python -m eventdesk``: the same as the ``eventdesk`` command."""

from eventdesk.cli import entry

if __name__ == "__main__":
    entry()
