"""The desk's Note dialog (Ctrl+L): the staff's note on the person on the card ("Press: escort
to the press room") and on the order of their ticket here ("paid by invoice, collect PO"),
written, changed or taken away (left empty). Shown at the door with their answers, never
printed on a badge, never shown at a kiosk. Saved in the form's thread worker."""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from eventdesk.i18n import N_, _
from eventdesk.services.people.attendees import AttendeeInfo, set_attendee_note
from eventdesk.services.people.notes import NOTE_LENGTH, parse_note, set_order_note
from screens.backend import Backend
from screens.desk.forms import DESK_CSS, DESK_LOOK
from screens.terminal import for_screen
from screens.widgets.forms import Field, FormDialog, FormValues


@dataclass(frozen=True)
class Noted:
    """What the dialog saved: the person, and the order's note when it had the order's field."""

    person: AttendeeInfo
    order_id: int | None = None
    order_note: str | None = None


def _note(text: str) -> object:
    return parse_note(text) or ""


def note_field(name: str, label: str, value: str) -> Field:
    return Field(
        name,
        label,
        value=value,
        # TRANSLATORS: the hint in an empty staff note field
        placeholder=_("optional: shown at the door, never printed"),
        max_length=NOTE_LENGTH,
        check=_note,
    )


class NoteScreen(FormDialog[Noted]):
    """The person's note, and the note of ``order`` (its id and note) when they have a ticket
    here; dismissed with what was saved."""

    CSS_PATH = DESK_CSS
    LOOK = replace(
        DESK_LOOK,
        field_id="note-{name}",
        problem_id="note-problem",
        save_id="note-save",
        cancel_id="note-back",
    )
    BINDINGS = [Binding("escape", "cancel", N_("Back"), id="desk.note.back")]

    def __init__(
        self, backend: Backend, person: AttendeeInfo, order: tuple[int, str | None] | None
    ) -> None:
        # TRANSLATORS: a field's label: the staff's note on the person
        fields = [note_field("note", _("Note on the person"), person.note or "")]
        if order is not None:
            fields.append(
                note_field(
                    "order_note",
                    # TRANSLATORS: a field's label: the staff's note on the person's order
                    _("Note on order {order}").format(order=order[0]),
                    order[1] or "",
                )
            )
        super().__init__(fields, self.save)
        self.backend, self.person, self.order = backend, person, order

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="note-box", classes="desk-dialog"):
            # TRANSLATORS: the title of the desk's dialog that writes a staff note
            yield Label(_("Note"), classes="dialog-title")
            said = _(
                "Shown at the door with {name}'s answers, for the staff only: never printed, "
                "never shown at a kiosk. Left empty: no note."
            ).format(name=for_screen(self.person.name))
            yield Static(said, id="note-what", markup=False)
            yield from self.compose_fields()
            yield self.problem_line()
            # TRANSLATORS: buttons: keep the note typed; close the dialog
            yield self.buttons(_("Save"), _("Back"))

    def save(self, values: FormValues) -> Noted:
        """In the form's thread worker: the notes given, or taken away."""
        store = self.backend.store
        person = self.person
        if values.optional("note") != person.note:
            person = set_attendee_note(store, person.id, values.optional("note"))
        if self.order is None:
            return Noted(person)
        order_id, before = self.order
        note = values.optional("order_note")
        if note != before:
            note = set_order_note(store, order_id, note).note
        return Noted(person, order_id, note)
