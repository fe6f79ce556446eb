"""The badge commands: one ticket's badge in any format (``badge TICKET``), its layouts
(``badge layout ...``), sheets of an event's badges (``badge sheet``) and the stocks known."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from eventdesk.cli.access import desk_only, organizer_only
from eventdesk.cli.common import Ctx, pass_ctx, table
from eventdesk.config import DEFAULT_PRINTER
from eventdesk.errors import InvalidInput
from eventdesk.i18n import _, ngettext
from eventdesk.text import for_terminal
from eventdesk.values import number_text

if TYPE_CHECKING:
    from badges.badge import Badge
    from badges.brother import Fitting
    from badges.layout import Layout

FORMATS = ["text", "png", "pdf", "zpl", "escpos", "ql"]
PREVIEWS = ["auto", "text", "image", "kitty", "sixel", "iterm"]  # badges.preview.MODES
BINARY = ("png", "pdf", "escpos", "ql")


class BadgeGroup(click.Group):
    """``badge TICKET [OPTIONS]`` as before, beside ``badge layout|sheet|stocks``: a first
    argument that is not one of the group's commands is a ticket."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = next((a for a in args if a != "--json"), None)  # `badge --json layout list`
        if first is not None and first not in self.commands and first not in ("--help", "-h"):
            args = ["ticket", *_preview_alone(args)]
        return super().parse_args(ctx, args)


def _preview_alone(args: list[str]) -> list[str]:
    """``--preview`` before the ticket and followed by what is not one of its modes (``badge
    --preview TICKET``) as ``--preview=auto``: its mode is optional, and the ticket is not one
    (after the ticket, a wrong mode is said as one)."""
    from badges.preview import MODES

    out, ticket, taken = [], False, False
    for n, arg in enumerate(args):
        after = args[n + 1] if n + 1 < len(args) else None
        if arg == "--preview" and not ticket and (after is None or after not in MODES):
            arg = "--preview=auto"
        elif taken:
            taken = False
        elif arg in ("--format", "--output", "--printer", "--layout", "--preview"):
            taken = arg != "--preview" or (after is not None and after in MODES)
        elif not arg.startswith("-"):
            ticket = True
        out.append(arg)
    return out


