"""The shops a station holds connections to (services.data.pretix), exchanged with all the time:
the station's `sync` does it once after its own round, and the app and `sync --watch` every
SHOP_EVERY_S seconds in a thread of their own. A shop away (down, slow, busy) or a server away
is said in the round's report and tried again at the next: it never stops a door, nor the
station's own sync."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from eventdesk.db import Store
from eventdesk.errors import EventdeskError
from eventdesk.i18n import _
from eventdesk.services.data import pretix

SHOP_EVERY_S = 60.0  # between two exchanges with each shop, while the app or a watch runs
FULL_EVERY = 30  # a loop's rounds between two full pulls (the others: what changed)


@dataclass(frozen=True)
class ShopRound:
    """One connected event's exchange: what it did (``summary``, pretix.summary's), or why it
    could not (``problem``)."""

    event: str
    summary: dict[str, Any] | None = None
    problem: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"event": self.event, "problem": self.problem, **(self.summary or {})}

    def words(self) -> str:
        if self.problem is not None:
            # TRANSLATORS: {event} is our event's short name, {problem} why its shop was not synced
            return _("shop of {event}: not synced: {problem}").format(
                event=self.event, problem=self.problem
            )
        summary = self.summary or {}
        return _(
            "shop of {event}: {created} new, {updated} changed; {pushed} check-in(s) sent, "
            "{pulled} taken, {waiting} waiting"
        ).format(**{**summary, "event": self.event})


def exchange_all(store: Store, data_dir: Path, *, full: bool = False) -> list[ShopRound]:
    """Every shop this station holds a connection to, pulled from (what changed since the last
    pull, or everything: ``full``) and pushed to once."""
    rounds = []
    for ours in pretix.connected(data_dir):
        try:
            connection = pretix.load(data_dir, ours)
            done = pretix.pull(store, connection, full=full)
            pretix.reached(data_dir, connection, done)
        except EventdeskError as exc:
            rounds.append(ShopRound(ours, problem=exc.message))
        except SQLAlchemyError as exc:  # the server away meanwhile: the next round
            rounds.append(ShopRound(ours, problem=str(exc).splitlines()[0]))
        else:
            rounds.append(ShopRound(ours, summary=pretix.summary(ours, done)))
    return rounds


class ShopLoop(threading.Thread):
    """``exchange_all`` every ``every`` seconds until stopped; ``on_round`` hears each."""

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        *,
        every: float = SHOP_EVERY_S,
        on_round: Callable[[list[ShopRound]], None] | None = None,
    ) -> None:
        super().__init__(name="shops", daemon=True)
        self.store, self.data_dir, self.every = store, data_dir, every
        self.on_round = on_round
        self._halt = threading.Event()
        self.rounds = 0

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        while not self._halt.is_set():
            done = exchange_all(self.store, self.data_dir, full=self.rounds % FULL_EVERY == 0)
            self.rounds += 1
            if self.on_round is not None:
                self.on_round(done)
            self._halt.wait(self.every)
