"""The Stations tab: the stations' own logins on a PostgreSQL server (services.stations.roles),
as `roles` and `station revoke` do on the command line.

Each login is listed with its station, its kind (a door's or a desk's) and the events whose
tickets it admits (the server refuses any other event's from it; none named: every event's).
"New login" makes one, bound to the events ticked; "Events…" changes them; "Remove login" takes
one away; "Revoke station" ends a lost station (every login of it, its copy's key), then lists
the staff whose PIN it gives away (services.stations.exposed_pins) and resets them when the
organizer says so, showing the new PINs once. An SQLite database has no logins: the tab says so,
in the services' words, instead of its list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import cast

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Button, Static

from eventdesk.errors import EventdeskError, InvalidInput, NotAllowed
from eventdesk.grants import KINDS, Kind
from eventdesk.i18n import N_, _
from eventdesk.labels import label, options
from eventdesk.services.catalogue import events
from eventdesk.services.catalogue.events import EventInfo
from eventdesk.services.stations import roles
from eventdesk.services.stations.exposed_pins import (
    ExposedAccount,
    NewPin,
    exposed_accounts,
    reset_pins,
)
from eventdesk.services.stations.roles import Bound, Revocation
from screens.organizer.base import (
    Change,
    Fetched,
    ListParams,
    OrganizerTab,
    RowList,
    Workspace,
)
from screens.organizer.station_pins import at_risk, new_pins
from screens.widgets.forms import Field, FormValues

EVERY = "*"  # the events chooser's "every event" (no event's slug: a slug has no "*")
TABLE = "stations-table"


def admits(slugs: tuple[str, ...] | list[str], titles: dict[str, str]) -> str:
    """The events a login admits, by their titles (a slug where the title is not known)."""
    if not slugs:
        # TRANSLATORS: a station login bound to no event admits every event's tickets
        return _("every event")
    return ", ".join(titles.get(slug, slug) for slug in slugs)


def chosen_events(values: FormValues) -> list[str] | None:
    """The events ticked (their slugs); None for every event. Pure: safe on any thread."""
    ticked = values.chosen("events")
    if EVERY in ticked:
        if len(ticked) > 1:
            raise InvalidInput(
                _("tick every event, or the events it admits: not both"), field="events"
            )
        return None
    if not ticked:
        raise InvalidInput(_("tick the events it admits, or every event"), field="events")
    return ticked


class StationsTab(OrganizerTab):
    """Which station reaches the server with which login, and whose tickets each admits."""

    TITLE = N_("Stations")
    COLUMNS = {
        TABLE: (
            # TRANSLATORS: a table heading: a station's login name on the server
            N_("Login"),
            N_("Station"),
            # TRANSLATORS: a table heading: a station login's kind (door or desk)
            N_("Kind"),
            # TRANSLATORS: a table heading: the events whose tickets a station's login admits
            N_("Admits"),
        )
    }
    CAPTIONS = {TABLE: "stations-caption"}
    CAN_NEW = CAN_EDIT = True

    @dataclass
    class Revoked(Message):
        """A station revoked (in a worker), and the accounts whose PIN it gives away."""

        done: Revocation
        exposed: list[ExposedAccount]

    @dataclass
    class PinsReset(Message):
        """New PINs made (in a worker), to show once."""

        made: list[NewPin]

    def __init__(self, workspace: Workspace, *, id: str, key: str = "") -> None:
        super().__init__(workspace, id=id, key=key)
        self.said = ""  # the caption shown: on an SQLite file, why there are no logins

    def compose(self) -> ComposeResult:
        yield self.buttons(
            (_("New login"), "station-login-new"),
            # TRANSLATORS: a button: choose the events a station's login admits
            (_("Events…"), "station-login-events"),
            (_("Revoke station"), "station-revoke"),
            (_("Remove login"), "station-login-remove"),
        )
        yield Static("", id="stations-caption", classes="caption")
        yield self.table(TABLE)

    def on_mount(self) -> None:
        # No logins on an SQLite file: its caption says why, in place of the list.
        server = not self.backend.store.is_sqlite
        for part in self.query(".org-buttons, #stations-table"):
            part.display = server

    def new(self) -> None:
        if self._on_server():
            self.login_new()

    def edit(self) -> None:
        if self._on_server():
            self.login_events()

    def _on_server(self) -> bool:
        """Whether this database has logins; if not, the n and e keys are told why."""
        if not self.backend.store.is_sqlite:
            return True
        self.notify(self.said or _("Station logins need a PostgreSQL server."), severity="warning")
        return False

    def fill(
        self, target: str, rows: RowList, items: dict[str, object], caption: str | None
    ) -> None:
        super().fill(target, rows, items, caption)
        self.said = caption or ""

    def read(self, target: str, params: ListParams) -> Fetched:
        store = self.backend.store
        try:
            found = roles.listed(store)
        except NotAllowed as exc:  # an SQLite file: the services' sentence instead of the list
            return [], {}, exc.message[:1].upper() + exc.message[1:]
        titles = {e.slug: e.title for e in events.list_events(store, include_hidden=True)}
        rows: RowList = [
            (
                b.login,
                (b.login, b.station, label("station_kind", b.kind), admits(b.events, titles)),
            )
            for b in found
        ]
        caption = _(
            "The stations' own logins to this server: each admits only its events' tickets."
        )
        return rows, {b.login: b for b in found}, caption

    # --- the events a login admits ------------------------------------------------------------
    def _titles(self) -> dict[str, str]:
        return {e.slug: e.title for e in self.workspace.records("events-table", EventInfo)}

    def _events_field(self, ticked: tuple[str, ...]) -> Field:
        """Every event to tick (by title), and "every event" first; ``ticked`` ticked."""
        titles = self._titles()
        gone = [(slug, slug) for slug in ticked if slug not in titles and slug != EVERY]
        offered = list(titles.items()) + gone  # an event the list has not read yet kept
        return Field(
            "events",
            _("Admits"),
            kind="multi",
            options=(
                (_("every event"), EVERY),
                *[(title, slug) for slug, title in offered],
            ),
            chosen=ticked,
        )

    @on(Button.Pressed, "#station-login-new")
    def login_new(self) -> None:
        store = self.backend.store
        titles = self._titles()
        event = self.workspace.event
        fields = [
            Field(
                "login",
                _("Login"),
                placeholder=_("door1: lower-case letters, digits, _"),
                required=True,
                max_length=63,
            ),
            Field(
                "kind",
                _("Kind"),
                "door",
                kind="choice",
                options=options("station_kind", KINDS),
                required=True,
            ),
            Field("station", _("Station"), placeholder=_("Door 1"), required=True, max_length=100),
            Field("password", _("Password"), kind="password", required=True),
            Field("password_again", _("Password again"), kind="password", required=True),
            self._events_field((event,) if event in titles else ()),
        ]

        def create(values: FormValues) -> Change:
            password = values.texts.get("password", "")
            if password != values.texts.get("password_again", ""):
                raise InvalidInput(_("the two passwords differ"), field="password_again")
            made = roles.add(
                store,
                values.text("login"),
                kind=cast(Kind, values.text("kind")),  # the service refuses another
                station=values.text("station"),
                password=password,
                events=chosen_events(values),
            )
            bound = next((b for b in roles.listed(store) if b.login == made.login), None)
            return Change(
                # TRANSLATORS: {kind} is the login's kind: door or desk
                _("Login {login} added: the {kind} station {station}, admitting {events}").format(
                    login=made.login,
                    kind=label("station_kind", made.kind),
                    station=made.station,
                    events=admits(bound.events if bound else (), titles),
                ),
                (TABLE,),
            )

        self.form(
            _("New station login"),
            fields,
            create,
            submit=_("Add"),
            note=_(
                "The station signs in to this server with it (its own --db URL, with "
                "--station as named here) and admits only the events ticked."
            ),
        )

    @on(Button.Pressed, "#station-login-events")
    def login_events(self) -> None:
        chosen = self._login()
        if chosen is None:
            return
        store, titles = self.backend.store, self._titles()

        def bind(values: FormValues) -> Change:
            row = roles.bind(store, chosen.login, chosen_events(values))
            return Change(
                _("Login {login} ({station}) admits {events}").format(
                    login=row.login, station=row.station, events=admits(row.events, titles)
                ),
                (TABLE,),
            )

        self.form(
            _("The events {login} ({station}) admits").format(
                login=chosen.login, station=chosen.station
            ),
            [self._events_field(chosen.events or (EVERY,))],
            bind,
            note=_("The server refuses from this login any ticket of an event not ticked."),
        )

    # --- a login removed, a station revoked -----------------------------------------------------
    @on(Button.Pressed, "#station-login-remove")
    def login_remove(self) -> None:
        chosen = self._login()
        if chosen is None:
            return
        store = self.backend.store

        def job() -> str:
            gone = roles.remove(store, chosen.login)
            return _("Login {login} ({station}) removed").format(
                login=gone.login, station=gone.station
            )

        self.confirm(
            _(
                "Remove the login {login} ({station})? That station no longer reaches the "
                "server: its sessions end at once. If it is the station's last login, its "
                "copy's key is revoked too."
            ).format(login=chosen.login, station=chosen.station),
            _("Remove login"),
            lambda: self.act(job, TABLE),
        )

    @on(Button.Pressed, "#station-revoke")
    def station_revoke(self) -> None:
        chosen = self._login()
        if chosen is None:
            return
        station = chosen.station
        listed = self.workspace.records(TABLE, Bound)
        logins = sorted(b.login for b in listed if b.station == station)
        self.confirm(
            _(
                "Revoke the station {station}? Its logins ({logins}) are dropped and its "
                "sessions ended at once, and its copy's key is given to no one again: a copy "
                "taken from it stays unreadable. Then the staff whose PINs it gives away are "
                "listed, to reset."
            ).format(station=station, logins=", ".join(logins)),
            _("Revoke station"),
            lambda: self.run_worker(partial(self._revoke, station), thread=True, group="act"),
        )

    def _revoke(self, station: str) -> None:
        """In a thread worker: revoke, then whose PINs the station gives away."""
        store = self.backend.store
        try:
            done = roles.revoke(store, station)
            exposed = exposed_accounts(store, done.station)
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        self.post_message(self.Revoked(done, exposed))

    @on(Revoked)
    def revoked(self, message: Revoked) -> None:
        message.stop()
        done, exposed = message.done, message.exposed
        self.reload(TABLE)
        revoked = _(
            "{station} revoked: logins removed: {logins}; its copy stays locked (an "
            "organizer takes its outbox with `eventdesk station accept-outbox`)"
        ).format(station=done.station, logins=", ".join(done.logins) or "-")
        if not exposed:
            self.notify(revoked)
            self.notify(
                _(
                    "No staff PIN at risk: {station}'s copy held none and nobody signed in there."
                ).format(station=done.station)
            )
            return

        def answered(reset: bool | None) -> None:
            if reset:
                self.run_worker(partial(self._reset, exposed), thread=True, group="act")
            else:
                self.notify(
                    _("PINs not reset: Reset PIN on the Staff tab gives an account a new one."),
                    severity="warning",
                )

        self.app.push_screen(at_risk(done.station, revoked, exposed), answered)

    def _reset(self, exposed: list[ExposedAccount]) -> None:
        """In a thread worker: a new PIN for each account."""
        try:
            made = reset_pins(self.backend.store, exposed)
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        self.post_message(self.PinsReset(made))

    @on(PinsReset)
    def pins_reset(self, message: PinsReset) -> None:
        message.stop()
        self.app.push_screen(new_pins(message.made))

    def _login(self) -> Bound | None:
        return self.chosen(TABLE, Bound, _("Choose a station login in the list first."))