@click.group(
    cls=BadgeGroup,
    subcommand_metavar="TICKET [OPTIONS] | COMMAND [ARGS]...",  # not for translation: usage
    help=(
        "Badges: `badge TICKET` renders one ticket's badge (text, png, pdf, zpl, escpos, ql; "
        "--preview draws it here); `badge layout` lists, shows, assigns, imports and exports "
        "layouts; `badge sheet` lays an event's badges out on sheets; `badge stocks` lists "
        "the sheet stocks (`stocks add FILE.toml` adds one); `badge calibrate` prints the "
        "page that measures a printer's offset."
    ),
)
def badge() -> None:
    pass


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise InvalidInput(
            _("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc),
            field="output",
        ) from None


def find_layout(obj: Ctx, name: str) -> tuple[Layout, str, str | None]:
    from badges.layout import find_layout as found

    return found(obj.store, name)


def _stored(obj: Ctx) -> list[Any]:
    from eventdesk.services.catalogue.badge_layouts import stored_layouts

    return stored_layouts(obj.store)


@badge.command("ticket", hidden=True)
@click.argument("ticket_id", metavar="TICKET")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--output", type=click.Path(dir_okay=False), help="Write to a file (default: stdout)."
)
@click.option("--printer", help="Take the label size, fonts and model of this configured printer.")
@click.option(
    "--layout",
    "layout_name",
    metavar="NAME",
    help="A layout (stored, built in, or a .toml file) instead of the ticket's own.",
)
@click.option(
    "--preview",
    type=click.Choice(PREVIEWS),
    is_flag=False,
    flag_value="auto",
    default=None,
    help=(
        "Show the badge in the terminal: its picture where the terminal shows pictures "
        "(Kitty, Sixel, iTerm2), else its words in their places (auto); or say which: text, "
        "image, kitty, sixel, iterm."
    ),
)
@pass_ctx
@desk_only
def ticket_badge(
    obj: Ctx,
    ticket_id: str,
    fmt: str,
    output: str | None,
    printer: str | None,
    layout_name: str | None,
    preview: str | None,
) -> None:
    """Render a ticket's badge."""
    from badges import load_badge
    from badges.render import options_for, rendered

    label = obj.config.printer_settings(printer or DEFAULT_PRINTER)
    made = load_badge(obj.store, ticket_id)
    if layout_name is not None:
        _layout, name, source = find_layout(obj, layout_name)
        made = replace(made, layout=name, layout_source=source or _source_of_file(layout_name))
    if preview is not None:
        _preview(obj, made, preview, options_for(label))
        return
    done = rendered(made, fmt, **options_for(label))
    data, warnings = done.data, done.warnings
    missing = _missing_glyphs(made, label.fonts) if fmt != "text" else ""
    fit = _ql_fitting(made, label.model, label.label) if fmt == "ql" else None
    if fmt == "text":  # a text badge has no layout: it is the same for every ticket
        made = replace(made, layout="text")
    if output:
        _write(output, data)
        obj.emit(
            {
                "ticket_id": ticket_id.upper(),
                "format": fmt,
                "layout": made.layout,
                "path": output,
                "bytes": len(data),
                "missing_glyphs": missing,
                "warnings": warnings,
                **(fit.keys() if fit is not None else {}),
            },
            # TRANSLATORS: {format} is the badge's file format (png, pdf, zpl...)
            _("{format} badge of {ticket} ({layout}) written to {path} ({size} bytes)").format(
                format=fmt,
                ticket=ticket_id.upper(),
                layout=made.layout,
                path=output,
                size=number_text(len(data)),
            )
            + "".join(f"\n{w}" for w in warnings)
            + ("\n" + fit.said if fit is not None else ""),
        )
        return
    if warnings and not obj.as_json:
        click.echo("\n".join(warnings), err=True)
    if fit is not None and not obj.as_json:
        click.echo(fit.said, err=True)
    if obj.as_json:
        import base64

        text = fmt in ("text", "zpl")
        obj.emit(
            {
                "ticket_id": ticket_id.upper(),
                "format": fmt,
                "layout": made.layout,
                "bytes": len(data),
                "missing_glyphs": missing,
                "warnings": warnings,
                **(fit.keys() if fit is not None else {}),
                "encoding": "utf-8" if text else "base64",
                "content": data.decode("utf-8") if text else base64.b64encode(data).decode("ascii"),
            }
        )
        return
    if fmt in BINARY and sys.stdout.isatty():
        raise click.UsageError(
            _("a {format} badge is binary: give --output FILE (or pipe it)").format(format=fmt)
        )
    if sys.stdout.isatty():  # text or ZPL read on a terminal: a name's escapes written out
        data = for_terminal(data.decode("utf-8", "replace"), lines=True).encode("utf-8")
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except OSError as exc:
        raise InvalidInput(
            _("cannot write the badge to standard output: {problem}").format(
                problem=exc.strerror or exc
            ),
            field="output",
        ) from None


def _ql_fitting(made: Badge, model: str | None, label: object) -> Fitting:
    """How the badge goes onto a QL's label: the tape, its printable width, the scale."""
    from badges.brother import DEFAULT_LABEL, DEFAULT_MODEL, ql_fitting

    return ql_fitting(made, model or DEFAULT_MODEL, DEFAULT_LABEL if label is None else str(label))


def _source_of_file(name: str) -> str | None:
    if not name.lower().endswith(".toml"):
        return None
    from badges.layout import read_layout_file

    return read_layout_file(Path(name))[1]


def _missing_glyphs(made: Badge, fonts: tuple[str, ...]) -> str:
    from badges.fonts import uncovered
    from badges.layout import badge_text

    return uncovered(badge_text(made), fonts)


