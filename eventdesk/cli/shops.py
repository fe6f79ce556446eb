"""A shop connected: `shop connect pretix`, `shop sync` (services.data.pretix)."""

from __future__ import annotations

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


def _summary(event: str, done: ShopImport) -> dict[str, object]:
    from eventdesk.services.data.pretix_checkins import Exchanged

    exchanged = done.exchanged or Exchanged()  # a pull always has it
    return {
        "event": event,
        "shop": "pretix",
        "orders": done.orders,
        "tickets": done.created + done.updated + done.unchanged,
        **done.as_json(),
        "pulled": exchanged.pulled,
        "pushed": exchanged.pushed,
        "conflicts": exchanged.conflicts,
        "waiting": exchanged.waiting,
        "refused": exchanged.refused,
        "lists_made": done.lists_made,
        "lists_changed": done.lists_changed,
        "lists_refused": done.lists_refused,
        "last_reached": done.pulled_at.isoformat() if done.pulled_at else None,
    }


def _said(summary: dict[str, object]) -> str:
    return "\n".join(
        [
            _(
                "{event}: {tickets} ticket(s) of {orders} order(s) from pretix ({created} new, "
                "{updated} changed, {gone} cancelled as gone from the shop)"
            ).format(**summary),
            _(
                "check-ins: {pushed} sent to pretix, {pulled} taken from its scanners, "
                "{conflicts} admitted on both sides while apart"
            ).format(**summary),
        ]
    )


def _told(summary: dict[str, object], done: ShopImport) -> str:
    refused = summary["refused"]
    assert isinstance(refused, list)
    lists = [
        # TRANSLATORS: {lists} are check-in lists' short names, as `checkin --list` takes them
        _("check-in lists from pretix: {lists}").format(lists=", ".join(made))
        for made in (done.lists_made + done.lists_changed,)
        if made
    ]
    return "\n".join(
        [_said(summary), *lists, *done.lists_refused, *done.problems, *_refusals(refused)]
    )


def _refusals(refused: list[str]) -> list[str]:
    # TRANSLATORS: {check} is a ticket's code and pretix's reason it refused our check-in
    return [_("refused by pretix: {check}").format(check=each) for each in refused]


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

    pulled = pretix.connect(
        obj.store,
        obj.config.data_dir,
        url,
        organizer=organizer,
        event=event_slug,
        token_file=token_file,
        as_event=as_event,
    )
    summary = _summary(pulled.connection.ours, pulled.done)
    obj.emit(summary, lambda: _told(summary, pulled.done))


@shop.command("sync")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
@organizer_only
def sync(obj: Ctx, event_ref: str) -> None:
    """Pull what the shop has of the event now: new orders, payments, cancellations, names."""
    from eventdesk.services.data import pretix

    connection = pretix.load(obj.config.data_dir, event_ref)
    done = pretix.pull(obj.store, connection)
    pretix.reached(obj.config.data_dir, connection, done)
    summary = _summary(connection.ours, done)
    obj.emit(summary, lambda: _told(summary, done))


@shop.command("status")
@click.argument("event_ref", metavar="EVENT")
@pass_ctx
@organizer_only
def status(obj: Ctx, event_ref: str) -> None:
    """When the shop was last reached, what waits to go up to it, and what it refused."""
    from eventdesk.services.data import pretix

    found = pretix.status(obj.store, obj.config.data_dir, event_ref)
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
    }

    def human() -> str:
        reached = connection.last_reached or _("never")
        lines = [
            _(
                "{event}: pretix {url} ({organizer}/{shop_event}), last reached {reached}; "
                "{waiting} check-in(s) waiting to go up"
            ).format(reached=reached, **summary),
            *_refusals(found.refused),
        ]
        return "\n".join(lines)

    obj.emit(summary, human)


COMMANDS = [shop]
