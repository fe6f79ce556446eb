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
MIN_FIELDS = 3  # lines: however short the screen, a field or so shows (the rest scrolls)


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
        self.fields_room = 0  # the lines the fields may take (fit_fields)
        self.submit_label = _("Save") if submit is None else submit

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(self.title_text, id="form-title")
            if self.note:
                yield Static(self.note, id="form-note")
            with VerticalScroll(id="form-fields"):
                yield from self.compose_fields()
            with Vertical(id="form-foot"):
                yield self.problem_line()
                yield self.buttons(self.submit_label, _("Cancel"))

    # --- the fields scroll in what the screen leaves them ---------------------------------------
    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_fields)

    def show_problem(self, text: str) -> None:
        super().show_problem(text)
        self.call_after_refresh(self.fit_fields)

    def fit_fields(self) -> None:
        """The fields are as tall as the screen leaves them once the title, the note, what is
        wrong and the buttons are in sight (on a short screen they scroll)."""
        box = self.query_one("#form-box")
        fields = self.query_one("#form-fields")
        others = sum(
            child.outer_size.height + child.styles.margin.height
            for child in box.children
            if child is not fields and child.display
        )
        taken = box.styles.gutter.height + box.styles.margin.height + fields.styles.margin.height
        room = max(MIN_FIELDS, self.size.height - taken - others)
        if room != self.fields_room:
            self.fields_room = room
            fields.styles.max_height = room
