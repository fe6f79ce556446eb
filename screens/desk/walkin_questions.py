"""The walk-in's registration questions (services.people.questions): a field a question the
event asks of the chosen ticket type, its holder's and its order's alike (a walk-in is one
ticket), with the widget its kind needs: a line of text, a few lines, a choice (in place when
there are few, else a drop-down), several choices, yes/no, a number, a date. A required one is
marked; each answer is checked by the question itself (``QuestionInfo.answer``) and a wrong one is
said under its field before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Collection

from eventdesk.errors import InvalidInput
from eventdesk.i18n import N_, _
from eventdesk.services.people.questions import (
    MAX_LONGTEXT,
    MAX_TEXT,
    SEPARATOR,
    QuestionInfo,
    TypedAnswer,
)
from screens.widgets.forms import Field, FormValues, fitted

IN_PLACE = 3  # a choice of up to this many options is shown in place, more drop down
LABEL_CELLS = 13  # the walk-in's labels' width (desk.tcss)
YES_NO = ((N_("Yes"), "yes"), (N_("No"), "no"))  # (label, value): translated where shown


def field_name(question: QuestionInfo, *, several: bool = False) -> str:
    """The question's field; at a door for ``several`` events, named with its event too (a
    key is unique in its event only)."""
    return f"q-{question.event}-{question.key}" if several else f"q-{question.key}"


def row_id(question: QuestionInfo, *, several: bool = False) -> str:
    return f"walkin-{field_name(question, several=several)}-row"  # not for translation: an id


def required_text(question: QuestionInfo) -> str:
    # TRANSLATORS: under a registration question's field left empty: "Diet: an answer is required"
    return _("{question}: an answer is required").format(question=question.text)


def question_field(
    question: QuestionInfo, check: Callable[[str], object], *, several: bool = False
) -> Field:
    """The field that asks ``question`` (its label cut to the form's column; a text field shows
    the whole question in its hint)."""
    label = fitted(question.text + (" *" if question.required else ""), LABEL_CELLS - 1)
    name, row = field_name(question, several=several), row_id(question, several=several)
    optional = "" if question.required else _("optional")
    if question.kind == "yesno":
        options = tuple((_(text), value) for text, value in YES_NO)
        return Field(name, label, kind="choice", options=options, check=check, row_id=row)
    if question.kind == "choice":
        options = tuple((c, c) for c in question.choices)
        if len(options) <= IN_PLACE:
            return Field(name, label, kind="choice", options=options, check=check, row_id=row)
        # TRANSLATORS: the prompt of a registration question's drop-down of options
        prompt = _("Choose one")
        return Field(
            name, label, kind="select", options=options, placeholder=prompt, check=check, row_id=row
        )
    if question.kind == "choices":
        options = tuple((c, c) for c in question.choices)
        return Field(name, label, kind="multi", options=options, row_id=row)
    if question.kind == "longtext":
        return Field(
            name,
            label,
            kind="area",
            placeholder=" · ".join(p for p in (question.text, optional) if p),
            max_length=MAX_LONGTEXT,
            check=check,
            row_id=row,
        )
    hints = {
        # TRANSLATORS: the hint in a registration question's field that takes a number
        "number": _("a number"),
        # TRANSLATORS: the hint in a registration question's field that takes a date
        "date": _("a date, YYYY-MM-DD"),
    }
    hint = " · ".join(p for p in (question.text, hints.get(question.kind, ""), optional) if p)
    return Field(name, label, placeholder=hint, max_length=MAX_TEXT, check=check, row_id=row)


def check_answer(question: QuestionInfo, text: str, *, several: bool = False) -> object:
    """What was typed for ``question``: required and given, and an answer it takes."""
    name = field_name(question, several=several)
    if not text.strip():
        if question.required:
            raise InvalidInput(required_text(question), field=name)
        return ""
    try:
        return question.answer(text)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=name) from None


def asked(
    questions: Collection[QuestionInfo], type_id: int | None, event: str | None = None
) -> list[QuestionInfo]:
    """The questions asked of a ticket of ``type_id`` (none before a type is chosen); with
    ``event``, of that event's questions only (a door for several events)."""
    if type_id is None:
        return []
    return [q for q in questions if q.asked_of(type_id) and event in (None, q.event)]


def answers_given(
    questions: Collection[QuestionInfo], values: FormValues, *, several: bool = False
) -> list[TypedAnswer]:
    """The answers typed and chosen for ``questions`` (one left empty is no answer)."""
    made = []
    for question in questions:
        name = field_name(question, several=several)
        if question.kind == "choices":
            value = SEPARATOR.join(values.chosen(name))
        else:
            value = values.texts.get(name, "").strip()
        if value:
            made.append(TypedAnswer(question.key, value))
    return made
