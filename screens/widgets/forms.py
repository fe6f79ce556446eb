"""One form engine for the app's dialogs: the organizer's forms and the desk's dialogs.

A dialog is a list of ``Field`` specs. The engine composes a row for each (a label, the widget,
an error line under it), reads what was typed as ``FormValues`` and checks it before anything is
written: a required field left empty, or a field's own ``check`` saying no, is shown under that
field, the first one focused. Then the dialog's ``action`` runs in a thread worker: ``Saved``
dismisses the dialog with what it returned; an ``EventdeskError`` comes back as ``Failed`` and is
shown under its field (or on the problem line under the form), nothing saved, the dialog open.
Enter in a text field or the submit button saves; the cancel button closes it unsaved (each
dialog binds its own keys to ``save`` and ``cancel``). Where the parts are (ids) and how they are
marked (.tcss classes) is the dialog's ``LOOK``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.worker import Worker, WorkerState

from eventdesk.errors import EventdeskError
from eventdesk.i18n import N_, _

R = TypeVar("R")
# A "choice" shows every option in place (a set of radio buttons): nothing drops down over the
# dialog; a "select" drops its options down.
# An "area" is a text of several lines (a long answer).
FieldKind = Literal["text", "password", "select", "choice", "check", "multi", "area"]
Choice = str | int  # the value of an option of a select, a choice or a multi
INLINE_CHOICES = (3, 30)  # a choice of up to 3 answers as short as this is one line (-inline)


@dataclass(frozen=True)
class Field:
    """One row of a form. ``name`` is the service's error field where there is one."""

    name: str
    label: str
    value: str = ""
    kind: FieldKind = "text"
    options: tuple[tuple[str, Choice], ...] = ()  # (label, value) for select, choice and multi
    chosen: tuple[Choice, ...] = ()  # the values ticked in a multi
    checked: bool = False
    placeholder: str = ""  # a select's prompt, a checkbox's text
    required: bool = False
    aliases: tuple[str, ...] = ()  # other error fields that belong here
    disabled: bool = False
    max_length: int = 0  # of a text field; 0: no limit
    check: Callable[[str], object] | None = None  # raises an EventdeskError on a bad value
    widget_id: str = ""  # instead of the look's id for it
    row_id: str | None = None


def fitted(text: str, width: int) -> str:
    """``text`` in ``width`` cells: cut with "…" when it is wider."""
    if cell_len(text) <= width:
        return text
    cut = Text(text)
    cut.truncate(max(width, 1), overflow="ellipsis")
    return cut.plain


class FormInput(Input):
    """A form's text field: a hint (its placeholder) wider than the field ends in "…"."""

    def __init__(self, value: str, *, placeholder: str = "", **options: Any) -> None:
        super().__init__(value, placeholder=placeholder, **options)
        self.hint = placeholder  # the whole hint, as given

    def on_resize(self) -> None:
        self.placeholder = fitted(self.hint, self.scrollable_content_region.width)


@dataclass(frozen=True)
class FormLook:
    """Where a dialog's parts are (ids, ``{name}`` is the field's) and their .tcss classes."""

    field_id: str = "f-{name}"
    error_id: str = "e-{name}"
    label_classes: str = "form-label"
    error_classes: str = "form-error"
    required_mark: str = " *"
    multi_classes: str = "form-multi"
    compact_multi: bool = False
    problem_id: str = "form-problem"
    problem_classes: str = ""
    problem_hides: bool = False  # the problem line takes no room while it is empty
    buttons_id: str | None = "form-buttons"
    buttons_classes: str = ""
    save_id: str = "form-save"
    cancel_id: str = "form-cancel"
    # On the problem line; and there while the action runs. Marked with N_ where written,
    # translated where shown ("" says nothing).
    fix_hint: str = N_("Please correct the field marked above.")
    working: str = N_("Saving…")


def shown(text: str) -> str:
    """A look's text (marked with N_) in the reader's language; "" stays ""."""
    return _(text) if text else ""


