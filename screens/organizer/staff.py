"""The Staff tab: staff accounts (organizer, staff, kiosk); add one, reset a PIN, disable; lift
a kiosk's unlock lock."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button

from eventdesk.i18n import N_, _
from eventdesk.labels import label, options
from eventdesk.services.people import auth
from eventdesk.services.people.auth import StaffInfo
from screens.organizer.base import Change, Fetched, ListParams, OrganizerTab, RowList
from screens.widgets.forms import Field, FormValues


class StaffTab(OrganizerTab):
    """Who may sign in at the stations, and as what."""

    TITLE = N_("Staff")
    COLUMNS = {"staff-table": ("#", N_("Name"), N_("Role"), N_("Active"))}
    CAN_NEW = CAN_EDIT = True

    def compose(self) -> ComposeResult:
        yield self.buttons(
            (_("New"), "staff-new"),
            (_("Reset PIN"), "staff-pin"),
            (_("Disable/enable"), "staff-toggle"),
            (_("Lift kiosk lock"), "staff-kiosk-lock"),
        )
        yield self.table("staff-table")

    def new(self) -> None:
        self.staff_new()

    def edit(self) -> None:
        self.staff_pin()

    def read(self, target: str, params: ListParams) -> Fetched:
        found = auth.list_staff(self.backend.store)
        rows: RowList = [
            (
                str(s.id),
                (
                    str(s.id),
                    s.name,
                    label("staff_role", s.role),
                    _("yes") if s.active else _("disabled"),
                ),
            )
            for s in found
        ]
        return rows, {str(s.id): s for s in found}, ""

    @on(Button.Pressed, "#staff-new")
    def staff_new(self) -> None:
        store = self.backend.store
        fields = [
            Field("name", _("Name"), required=True),
            Field(
                "role",
                _("Role"),
                "staff",
                kind="select",
                options=options("staff_role", auth.ROLES),
                required=True,
            ),
            Field("pin", _("PIN"), kind="password", placeholder=_("4-12 digits"), required=True),
        ]

        def create(values: FormValues) -> Change:
            made = auth.add_staff(
                store, name=values.text("name"), role=values.text("role"), pin=values.text("pin")
            )
            return Change(
                _("Staff account {name} ({role}) added").format(
                    name=made.name, role=label("staff_role", made.role)
                ),
                ("staff-table",),
            )

        self.form(_("New staff account"), fields, create, submit=_("Add"))

    @on(Button.Pressed, "#staff-pin")
    def staff_pin(self) -> None:
        info = self._account()
        if info is None:
            return
        store = self.backend.store

        def change(values: FormValues) -> Change:
            made = auth.reset_staff_pin(store, info.id, values.text("pin"))
            return Change(_("New PIN set for {name}").format(name=made.name), ("staff-table",))

        self.form(
            _("Reset the PIN of {name}").format(name=info.name),
            [
                Field(
                    "pin",
                    _("New PIN"),
                    kind="password",
                    placeholder=_("4-12 digits"),
                    required=True,
                )
            ],
            change,
            note=_("This also lifts a lockout after wrong PINs."),
        )

    @on(Button.Pressed, "#staff-toggle")
    def staff_toggle(self) -> None:
        info = self._account()
        if info is None:
            return
        me = self.backend.staff
        if info.active and me is not None and me.id == info.id:
            self.notify(
                _("You cannot disable the account you are signed in with."), severity="error"
            )
            return
        store = self.backend.store

        def job() -> str:
            made = auth.set_staff_active(store, info.id, not info.active)
            if made.active:
                return _("{name} is enabled").format(name=made.name)
            return _("{name} is disabled").format(name=made.name)

        if info.active:
            self.confirm(
                _("Disable {name} ({role})? They can no longer sign in.").format(
                    name=info.name, role=label("staff_role", info.role)
                ),
                _("Disable"),
                lambda: self.act(job, "staff-table"),
            )
        else:
            self.act(job, "staff-table")

    @on(Button.Pressed, "#staff-kiosk-lock")
    def staff_kiosk_lock(self) -> None:
        store = self.backend.store

        def lift(values: FormValues) -> Change:
            station = values.text("station")
            if auth.clear_kiosk_lock(store, station):
                return Change(_("Kiosk {station}: unlock lock lifted").format(station=station), ())
            return Change(
                _("Kiosk {station}: its unlock was not locked").format(station=station), ()
            )

        self.form(
            _("Lift a kiosk's unlock lock"),
            [
                Field(
                    "station",
                    _("Kiosk station"),
                    placeholder=_("its station name"),
                    required=True,
                )
            ],
            lift,
            submit=_("Lift"),
            note=_("Wrong PINs at a kiosk's F12 lock that kiosk's unlock, longer each time."),
        )

    def _account(self) -> StaffInfo | None:
        return self.chosen("staff-table", StaffInfo, _("Choose a staff account in the list first."))
