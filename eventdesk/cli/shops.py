"""A shop connected: `shop connect pretix`, `shop sync` (services.data.pretix)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from eventdesk.cli.access import organizer_only
from eventdesk.cli.common import Ctx, pass_ctx
from eventdesk.i18n import _

if TYPE_CHECKING:  # loaded with the command that runs
    from eventdesk.services.data.shop_export import ShopImport


@click.group("shop")
def shop() -> None:
    """A shop's event connected to ours: its tickets admitted at our door as it sold them."""


@shop.group("connect")
def connect_group() -> None:
    """Connect a shop's event and import its tickets."""


class _Progress:
    """A line on stderr (a terminal's only) saying how far a pull is: orders read, then
    tickets written, written over in place."""

    def __init__(self, shown: bool) -> None:
        self.shown, self.orders, self.tickets = shown, 0, 0

    def read(self, count: int) -> None:
        self.orders += count
        if self.orders % 50 == 0:  # a page of pretix's answers
            self._say(_("reading pretix's orders: {orders}").format(orders=self.orders))

    def wrote(self, count: int) -> None:
        self.tickets += count
        self._say(
            _("writing tickets: {tickets} of {orders} order(s)").format(
                tickets=self.tickets, orders=self.orders
            )
        )

    def _say(self, text: str) -> None:
        if self.shown:
            click.echo(f"\r{text}\x1b[K", nl=False, err=True)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.shown and (self.orders or self.tickets):
            click.echo(err=True)


def _progress(obj: Ctx) -> _Progress:
    return _Progress(sys.stderr.isatty() and not obj.as_json)


def _told(summary: dict[str, object], done: ShopImport) -> str:
    from eventdesk.services.data.pretix import told

    return "\n".join(told(summary, done))


@connect_group.command("pretix")
@click.argument("url")
@click.option("--organizer", required=True, help="The organizer's short name in pretix.")
@click.option("--event", "event_slug", required=True, help="The event's short name in pretix.")
@click.option(
    "--token-file",
    required=True,
    type=click.Path(dir_okay=False),
    help="A file holding the API token of a pretix team (never typed on the command line).",
)
@click.option("--as", "as_event", metavar="EVENT", help="Our event to import into.")
@pass_ctx
@organizer_only
def connect_pretix(
    obj: Ctx, url: str, organizer: str, event_slug: str, token_file: str, as_event: str | None
) -> None:
    """Connect a pretix event: its products, orders and their tickets imported, each ticket's
    code the one in the shop's QR; `shop sync` pulls again."""
    from eventdesk.services.data import pretix

    with _progress(obj) as progress:
        pulled = pretix.connect(
            obj.store,
            obj.config.data_dir,
            url,
            organizer=organizer,
            event=event_slug,
            token_file=token_file,
            as_event=as_event,
            progress=progress.wrote,
            reading=progress.read,
        )
    summary = pretix.summary(pulled.connection.ours, pulled.done)
    obj.emit(summary, lambda: _told(summary, pulled.done))


@shop.command("sync")
@click.argument("event_ref", metavar="[EVENT]", required=False)
@click.option(
    "--full",
    is_flag=True,
    help="Pull every order, not only those changed since the last pull (a ticket gone from "
    "the shop is cancelled here).",
)
@pass_ctx
@organizer_only
def sync(obj: Ctx, event_ref: str | None, full: bool) -> None:
    """Pull what changed in the shop since the last pull (new orders, payments, cancellations,
    names, check-ins at its gates) and send it our check-ins."""
    from eventdesk.services.data import pretix

    connection = pretix.load(obj.config.data_dir, pretix.chosen(obj.config.data_dir, event_ref))
    with _progress(obj) as progress:
        done = pretix.pull(
            obj.store, connection, progress=progress.wrote, reading=progress.read, full=full
        )
    pretix.reached(obj.config.data_dir, connection, done)
    summary = pretix.summary(connection.ours, done)
    obj.emit(summary, lambda: _told(summary, done))


@shop.command("status")
@click.argument("event_ref", metavar="[EVENT]", required=False)
@pass_ctx
@organizer_only
def status(obj: Ctx, event_ref: str | None) -> None:
    """When the shop was last reached, what waits to go up to it, and what it refused."""
    from eventdesk.services.data import pretix

    ours = pretix.chosen(obj.config.data_dir, event_ref)
    found = pretix.status(obj.store, obj.config.data_dir, ours)
    connection = found.connection
    summary = {
        "event": connection.ours,
        "shop": "pretix",
        "url": connection.url,
        "organizer": connection.organizer,
        "shop_event": connection.event,
        "last_reached": connection.last_reached,
        "waiting": found.waiting,
        "refused": found.refused,
        "conflicts": found.conflicts,
        "lists_refused": connection.lists_refused,
    }

    def human() -> str:
        lines = [
            pretix.status_line(found, found.reached()),
            *connection.lists_refused,
            *pretix.refusals(found.refused),
        ]
        return "\n".join(lines)

    obj.emit(summary, human)


@shop.command("disconnect")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
@organizer_only
def disconnect(obj: Ctx, event_ref: str) -> None:
    """Forget the event's shop at this station, its token with it: nothing is pulled or sent
    any more; the tickets it brought stay the event's."""
    from eventdesk.services.data import pretix

    gone = pretix.disconnect(obj.config.data_dir, event_ref)
    obj.emit(
        {"event": gone.ours, "shop": "pretix", "disconnected": True, "url": gone.url},
        lambda: _(
            "{event}: pretix {url} disconnected at this station (its token deleted); its "
            "tickets stay"
        ).format(event=gone.ours, url=gone.url),
    )


COMMANDS = [shop]