class FormValues:
    """What was typed and chosen, read on the UI thread and handed to the worker."""

    def __init__(
        self, texts: dict[str, str], flags: dict[str, bool], lists: dict[str, list[str]]
    ) -> None:
        self.texts, self.flags, self.lists = texts, flags, lists

    def text(self, name: str) -> str:
        return self.texts.get(name, "").strip()

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def flag(self, name: str) -> bool:
        return self.flags.get(name, False)

    def chosen(self, name: str) -> list[str]:
        return list(self.lists.get(name, []))


class FormDialog(ModalScreen[R | None], Generic[R]):
    """A dialog of fields; dismissed with what ``action`` returned, or None if cancelled."""

    LOOK: ClassVar[FormLook] = FormLook()

    class Saved(Message):
        """The action went through."""

        def __init__(self, result: object) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        """The input or the service said no: nothing was changed."""

        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text, self.field = text, field

    def __init__(self, fields: list[Field], action: Callable[[FormValues], R]) -> None:
        super().__init__()
        self.fields, self.action = fields, action
        self.saving = False

    # --- composing ----------------------------------------------------------------------------
    def compose_fields(self) -> ComposeResult:
        """A row per field (its label and widget) with its error line under it."""
        look = self.LOOK
        for spec in self.fields:
            with Horizontal(classes="form-row", id=spec.row_id):
                mark = look.required_mark if spec.required else ""
                yield Label(f"{spec.label}{mark}", classes=look.label_classes)
                yield self._widget(spec)
            error = Label("", id=look.error_id.format(name=spec.name), classes=look.error_classes)
            error.display = False
            yield error

    def problem_line(self) -> Static:
        """The line under the form for what belongs to no field (and how saving goes)."""
        line = Static("", id=self.LOOK.problem_id, classes=self.LOOK.problem_classes)
        line.display = not self.LOOK.problem_hides
        return line

    def buttons(self, submit: str, cancel: str) -> Horizontal:
        look = self.LOOK
        return Horizontal(
            Button(submit, variant="primary", id=look.save_id, compact=True),
            Button(cancel, id=look.cancel_id, compact=True),
            id=look.buttons_id,
            classes=look.buttons_classes,
        )

    def widget_id(self, spec: Field) -> str:
        return spec.widget_id or self.LOOK.field_id.format(name=spec.name)

    def _widget(self, spec: Field) -> Widget:
        wid = self.widget_id(spec)
        if spec.kind == "select":
            return Select[Choice](
                spec.options,
                value=spec.value if spec.value else Select.NULL,
                allow_blank=not spec.required,
                prompt=spec.placeholder or _("(none)"),
                id=wid,
                compact=True,
                disabled=spec.disabled,
            )
        if spec.kind == "choice":
            few = len(spec.options) <= INLINE_CHOICES[0]
            short = sum(cell_len(label) + 4 for label, _value in spec.options) <= INLINE_CHOICES[1]
            return RadioSet(
                *[
                    RadioButton(label, value=bool(spec.value) and str(value) == spec.value)
                    for label, value in spec.options
                ],
                id=wid,
                classes="-inline" if few and short else "",
                compact=True,
                disabled=spec.disabled,
            )
        if spec.kind == "check":
            return Checkbox(
                spec.placeholder, spec.checked, id=wid, compact=True, disabled=spec.disabled
            )
        if spec.kind == "multi":
            return SelectionList[Choice](
                *[(label, value, value in spec.chosen) for label, value in spec.options],
                id=wid,
                classes=self.LOOK.multi_classes,
                compact=self.LOOK.compact_multi,
            )
        if spec.kind == "area":
            return TextArea(
                spec.value,
                id=wid,
                compact=True,
                disabled=spec.disabled,
                placeholder=spec.placeholder,
            )
        return FormInput(
            spec.value,
            placeholder=spec.placeholder,
            password=spec.kind == "password",
            max_length=spec.max_length,
            id=wid,
            compact=True,
            disabled=spec.disabled,
        )

    def on_mount(self) -> None:
        first = next((s for s in self.fields if not s.disabled), None)
        if first is not None:
            self.query_one(f"#{self.widget_id(first)}").focus()

    # --- reading and checking -----------------------------------------------------------------
    def values(self) -> FormValues:
        texts: dict[str, str] = {}
        flags: dict[str, bool] = {}
        lists: dict[str, list[str]] = {}
        for spec in self.fields:
            widget = self.query_one(f"#{self.widget_id(spec)}")
            if isinstance(widget, Input):
                texts[spec.name] = widget.value
            elif isinstance(widget, TextArea):
                texts[spec.name] = widget.text
            elif isinstance(widget, Select):
                texts[spec.name] = "" if widget.value is Select.NULL else str(widget.value)
            elif isinstance(widget, RadioSet):
                index = widget.pressed_index
                texts[spec.name] = str(spec.options[index][1]) if index >= 0 else ""
            elif isinstance(widget, Checkbox):
                flags[spec.name] = widget.value
            elif isinstance(widget, SelectionList):
                lists[spec.name] = [str(value) for value in widget.selected]
        return FormValues(texts, flags, lists)

    def check(self, values: FormValues) -> bool:
        """Say under each field what is wrong with it, before anything is written."""
        problems: dict[str, str] = {}
        for spec in self.fields:
            if spec.kind in ("check", "multi"):
                continue
            if spec.required and not values.text(spec.name):
                problems[spec.name] = _("{field} is required").format(field=spec.label)
            elif spec.check is not None:
                try:
                    spec.check(values.texts.get(spec.name, ""))
                except EventdeskError as exc:
                    problems[spec.name] = exc.message
        for spec in self.fields:
            self.show_error(spec.name, problems.get(spec.name, ""))
        first = next((s for s in self.fields if s.name in problems), None)
        if first is not None:
            self.show_problem(shown(self.LOOK.fix_hint))
            self._focus(first)
        return first is None

    def show_error(self, field: str, text: str) -> None:
        """The error line under ``field``; hidden while it is empty."""
        line = self.query_one(f"#{self.LOOK.error_id.format(name=field)}", Label)
        line.update(Content(text))
        line.display = bool(text)

    def show_problem(self, text: str) -> None:
        line = self.query_one(f"#{self.LOOK.problem_id}", Static)
        line.update(Content(text))
        line.display = bool(text) or not self.LOOK.problem_hides

    def refuse(self, field: str | None, text: str) -> None:
        """Say why it was not saved: under its field, or on the problem line."""
        spec = next((s for s in self.fields if field in (s.name, *s.aliases)), None)
        if spec is None:
            self.show_problem(text)
            return
        self.show_error(spec.name, text)
        self.show_problem(shown(self.LOOK.fix_hint))
        self._focus(spec)

    def _focus(self, spec: Field) -> None:
        widget = self.query_one(f"#{self.widget_id(spec)}")
        widget.focus()
        widget.scroll_visible(animate=False)  # at once: a snapshot or a user never sees it glide

    def clear(self) -> None:
        for spec in self.fields:
            self.show_error(spec.name, "")
        self.show_problem("")

    # --- saving -------------------------------------------------------------------------------
    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed)
    def pressed(self, message: Button.Pressed) -> None:
        if message.button.id == self.LOOK.save_id:
            message.stop()
            self.action_save()
        elif message.button.id == self.LOOK.cancel_id:
            message.stop()
            self.action_cancel()

    def action_save(self) -> None:
        if self.saving:
            return
        self.clear()
        values = self.values()
        if not self.check(values):
            return
        self._busy(True)
        self.show_problem(shown(self.LOOK.working))
        self._run(values)

    def _busy(self, saving: bool) -> None:
        self.saving = saving
        self.query_one(f"#{self.LOOK.save_id}", Button).disabled = saving

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def _run(self, values: FormValues) -> None:
        try:
            result = self.action(values)
        except EventdeskError as exc:
            self.post_message(self.Failed(exc.message, exc.field))
            return
        self.post_message(self.Saved(result))

    @on(Saved)
    def saved(self, message: Saved) -> None:
        message.stop()
        self.dismiss(cast(R, message.result))

    @on(Failed)
    def failed(self, message: Failed) -> None:
        message.stop()
        self._busy(False)
        self.show_problem("")
        self.refuse(message.field, message.text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug or a lost database while saving is said on the form, which stays open."""
        if event.worker.group == "form" and event.state == WorkerState.ERROR:
            self._busy(False)
            self.show_problem(_("Something went wrong: {error}").format(error=event.worker.error))

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)
