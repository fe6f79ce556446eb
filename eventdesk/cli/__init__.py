"""The `eventdesk` command line (docs/cli.md): the group and its entry point live in ``root``."""

from __future__ import annotations

from eventdesk.cli.root import cli, entry, main

__all__ = ["cli", "entry", "main"]
