"""The Lists tab: the check-in lists of the event worked on (services.door.lists), each with its
rules in words, how many it admitted and who is inside now; new, edit, delete."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button

from eventdesk.i18n import N_, _, ngettext
from eventdesk.labels import options
from eventdesk.services.catalogue import program
from eventdesk.services.data.holds import door_list_holds
from eventdesk.services.door import list_changes, lists
from eventdesk.services.door.list_changes import ListChange
from screens.organizer.base import Change, Fetched, ListParams, OrganizerTab, RowList, whole
from screens.organizer.exports import chosen_file, suggested
from screens.widgets.forms import Field, FormValues

# (label, value): the labels are translated where they are shown (the entries': eventdesk.labels)
UNPAID = (
    (N_("the event's policy"), ""),
    (N_("admit (collect at the door)"), "admit"),
    # TRANSLATORS: an unpaid ticket at the door: refuse it
    (N_("refuse"), "refuse"),
)

# How questions are typed (the words are the syntax's):
QUESTION_SYNTAX = "key:yesno|text|choice=A|B:Text?[:required]; …"  # not for translation: syntax


class ListsTab(OrganizerTab):
    """What each door admits: ticket types, sessions, days, hours, entries, questions."""

    TITLE = N_("Lists")
    COLUMNS = {"lists-table": (N_("Slug"), N_("Name"), N_("Admitted"), N_("Inside"), N_("Rules"))}
    CAN_NEW = CAN_EDIT = True

    def compose(self) -> ComposeResult:
        yield self.buttons(
            (_("New list"), "list-new"),
            (_("Edit list"), "list-edit"),
            (_("Delete list"), "list-delete"),
            # TRANSLATORS: a button: print the paper door list of the event as a PDF
            (_("Door list PDF"), "door-list"),
        )
        yield self.table("lists-table")

    def new(self) -> None:
        self.list_new()

    def edit(self) -> None:
        self.list_edit()

    def read(self, target: str, params: ListParams) -> Fetched:
        if params.event is None:
            return [], {}, ""
        store = self.backend.store
        found = [
            list_changes.describe(store, r) for r in list_changes.lists_of(store, params.event)
        ]
        rows: RowList = [
            (
                d["slug"],
                (d["slug"], d["name"], str(d["admitted"]), str(d["inside"]), "; ".join(d["rules"])),
            )
            for d in found
        ]
        return rows, {d["slug"]: Described(d) for d in found}, ""

    # --- the form -----------------------------------------------------------------------------
    def _fields(self, event: str, shown: dict[str, Any] | None) -> list[Field]:
        store = self.backend.store
        types = program.list_ticket_types(store, event)
        sessions = program.list_sessions(store, event)
        given = shown or {}
        chosen_types = tuple(t.name for t in types if t.name in (given.get("ticket_types") or ()))
        chosen_sessions = tuple(
            str(s.id) for s in sessions if s.name in (given.get("sessions") or ())
        )
        questions = "; ".join(_question_text(q) for q in given.get("questions") or ())
        return [
            Field(
                "name",
                _("Name"),
                given.get("name", ""),
                required=True,
                disabled=bool(shown and shown["default"]),
            ),
            Field(
                "types",
                _("Ticket types"),
                kind="multi",
                options=tuple((t.name, t.name) for t in types),
                chosen=chosen_types,
                aliases=("ticket_types",),
            ),
            Field(
                "sessions",
                _("Sessions"),
                kind="multi",
                options=tuple((s.name, str(s.id)) for s in sessions),
                chosen=chosen_sessions,
            ),
            Field(
                "entries",
                _("Entries"),
                given.get("entries_set") or "",
                kind="select",
                options=options("entries", lists.ENTRIES),
                placeholder=_("the event's (once, or in and out)"),
            ),
            Field(
                "days",
                _("Days"),
                ",".join(given.get("days") or ()),
                placeholder=_("all (or ISO dates, or day numbers: 1,3)"),
            ),
            Field(
                "hours",
                _("Hours"),
                ", ".join(given.get("hours") or ()),
                placeholder=_("the event's (or 10:00-12:00, 3@09:00-10:00)"),
                aliases=("open",),
            ),
            Field(
                "unpaid",
                _("Unpaid"),
                given.get("unpaid_set") or "",
                kind="select",
                options=tuple((_(label), value) for label, value in UNPAID),
                placeholder=_("the event's policy"),
            ),
            Field(
                "staff",
                _("Needs staff"),
                kind="check",
                checked=bool(given.get("staff_pass")),
                placeholder=_("passes at kiosks too"),
            ),
            Field(
                "gap",
                _("Least gap (min)"),
                str(given.get("min_gap_minutes") or ""),
                # TRANSLATORS: no least gap between two entries
                placeholder=_("none"),
                aliases=("min_gap",),
            ),
            Field(
                "questions",
                _("Questions"),
                questions,
                placeholder=QUESTION_SYNTAX,
                aliases=("question",),
            ),
        ]

    @on(Button.Pressed, "#list-new")
    def list_new(self) -> None:
        event = self.need_event()
        if event is None:
            return
        store = self.backend.store

        def create(values: FormValues) -> Change:
            made = list_changes.create_list(store, event, _change(values, clear=False))
            return Change(
                _("Check-in list {name} ({list}) added").format(name=made.name, list=made.slug),
                ("lists-table",),
            )

        self.form(
            _("New check-in list of {event}").format(event=event),
            self._fields(event, None),
            create,
            submit=_("Add"),
            note=_("Every rule left empty admits as the event does. Times in the event's zone."),
        )

    @on(Button.Pressed, "#list-edit")
    def list_edit(self) -> None:
        event = self.need_event()
        chosen = self._described() if event else None
        if event is None or chosen is None:
            return
        store, shown = self.backend.store, chosen.data

        def change(values: FormValues) -> Change:
            made = list_changes.update_list(
                store, f"{event}/{shown['slug']}", _change(values, clear=True)
            )
            return Change(_("Check-in list {name} saved").format(name=made.name), ("lists-table",))

        self.form(
            _("Edit check-in list {name}").format(name=shown["name"]),
            self._fields(event, shown),
            change,
            note=_("A rule emptied is lifted. Times in the event's zone."),
        )

    @on(Button.Pressed, "#list-delete")
    def list_delete(self) -> None:
        event = self.need_event()
        chosen = self._described() if event else None
        if event is None or chosen is None:
            return
        store, shown = self.backend.store, chosen.data

        def job() -> str:
            list_changes.delete_list(store, f"{event}/{shown['slug']}")
            return _("Check-in list {name} deleted").format(name=shown["name"])

        if shown["default"]:
            question = _("Undo the default list's changes (it admits every valid ticket again)?")
        else:
            question = _("Delete the list {name}, its admissions and answers?").format(
                name=shown["name"]
            )
        self.confirm(question, _("Delete"), lambda: self.act(job, "lists-table"))

    @on(Button.Pressed, "#door-list")
    def door_list(self) -> None:
        """The paper door list of the event (``report door-list``), for the day every machine
        fails: written where the organizer says (offered: the data folder's exports/), and
        said where it went and what it holds."""
        event = self.need_event()
        if event is None:
            return
        store = self.backend.store
        key = self.key("lists-table")  # the list chosen in the table, if it is not the default
        item = self.items["lists-table"].get(key) if key is not None else None
        of_list = item.data if isinstance(item, Described) and not item.data["default"] else None

        def change(values: FormValues) -> Change:
            from badges.door_list import write_door_list
            from eventdesk.services.door.list_paper import list_paper
            from eventdesk.services.stats.door_list import door_list

            on_list = None
            if of_list is not None:
                slug = str(of_list["slug"])

                def on_list(conn: Any, tables: Any, event_id: int) -> Any:
                    return list_paper(conn, tables, event_id, slug)

            listed = door_list(store, event, on_list=on_list)
            with chosen_file(values.text("output")) as path:
                pages, _missing = write_door_list(listed, str(path))
            wrote = ngettext(
                "Door list of {count} tickets written to {path} ({pages} page).",
                "Door list of {count} tickets written to {path} ({pages} pages).",
                pages,
            ).format(count=listed.count, path=path, pages=pages)
            return Change(f"{wrote} {door_list_holds(len(listed.holders))}")

        stem = f"{event}-{of_list['slug']}" if of_list else event
        file_name = f"{stem}-door-list.pdf"  # not for translation: a file's name
        self.form(
            _("Door list of {event}, check-in list {list}").format(
                event=event, list=of_list["name"]
            )
            if of_list
            else _("Door list of {event}").format(event=event),
            [
                Field(
                    "output",
                    _("PDF file"),
                    suggested(self.backend, file_name),
                    required=True,
                )
            ],
            change,
            submit=_("Write PDF"),
            note=_(
                "Every valid ticket's holder, with ticket id and staff notes, for the day every "
                "machine fails: keep the file and the paper safe, and delete the file after the "
                "event."
            ),
        )

    def _described(self) -> Described | None:
        return self.chosen("lists-table", Described, _("Choose a check-in list in the list first."))


class Described:
    """A list as the tab shows it (``list_changes.describe``'s words)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


def _question_text(question: dict[str, Any]) -> str:
    kind = question["kind"]
    if kind == "choice":
        kind = "choice=" + "|".join(question.get("choices", ()))
    tail = ":required" if question.get("required") else ""
    return f"{question['key']}:{kind}:{question['text']}{tail}"


def _change(values: FormValues, *, clear: bool) -> ListChange:
    """What the form says, as a change: an empty rule is left out (new) or lifted (edit)."""
    cleared: list[str] = []

    def given(name: str, rule: str) -> Any:
        value = values.text(name)
        if not value and clear:
            cleared.append(rule)
        return value or None

    types = values.chosen("types")
    sessions = values.chosen("sessions")
    if clear and not types:
        cleared.append("ticket_types")
    if clear and not sessions:
        cleared.append("sessions")
    gap = whole(values.text("gap"), "min_gap", high=24 * 60)
    if clear and gap is None:
        cleared.append("min_gap_minutes")
    questions = [q.strip() for q in values.text("questions").split(";") if q.strip()]
    if clear and not questions:
        cleared.append("questions")
    return ListChange(
        name=values.optional("name"),
        ticket_types=types or None,
        sessions=sessions or None,
        entries=given("entries", "entries"),
        days=given("days", "days"),
        hours=[values.text("hours")] if values.text("hours") else None,
        unpaid=given("unpaid", "unpaid"),
        staff_pass=values.flag("staff"),
        min_gap_minutes=gap,
        questions=questions or None,
        clear=tuple(cleared + (["hours"] if clear and not values.text("hours") else [])),
    )
