"""A yes/no question before something that cannot be taken back (desk and organizer)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from eventdesk.i18n import N_, _


class ConfirmScreen(ModalScreen[bool]):
    """Dismissed with True for yes; escape, n or the focused 'no' button say no."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen #confirm-box {
        width: 60; max-width: 100%; height: auto; max-height: 100%;
        padding: 1 2; border: round $primary; background: $surface;
    }
    ConfirmScreen #confirm-question { height: auto; }
    ConfirmScreen #confirm-buttons { height: auto; margin-top: 1; }
    ConfirmScreen #confirm-buttons Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding(
            "escape,n",  # not for translation: keys
            "answer(False)",
            N_("No"),
            id="confirm.no",
        ),
        Binding("y", "answer(True)", N_("Yes"), id="confirm.yes"),
    ]

    def __init__(self, question: str, *, yes: str | None = None, no: str | None = None) -> None:
        """``yes`` and ``no``: the buttons' texts, translated already (default: Yes and No)."""
        super().__init__()
        self.question = question
        self.yes = _("Yes") if yes is None else yes
        self.no = _("No") if no is None else no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(self.yes, variant="error", id="confirm-yes", compact=True)
                yield Button(self.no, variant="primary", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def no_pressed(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
