"""The Badges tab: which layout the event's badges print with (its default and each ticket
type's), a preview of the chosen row's badge, drawn as the kiosk draws its answer; set a
layout, import one from a file, and lay the event's badges out on sheets as a PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from eventdesk.errors import EventdeskError
from eventdesk.services.catalogue.badge_layouts import layout_use
from screens.organizer.base import Change, Fetched, ListParams, OrganizerTab, RowList
from screens.widgets.forms import Field, FormValues
from screens.widgets.half_cells import HalfCells

if TYPE_CHECKING:
    from badges.badge import Badge

DEFAULT_ROW = "(event default)"
SAMPLE = ("Ana María López-Villanueva", "Northwind Traders")  # a long name, as real ones are
SORTS = (("surname", "surname"), ("company", "company"), ("ticket type", "ticket"))


class Chosen:
    """A row of the table: a ticket type (None: the event's default) and its layout."""

    def __init__(self, ticket_type: str | None, layout: str, summary: dict[str, Any]) -> None:
        self.ticket_type, self.layout, self.summary = ticket_type, layout, summary


class BadgePreview(Static):
    """A badge's picture in half cells (two dots a cell), fitted to the space it has."""

    DEFAULT_CSS = """
    BadgePreview { width: 1fr; height: 1fr; min-width: 20; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.picture: Any = None

    def show(self, picture: Any) -> None:
        self.picture = picture
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.picture is None or not self.is_mounted:
            return
        cells_w, cells_h = self.content_size
        if cells_w <= 0 or cells_h <= 0:
            return
        width, height = self.picture.size
        scale = min(cells_w / width, (cells_h * 2) / height)
        w, h = max(1, int(width * scale)), max(1, int(height * scale / 2))
        self.update(HalfCells(self.picture, w, h))


class BadgesTab(OrganizerTab):
    """What each ticket type's badge looks like, and sheets of them."""

    TITLE = "Badges"
    COLUMNS = {"badges-table": ("Ticket type", "Layout", "Label (mm)", "Prints")}
    CAN_EDIT = True

    def compose(self) -> ComposeResult:
        yield self.buttons(
            ("Set layout", "badge-set"),
            ("Import layout", "badge-import"),
            ("Sheet PDF", "badge-sheet"),
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
                layout, _, _ = find_layout(store, name)
            except EventdeskError:  # a name no longer known: the row says so
                rows.append(
                    (kind or DEFAULT_ROW, (kind or DEFAULT_ROW, name, "?", "unknown layout"))
                )
                continue
            key = kind or DEFAULT_ROW
            summary = {
                "size": f"{layout.width_mm:g} x {layout.height_mm:g}",
                "prints": ", ".join(
                    dict.fromkeys(e.kind.replace("_", " ") for e in layout.elements)
                ),
            }
            rows.append((key, (key, name, summary["size"], summary["prints"])))
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
        from badges.layout import badge_text, draw, find_layout

        store, event = self.backend.store, self.workspace.event
        assert event is not None
        try:
            _, name, source = find_layout(store, chosen.layout)
        except EventdeskError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        sample = self._sample(event, chosen.ticket_type, name, source)
        picture = draw(sample, _layout_of(sample), dpi=150).convert("RGB")
        missing = uncovered(badge_text(sample))
        said = f"{chosen.ticket_type or 'Every ticket type'}: {name}, {chosen.summary['size']} mm"
        if missing:
            said += f"\nNo font here draws {' '.join(missing)}: install one"

        def shown() -> None:
            self.query_one("#badge-caption", Static).update(Text(said))
            self.query_one("#badge-preview", BadgePreview).show(picture)

        self.app.call_from_thread(shown)

    def _sample(self, event: str, ticket_type: str | None, name: str, source: str | None) -> Badge:
        """A sample badge of the ticket type at the event: a long name, as real ones are (the
        same picture every time, whoever registered first)."""
        from badges.badge import Badge, dates, ribbon_for
        from eventdesk.event_time import event_zone
        from eventdesk.services.catalogue.events import show_event

        info = show_event(self.backend.store, event)
        kind = ticket_type or "Regular"
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
        chosen = self.chosen("badges-table", Chosen, "a ticket type") if event else None
        if event is None or chosen is None:
            return
        from badges.layout import BUILT_IN
        from eventdesk.services.catalogue.badge_layouts import assign_layout

        store, station = self.backend.store, self.backend.station
        kind = chosen.ticket_type

        def change(values: FormValues) -> Change:
            layout = values.text("layout") or None
            assign_layout(store, event, kind or "default", layout, known=BUILT_IN, station=station)
            said = layout or ("the event's default" if kind else "name-company-qr")
            return Change(f"{kind or 'The event'}'s badges print with {said}", ("badges-table",))

        self.form(
            f"Badge layout of {kind or 'the event (its default)'}",
            [
                Field(
                    "layout",
                    "Layout",
                    chosen.layout,
                    kind="select",
                    options=tuple(self._known()),
                    placeholder="the event's default" if kind else "name-company-qr",
                )
            ],
            change,
            note="Import a layout file to add one (badge layout import FILE from the CLI too).",
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
            return Change(f"Layout {found.name} imported", ("badges-table",))

        self.form(
            "Import a badge layout",
            [Field("file", "TOML file", required=True, placeholder="/path/to/layout.toml")],
            change,
            submit="Import",
            note="A logo beside the file is taken in with it.",
        )

    @on(Button.Pressed, "#badge-sheet")
    def badge_sheet(self) -> None:
        event = self.need_event()
        if event is None:
            return
        from badges.sheets import STOCKS, write_sheet
        from eventdesk.services.catalogue import program

        store = self.backend.store
        types = program.list_ticket_types(store, event)
        folder = self.backend.config.data_dir / "badges"

        def change(values: FormValues) -> Change:
            output = values.text("output") or str(folder / f"{event}-sheet.pdf")
            folder.mkdir(parents=True, exist_ok=True)
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
            missing = len(made["missing_glyphs"])
            note = f"; {missing} names need a font this machine lacks" if missing else ""
            return Change(
                f"{made['badges']} badges on {made['pages']} pages -> {made['path']}{note}"
            )

        self.form(
            f"Badges of {event} on sheets",
            [
                Field(
                    "stock",
                    "Stock",
                    "avery-l7418",
                    kind="select",
                    options=tuple((s.title, s.name) for s in STOCKS.values()),
                    required=True,
                ),
                Field(
                    "type",
                    "Ticket type",
                    kind="select",
                    options=tuple((t.name, t.name) for t in types),
                    placeholder="every ticket type",
                ),
                Field("pending", "Only", kind="check", placeholder="not checked in yet"),
                Field("sort", "Sorted by", "surname", kind="select", options=SORTS),
                Field("crop", "Crop marks", kind="check", placeholder="where to cut"),
                Field("output", "PDF file", placeholder=f"badges/{event}-sheet.pdf (data folder)"),
            ],
            change,
            submit="Make PDF",
        )


def _layout_of(badge: Badge) -> Any:
    from badges.layout import layout_of

    return layout_of(badge)
