"""Signing in with a staff PIN, and the name + PIN that lets staff leave the locked kiosk.

The sign-in screen lists the staff names to choose from; the kiosk's unlock is on a public
screen, so there the name is typed and the service answers without telling which names exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Header, Input, Label, Select, Static

from eventdesk.errors import EventdeskError, Refused
from eventdesk.i18n import N_, _
from eventdesk.labels import label
from screens.backend import Backend
from screens.base import StationScreen
from screens.messages import SignedIn, StationOpen
from screens.widgets.key_bar import KeyBar
from screens.widgets.offline_state import needs_server

if TYPE_CHECKING:  # the services load with the database, after the first screen is drawn
    from eventdesk.services.people.auth import StaffInfo

PIN_MAX = 32
NAME_MAX = 100
NAMES_EVERY = 3.0  # seconds: a staff account added elsewhere shows up on the sign-in screen


class StaffForm(Vertical):
    """Name + PIN, checked in a thread worker; posts ``Verified`` or shows what is wrong."""

    DEFAULT_CSS = """
    StaffForm { height: auto; width: 56; padding: 1 2; border: round $primary; }
    StaffForm Label.field { margin-top: 1; }
    StaffForm #problem { color: $error; height: auto; margin-top: 1; }
    StaffForm Horizontal { height: auto; margin-top: 1; }
    """

    class Verified(Message):
        """The name and PIN are right."""

        def __init__(self, staff: StaffInfo) -> None:
            super().__init__()
            self.staff = staff

    def __init__(self, backend: Backend, *, roles: tuple[str, ...], title: str) -> None:
        super().__init__()
        self.backend, self.roles, self.title = backend, roles, title
        self.names: list[str] | None = None  # the names the list shows
        # Which note the problem line holds ("offline", "no-staff"), if one: a text is never
        # compared (it is in the reader's language).
        self.note: str | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.title, id="form-title")
        yield Label(_("Name"), classes="field")
        yield self.name_field()
        # TRANSLATORS: a staff member's secret number
        yield Label(_("PIN"), classes="field")
        yield Input(password=True, max_length=PIN_MAX, placeholder=_("PIN"), id="staff-pin")
        yield Static("", id="problem")
        with Horizontal():
            yield Button(_(self.button_label), variant="primary", id="sign-in")

    button_label = N_("Sign in")  # translated where shown

    def name_field(self) -> Select[str] | Input:
        return Select[str]([], prompt=_("Choose your name"), id="staff-name")

    def on_mount(self) -> None:
        self.prepare()

    def prepare(self) -> None:
        """What the form reads as it opens: the names to choose from (once the station's
        database is open: the sign-in screen reads them again then)."""
        if self.backend.is_open:
            self.load_names()

    @work(thread=True, exclusive=True, group="staff-names")
    def load_names(self) -> None:
        try:
            store = self.backend.store  # waits while the app opens it: the services load after
            station = self.backend.door_station
            if station is None:  # one box: no mirror (and no door service loaded for it)
                from eventdesk.services.people.auth import list_staff

                listed, offline = list_staff(store), False
            else:  # on a server that does not answer: the accounts in this station's mirror
                from eventdesk.services.stations.signin import staff_to_choose

                listed, offline = staff_to_choose(store, station)
            staff = [s for s in listed if s.active and s.role in self.roles]
        except EventdeskError as exc:
            self.app.call_from_thread(self.say, needs_server(exc, _("Signing in")))
            return
        self.app.call_from_thread(self._fill, [s.name for s in staff], offline)

    def _fill(self, names: list[str], offline: bool = False) -> None:
        said = str(self.query_one("#problem", Static).render())
        if offline or said:
            from eventdesk.services.stations.mirror_staff import OFFLINE_NOTE

            if offline and not said:
                # who can sign in while the server is away (marked where it is written)
                self.say(_(OFFLINE_NOTE), note="offline")
            elif not offline and self.note == "offline":
                self.say("")
        select = self.query_one("#staff-name", Select)
        if names == self.names:
            return  # unchanged: the choice and the focus stay as they are
        chosen = select.value
        self.names = names
        with select.prevent(Select.Changed):
            select.set_options((name, name) for name in names)
            if isinstance(chosen, str) and chosen in names:
                select.value = chosen
            elif len(names) == 1:
                select.value = names[0]
        if not names:
            self.say(
                _("No staff account here yet: add one with  eventdesk staff add"), note="no-staff"
            )
        elif self.note == "no-staff":
            self.say("")

    def say(self, text: str, *, note: str | None = None) -> None:
        """``text`` on the problem line; ``note`` names it when it is one of the form's notes."""
        self.note = note
        self.query_one("#problem", Static).update(text)

    def chosen_name(self) -> str | None:
        """The name the form holds, or None after saying what is missing."""
        name = self.query_one("#staff-name", Select).value
        if not isinstance(name, str):
            self.say(_("Choose your name first."))
            return None
        return name

    @on(Input.Submitted, "#staff-pin")
    @on(Button.Pressed, "#sign-in")
    def submit(self) -> None:
        name = self.chosen_name()
        if name is None:
            return
        if not self.query_one("#staff-pin", Input).value:
            self.say(_("Type your PIN."))
            self.query_one("#staff-pin", Input).focus()
            return
        self.say(_("Checking…"))
        self.check(name, self.query_one("#staff-pin", Input).value)

    def verify(self, name: str, pin: str) -> StaffInfo:
        """Runs in a worker thread: who it is, or an EventdeskError saying why not."""
        backend = self.backend
        if backend.door_station is None:
            from eventdesk.services.people.auth import verify_staff

            staff = verify_staff(backend.store, name, pin, now=backend.now())
        else:  # from the station's mirror while its server does not answer
            from eventdesk.services.stations.signin import sign_in

            staff = sign_in(backend.store, backend.door_station, name, pin, now=backend.now())
        if staff.role not in self.roles:
            raise Refused(
                _("{name} ({role}) cannot do this").format(
                    name=staff.name, role=label("staff_role", staff.role)
                )
            )
        return staff

    @work(thread=True, exclusive=True, group="staff-pin")
    def check(self, name: str, pin: str) -> None:
        try:
            staff = self.verify(name, pin)
        except EventdeskError as exc:
            self.app.call_from_thread(self._refused, needs_server(exc, _("Signing in")))
            return
        self.post_message(self.Verified(staff))

    def _refused(self, message: str) -> None:
        pin = self.query_one("#staff-pin", Input)
        pin.value = ""
        pin.focus()
        self.say(message)


