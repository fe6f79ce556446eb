"""The desk's Override dialog (Ctrl+Y, shown while the banner says a refusal a supervisor may
override): the supervisor (an organizer, or staff given the right), their PIN and a reason
(one of the usual ones, or typed). The door decides again and, when it still refuses, admits
the person with the override marked (services.door.override); the answer says
"Admitted (override by NAME: REASON)". A wrong PIN or an account without the right is said in
the dialog, nothing admitted."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from eventdesk.i18n import N_, _
from eventdesk.services.door.override import REASONS, overrides
from eventdesk.services.door.scan_result import ScanResult
from eventdesk.services.people.auth import StaffInfo
from screens.backend import Backend
from screens.desk.forms import DESK_CSS, DESK_LOOK
from screens.terminal import for_screen
from screens.widgets.forms import Field, FormDialog, FormValues

OTHER = "other"  # the reason's choice: the one typed


def supervisors(backend: Backend) -> list[str]:
    """The names of the accounts that may override (read in a worker: from the server, or
    offline from the station's copy)."""
    from eventdesk.services.stations.signin import staff_to_choose

    listed, _offline = staff_to_choose(backend.store, backend.door_station)
    return [s.name for s in listed if s.active and allowed(s)]


def allowed(staff: StaffInfo) -> bool:
    return overrides(staff.role, staff.can_override)


class OverrideScreen(FormDialog[ScanResult]):
    """Supervisor, PIN and reason; dismissed with the door's new answer."""

    CSS_PATH = DESK_CSS
    LOOK = replace(
        DESK_LOOK,
        field_id="override-{name}",
        problem_id="override-problem",
        save_id="override-save",
        cancel_id="override-back",
    )
    BINDINGS = [Binding("escape", "cancel", N_("Back"), id="desk.override.back")]

    def __init__(self, backend: Backend, refusal: ScanResult, names: list[str]) -> None:
        reasons = tuple((_(reason), reason) for reason in REASONS)
        fields = [
            Field(
                "supervisor",
                # TRANSLATORS: a field's label: who overrides the door's refusal
                _("Supervisor"),
                value=names[0] if len(names) == 1 else "",
                kind="select",
                options=tuple((name, name) for name in names),
                required=True,
            ),
            Field("pin", _("PIN"), kind="password", required=True, max_length=12),
            Field(
                "reason",
                # TRANSLATORS: a field's label: why the refusal is overridden
                _("Reason"),
                value=REASONS[0],
                kind="select",
                # TRANSLATORS: the reason's last choice: the one typed in the field below
                options=(*reasons, (_("other (type it below)"), OTHER)),
                required=True,
            ),
            Field(
                "typed",
                # TRANSLATORS: a field's label: a reason typed instead of a usual one
                _("Other reason"),
                max_length=200,
            ),
        ]
        super().__init__(fields, self.save)
        self.backend, self.refusal = backend, refusal

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="override-box", classes="desk-dialog"):
            # TRANSLATORS: the title of the desk's dialog that admits despite a refusal
            yield Label(_("Override a refusal"), classes="dialog-title")
            said = _("Admit {name} despite: {refusal}").format(
                name=for_screen(self.refusal.attendee or self.refusal.ticket_id or ""),
                refusal=self.refusal.message,
            )
            yield Static(said, id="override-what", markup=False)
            yield from self.compose_fields()
            yield self.problem_line()
            # TRANSLATORS: buttons: admit the person all the same; close the dialog
            yield self.buttons(_("Admit"), _("Back"))

    def save(self, values: FormValues) -> ScanResult:
        """In the form's thread worker: the door's decision, overridden when it refuses."""
        chosen = values.text("reason")
        reason = values.text("typed") if chosen == OTHER or values.text("typed") else chosen
        refusal = self.refusal
        assert refusal.ticket_id is not None
        return self.backend.checkin().override(
            refusal.ticket_id,
            supervisor=values.text("supervisor"),
            pin=values.text("pin"),
            reason=_(reason) if reason in REASONS else reason,
            session_id=refusal.session_id,
        )
