"""The sheet commands of ``badge``: ``badge sheet`` (an event's badges on sheets of a stock),
``badge stocks`` (the stocks known; ``stocks add FILE.toml`` keeps one) and ``badge calibrate``
(the page that measures a printer's offset). badges.cli adds them to its group."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eventdesk.cli.access import desk_only, organizer_only
from eventdesk.cli.common import Ctx, pass_ctx, table
from eventdesk.config import DEFAULT_PRINTER
from eventdesk.i18n import _, ngettext
from eventdesk.values import number_text

if TYPE_CHECKING:
    from badges.stocks import Stock


def _cut_words(cut: str) -> str:
    # TRANSLATORS: how a sheet stock comes apart (die-cut labels, perforated cards, a guillotine)
    return {
        "die-cut": _("die-cut"),
        "perforated": _("perforated"),
        "guillotine": _("guillotine"),
    }.get(cut, cut)


def _marks_words(kind: str) -> str:
    # TRANSLATORS: what a sheet shows of its cuts: crop marks, lines along the cuts, or none
    return {"marks": _("crop marks"), "cut lines": _("cut lines"), "none": _("none")}.get(
        kind, kind
    )


def stock_row(paper: Stock) -> dict[str, Any]:
    """A stock as the stock commands print it: its measurements, and what its crop marks
    would be."""
    from badges.sheets import cut_plan

    return {**paper.summary(), "crop_marks": cut_plan(paper).kind}


@click.group("stocks", invoke_without_command=True)
@pass_ctx
@click.pass_context
def stocks(ctx: click.Context, obj: Ctx) -> None:
    """The sheet stocks a sheet of badges can be laid out on: built in and added
    (`badge stocks add FILE.toml`)."""
    if ctx.invoked_subcommand is not None:
        return
    from badges.stocks import all_stocks

    rows = [stock_row(s) for s in all_stocks(obj.store)]
    obj.emit(
        rows,
        lambda: table(
            # TRANSLATORS: the headings of the table of sheet stocks
            [_("name"), _("page"), _("badges"), _("badge (mm)"), _("cut"), _("marks"),
             _("what it is")],
            [
                [
                    r["name"],
                    r["page"],
                    f"{r['columns']} x {r['rows']}",
                    f"{r['width_mm']:g} x {r['height_mm']:g}",
                    _cut_words(r["cut"]),
                    _marks_words(r["crop_marks"]),
                    # a built-in's title is marked where the stocks are written (badges.stocks)
                    _(str(r["title"])) if r["origin"] == "built-in" else r["title"],
                ]
                for r in rows
            ],
        ),
    )  # fmt: skip


@stocks.command("add")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
@organizer_only
def stocks_add(obj: Ctx, file: str) -> None:
    """Check a stock file and keep it in the database, for every station."""
    from badges.stocks import add_stock

    kept = add_stock(obj.store, Path(file), station=obj.station)
    row = stock_row(kept)
    obj.emit(
        row,
        _(
            "stock {name} kept: {page}, {columns} x {rows} badges of {width:g} x {height:g} mm, "
            "{cut}"
        ).format(
            name=kept.name,
            page=kept.page,
            columns=kept.columns,
            rows=kept.rows,
            width=row["width_mm"],
            height=row["height_mm"],
            cut=_cut_words(kept.cut),
        ),
    )


@stocks.command("delete")
@click.argument("name")
@pass_ctx
@organizer_only
def stocks_delete(obj: Ctx, name: str) -> None:
    """Forget an added stock."""
    from eventdesk.services.catalogue.badge_stocks import delete_stock

    delete_stock(obj.store, name, station=obj.station)
    obj.emit(
        {"name": name.strip().lower(), "deleted": True},
        _("stock {name} deleted").format(name=name.strip().lower()),
    )


def _offset(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    from badges.sheets import parse_offset

    return None if value is None else parse_offset(value)


@click.command("sheet")
@click.argument("event_ref", metavar="EVENT")
@click.option(
    "--stock",
    "stock_name",
    required=True,
    help="The stock (see `badge stocks`), or a stock file (.toml).",
)
@click.option("--output", type=click.Path(dir_okay=False), required=True, help="FILE.pdf")
@click.option("--layout", "layout_name", metavar="NAME", help="One layout for every badge.")
@click.option("--ticket-type", help="Only this ticket type's badges.")
@click.option("--not-checked-in", is_flag=True, help="Only those not checked in yet.")
@click.option("--tickets", help="Only these tickets: ID,ID,...")
@click.option(
    "--sort",
    type=click.Choice(["surname", "company", "ticket", "none"]),
    default="surname",
    show_default=True,
)
@click.option(
    "--lang",
    "sort_lang",
    metavar="CODE",
    help="Sort names as this language does (sv, da, es...; default: the app's language).",
)
@click.option(
    "--crop-marks",
    is_flag=True,
    help="Marks where to cut, outside the badges (lines along the cuts where there is no room).",
)
@click.option(
    "--offset",
    metavar="X,Y",
    callback=_offset,
    help="Shift everything printed by X,Y mm (instead of the stock's and the printer's).",
)
@click.option("--printer", help="Take the fonts and the offset of this configured printer.")
@pass_ctx
@desk_only
def sheet(
    obj: Ctx,
    event_ref: str,
    stock_name: str,
    output: str,
    layout_name: str | None,
    ticket_type: str | None,
    not_checked_in: bool,
    tickets: str | None,
    sort: str,
    sort_lang: str | None,
    crop_marks: bool,
    offset: tuple[float, float] | None,
    printer: str | None,
) -> None:
    """Lay an event's badges out on sheets of a stock, as a PDF."""
    from badges.sheets import write_sheet

    settings = obj.config.printer_settings(printer or DEFAULT_PRINTER)
    made = write_sheet(
        obj.store,
        event_ref,
        stock_name=stock_name,
        output=output,
        layout_name=layout_name,
        ticket_type=ticket_type,
        not_checked_in=not_checked_in,
        tickets=None if tickets is None else tickets.split(","),
        sort=sort,
        crop_marks=crop_marks,
        fonts=settings.fonts,
        lang=sort_lang,
        offset_mm=offset,
        printer_offset_mm=settings.offset_mm,
    )
    said = [
        # TRANSLATORS: {badges} is "N badges", {pages} "N pages", {stock} a stock's code
        _("{badges} on {pages} of {stock} -> {path} ({size} bytes)").format(
            badges=ngettext("{count} badge", "{count} badges", made["badges"]).format(
                count=number_text(made["badges"])
            ),
            pages=ngettext("{count} page", "{count} pages", made["pages"]).format(
                count=number_text(made["pages"])
            ),
            stock=made["stock"],
            path=output,
            size=number_text(made["bytes"]),
        )
    ]
    if made["note"]:
        said.append(made["note"])
    if any(made["offset_mm"]):
        said.append(
            _("everything shifted by {x} mm across and {y} mm down").format(
                x=f"{made['offset_mm'][0]:g}", y=f"{made['offset_mm'][1]:g}"
            )
        )
    for ticket, warnings in made["warnings"].items():
        said.extend(f"{ticket}: {warning}" for warning in warnings)
    if made["latin"]:
        from badges.fonts import font_advice

        lacking = "".join(dict.fromkeys("".join(made["missing_glyphs"].values())))
        said.append(
            # TRANSLATORS: {characters} are letters no font on this machine has; {fonts} names
            # fonts and the Debian packages holding them
            ngettext(
                "{count} badge prints words in Latin letters ({tickets}): no font here draws "
                "{characters}; install {fonts} to print them as they are written",
                "{count} badges print words in Latin letters ({tickets}): no font here draws "
                "{characters}; install {fonts} to print them as they are written",
                len(made["latin"]),
            ).format(
                count=len(made["latin"]),
                tickets=", ".join(made["latin"]),
                characters=" ".join(lacking),
                fonts=font_advice(lacking),
            )
        )
    obj.emit(made, "\n".join(said))


