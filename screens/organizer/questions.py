"""The registration questions of the event worked on (services.people.questions), on the
Program tab under its ticket types: each with its kind, its options, whether it is required,
the ticket types it is asked of and whether it is asked of the order or of each holder; new,
edit, remove."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventdesk.i18n import N_, _
from eventdesk.services.catalogue import program
from eventdesk.services.people import questions
from eventdesk.services.people.questions import KINDS, SEPARATOR, QuestionChange, QuestionInfo
from screens.organizer.base import Change, Fetched, RowList
from screens.widgets.forms import Field, FormValues

if TYPE_CHECKING:
    from screens.organizer.base import OrganizerTab

TABLE = "questions-table"
COLUMNS = (
    # TRANSLATORS: a table heading: a registration question's key (diet, tshirt)
    N_("Key"),
    N_("Question"),
    # TRANSLATORS: a table heading: a registration question's kind (a text, a choice...)
    N_("Kind"),
    # TRANSLATORS: a table heading: whether a registration question must be answered
    N_("Required"),
    N_("Ticket types"),
    # TRANSLATORS: a table heading: asked once an order, or of each ticket's holder
    N_("Asked of"),
)
# A question's kind as a person reads it (the codes: services.people.questions.KINDS).
KIND_LABELS = {
    # TRANSLATORS: a registration question's kind
    "text": N_("a short text"),
    # TRANSLATORS: a registration question's kind
    "longtext": N_("a long text"),
    # TRANSLATORS: a registration question's kind
    "choice": N_("one choice"),
    # TRANSLATORS: a registration question's kind
    "choices": N_("several choices"),
    # TRANSLATORS: a registration question's kind
    "yesno": N_("yes or no"),
    # TRANSLATORS: a registration question's kind
    "number": N_("a number"),
    # TRANSLATORS: a registration question's kind
    "date": N_("a date"),
}
PER_LABELS = {
    # TRANSLATORS: a registration question asked once an order (the buyer answers)
    "order": N_("the order"),
    # TRANSLATORS: a registration question asked of each ticket's holder
    "holder": N_("each holder"),
}


def read_questions(tab: OrganizerTab, event: str) -> Fetched:
    found = questions.list_questions(tab.backend.store, event)
    rows: RowList = [
        (
            q.key,
            (
                q.key,
                q.text,
                _(KIND_LABELS[q.kind]) + (": " + SEPARATOR.join(q.choices) if q.choices else ""),
                _("yes") if q.required else _("no"),
                ", ".join(q.ticket_types) or _("all"),
                _(PER_LABELS[q.per]),
            ),
        )
        for q in found
    ]
    return rows, {q.key: q for q in found}, ""


def _fields(tab: OrganizerTab, event: str, shown: QuestionInfo | None) -> list[Field]:
    types = program.list_ticket_types(tab.backend.store, event)
    return [
        Field(
            "key",
            # TRANSLATORS: a field's label: a registration question's key (diet, tshirt)
            _("Key"),
            shown.key if shown else "",
            required=True,
            disabled=shown is not None,
            # TRANSLATORS: the hint in the empty key field of a registration question
            placeholder=_("a short name: diet, tshirt"),
        ),
        Field(
            "text",
            _("Question"),
            shown.text if shown else "",
            required=True,
            placeholder=_("as the attendee reads it"),
        ),
        Field(
            "kind",
            _("Kind"),
            shown.kind if shown else "text",
            kind="select",
            options=tuple((_(KIND_LABELS[k]), k) for k in KINDS),
            required=True,
        ),
        Field(
            "choices",
            # TRANSLATORS: a field's label: a choice question's options
            _("Options"),
            SEPARATOR.join(shown.choices) if shown else "",
            # TRANSLATORS: the hint in the options field; keep the | between them
            placeholder=_("for a choice: S|M|L"),
        ),
        Field(
            "required",
            _("Required"),
            kind="check",
            checked=bool(shown and shown.required),
            placeholder=_("must be answered"),
        ),
        Field(
            "types",
            _("Ticket types"),
            kind="multi",
            options=tuple((t.name, t.name) for t in types),
            chosen=tuple(shown.ticket_types) if shown else (),
            aliases=("ticket_types", "ticket_type"),
        ),
        Field(
            "per",
            # TRANSLATORS: a field's label: a question asked of the order or of each holder
            _("Asked of"),
            shown.per if shown else "order",
            kind="choice",
            options=tuple((_(PER_LABELS[p]), p) for p in ("order", "holder")),
        ),
    ]


NOTE = N_("Ticket types left unticked: asked of every ticket type.")


def question_new(tab: OrganizerTab) -> None:
    event = tab.need_event()
    if event is None:
        return
    store, station = tab.backend.store, tab.backend.station

    def create(values: FormValues) -> Change:
        made = questions.add_question(
            store,
            event,
            key=values.text("key"),
            text=values.text("text"),
            kind=values.text("kind"),
            choices=[values.text("choices")] if values.text("choices") else [],
            required=values.flag("required"),
            ticket_types=values.chosen("types"),
            per=values.text("per") or "order",
            station=station,
        )
        return Change(_("Question {key} added").format(key=made.key), (TABLE,))

    tab.form(
        _("New registration question of {event}").format(event=event),
        _fields(tab, event, None),
        create,
        submit=_("Add"),
        note=_(NOTE),
    )


def _chosen(tab: OrganizerTab) -> QuestionInfo | None:
    return tab.chosen(TABLE, QuestionInfo, _("Choose a question in the list first."))


def question_edit(tab: OrganizerTab) -> None:
    event = tab.need_event()
    shown = _chosen(tab) if event else None
    if event is None or shown is None:
        return
    store, station = tab.backend.store, tab.backend.station

    def change(values: FormValues) -> Change:
        made = questions.update_question(
            store,
            event,
            shown.key,
            QuestionChange(
                text=values.text("text"),
                kind=values.text("kind"),
                choices=[values.text("choices")] if values.text("choices") else [],
                required=values.flag("required"),
                ticket_types=values.chosen("types"),
                per=values.text("per") or shown.per,
            ),
            station=station,
        )
        return Change(_("Question {key} saved").format(key=made.key), (TABLE,))

    tab.form(
        _("Edit question {key}").format(key=shown.key),
        _fields(tab, event, shown),
        change,
        note=_(NOTE),
    )


def question_remove(tab: OrganizerTab) -> None:
    event = tab.need_event()
    shown = _chosen(tab) if event else None
    if event is None or shown is None:
        return
    store, station = tab.backend.store, tab.backend.station

    def job() -> str:
        questions.remove_question(store, event, shown.key, station=station)
        return _("Question {key} removed").format(key=shown.key)

    tab.confirm(
        _("Remove the question {key} and every answer given to it?").format(key=shown.key),
        _("Remove"),
        lambda: tab.act(job, TABLE),
    )
