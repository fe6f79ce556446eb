"""The desk asks a check-in list's questions (services.door.lists) before it admits: a yes/no,
a choice or a short text each, the required ones marked. What was answered goes with the
check-in; a wrong answer is said under its field and nothing is written."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from eventdesk.errors import InvalidInput
from eventdesk.i18n import N_, _
from eventdesk.services.door.scan_result import ScanResult
from screens.desk.forms import DESK_CSS, DESK_LOOK
from screens.widgets.forms import Field, FormDialog, FormValues

YES_NO = ((N_("Yes"), "yes"), (N_("No"), "no"))  # (label, value): translated where shown


def _needed(text: str) -> object:
    if not text.strip():
        raise InvalidInput(_("an answer is required"), field="answer")
    return text


def fields_of(result: ScanResult) -> list[Field]:
    """A field a question, as the list asks it. A required one starts empty (never a yes
    chosen for the staff) and must be answered. A yes/no or a choice shows its answers in
    place, inside the dialog (a drop-down list would cover its buttons and frame)."""
    fields = []
    for key, kind, text, choices in result.questions:
        required = key in result.asks
        check = _needed if required else None
        label = f"{text} *" if required else text
        if kind in ("yesno", "choice"):
            options = (
                tuple((_(label), value) for label, value in YES_NO)
                if kind == "yesno"
                else tuple((c, c) for c in choices.split("|") if c)
            )
            fields.append(Field(key, label, kind="choice", options=options, check=check))
        else:
            fields.append(
                Field(
                    key,
                    label,
                    max_length=200,
                    placeholder="" if required else _("optional"),
                    check=check,
                )
            )
    return fields


class QuestionsScreen(FormDialog[dict[str, str]]):
    """Dismissed with the answers (by key), or None (back: nothing admitted)."""

    CSS_PATH = DESK_CSS
    LOOK = replace(
        DESK_LOOK,
        field_id="ask-{name}",
        problem_id="ask-problem",
        save_id="ask-ok",
        cancel_id="ask-back",
        working=N_("Checking in…"),
    )
    BINDINGS = [Binding("escape", "cancel", N_("Back"), id="desk.ask.back")]

    def __init__(self, result: ScanResult) -> None:
        super().__init__(fields_of(result), self.answered)
        self.result = result

    def compose(self) -> ComposeResult:
        result = self.result
        with VerticalScroll(id="ask-box", classes="desk-dialog"):
            yield Label(_("Questions at check-in"), classes="dialog-title")
            yield Static(
                f"{result.attendee} · {result.ticket_type} {result.ticket_id}"
                # TRANSLATORS: the check-in list a ticket is checked in on: "list vip-lounge"
                + (" · " + _("list {list}").format(list=result.list) if result.list else ""),
                id="ask-who",
                markup=False,
            )
            yield from self.compose_fields()
            yield self.problem_line()
            # TRANSLATORS: buttons: check the ticket in with these answers; close the dialog
            yield self.buttons(_("Check in"), _("Back"))

    def answered(self, values: FormValues) -> dict[str, str]:
        """The answers given (an optional one left empty is not an answer)."""
        return {spec.name: values.text(spec.name) for spec in self.fields if values.text(spec.name)}
