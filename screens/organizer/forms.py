"""The organizer's form: a titled dialog of fields on the shared form engine.

Its required fields are checked at once; then its ``action`` runs in a thread worker (the values
are parsed there and a service is called). An ``EventdeskError`` from either is shown under its
field (or at the bottom), nothing saved, the form open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from eventdesk.i18n import N_, _
from screens.widgets.forms import Field, FormDialog, FormValues

R = TypeVar("R")


class FormScreen(FormDialog[R]):
    """A form of the organizer's; dismissed with what ``action`` returned, or None."""

    CSS_PATH = "organizer.tcss"
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="form.cancel"),
        Binding("ctrl+s", "save", N_("Save"), id="form.save"),
    ]

    def __init__(
        self,
        title: str,
        fields: list[Field],
        action: Callable[[FormValues], R],
        *,
        submit: str | None = None,
        note: str = "",
    ) -> None:
        super().__init__(fields, action)
        self.title_text, self.note = title, note
        self.submit_label = _("Save") if submit is None else submit

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(self.title_text, id="form-title")
            if self.note:
                yield Static(self.note, id="form-note")
            with VerticalScroll(id="form-fields"):
                yield from self.compose_fields()
            yield self.problem_line()
            yield self.buttons(self.submit_label, _("Cancel"))
