"""Who is inside now, by name: the stats screen's "Inside now" opened (its key, a click on the
figure, or Enter on it). The names ``report inside`` gives (services.stats.inside), read by a
thread worker: on a station whose server does not answer, from the station's copy, said so.
Esc closes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from eventdesk.errors import DatabaseUnavailable, EventdeskError
from eventdesk.i18n import N_, _
from eventdesk.services.stats.inside import RollCall, since_text, words_for
from screens.terminal import for_screen

NOT_ANSWERING = N_("database not answering")


class InsideScreen(ModalScreen[None]):
    """The roll call on screen; Esc closes it."""

    CSS_PATH = "inside.tcss"
    # TRANSLATORS: a key: close the list of who is inside now
    BINDINGS = [Binding("escape", "close", N_("Close"), id="inside.close")]

    @dataclass
    class Loaded(Message):
        """The roll call, read."""

        call: RollCall

    @dataclass
    class Failed(Message):
        """It could not be read; ``problem`` says why, for a person."""

        problem: str

    def __init__(self, read: Callable[[], RollCall]) -> None:
        """``read``: the roll call, from the station's database or its copy (in a thread)."""
        super().__init__()
        self.read = read
        self.call: RollCall | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="inside-box") as box:
            box.border_title = _("Who is inside now")
            box.border_subtitle = _("Esc closes")
            yield Static(_("loading…"), id="inside-heading", markup=False)
            yield Static("", id="inside-note", markup=False)
            yield DataTable[Text](id="inside-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#inside-table", DataTable)
        # TRANSLATORS: the headings of the table of who is inside now
        table.add_columns(_("name"), _("ticket type"), _("since"), _("station"), _("ticket"))
        table.focus()
        self.read_names()

    @work(thread=True, exclusive=True, group="inside")
    def read_names(self) -> None:
        worker = get_current_worker()
        message: Message
        try:
            message = self.Loaded(self.read())
        except DatabaseUnavailable:
            message = self.Failed(_(NOT_ANSWERING))
        except EventdeskError as exc:
            message = self.Failed(exc.message)
        except (SQLAlchemyError, OSError) as exc:  # busy, locked, a dropped connection
            self.log.warning(f"inside: {exc}")
            message = self.Failed(_(NOT_ANSWERING))
        if not worker.is_cancelled:
            self.post_message(message)

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        call = self.call = message.call
        heading, *rest = words_for(call)
        self.query_one("#inside-heading", Static).update(Text(for_screen(heading), "bold"))
        self.query_one("#inside-note", Static).update(" · ".join(rest))
        table: DataTable[Text] = self.query_one("#inside-table", DataTable)
        table.clear()
        table.add_rows(
            [
                (
                    Text(for_screen(person.name)),
                    Text(for_screen(person.ticket_type)),
                    Text(since_text(call, person.since)),
                    Text(for_screen(person.station) or "?"),
                    Text(person.ticket_id),
                )
                for person in call.people
            ]
        )

    @on(Failed)
    def failed(self, message: Failed) -> None:
        self.query_one("#inside-heading", Static).update(Text(message.problem, style="bold red"))

    def action_close(self) -> None:
        self.dismiss(None)
