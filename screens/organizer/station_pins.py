"""The Stations tab's dialog of staff PINs: after a station is revoked, the accounts whose PIN
it gives away (with why), to reset or keep; then the new PINs, shown this once
(services.stations.exposed_pins, as `station revoke` lists and resets them)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Static

from eventdesk.i18n import N_, _, ngettext
from eventdesk.labels import label
from eventdesk.services.stations.exposed_pins import ExposedAccount, NewPin


class PinsScreen(ModalScreen[bool]):
    """A title, a note, a table of accounts and one or two buttons; dismissed with True when
    ``yes`` (if there is one) is pressed, else False."""

    CSS_PATH = "organizer.tcss"
    BINDINGS = [Binding("escape", "answer(False)", N_("Close"), id="pins.close")]

    def __init__(
        self,
        title: str,
        note: str,
        headings: tuple[str, ...],
        rows: Sequence[tuple[str, ...]],
        *,
        no: str,
        yes: str | None = None,
    ) -> None:
        """Every text translated already."""
        super().__init__()
        self.title_text, self.note = title, note
        self.headings, self.rows = headings, rows
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="pins-box"):
            yield Label(self.title_text, id="pins-title", markup=False)
            yield Static(self.note, id="pins-note", markup=False)
            table: DataTable[Text] = DataTable(id="pins-table", cursor_type="row")
            table.add_columns(*self.headings)
            for row in self.rows:
                table.add_row(*(Text(cell) for cell in row))  # names as typed, not markup
            yield table
            with Horizontal(id="pins-buttons"):
                if self.yes is not None:
                    yield Button(self.yes, variant="warning", id="pins-yes", compact=True)
                yield Button(self.no, variant="primary", id="pins-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#pins-yes" if self.yes is not None else "#pins-no", Button).focus()

    @on(Button.Pressed, "#pins-yes")
    def yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#pins-no")
    def no_pressed(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


def at_risk(station: str, revoked: str, exposed: list[ExposedAccount]) -> PinsScreen:
    """The accounts ``station`` gives away, a row each with why, under ``revoked`` (what
    revoking it did); reset them or keep them."""
    rows: list[tuple[str, ...]] = []
    for account in exposed:
        rows.append((account.name, label("staff_role", account.role), account.why()))
    return PinsScreen(
        _("Staff PINs {station} gives away").format(station=station),
        revoked
        + "\n\n"
        + ngettext(
            "{count} account's PIN can be found with this station's copy and key (a 4-digit "
            "PIN within hours):",
            "{count} accounts' PINs can be found with this station's copy and key (a 4-digit "
            "PIN within hours):",
            len(exposed),
        ).format(count=len(exposed)),
        # TRANSLATORS: the headings of the list of staff accounts a lost station gives away
        (_("Name"), _("Role"), _("Why")),
        rows,
        yes=ngettext("Reset its PIN", "Reset their PINs", len(exposed)),
        no=_("Keep the PINs"),
    )


def new_pins(made: list[NewPin]) -> PinsScreen:
    """The new PINs, shown this once."""
    return PinsScreen(
        # TRANSLATORS: the title of the dialog showing the PINs just reset
        ngettext("The new PIN", "The new PINs", len(made)),
        ngettext(
            "New PIN, shown this once: give it to its person (the old one no longer signs "
            "in; a station whose copy is not refreshed yet still takes the old one offline).",
            "New PINs, shown this once: give each to its person (the old ones no longer sign "
            "in; a station whose copy is not refreshed yet still takes them offline).",
            len(made),
        ),
        (_("Name"), _("Role"), _("New PIN")),
        [(p.name, label("staff_role", p.role), p.pin) for p in made],
        no=_("Close"),
    )