def _preview(obj: Ctx, made: Badge, mode: str, options: dict[str, Any]) -> None:
    """The badge in the terminal: its PNG as a picture where the terminal shows pictures (or
    ``mode`` says which), else its words in their places; the line naming it below."""
    import shutil

    from badges.layout import layout_of
    from badges.preview import choose, text_preview

    fonts = options["fonts"]
    columns, lines = shutil.get_terminal_size((80, 24))
    room = lines - 1 if sys.stdout.isatty() else None  # the line naming it below; piped: any
    kind = choose("text" if obj.as_json and mode == "auto" else mode)
    if kind == "text":
        label = options["label_mm"]  # the printer's labels: the layout fitted to them
        laid = made if label is None else replace(made, label_mm=(label[0], label[1]))
        shown = text_preview(laid, layout_of(laid), columns, room, fonts=fonts)
        drawn = shown.ansi() if sys.stdout.isatty() and not obj.as_json else shown.plain()
    else:
        from badges.preview import cell_pixels, picture_preview
        from badges.render import render

        png = render(made, "png", **options)  # the picture the printer gets
        drawn = picture_preview(png, kind, columns, room, cell_pixels()).rstrip("\n")
    missing = _missing_glyphs(made, fonts)
    if obj.as_json:
        obj.emit(
            {
                "ticket_id": made.ticket_id,
                "layout": made.layout,
                "preview": drawn,
                "mode": kind,
                "missing_glyphs": missing,
            }
        )
        return
    click.echo(drawn)
    from badges.typeset import typeset

    latin = typeset(made, layout_of(made), fonts).latin_warnings if missing else []
    said = f"{made.ticket_id}: {made.name} ({made.layout})" + "".join(f"\n{w}" for w in latin)
    click.echo(for_terminal(said, lines=True))


# --- layouts --------------------------------------------------------------------------------
@badge.group("layout")
def layout_group() -> None:
    """Badge layouts: built in, imported, and which one each ticket type prints with."""


def _layout_summary(layout: Layout, origin: str) -> dict[str, Any]:
    return {
        "name": layout.name,
        "origin": origin,
        "width_mm": layout.width_mm,
        "height_mm": layout.height_mm,
        "elements": [e.kind for e in layout.elements],
    }


@layout_group.command("list")
@click.option("--event", "event_ref", help="Also say which ticket types of EVENT print each.")
@pass_ctx
@desk_only
def layout_list(obj: Ctx, event_ref: str | None) -> None:
    """The layouts known: built in and imported."""
    from badges.layout import BUILT_IN, parse_layout
    from eventdesk.services.catalogue.badge_layouts import layout_use

    rows: dict[str, dict[str, Any]] = {
        name: _layout_summary(layout, "built-in") for name, layout in BUILT_IN.items()
    }
    for stored in _stored(obj):
        try:
            found = parse_layout(stored.source, stored.name)
        except InvalidInput:
            continue
        rows[stored.name] = {**_layout_summary(found, "stored"), "name": stored.name}
    if event_ref is not None:
        use = layout_use(obj.store, event_ref)
        for row in rows.values():
            row["used_by"] = [t for t in use.ticket_types if use.for_type(t) == row["name"]]
            row["event_default"] = (use.default or "name-company-qr") == row["name"]
    listed = sorted(rows.values(), key=lambda r: (r["origin"] != "built-in", r["name"]))
    # TRANSLATORS: where a badge layout comes from: built into eventdesk, or imported and stored
    origins = {"built-in": _("built-in"), "stored": _("stored")}
    obj.emit(
        listed,
        lambda: table(
            # TRANSLATORS: the headings of the table of badge layouts
            [
                _("name"),
                _("origin"),
                _("size (mm)"),
                _("elements"),
                *([_("used by")] if event_ref else []),
            ],
            [
                [
                    r["name"],
                    origins[r["origin"]],
                    f"{r['width_mm']:g} x {r['height_mm']:g}",
                    ", ".join(r["elements"]),
                    *(
                        [
                            ", ".join(
                                ([_("(event default)")] if r.get("event_default") else [])
                                + r.get("used_by", [])
                            )
                        ]
                        if event_ref
                        else []
                    ),
                ]
                for r in listed
            ],
        ),
    )


@layout_group.command("show")
@click.argument("name")
@pass_ctx
@desk_only
def layout_show(obj: Ctx, name: str) -> None:
    """A layout's TOML and what it places."""
    from badges.layout import BUILT_IN_TOML

    found, key, source = find_layout(obj, name)
    text = source if source is not None else BUILT_IN_TOML[key].strip() + "\n"
    obj.emit(
        {**_layout_summary(found, "built-in" if source is None else "stored"), "toml": text},
        text.rstrip(),
    )


