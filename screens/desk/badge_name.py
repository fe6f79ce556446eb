"""The desk's Badge name dialog (Ctrl+G): the shorter name the person on the card has printed on
their badges instead of their full name, given, changed or taken away (left empty: the full
name again). Checked as the walk-in's field is; saved in the form's thread worker."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from eventdesk.i18n import N_, _
from eventdesk.services.people.attendees import AttendeeInfo, set_badge_name
from screens.backend import Backend
from screens.desk.forms import DESK_CSS, DESK_LOOK, badge_name_field
from screens.terminal import for_screen
from screens.widgets.forms import FormDialog, FormValues


class BadgeNameScreen(FormDialog[AttendeeInfo]):
    """One field, prefilled with the badge name they have; dismissed with the person as saved."""

    CSS_PATH = DESK_CSS
    LOOK = replace(
        DESK_LOOK,
        field_id="badgename-{name}",
        problem_id="badgename-problem",
        save_id="badgename-save",
        cancel_id="badgename-back",
    )
    BINDINGS = [Binding("escape", "cancel", N_("Back"), id="desk.badge-name.back")]

    def __init__(self, backend: Backend, person: AttendeeInfo) -> None:
        super().__init__([badge_name_field(person.badge_name or "")], self.save)
        self.backend, self.person = backend, person

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="badgename-box", classes="desk-dialog"):
            # TRANSLATORS: the title of the desk's dialog that sets a person's badge name
            yield Label(_("Badge name"), classes="dialog-title")
            said = _(
                "Printed on the badges of {name} instead of their name. Left empty: their name."
            ).format(name=for_screen(self.person.name))
            yield Static(said, id="badgename-what", markup=False)
            yield from self.compose_fields()
            yield self.problem_line()
            # TRANSLATORS: buttons: keep the badge name typed; close the dialog
            yield self.buttons(_("Save"), _("Back"))

    def save(self, values: FormValues) -> AttendeeInfo:
        """In the form's thread worker: the badge name given, or taken away."""
        return set_badge_name(self.backend.store, self.person.id, values.optional("badge_name"))
