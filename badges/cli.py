"""The badge command: render one ticket's badge as text, ZPL, ESC/POS or PNG."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from eventdesk.cli.access import desk_only
from eventdesk.cli.common import (
    Ctx,
    pass_ctx,
)
from eventdesk.config import DEFAULT_PRINTER
from eventdesk.errors import InvalidInput
from eventdesk.text import for_terminal


@click.command()
@click.argument("ticket_id", metavar="TICKET")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "zpl", "escpos", "png"]),
    default="text",
    show_default=True,
)
@click.option(
    "--output", type=click.Path(dir_okay=False), help="Write to a file (default: stdout)."
)
@click.option("--printer", help="Take the label size and fonts of this configured printer.")
@click.option(
    "--layout",
    "layout_name",
    metavar="NAME",
    help="A built-in layout: name-company-qr, name-only, qr-only, vip-ribbon (png, escpos).",
)
@pass_ctx
@desk_only
def badge(
    obj: Ctx,
    ticket_id: str,
    fmt: str,
    output: str | None,
    printer: str | None,
    layout_name: str | None,
) -> None:
    """Render a ticket's badge."""
    from badges import load_badge
    from badges.render import options_for, render

    label = obj.config.printer_settings(printer or DEFAULT_PRINTER)
    if layout_name is not None:
        from badges.layout import built_in, render_layout

        data = render_layout(
            load_badge(obj.store, ticket_id),
            built_in(layout_name),
            fmt,
            dpi=label.dpi,
            fonts=label.fonts,
        )
    else:
        data = render(load_badge(obj.store, ticket_id), fmt, **options_for(label))
    if output:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise InvalidInput(
                f"cannot write {output}: {exc.strerror or exc}", field="output"
            ) from None
        obj.emit(
            {"ticket_id": ticket_id.upper(), "format": fmt, "path": output, "bytes": len(data)},
            f"{fmt} badge of {ticket_id.upper()} written to {output} ({len(data):,} bytes)",
        )
        return
    if obj.as_json:
        import base64

        text = fmt in ("text", "zpl")
        obj.emit(
            {
                "ticket_id": ticket_id.upper(),
                "format": fmt,
                "bytes": len(data),
                "encoding": "utf-8" if text else "base64",
                "content": data.decode("utf-8") if text else base64.b64encode(data).decode("ascii"),
            }
        )
        return
    if fmt in ("png", "escpos") and sys.stdout.isatty():
        raise click.UsageError(f"a {fmt} badge is binary: give --output FILE (or pipe it)")
    if sys.stdout.isatty():  # text or ZPL read on a terminal: a name's escapes written out
        data = for_terminal(data.decode("utf-8", "replace"), lines=True).encode("utf-8")
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except OSError as exc:
        raise InvalidInput(
            f"cannot write the badge to standard output: {exc.strerror or exc}", field="output"
        ) from None


COMMANDS = [badge]
