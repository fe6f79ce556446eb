"""Unlocking this station's copy with its passphrase: asked when the app starts while its
server is away and the machine does not hold the copy's key (it was switched off since the
server last gave it; services.stations.copy_key). The passphrase is the one an organizer read
with ``eventdesk station passphrase``; a wrong one is said and asked again, and Escape gives up
(the app then stops with the reason, as it did before it asked)."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from eventdesk.errors import EventdeskError
from eventdesk.i18n import N_, _


class UnlockScreen(ModalScreen[bool]):
    """Dismissed with True once the copy's key is held; False when staff gave up."""

    DEFAULT_CSS = """
    UnlockScreen { align: center middle; }
    UnlockScreen #unlock-box {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        padding: 1 2; border: round $warning; background: $surface;
    }
    UnlockScreen #unlock-why { height: auto; margin-bottom: 1; }
    UnlockScreen #unlock-problem { height: auto; color: $error; }
    UnlockScreen #unlock-keys { height: auto; color: $text-muted; }
    """
    # TRANSLATORS: a key: stop without unlocking this station's copy
    BINDINGS = [Binding("escape", "give_up", N_("Give up"), id="unlock.give-up")]

    def __init__(self, station: str, data_dir: Path) -> None:
        super().__init__()
        self.station, self.data_dir = station, data_dir

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-box"):
            yield Static(
                _(
                    "{station}'s server does not answer, and this machine was switched off since "
                    "it last did: its copy is locked. Type the station's passphrase (an "
                    "organizer reads it with `eventdesk station passphrase`) to decide from it."
                ).format(station=self.station),
                id="unlock-why",
                markup=False,
            )
            # TRANSLATORS: the example is the form of a passphrase: keep its digits as they are
            yield Input(
                placeholder=_("passphrase, like 3F9A-C21B-77E0"), password=True, id="unlock"
            )
            yield Static("", id="unlock-problem", markup=False)
            # TRANSLATORS: the keys of the passphrase's box
            yield Static(_("Enter: unlock · Escape: give up"), id="unlock-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#unlock", Input).focus()

    @on(Input.Submitted, "#unlock")
    def typed(self, message: Input.Submitted) -> None:
        message.input.disabled = True
        self.query_one("#unlock-problem", Static).update(_("unlocking..."))
        self._unlock(message.value)

    @work(thread=True, exclusive=True, group="unlock")
    def _unlock(self, passphrase: str) -> None:
        """argon2id's derivation takes a moment: off the UI thread."""
        from eventdesk.services.stations.copy_key import unlock

        try:
            unlock(self.data_dir, passphrase)
        except EventdeskError as exc:
            self.app.call_from_thread(self._refused, exc.message)
            return
        self.app.call_from_thread(self.dismiss, True)

    def _refused(self, said: str) -> None:
        field = self.query_one("#unlock", Input)
        field.disabled = False
        field.value = ""
        field.focus()
        self.query_one("#unlock-problem", Static).update(said)

    def action_give_up(self) -> None:
        self.dismiss(False)