@layout_group.command("set")
@click.argument("ticket_type", metavar="TICKET_TYPE")
@click.argument("name", required=False)
@click.option("--event", "event_ref", required=True, help="The event whose ticket type it is.")
@click.option("--clear", is_flag=True, help="Go back to the event's default layout.")
@pass_ctx
@organizer_only
def layout_set(obj: Ctx, ticket_type: str, name: str | None, event_ref: str, clear: bool) -> None:
    """Print TICKET_TYPE's badges with layout NAME ('default' as TICKET_TYPE: the event's)."""
    from badges.layout import BUILT_IN
    from eventdesk.services.catalogue.badge_layouts import assign_layout

    if (name is None) == (not clear):
        raise click.UsageError(_("give a layout NAME, or --clear"))
    use = assign_layout(
        obj.store,
        event_ref,
        ticket_type,
        name,
        known=BUILT_IN,
        station=obj.station,
    )
    obj.emit(
        {"event": use.event, "default": use.default, "ticket_types": use.ticket_types},
        lambda: "\n".join(
            [
                _("{event}: default layout {layout}").format(
                    event=use.event, layout=use.default or "name-company-qr"
                )
            ]
            + [f"  {t}: {use.for_type(t)}" for t in use.ticket_types]
        ),
    )


@layout_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--name", help="Store it under this name (default: the name the file gives).")
@pass_ctx
@organizer_only
def layout_import(obj: Ctx, file: str, name: str | None) -> None:
    """Check a layout file and keep it in the database (a logo beside it is taken in)."""
    import msgspec

    from badges.layout import BUILT_IN, read_layout_file
    from eventdesk.services.catalogue.badge_layouts import save_layout

    found, source = read_layout_file(Path(file))
    if (name or found.name).strip().lower() in BUILT_IN:
        raise InvalidInput(
            _("{name} is a built-in layout's name: import it under another (--name)").format(
                name=(name or found.name).strip().lower()
            ),
            field="layout",
        )
    if name is not None and name.strip().lower() != found.name.strip().lower():
        found = msgspec.structs.replace(found, name=name.strip().lower())
        source = msgspec.toml.encode(found).decode("utf-8")
    kept = save_layout(obj.store, found.name, source, station=obj.station)
    obj.emit(
        {**_layout_summary(found, "stored"), "name": kept.name},
        ngettext(
            "layout {name} kept ({width:g} x {height:g} mm, {count} element)",
            "layout {name} kept ({width:g} x {height:g} mm, {count} elements)",
            len(found.elements),
        ).format(
            name=kept.name,
            width=found.width_mm,
            height=found.height_mm,
            count=len(found.elements),
        ),
    )


@layout_group.command("export")
@click.argument("name")
@click.option("--output", type=click.Path(dir_okay=False), required=True)
@pass_ctx
@desk_only
def layout_export(obj: Ctx, name: str, output: str) -> None:
    """Write a layout's TOML to a file (to edit it, or to import it elsewhere)."""
    from badges.layout import BUILT_IN_TOML

    _layout, key, source = find_layout(obj, name)
    text = source if source is not None else BUILT_IN_TOML[key].lstrip()
    _write(output, text.encode("utf-8"))
    obj.emit({"name": key, "path": output, "bytes": len(text.encode())}, f"{key} -> {output}")


@layout_group.command("delete")
@click.argument("name")
@pass_ctx
@organizer_only
def layout_delete(obj: Ctx, name: str) -> None:
    """Forget an imported layout no ticket type prints with."""
    from eventdesk.services.catalogue.badge_layouts import delete_layout

    delete_layout(obj.store, name, station=obj.station)
    obj.emit(
        {"name": name.strip().lower(), "deleted": True},
        _("layout {name} deleted").format(name=name),
    )


# --- sheets: badges.sheet_cli ----------------------------------------------------------------
def _add_sheet_commands() -> None:
    from badges.sheet_cli import calibrate, sheet, stocks

    for command in (stocks, sheet, calibrate):
        badge.add_command(command)


_add_sheet_commands()

COMMANDS = [badge]