class KioskUnlockForm(StaffForm):
    """The kiosk's unlock: the name is typed, never listed, and the service answers (one answer
    for a wrong name or PIN; the kiosk's own lock after too many)."""

    # TRANSLATORS: a button: leave the locked kiosk
    button_label = N_("Unlock")

    def name_field(self) -> Input:
        return Input(max_length=NAME_MAX, placeholder=_("Your name"), id="staff-name")

    def prepare(self) -> None:
        """While this kiosk's unlock is locked, it says so (and for how long) as it opens."""
        self.read_lock()

    @work(thread=True, exclusive=True, group="kiosk-unlock-lock")
    def read_lock(self) -> None:
        from eventdesk.services.people.auth import kiosk_unlock_lock

        try:
            locked = kiosk_unlock_lock(
                self.backend.store, self.backend.station, now=self.backend.now()
            )
        except EventdeskError as exc:
            locked = exc.message
        if locked:
            self.app.call_from_thread(self.say, _sentence(locked))

    def chosen_name(self) -> str | None:
        field = self.query_one("#staff-name", Input)
        name = field.value.strip()
        if not name:
            self.say(_("Type your name."))
            field.focus()
            return None
        return name

    @on(Input.Submitted, "#staff-name")
    def name_entered(self) -> None:
        self.query_one("#staff-pin", Input).focus()

    def verify(self, name: str, pin: str) -> StaffInfo:
        from eventdesk.services.people.auth import unlock_kiosk

        backend = self.backend
        return unlock_kiosk(backend.store, backend.station, name, pin, now=backend.now())

    def _refused(self, message: str) -> None:
        super()._refused(_sentence(message))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# Under 30 lines (80x24) the staff form loses its air: its button stays in sight.
SHORT = [(0, "-short"), (30, "-tall")]


class LoginScreen(StationScreen):
    """The first screen: a staff member picks their name and types their PIN."""

    VERTICAL_BREAKPOINTS = SHORT

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="login-box"):
            yield Static(self._where(), id="login-where")
            yield StaffForm(
                self.backend,
                roles=("organizer", "staff", "kiosk"),
                title=_("Sign in to eventdesk"),
            )
        yield KeyBar()

    def _where(self) -> str:
        station = self.backend.station
        if not self.backend.is_open:
            return _("Station {station}  ·  opening the database…").format(station=station)
        if not self.backend.event:
            return _("Station {station}  ·  no event yet").format(station=station)
        return _("Station {station}  ·  event {event}").format(
            station=station, event=self.backend.event
        )

    @on(StationOpen)
    def station_open(self) -> None:
        self.query_one("#login-where", Static).update(self._where())
        self.query_one(StaffForm).load_names()

    @on(StaffForm.Verified)
    def verified(self, message: StaffForm.Verified) -> None:
        message.stop()
        self.app.post_message(SignedIn(message.staff))

    def on_mount(self) -> None:
        self.set_interval(NAMES_EVERY, self._poll_names, name="staff-names")

    def _poll_names(self) -> None:
        if self.is_current and self.backend.is_open:
            self.query_one(StaffForm).load_names()

    def on_screen_resume(self) -> None:
        """Shown again (after a sign-out): accounts added meanwhile are on the list."""
        if self.backend.is_open:
            self.query_one(StaffForm).load_names()
        pin = self.query_one("#staff-pin", Input)
        pin.value = ""
        self.query_one(StaffForm).say("")
        if self.query_one("#staff-name", Select).value is not Select.NULL:
            pin.focus()


class StaffPinScreen(ModalScreen["StaffInfo | None"]):
    """Asks for a desk or organizer name and PIN to leave the kiosk (typed: the kiosk's screen
    lists no names); dismissed with who it was."""

    BINDINGS = [Binding("escape", "cancel", N_("Back"), id="staff-pin.cancel")]
    VERTICAL_BREAKPOINTS = SHORT

    def __init__(self, backend: Backend, *, reason: str) -> None:
        super().__init__()
        self.backend, self.reason = backend, reason

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-pin-box"):
            yield KioskUnlockForm(self.backend, roles=("organizer", "staff"), title=self.reason)

    @on(StaffForm.Verified)
    def verified(self, message: StaffForm.Verified) -> None:
        message.stop()
        self.dismiss(message.staff)

    def action_cancel(self) -> None:
        self.dismiss(None)
