"""The Badges tab: which layout the event's badges print with (its default and each ticket
type's), a preview of the chosen row's badge (its words in their places, big enough to read);
set a layout, import one from a file, and lay the event's badges out on sheets as a PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Static

from eventdesk.errors import EventdeskError
from eventdesk.i18n import N_, _, ngettext
from eventdesk.services.catalogue.badge_layouts import layout_use
from eventdesk.services.data.holds import sheet_holds
from screens.organizer.base import Change, Fetched, ListParams, OrganizerTab, RowList
from screens.organizer.exports import chosen_file, suggested
from screens.terminal import for_screen
from screens.widgets.forms import Field, FormValues

if TYPE_CHECKING:
    from badges.badge import Badge
    from badges.layout import Layout
    from badges.preview import TextPreview

DEFAULT_ROW = N_("(event default)")  # the row key; its cell is translated
# A long name, as real ones are:
SAMPLE = ("Ana María López-Villanueva", "Northwind Traders")  # not for translation: a sample
SORTS = (  # (label, value): the labels are translated where they are shown
    (N_("surname"), "surname"),
    (N_("company"), "company"),
    (N_("ticket type"), "ticket"),
)


class Chosen:
    """A row of the table: a ticket type (None: the event's default) and its layout."""

    def __init__(self, ticket_type: str | None, layout: str, summary: dict[str, Any]) -> None:
        self.ticket_type, self.layout, self.summary = ticket_type, layout, summary


class BadgePreview(VerticalScroll):
    """A badge's words in their places (badges.preview.text_preview), as wide as the space it
    has, the blank lines between its elements shortened to fit its height where they can be,
    scrolled where it is still taller: the name in full, the ribbon a reversed band, the QR
    code in half blocks."""

    DEFAULT_CSS = """
    BadgePreview { width: 1fr; height: 1fr; min-width: 20; scrollbar-gutter: stable;
                   scrollbar-size-vertical: 1; }
    BadgePreview > Static { width: auto; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.badge: Badge | None = None
        self.laid: Layout | None = None
        self.picture: TextPreview | None = None  # what it shows, once it shows a badge

    def compose(self) -> ComposeResult:
        yield Static("")

    def show(self, badge: Badge, layout: Layout) -> None:
        """Show ``badge`` by ``layout``, drawn once the screen is laid out (the caption above
        it may have just taken another line)."""
        self.badge, self.laid = badge, layout
        self.call_after_refresh(self._draw)

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.badge is None or self.laid is None or not self.is_mounted:
            return
        width, height = self.scrollable_content_region.size
        if width <= 0 or height <= 0:
            return
        from badges.preview import text_preview

        self.picture = text_preview(self.badge, self.laid, width, height, display=for_screen)
        self.query_one(Static).update(self.picture.rich())


class BadgesTab(OrganizerTab):
    """What each ticket type's badge looks like, and sheets of them."""

    TITLE = N_("Badges")
    COLUMNS = {
        "badges-table": (
            N_("Ticket type"),
            N_("Layout"),
            N_("Label (mm)"),
            # TRANSLATORS: a table heading: what the badge layout prints (name, company, qr)
            N_("Prints"),
        )
    }
    CAN_EDIT = True

    def compose(self) -> ComposeResult:
        yield self.buttons(
            (_("Set layout"), "badge-set"),
            (_("Import layout"), "badge-import"),
            (_("Sheet PDF"), "badge-sheet"),
        )
        with Horizontal(id="badges-body"):
            yield self.table("badges-table")
            with Vertical(id="badges-side"):
                yield Static("", id="badge-caption")
                yield BadgePreview(id="badge-preview")

    def edit(self) -> None:
        self.badge_set()

    def read(self, target: str, params: ListParams) -> Fetched:
        if params.event is None:
            return [], {}, ""
        from badges.layout import find_layout

        store = self.backend.store
        use = layout_use(store, params.event)
        rows: RowList = []
        items: dict[str, object] = {}
        for kind in (None, *use.ticket_types):
            name = (use.default or "name-company-qr") if kind is None else use.for_type(kind)
            try:
                layout, _name, _source = find_layout(store, name)
            except EventdeskError:  # a name no longer known: the row says so
                rows.append(
                    (kind or DEFAULT_ROW, (kind or _(DEFAULT_ROW), name, "?", _("unknown layout")))
                )
                continue
            key = kind or DEFAULT_ROW
            summary = {
                "size": f"{layout.width_mm:g} x {layout.height_mm:g}",
                "prints": ", ".join(
                    dict.fromkeys(e.kind.replace("_", " ") for e in layout.elements)
                ),
            }
            rows.append((key, (kind or _(DEFAULT_ROW), name, summary["size"], summary["prints"])))
            items[key] = Chosen(kind, name, summary)
        return rows, items, ""

    def fill(
        self, target: str, rows: RowList, items: dict[str, object], caption: str | None
    ) -> None:
        super().fill(target, rows, items, caption)
        self._preview()

    @on(DataTable.RowHighlighted, "#badges-table")
    def row_highlighted(self) -> None:
        self._preview()

    def _preview(self) -> None:
        key = self.key("badges-table")
        chosen = self.items["badges-table"].get(key) if key else None
        if not isinstance(chosen, Chosen) or self.workspace.event is None:
            return
        self.run_worker(
            lambda: self._draw(chosen), thread=True, group="badge-preview", exclusive=True
        )

    def _draw(self, chosen: Chosen) -> None:
        from badges.fonts import uncovered
        from badges.layout import badge_text, find_layout

        store, event = self.backend.store, self.workspace.event
        assert event is not None
        try:
            _layout, name, source = find_layout(store, chosen.layout)
        except EventdeskError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        sample = self._sample(event, chosen.ticket_type, name, source)
        laid = _layout_of(sample)
        missing = uncovered(badge_text(sample))
        size = chosen.summary["size"]
        if chosen.ticket_type:
            said = _("{type}: {layout}, {size} mm").format(
                type=chosen.ticket_type, layout=name, size=size
            )
        else:
            said = _("Every ticket type: {layout}, {size} mm").format(layout=name, size=size)
        if missing:
            said += "\n" + _(
                "No font here draws {letters}: they print in Latin letters (install one to print "
                "them as written)"
            ).format(letters=" ".join(missing))

        def shown() -> None:
            self.query_one("#badge-caption", Static).update(Text(said))
            self.query_one("#badge-preview", BadgePreview).show(sample, laid)

        self.app.call_from_thread(shown)

    def _sample(self, event: str, ticket_type: str | None, name: str, source: str | None) -> Badge:
        """A sample badge of the ticket type at the event: a long name, as real ones are (the
        same picture every time, whoever registered first)."""
        from badges.badge import Badge, dates, ribbon_for
        from eventdesk.event_time import event_zone
        from eventdesk.services.catalogue.events import show_event

        info = show_event(self.backend.store, event)
        # TRANSLATORS: the ticket type printed on the preview of the event's default badge
        kind = ticket_type or _("Regular")
        return Badge(
            ticket_id="SAMPLE",
            name=SAMPLE[0],
            company=SAMPLE[1],
            ticket_type=kind,
            ribbon=ribbon_for(kind),
            event=info.title,
            date=dates(info.starts_at, info.ends_at, event_zone(info.timezone)),
            payload="ED1.SAMPLE.PREVIEW",
            layout=name,
            layout_source=source,
        )

    # --- actions ------------------------------------------------------------------------------
    def _known(self) -> list[tuple[str, str]]:
        from badges.layout import BUILT_IN
        from eventdesk.services.catalogue.badge_layouts import stored_layouts

        stored = [s.name for s in stored_layouts(self.backend.store)]
        return [(n, n) for n in sorted({*BUILT_IN, *stored})]

    @on(Button.Pressed, "#badge-set")
    def badge_set(self) -> None:
        event = self.need_event()
        chosen = (
            self.chosen("badges-table", Chosen, _("Choose a ticket type in the list first."))
            if event
            else None
        )
        if event is None or chosen is None:
            return
        from badges.layout import BUILT_IN
        from eventdesk.services.catalogue.badge_layouts import assign_layout

        store, station = self.backend.store, self.backend.station
        kind = chosen.ticket_type

        def change(values: FormValues) -> Change:
            layout = values.text("layout") or None
            assign_layout(store, event, kind or "default", layout, known=BUILT_IN, station=station)
            if kind and not layout:
                said = _("{type}'s badges print with the event's default").format(type=kind)
            elif kind:
                said = _("{type}'s badges print with {layout}").format(type=kind, layout=layout)
            else:
                said = _("The event's badges print with {layout}").format(
                    layout=layout or "name-company-qr"
                )
            return Change(said, ("badges-table",))

        if kind:
            title = _("Badge layout of {type}").format(type=kind)
        else:
            title = _("Badge layout of the event (its default)")
        self.form(
            title,
            [
                Field(
                    "layout",
                    _("Layout"),
                    chosen.layout,
                    kind="select",
                    options=tuple(self._known()),
                    placeholder=_("the event's default") if kind else "name-company-qr",
                )
            ],
            change,
            note=_("Import a layout file to add one (badge layout import FILE from the CLI too)."),
        )

    @on(Button.Pressed, "#badge-import")
    def badge_import(self) -> None:
        from pathlib import Path

        from badges.layout import read_layout_file
        from eventdesk.services.catalogue.badge_layouts import save_layout

        store, station = self.backend.store, self.backend.station

        def change(values: FormValues) -> Change:
            found, source = read_layout_file(Path(values.text("file")).expanduser())
            save_layout(store, found.name, source, station=station)
            return Change(_("Layout {name} imported").format(name=found.name), ("badges-table",))

        self.form(
            _("Import a badge layout"),
            [Field("file", _("TOML file"), required=True, placeholder="/path/to/layout.toml")],
            change,
            submit=_("Import"),
            note=_("A logo beside the file is taken in with it."),
        )

    @on(Button.Pressed, "#badge-sheet")
    def badge_sheet(self) -> None:
        event = self.need_event()
        if event is None:
            return
        from badges.sheets import write_sheet
        from badges.stocks import all_stocks
        from eventdesk.services.catalogue import program

        store = self.backend.store
        types = program.list_ticket_types(store, event)
        stocks = all_stocks(store)

        def change(values: FormValues) -> Change:
            with chosen_file(values.text("output")) as output:
                made = write_sheet(
                    store,
                    event,
                    stock_name=values.text("stock"),
                    output=output,
                    ticket_type=values.text("type") or None,
                    not_checked_in=values.flag("pending"),
                    sort=values.text("sort") or "surname",
                    crop_marks=values.flag("crop"),
                )
            pages = ngettext("{count} page", "{count} pages", made["pages"]).format(
                count=made["pages"]
            )
            said = ngettext(
                "{count} badge on {pages} -> {path}",
                "{count} badges on {pages} -> {path}",
                made["badges"],
            ).format(count=made["badges"], pages=pages, path=made["path"])
            if made["note"]:  # what the crop marks are: marks, lines along the cuts, or none
                said += "; " + made["note"]
            if made["latin"]:  # never printed as boxes: in Latin letters
                said += "; " + ngettext(
                    "{count} badge prints words in Latin letters: this machine lacks their font",
                    "{count} badges print words in Latin letters: this machine lacks their font",
                    len(made["latin"]),
                ).format(count=len(made["latin"]))
            return Change(f"{said}. {sheet_holds(made['badges'])}")

        file_name = f"{event}-sheet.pdf"  # not for translation: a file's name
        self.form(
            _("Badges of {event} on sheets").format(event=event),
            [
                Field(
                    "stock",
                    _("Stock"),
                    "avery-l7418",
                    kind="select",
                    options=tuple(
                        (_(s.title) if s.origin == "built-in" else s.title, s.name) for s in stocks
                    ),
                    required=True,
                ),
                Field(
                    "type",
                    _("Ticket type"),
                    kind="select",
                    options=tuple((t.name, t.name) for t in types),
                    placeholder=_("every ticket type"),
                ),
                # TRANSLATORS: a checkbox's label; its text says "not checked in yet"
                Field("pending", _("Only"), kind="check", placeholder=_("not checked in yet")),
                Field(
                    "sort",
                    _("Sorted by"),
                    "surname",
                    kind="select",
                    options=tuple((_(label), value) for label, value in SORTS),
                ),
                Field("crop", _("Crop marks"), kind="check", placeholder=_("where to cut")),
                Field(
                    "output",
                    _("PDF file"),
                    suggested(self.backend, file_name),
                    required=True,
                ),
            ],
            change,
            submit=_("Make PDF"),
        )


def _layout_of(badge: Badge) -> Any:
    from badges.layout import layout_of

    return layout_of(badge)
