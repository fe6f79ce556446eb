"""Signing in with a staff PIN, and the PIN that lets staff leave the locked kiosk."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from eventdesk.errors import EventdeskError
from eventdesk.services.auth import StaffInfo, list_staff, verify_staff
from screens.backend import Backend
from screens.base import StationScreen
from screens.messages import SignedIn

PIN_MAX = 32


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

    def compose(self) -> ComposeResult:
        yield Label(self.title, id="form-title")
        yield Label("Name", classes="field")
        yield Select[str]([], prompt="Choose your name", id="staff-name")
        yield Label("PIN", classes="field")
        yield Input(password=True, max_length=PIN_MAX, placeholder="PIN", id="staff-pin")
        yield Static("", id="problem")
        with Horizontal():
            yield Button("Sign in", variant="primary", id="sign-in")

    def on_mount(self) -> None:
        self.load_names()

    @work(thread=True, exclusive=True, group="staff-names")
    def load_names(self) -> None:
        try:
            staff = [s for s in list_staff(self.backend.store) if s.active and s.role in self.roles]
        except EventdeskError as exc:
            self.app.call_from_thread(self.say, exc.message)
            return
        self.app.call_from_thread(self._fill, [s.name for s in staff])

    def _fill(self, names: list[str]) -> None:
        select = self.query_one("#staff-name", Select)
        select.set_options((name, name) for name in names)
        if len(names) == 1:
            select.value = names[0]
        if not names:
            self.say("No staff account here yet: add one with  eventdesk staff add")

    def say(self, text: str) -> None:
        self.query_one("#problem", Static).update(text)

    @on(Input.Submitted, "#staff-pin")
    @on(Button.Pressed, "#sign-in")
    def submit(self) -> None:
        name = self.query_one("#staff-name", Select).value
        pin = self.query_one("#staff-pin", Input).value
        if not isinstance(name, str):
            self.say("Choose your name first.")
            return
        if not pin:
            self.say("Type your PIN.")
            return
        self.say("Checking…")
        self.check(name, pin)

    @work(thread=True, exclusive=True, group="staff-pin")
    def check(self, name: str, pin: str) -> None:
        try:
            staff = verify_staff(self.backend.store, name, pin)
        except EventdeskError as exc:
            self.app.call_from_thread(self._refused, exc.message)
            return
        if staff.role not in self.roles:
            self.app.call_from_thread(self._refused, f"{staff.name} ({staff.role}) cannot do this")
            return
        self.post_message(self.Verified(staff))

    def _refused(self, message: str) -> None:
        pin = self.query_one("#staff-pin", Input)
        pin.value = ""
        pin.focus()
        self.say(message)


class LoginScreen(StationScreen):
    """The first screen: a staff member picks their name and types their PIN."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="login-box"):
            yield Static(self._where(), id="login-where")
            yield StaffForm(
                self.backend, roles=("organizer", "staff", "kiosk"), title="Sign in to eventdesk"
            )
        yield Footer()

    def _where(self) -> str:
        event = self.backend.event or "no event yet"
        return f"Station {self.backend.station}  ·  event {event}"

    @on(StaffForm.Verified)
    def verified(self, message: StaffForm.Verified) -> None:
        message.stop()
        self.app.post_message(SignedIn(message.staff))

    def on_screen_resume(self) -> None:
        pin = self.query_one("#staff-pin", Input)
        pin.value = ""
        self.query_one("#problem", Static).update("")
        if self.query_one("#staff-name", Select).value is not Select.NULL:
            pin.focus()


class StaffPinScreen(ModalScreen[StaffInfo | None]):
    """Asks for a desk or organizer PIN (to leave the kiosk); dismissed with who it was."""

    BINDINGS = [Binding("escape", "cancel", "Back", id="staff-pin.cancel")]

    def __init__(self, backend: Backend, *, reason: str) -> None:
        super().__init__()
        self.backend, self.reason = backend, reason

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-pin-box"):
            yield StaffForm(self.backend, roles=("organizer", "staff"), title=self.reason)

    @on(StaffForm.Verified)
    def verified(self, message: StaffForm.Verified) -> None:
        message.stop()
        self.dismiss(message.staff)

    def action_cancel(self) -> None:
        self.dismiss(None)
