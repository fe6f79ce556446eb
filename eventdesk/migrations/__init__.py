"""Alembic migration scripts for the eventdesk schema."""

from __future__ import annotations

# The newest revision; a test checks it matches the scripts so start-up can skip Alembic.
HEAD_REVISION = "0035"
