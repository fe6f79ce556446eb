"""Typed domain errors. Each carries a message a person can act on and the CLI exit code."""

from __future__ import annotations


class EventdeskError(Exception):
    """Base of every error a user can cause or meet."""

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


# --- bad input (exit 2) -------------------------------------------------------------------
class InvalidInput(EventdeskError):
    """A value is missing or malformed."""


class NotFound(EventdeskError):
    """The event, attendee, ticket... named does not exist."""


class Conflict(EventdeskError):
    """The input clashes with what is stored (a duplicate email, a taken name)."""


# --- refused by the rules (exit 1) ----------------------------------------------------------
class Refused(EventdeskError):
    """The request is well formed but the rules say no."""

    exit_code = 1


class SoldOut(Refused):
    """No place left and no waitlist."""


class SalesClosed(Refused):
    """The ticket type is not on sale at this time."""


class EventCancelled(Refused):
    """The event was cancelled."""


class AlreadyRegistered(Refused):
    """The attendee already holds a ticket for this event."""


class NotAllowed(Refused):
    """The state of the record does not allow this action."""


class WrongPin(Refused):
    """The PIN (or the email/name with it) is wrong."""


class AccountLocked(Refused):
    """Too many wrong PINs: the account is locked for a while."""


class AccountDisabled(Refused):
    """A staff account that an organizer disabled."""


# --- the environment (exit 3) --------------------------------------------------------------
class EnvironmentProblem(EventdeskError):
    """The database, a camera or a printer cannot be reached."""

    exit_code = 3


class DatabaseUnavailable(EnvironmentProblem):
    """The database cannot be opened or reached."""


class ServerBusy(EnvironmentProblem):
    """The server answers, but another session (a station's, named) holds what this needs,
    longer than this would wait."""


class StationRefused(EnvironmentProblem):
    """The server answers, but refuses this station's login (revoked, or its password
    changed): the station decides nothing, online or from its copy."""
