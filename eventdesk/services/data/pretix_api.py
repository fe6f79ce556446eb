"""pretix's REST API as a connected event reads it (services.data.pretix) and sends our
check-ins to it (services.data.pretix_checkins): the connection, a GET with its pages, a POST,
and what the shop's refusals and silences are said as."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from eventdesk.errors import EnvironmentProblem, EventdeskError, NotFound
from eventdesk.i18n import _, current
from eventdesk.values import number_text

TIMEOUT_S = 30.0  # one request's answer, at most
MOST_WAIT_S = 60.0  # a 429's Retry-After followed up to this long


class ShopAway(EnvironmentProblem):
    """The shop did not answer, or refused the token: said once, plainly."""


@dataclass(frozen=True)
class Connection:
    """A pretix event connected to one of ours."""

    url: str
    organizer: str
    event: str  # pretix's slug
    ours: str  # our event's slug
    token: str
    last_reached: str | None = None  # when a pull last had the shop's answers (ISO, UTC)
    lists: dict[str, str] = field(default_factory=dict)  # the shop's check-in list id -> ours
    lists_refused: list[str] = field(default_factory=list)  # its lists not ours, and why
    modified_since: str | None = None  # the next pull asks for what changed since (ISO, UTC)

    def api(self, path: str) -> str:
        """The address of ``path`` under the event in pretix's API."""
        return self.organizer_api(f"events/{self.event}/{path}")

    def organizer_api(self, path: str) -> str:
        """The address of ``path`` under the organizer in pretix's API."""
        return f"{self.url.rstrip('/')}/api/v1/organizers/{self.organizer}/{path}"


def translated(value: Any) -> str:
    """A pretix multi-lingual string in the station's language, else English, else the first."""
    if isinstance(value, dict):
        for language in (current(), "en"):
            if value.get(language):
                return str(value[language])
        return next((str(v) for v in value.values() if v), "")
    return "" if value is None else str(value)


def _opened(connection: Connection, request: urllib.request.Request) -> Any:
    """The shop's JSON answer to ``request``, sent with the connection's token. An HTTP error
    is raised as it came (the caller knows what each means); silence is ShopAway."""
    request.add_header("Authorization", f"Token {connection.token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ShopAway(
            _("the shop at {url} does not answer: {why}").format(url=connection.url, why=reason)
        ) from None


def get(connection: Connection, url: str) -> Any:
    """The JSON answer to GET ``url``; ShopAway when the shop does not answer or refuses."""
    waited = 0.0
    while True:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            return _opened(connection, request)
        except urllib.error.HTTPError as exc:
            if exc.code == 429 and waited < MOST_WAIT_S:
                pause = _retry_after(exc.headers.get("Retry-After"))
                time.sleep(pause)  # the shop asked for it, and says how long
                waited += pause
                continue
            raise _refused(connection, exc) from None


def post(connection: Connection, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """The JSON answer to POST ``body`` to ``url``, a refusal's too (its reason is in it);
    ShopAway when the shop does not answer, refuses the token, is busy or fails."""
    request = urllib.request.Request(
        url,
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        return dict(_opened(connection, request))
    except urllib.error.HTTPError as exc:
        if exc.code == 429:
            raise ShopAway(
                _("the shop at {url} is busy (HTTP 429): it asks for {seconds} s").format(
                    url=connection.url,
                    seconds=number_text(_retry_after(exc.headers.get("Retry-After"))),
                )
            ) from None
        if exc.code in (401, 403) or exc.code >= 500:
            raise _refused(connection, exc) from None
        said = json.loads(exc.read() or b"{}")
        if isinstance(said, dict):
            return said
        # A request pretix cannot take at all: its answer is a list of sentences.
        listed = said if isinstance(said, list) else [said]
        return {"status": "error", "reason": " ".join(str(each) for each in listed)}


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value or 1), 0.0), MOST_WAIT_S)
    except ValueError:
        return 1.0


def _refused(connection: Connection, exc: urllib.error.HTTPError) -> EventdeskError:
    if exc.code in (401, 403):
        return ShopAway(
            _(
                "the shop refused the API token (HTTP {code}): give a token of a team with "
                "access to {organizer}/{event}"
            ).format(code=exc.code, organizer=connection.organizer, event=connection.event)
        )
    if exc.code == 404:
        return NotFound(
            _("the shop at {url} has no event {organizer}/{event}").format(
                url=connection.url, organizer=connection.organizer, event=connection.event
            )
        )
    return ShopAway(
        _("the shop at {url} answered HTTP {code}").format(url=connection.url, code=exc.code)
    )


def pages(connection: Connection, path: str) -> Iterator[dict[str, Any]]:
    """Every result of a list of the API, page after page."""
    url: str | None = connection.api(path)
    while url:
        page = get(connection, url)
        yield from page.get("results", [])
        url = page.get("next")
