"""The desk's Paper ticks dialog (Ctrl+B): the ticks of the paper door list entered back by
ticket id after every machine failed. The time the paper was ticked is typed once ("21:30", or a
date and time, in the event's zone), then ticket id after ticket id, each answered on its line:
admitted from paper, a conflict (another station admitted it, and when), no such ticket, or
refused and why (cancelled, another event's, a rule of the desk's check-in list, unpaid). Each
is decided for the desk's event(s) and list, as its scans are. The same service as ``checkin
import-ticks`` (services.stations.paper_ticks), in a thread worker: the desk's own login enters
them as its own station, any other as "Paper"."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from eventdesk.errors import EventdeskError
from eventdesk.i18n import N_, _
from eventdesk.outage import is_outage
from eventdesk.services.stations.paper_ticks import Tick, enter_ticks
from screens.backend import Backend
from screens.desk.forms import DESK_CSS

PAPER_STATION = "Paper"  # the station paper ticks are entered as (not for translation: a name)
SHOWN = 8  # answers kept on the dialog, the newest first


class PaperTicksScreen(ModalScreen[None]):
    """Ticket ids typed one after another, each entered as a tick from paper."""

    CSS_PATH = DESK_CSS
    BINDINGS = [Binding("escape", "dismiss", N_("Back"), id="desk.paper-ticks.back")]

    @dataclass
    class Entered(Message):
        """A tick entered (``tick``), or why it was not (``problem``)."""

        ticket: str
        tick: Tick | None = None
        problem: str | None = None

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.said: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="paper-box", classes="desk-dialog"):
            # TRANSLATORS: the title of the desk's dialog that enters the paper door list's ticks
            yield Label(_("Paper ticks"), classes="dialog-title")
            yield Static(
                _(
                    "The ticks of the paper door list, entered by ticket id: type when the paper "
                    "was ticked once, then each ticket id and Enter."
                ),
                id="paper-what",
                markup=False,
            )
            with Horizontal(classes="form-row"):
                # TRANSLATORS: a field's label: when the paper door list was ticked
                yield Label(_("Ticked at"), classes="field")
                yield Input(
                    id="paper-at",
                    compact=True,
                    # TRANSLATORS: the hint in the field of when the paper was ticked
                    placeholder=_("HH:MM, or date and time (event's time zone)"),
                )
            with Horizontal(classes="form-row"):
                yield Label(_("Ticket id"), classes="field")
                yield Input(id="paper-ticket", compact=True)
            yield Static("", id="paper-said", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Back"), id="paper-back", compact=True)

    def on_mount(self) -> None:
        self.query_one("#paper-at", Input).focus()

    @on(Input.Submitted, "#paper-at")
    def at_typed(self) -> None:
        self.query_one("#paper-ticket", Input).focus()

    @on(Input.Submitted, "#paper-ticket")
    def ticket_typed(self) -> None:
        field = self.query_one("#paper-ticket", Input)
        ticket = field.value.strip().upper()
        if not ticket:
            return
        at = self.query_one("#paper-at", Input).value.strip()
        if not at:
            self.query_one("#paper-at", Input).focus()
            self._say(_("Type when the paper was ticked first."))
            return
        field.value = ""
        self.enter(ticket, at)

    @work(thread=True, group="paper-ticks")
    def enter(self, ticket: str, at: str) -> None:
        """In a thread worker: the tick entered; what became of it posted."""
        store = self.backend.store
        try:
            login = store.station_login()
            station = login.station if login is not None else PAPER_STATION
            (tick,) = enter_ticks(
                store,
                [ticket],
                at=at,
                station=station,
                # The desk's door: its event(s) and check-in list, as its scans are decided.
                events=self.backend.admits,
                checkin_list=self.backend.checkin_list,
                operator=self.backend.operator,
                now=self.backend.clock(),
            )
        except EventdeskError as exc:
            self.post_message(self.Entered(ticket, problem=exc.message))
            return
        except Exception as exc:
            if not is_outage(exc):
                raise
            said = _("The server does not answer: enter the ticks when it is back.")
            self.post_message(self.Entered(ticket, problem=said))
            return
        self.post_message(self.Entered(ticket, tick=tick))

    @on(Entered)
    def entered(self, message: Entered) -> None:
        if message.tick is not None:
            self._say(message.tick.words())
        else:
            self._say(f"{message.ticket}: {message.problem}")

    def _say(self, line: str) -> None:
        self.said = [line, *self.said][:SHOWN]
        self.query_one("#paper-said", Static).update("\n".join(self.said))

    @on(Button.Pressed, "#paper-back")
    def back(self) -> None:
        self.dismiss(None)
