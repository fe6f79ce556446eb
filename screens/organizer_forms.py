"""The organizer's dialogs: a form built from field specs, and a yes/no question.

A form checks its required fields at once; then its ``action`` runs in a thread worker (the
values are parsed there and the service is called). An ``EventdeskError`` from either comes back
as a message: shown under its field (or at the bottom), nothing saved, the form stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar, cast
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from eventdesk.errors import EventdeskError, InvalidInput
from eventdesk.values import MAX_COUNT, parse_amount

R = TypeVar("R")
FieldKind = Literal["text", "password", "select", "check", "multi"]


@dataclass(frozen=True)
class Field:
    """One row of a form. ``name`` is the service's error field where there is one."""

    name: str
    label: str
    value: str = ""
    kind: FieldKind = "text"
    options: tuple[tuple[str, str], ...] = ()  # (label, value) for select and multi
    chosen: tuple[str, ...] = ()  # the values ticked in a multi
    checked: bool = False
    placeholder: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()  # other error fields that belong here
    disabled: bool = False


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


# --- parsing what was typed (pure: safe on any thread) -----------------------------------------
def whole(text: str, field: str, *, low: int = 0, high: int = MAX_COUNT) -> int | None:
    """A whole number typed in a form; empty is None."""
    value = text.strip().replace("_", "").replace(",", "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(f"{field} must be a whole number", field=field)
    number = int(value)
    if not low <= number <= high:
        raise InvalidInput(f"{field} must be between {low} and {high:,}", field=field)
    return number


def money(text: str, field: str) -> int:
    """An amount such as 12.50, in cents."""
    return parse_amount(text, field)


def local_time(moment: datetime | None, timezone: str, *, iso: bool = False) -> str:
    """A stored UTC time in the event's time zone: '2026-05-14 09:00' (or ISO for a form)."""
    if moment is None:
        return ""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M" if iso else "%Y-%m-%d %H:%M")


# --- the form -----------------------------------------------------------------------------------
class FormScreen(ModalScreen[R | None], Generic[R]):
    """A dialog of fields; dismissed with what ``action`` returned, or None if cancelled."""

    CSS_PATH = "organizer.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
    ]

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

    def __init__(
        self,
        title: str,
        fields: list[Field],
        action: Callable[[FormValues], R],
        *,
        submit: str = "Save",
        note: str = "",
    ) -> None:
        super().__init__()
        self.title_text, self.fields, self.action = title, fields, action
        self.submit_label, self.note = submit, note
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(self.title_text, id="form-title")
            if self.note:
                yield Static(self.note, id="form-note")
            with VerticalScroll(id="form-fields"):
                for spec in self.fields:
                    with Horizontal(classes="form-row"):
                        mark = " *" if spec.required else ""
                        yield Label(f"{spec.label}{mark}", classes="form-label")
                        yield self._widget(spec)
                    yield Static("", id=f"e-{spec.name}", classes="form-error")
            yield Static("", id="form-problem")
            with Horizontal(id="form-buttons"):
                yield Button(self.submit_label, variant="primary", id="form-save", compact=True)
                yield Button("Cancel", id="form-cancel", compact=True)

    def _widget(self, spec: Field) -> Widget:
        wid = f"f-{spec.name}"
        if spec.kind == "select":
            return Select[str](
                spec.options,
                value=spec.value if spec.value else Select.NULL,
                allow_blank=not spec.required,
                prompt=spec.placeholder or "(none)",
                id=wid,
                compact=True,
                disabled=spec.disabled,
            )
        if spec.kind == "check":
            return Checkbox(spec.placeholder, spec.checked, id=wid, compact=True)
        if spec.kind == "multi":
            return SelectionList[str](
                *[(label, value, value in spec.chosen) for label, value in spec.options],
                id=wid,
                classes="form-multi",
            )
        return Input(
            spec.value,
            placeholder=spec.placeholder,
            password=spec.kind == "password",
            id=wid,
            compact=True,
            disabled=spec.disabled,
        )

    def on_mount(self) -> None:
        first = next((s for s in self.fields if not s.disabled), None)
        if first is not None:
            self.query_one(f"#f-{first.name}").focus()

    # --- reading and checking ---------------------------------------------------------------
    def values(self) -> FormValues:
        texts: dict[str, str] = {}
        flags: dict[str, bool] = {}
        lists: dict[str, list[str]] = {}
        for spec in self.fields:
            widget = self.query_one(f"#f-{spec.name}")
            if isinstance(widget, Input):
                texts[spec.name] = widget.value
            elif isinstance(widget, Select):
                texts[spec.name] = widget.value if isinstance(widget.value, str) else ""
            elif isinstance(widget, Checkbox):
                flags[spec.name] = widget.value
            elif isinstance(widget, SelectionList):
                lists[spec.name] = [str(v) for v in widget.selected]
        return FormValues(texts, flags, lists)

    def _say(self, field: str | None, text: str) -> None:
        spec = next((s for s in self.fields if field in (s.name, *s.aliases)), None)
        if spec is None:
            self.query_one("#form-problem", Static).update(text)
            return
        error = self.query_one(f"#e-{spec.name}", Static)
        error.update(text)
        error.display = True
        self.query_one("#form-problem", Static).update("Please correct the field marked above.")
        widget = self.query_one(f"#f-{spec.name}")
        widget.focus()
        widget.scroll_visible()

    def _clear(self) -> None:
        for error in self.query(".form-error").results(Static):
            error.update("")
            error.display = False
        self.query_one("#form-problem", Static).update("")

    # --- saving -----------------------------------------------------------------------------
    @on(Input.Submitted)
    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        if self.saving:
            return
        self._clear()
        values = self.values()
        missing = [
            s
            for s in self.fields
            if s.required and s.kind in ("text", "password", "select") and not values.text(s.name)
        ]
        for spec in reversed(missing):
            self._say(spec.name, f"{spec.label} is required")
        if missing:
            return
        self.saving = True
        self.query_one("#form-save", Button).disabled = True
        self.query_one("#form-problem", Static).update("Saving…")
        self._run(values)

    @work(thread=True, exclusive=True, group="form")
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
        self.saving = False
        self.query_one("#form-save", Button).disabled = False
        self.query_one("#form-problem", Static).update("")
        self._say(message.field, message.text)
        if message.field is None or not any(
            message.field in (s.name, *s.aliases) for s in self.fields
        ):
            self.query_one("#form-problem", Static).update(message.text)

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)
