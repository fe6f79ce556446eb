"""The Staff tab: staff accounts (organizer, staff, kiosk); add one, reset a PIN, disable; lift
a kiosk's unlock lock."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button

from eventdesk.services.people import auth
from eventdesk.services.people.auth import StaffInfo
from screens.organizer.base import Change, Fetched, ListParams, OrganizerTab, RowList
from screens.widgets.forms import Field, FormValues

ROLES = tuple((role, role) for role in auth.ROLES)


class StaffTab(OrganizerTab):
    """Who may sign in at the stations, and as what."""

    TITLE = "Staff"
    COLUMNS = {"staff-table": ("#", "Name", "Role", "Active")}
    CAN_NEW = CAN_EDIT = True

    def compose(self) -> ComposeResult:
        yield self.buttons(
            ("New", "staff-new"),
            ("Reset PIN", "staff-pin"),
            ("Disable/enable", "staff-toggle"),
            ("Lift kiosk lock", "staff-kiosk-lock"),
        )
        yield self.table("staff-table")

    def new(self) -> None:
        self.staff_new()

    def edit(self) -> None:
        self.staff_pin()

    def read(self, target: str, params: ListParams) -> Fetched:
        found = auth.list_staff(self.backend.store)
        rows: RowList = [
            (str(s.id), (str(s.id), s.name, s.role, "yes" if s.active else "disabled"))
            for s in found
        ]
        return rows, {str(s.id): s for s in found}, ""

    @on(Button.Pressed, "#staff-new")
    def staff_new(self) -> None:
        store = self.backend.store
        fields = [
            Field("name", "Name", required=True),
            Field("role", "Role", "staff", kind="select", options=ROLES, required=True),
            Field("pin", "PIN", kind="password", placeholder="4-12 digits", required=True),
        ]

        def create(values: FormValues) -> Change:
            made = auth.add_staff(
                store, name=values.text("name"), role=values.text("role"), pin=values.text("pin")
            )
            return Change(f"Staff account {made.name} ({made.role}) added", ("staff-table",))

        self.form("New staff account", fields, create, submit="Add")

    @on(Button.Pressed, "#staff-pin")
    def staff_pin(self) -> None:
        info = self.chosen("staff-table", StaffInfo, "a staff account")
        if info is None:
            return
        store = self.backend.store

        def change(values: FormValues) -> Change:
            made = auth.reset_staff_pin(store, info.id, values.text("pin"))
            return Change(f"New PIN set for {made.name}", ("staff-table",))

        self.form(
            f"Reset the PIN of {info.name}",
            [Field("pin", "New PIN", kind="password", placeholder="4-12 digits", required=True)],
            change,
            note="This also lifts a lockout after wrong PINs.",
        )

    @on(Button.Pressed, "#staff-toggle")
    def staff_toggle(self) -> None:
        info = self.chosen("staff-table", StaffInfo, "a staff account")
        if info is None:
            return
        me = self.backend.staff
        if info.active and me is not None and me.id == info.id:
            self.notify("You cannot disable the account you are signed in with.", severity="error")
            return
        store = self.backend.store

        def job() -> str:
            made = auth.set_staff_active(store, info.id, not info.active)
            return f"{made.name} is {'enabled' if made.active else 'disabled'}"

        if info.active:
            self.confirm(
                f"Disable {info.name} ({info.role})? They can no longer sign in.",
                "Disable",
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
                return Change(f"Kiosk {station}: unlock lock lifted", ())
            return Change(f"Kiosk {station}: its unlock was not locked", ())

        self.form(
            "Lift a kiosk's unlock lock",
            [Field("station", "Kiosk station", placeholder="its station name", required=True)],
            lift,
            submit="Lift",
            note="Wrong PINs at a kiosk's F12 lock that kiosk's unlock, longer each time.",
        )