@click.command("calibrate")
@click.option(
    "--printer",
    default=DEFAULT_PRINTER,
    show_default=True,
    help="The configured printer the page is for (its offset_mm is what the page measures).",
)
@click.option("--stock", "stock_name", help="The stock it goes on (default: a plain page).")
@click.option(
    "--page",
    type=click.Choice(["A4", "Letter"]),
    default="A4",
    show_default=True,
    help="The plain page's size, without --stock.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="FILE.pdf (default: a folder or file printer's own place).",
)
@pass_ctx
@desk_only
def calibrate(
    obj: Ctx, printer: str, stock_name: str | None, page: str, output: str | None
) -> None:
    """A page that shows how far off a printer feeds, and where to put the numbers."""
    from badges.calibrate import write_calibration
    from badges.stocks import find_stock

    settings = obj.config.printer_settings(printer)
    paper = None if stock_name is None else find_stock(obj.store, stock_name)
    made = write_calibration(
        paper,
        settings,
        printer=printer,
        data_dir=obj.config.data_dir,
        output=output,
        page=page,
    )
    obj.emit(
        made,
        "\n".join(
            [
                _("calibration page for {printer} ({page}) -> {path}").format(
                    printer=printer, page=made["stock"] or made["page"], path=made["path"]
                ),
                _(
                    "print it at 100%, measure, and put the offset in eventdesk.toml: "
                    "[printers.{printer}] offset_mm = [x, y]"
                ).format(printer=printer),
            ]
        ),
    )
